"""The cache: keyed by everything that decides a geography, atomic, never trusted when
unreadable, and never the reason a good build fails."""

import errno
import os
import pickle
import platform
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy
import pytest

from geodata import EarlyHelpWarning, GeodataConfig, build_geography, cache, files
from geodata.summary import geography_summary


@pytest.fixture(autouse=True)
def _warn_afresh(monkeypatch):
    """Each test sees the once-per-process warning as a fresh process would."""
    monkeypatch.setattr(cache, "_warned_unwritable", False)


def test_the_same_inputs_give_the_same_key_and_any_parameter_changes_it():
    assert cache.cache_key(GeodataConfig()) == cache.cache_key(GeodataConfig())
    assert cache.cache_key(GeodataConfig()) != cache.cache_key(GeodataConfig(walk_limit_minutes=20))


def _one_byte_changed(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    path.write_bytes(bytes(data))


def test_the_key_follows_the_source_of_the_package(tmp_path, monkeypatch):
    copy = tmp_path / "geodata"
    copy.mkdir()
    for path in cache.SOURCE_DIR.glob("*.py"):
        shutil.copy(path, copy / path.name)
    before = cache.cache_key(GeodataConfig())
    monkeypatch.setattr(cache, "SOURCE_DIR", copy)
    assert cache.cache_key(GeodataConfig()) == before  # a faithful copy: same key
    _one_byte_changed(copy / "spas.py")
    assert cache.cache_key(GeodataConfig()) != before


def test_the_key_follows_the_embedded_data(tmp_path, monkeypatch):
    copies = []
    for path in cache.ALL_FILES:
        copies.append(tmp_path / path.name)
        shutil.copy(path, copies[-1])
    before = cache.cache_key(GeodataConfig())
    monkeypatch.setattr(cache, "ALL_FILES", tuple(copies))
    assert cache.cache_key(GeodataConfig()) == before
    _one_byte_changed(tmp_path / "lcc_register_sites.csv")
    assert cache.cache_key(GeodataConfig()) != before


def test_the_key_names_the_library_and_python_versions_and_follows_them(monkeypatch):
    parts = cache.key_parts(GeodataConfig())
    assert sorted(parts) == ["code", "config", "embedded", "format", "libraries", "python", "user_files"]
    assert parts["python"] == platform.python_version()
    assert parts["libraries"]["numpy"] == numpy.__version__
    assert list(parts["libraries"]) == list(cache.LIBRARIES)
    before = cache.cache_key(GeodataConfig())
    real = cache.version
    monkeypatch.setattr(cache, "version", lambda name: "99.0" if name == "shapely" else real(name))
    assert cache.cache_key(GeodataConfig()) != before
    monkeypatch.undo()
    monkeypatch.setattr(cache.platform, "python_version", lambda: "3.99.0")
    assert cache.cache_key(GeodataConfig()) != before


def test_a_user_file_is_keyed_by_its_content_not_its_name(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name,postcode,type,owner\nA,PR2 6HN,library,LCC\n")
    first = cache.cache_key(GeodataConfig(sites_file=path))
    path.write_text("name,postcode,type,owner\nB,PR2 6HN,library,LCC\n")
    assert cache.cache_key(GeodataConfig(sites_file=path)) != first


def test_store_then_load_round_trips(tmp_path):
    cache.store(tmp_path, "k", {"a": 1})
    assert cache.load(tmp_path, "k", dict) == {"a": 1}


def test_an_entry_holding_another_kind_of_object_is_a_miss(tmp_path):
    cache.store(tmp_path, "k", ["not", "a", "geography"])
    assert cache.load(tmp_path, "k", dict) is None
    assert cache.load(tmp_path, "k", list) == ["not", "a", "geography"]


def test_a_missing_entry_is_a_miss(tmp_path):
    assert cache.load(tmp_path, "k", dict) is None
    assert cache.load(tmp_path / "no" / "folder", "k", dict) is None


def test_a_read_only_cache_still_serves_its_entries(tmp_path, monkeypatch):
    cache.store(tmp_path, "k", {"a": 1})

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "touch", read_only)
    assert cache.load(tmp_path, "k", dict) == {"a": 1}


def test_a_failed_write_warns_leaves_no_partial_file_and_keeps_the_earlier_entry(tmp_path, monkeypatch):
    cache.store(tmp_path, "k", "good")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pickle, "dump", disk_full)
    with pytest.warns(EarlyHelpWarning) as said:
        assert cache.store(tmp_path, "k", "newer") is None
    monkeypatch.undo()
    assert [str(w.message) for w in said] == [
        (
            f"cannot keep built geographies in the cache folder {tmp_path} (no space left on device); "
            "the run goes on without it: set EARLYHELP_CACHE=DIR or pass --cache-dir DIR to use "
            "another folder, or --no-cache"
        )
    ]
    assert cache.load(tmp_path, "k", str) == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["geography-k.pickle"]


