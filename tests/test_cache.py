"""The cache: keyed by the inputs, atomic, and never trusted when unreadable."""

import os
import pickle

import pytest

from geodata import GeodataConfig, build_geography, cache


def test_the_same_inputs_give_the_same_key_and_any_parameter_changes_it():
    assert cache.cache_key(GeodataConfig()) == cache.cache_key(GeodataConfig())
    assert cache.cache_key(GeodataConfig()) != cache.cache_key(GeodataConfig(walk_limit_minutes=20))


def test_a_user_file_is_keyed_by_its_content_not_its_name(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("name,postcode,type,owner\nA,PR2 6HN,library,LCC\n")
    first = cache.cache_key(GeodataConfig(sites_file=path))
    path.write_text("name,postcode,type,owner\nB,PR2 6HN,library,LCC\n")
    assert cache.cache_key(GeodataConfig(sites_file=path)) != first


def test_store_then_load_round_trips(tmp_path):
    cache.store(tmp_path, "k", {"a": 1})
    assert cache.load(tmp_path, "k") == {"a": 1}


def test_a_failed_write_leaves_no_partial_file_and_keeps_the_earlier_entry(tmp_path, monkeypatch):
    cache.store(tmp_path, "k", "good")

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pickle, "dump", broken)
    with pytest.raises(OSError):
        cache.store(tmp_path, "k", "newer")
    monkeypatch.undo()
    assert cache.load(tmp_path, "k") == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["geography-k.pickle"]


def test_only_the_most_recently_used_geographies_are_kept(tmp_path):
    for i in range(cache.KEEP + 3):
        path = cache.store(tmp_path, f"k{i}", i)
        os.utime(path, ns=(i * 10**9, i * 10**9))
    kept = sorted(p.name for p in tmp_path.glob("geography-*.pickle"))
    assert len(kept) == cache.KEEP
    assert "geography-k0.pickle" not in kept and f"geography-k{cache.KEEP + 2}.pickle" in kept


def test_a_corrupt_cache_file_is_a_miss_not_a_crash(tmp_path):
    (tmp_path / "geography-k.pickle").write_bytes(b"not a pickle")
    assert cache.load(tmp_path, "k") is None


@pytest.mark.slow
def test_the_second_build_comes_from_the_cache_identical_to_the_first(lancashire, cache_dir, monkeypatch):
    def no_building(*args, **kwargs):
        raise AssertionError("built again instead of reading the cache")

    monkeypatch.setattr("geodata.geography._build", no_building)
    again = build_geography(GeodataConfig(), cache_dir=cache_dir)
    assert again.summary() == lancashire.summary()
    assert len(list(cache_dir.glob("geography-*.pickle"))) >= 1