def test_a_cache_setting_that_names_a_file_warns_once_and_leaves_the_file_alone(tmp_path, monkeypatch):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    monkeypatch.setenv(cache.CACHE_ENV, str(notes))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        stored = [cache.store(cache.default_cache_dir(), key, {"a": 1}) for key in ("k", "k2")]
    assert stored == [None, None]
    assert [(w.category, str(w.message)) for w in said] == [
        (
            EarlyHelpWarning,
            (
                f"cannot keep built geographies in the cache folder {notes} (it is a file, not a "
                "folder); the run goes on without it: set EARLYHELP_CACHE=DIR or pass --cache-dir "
                "DIR to use another folder, or --no-cache"
            ),
        )
    ]
    assert notes.read_text() == "my notes"
    assert cache.load(cache.default_cache_dir(), "k", dict) is None


def test_a_read_only_cache_folder_warns_and_does_not_fail(tmp_path, monkeypatch):
    # Permissions do not bind root, so the read-only file system is simulated where files are made.
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(cache.tempfile, "mkstemp", read_only)
    with pytest.warns(EarlyHelpWarning, match=r"\(read-only file system\); the run goes on without it"):
        assert cache.store(tmp_path, "k", {"a": 1}) is None
    assert list(tmp_path.iterdir()) == []


def test_partial_files_of_stopped_writers_are_removed_and_those_of_running_ones_kept(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    stopped = tmp_path / f".partial-{process.pid}-abcd1234.pickle"
    running = tmp_path / f".partial-{os.getpid()}-efgh5678.pickle"
    unknown = tmp_path / ".partial-abcd1234.pickle"  # no process id: cannot tell, so kept
    for path in (stopped, running, unknown):
        path.write_bytes(b"half")
    cache.store(tmp_path, "k", 1)
    kept = sorted(["geography-k.pickle", running.name, unknown.name])
    assert sorted(p.name for p in tmp_path.iterdir()) == kept


def test_a_partial_file_names_its_writer_so_a_later_run_can_tell_it_is_stale(tmp_path, monkeypatch):
    seen = []
    real_dump = pickle.dump

    def looking(*args, **kwargs):
        seen.extend(p.name for p in tmp_path.iterdir())
        real_dump(*args, **kwargs)

    monkeypatch.setattr(pickle, "dump", looking)
    cache.store(tmp_path, "k", 1)
    assert len(seen) == 1 and re.fullmatch(rf"\.partial-{os.getpid()}-[a-z0-9_]+\.pickle", seen[0])


def test_a_process_of_another_user_counts_as_running(monkeypatch):
    def not_allowed(pid, signal):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(files.os, "kill", not_allowed)
    assert files.process_alive(12345) is True


def test_only_the_most_recently_used_geographies_are_kept(tmp_path):
    for i in range(cache.KEEP + 3):
        path = cache.store(tmp_path, f"k{i}", i)
        os.utime(path, ns=(i * 10**9, i * 10**9))
    kept = sorted(p.name for p in tmp_path.glob("geography-*.pickle"))
    assert len(kept) == cache.KEEP
    assert "geography-k0.pickle" not in kept and f"geography-k{cache.KEEP + 2}.pickle" in kept


def test_a_corrupt_cache_file_is_a_miss_not_a_crash(tmp_path):
    (tmp_path / "geography-k.pickle").write_bytes(b"not a pickle")
    assert cache.load(tmp_path, "k", dict) is None


@pytest.mark.slow
def test_the_second_build_comes_from_the_cache_identical_to_the_first(lancashire, cache_dir, monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("built again instead of reading the cache")

    monkeypatch.setattr("geodata.geography._build", no_building)
    again = build_geography(GeodataConfig(), cache_dir=cache_dir)
    assert geography_summary(again) == geography_summary(lancashire)
    assert len(list(cache_dir.glob("geography-*.pickle"))) >= 1
