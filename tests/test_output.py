"""Results folders: replaced whole on success, untouched on failure, never someone else's."""

import ctypes
import errno
import json
import os
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from xml.etree import ElementTree

import pytest
from matplotlib.figure import Figure

from earlyhelp import output, style
from earlyhelp.output import (
    MARKER,
    OutputError,
    check_results_target,
    replacing_directory,
    replacing_file,
    terminate_as_interrupt,
)
from geodata.errors import EarlyHelpError, EarlyHelpWarning

pytestmark = pytest.mark.filterwarnings("error::geodata.errors.EarlyHelpWarning")  # only where said


def _results(target, **files):
    """Earlier results written by earlyhelp itself (so they carry the marker)."""
    with replacing_directory(target) as work:
        for name, text in files.items():
            (work / name).write_text(text)
    return target


def _contents(folder):
    return {p.name: p.read_text() for p in folder.iterdir() if p.name != MARKER}


def _pid_of_a_finished_process():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_successful_run_replaces_the_folder_whole(tmp_path):
    target = _results(tmp_path / "results", **{"stale.csv": "old"})
    with replacing_directory(target) as work:
        (work / "fresh.csv").write_text("new")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "fresh.csv"]
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_failed_run_leaves_the_earlier_results_intact(tmp_path):
    target = _results(tmp_path / "results", **{"good.csv": "earlier results"})
    with pytest.raises(RuntimeError), replacing_directory(target) as work:
        (work / "half.csv").write_text("half")
        raise RuntimeError("the solver fell over")
    assert _contents(target) == {"good.csv": "earlier results"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_results_folder_carries_a_marker_naming_the_tool(tmp_path):
    target = _results(tmp_path / "results")
    marker = json.loads((target / MARKER).read_text())
    assert marker["tool"] == "earlyhelp"
    assert marker["version"] == version("earlyhelp")
    assert marker["created"].endswith("+00:00")


def _a_file(path):
    path.write_text("my notes")


def _a_folder_of_mine(path):
    path.mkdir()
    (path / "thesis.docx").write_text("two years of work")


def _a_link(path):
    (path.parent / "elsewhere").mkdir()
    (path.parent / "elsewhere" / MARKER).write_text("{}")
    path.symlink_to(path.parent / "elsewhere")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_a_file, "is a file, not a results folder"),
        (_a_folder_of_mine, f"holds files that earlyhelp did not write (it has no {MARKER})"),
        (_a_link, "is a link"),
    ],
)
def test_a_target_earlyhelp_did_not_write_is_refused_before_any_work(tmp_path, make, why):
    target = tmp_path / "results"
    make(target)
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    with pytest.raises(OutputError) as refused:
        check_results_target(target)
    assert str(refused.value).startswith(f"{target} {why}")
    assert str(refused.value).endswith(": choose a new folder or an empty one")
    assert isinstance(refused.value, EarlyHelpError)
    ran = []
    with pytest.raises(OutputError), replacing_directory(target):
        ran.append(True)
    assert ran == []
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_an_empty_folder_may_be_used(tmp_path):
    (tmp_path / "results").mkdir()
    with replacing_directory(tmp_path / "results") as work:
        (work / "a.csv").write_text("new")
    assert _contents(tmp_path / "results") == {"a.csv": "new"}


def test_a_folder_filled_by_someone_else_during_the_run_is_not_replaced(tmp_path):
    target = tmp_path / "results"
    with (
        pytest.raises(OutputError, match="holds files that earlyhelp did not write"),
        replacing_directory(target) as work,
    ):
        (work / "a.csv").write_text("new")
        _a_folder_of_mine(target)
    assert _contents(target) == {"thesis.docx": "two years of work"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_on_linux_the_two_folders_are_exchanged_in_one_step(tmp_path, monkeypatch):
    if output._renameat2() is None:
        pytest.skip("no renameat2 here: the fallback is tested below")
    target = _results(tmp_path / "results", **{"a.csv": "old"})

    def no_rename(*args):
        raise AssertionError("renamed in two steps instead of exchanging")

    monkeypatch.setattr(os, "rename", no_rename)
    with replacing_directory(target) as work:
        (work / "a.csv").write_text("new")
    assert _contents(target) == {"a.csv": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def _renameat2_failing_with(code):
    def renameat2(*args):
        ctypes.set_errno(code)
        return -1

    return lambda: renameat2


def test_where_the_exchange_is_unsupported_two_renames_replace_the_folder(tmp_path, monkeypatch):
    target = _results(tmp_path / "results", **{"a.csv": "old"})
    monkeypatch.setattr(output, "_renameat2", _renameat2_failing_with(errno.EINVAL))
    with replacing_directory(target) as work:
        (work / "a.csv").write_text("new")
    assert _contents(target) == {"a.csv": "new"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_an_exchange_that_fails_for_another_reason_raises_and_keeps_the_old_results(tmp_path, monkeypatch):
    target = _results(tmp_path / "results", **{"a.csv": "old"})
    monkeypatch.setattr(output, "_renameat2", _renameat2_failing_with(errno.EACCES))
    with pytest.raises(PermissionError), replacing_directory(target) as work:
        (work / "a.csv").write_text("new")
    assert _contents(target) == {"a.csv": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_when_the_second_rename_fails_the_old_results_are_put_back(tmp_path, monkeypatch):
    target = _results(tmp_path / "results", **{"a.csv": "old"})
    monkeypatch.setattr(output, "_renameat2", _renameat2_failing_with(errno.ENOSYS))
    real_rename = os.rename

    def rename(source, destination):
        if ".partial-" in os.fspath(source):
            raise OSError(errno.EIO, "Input/output error")
        real_rename(source, destination)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="Input/output error"), replacing_directory(target) as work:
        (work / "a.csv").write_text("new")
    assert _contents(target) == {"a.csv": "old"}
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_results_left_aside_by_a_stopped_swap_are_restored_and_said_so(tmp_path):
    old = _results(tmp_path / ".results.earlyhelp-old", **{"a.csv": "old"})
    with pytest.warns(EarlyHelpWarning) as said:
        check_results_target(tmp_path / "results")
    assert [str(w.message) for w in said] == [
        (
            f"{tmp_path / 'results'} was restored from .results.earlyhelp-old: an earlier run was "
            "stopped while replacing it, so it holds the results from before that run"
        )
    ]
    assert not old.exists()
    assert _contents(tmp_path / "results") == {"a.csv": "old"}


def test_the_old_copy_of_a_finished_swap_is_removed(tmp_path):
    _results(tmp_path / "results", **{"a.csv": "new"})
    _results(tmp_path / "elsewhere", **{"a.csv": "old"}).rename(tmp_path / ".results.earlyhelp-old")
    check_results_target(tmp_path / "results")
    assert [p.name for p in tmp_path.iterdir()] == ["results"]
    assert _contents(tmp_path / "results") == {"a.csv": "new"}


def test_a_folder_named_like_the_old_copy_but_not_ours_is_left_alone(tmp_path):
    _a_folder_of_mine(tmp_path / ".results.earlyhelp-old")
    _results(tmp_path / "results", **{"a.csv": "new"})
    check_results_target(tmp_path / "results")
    assert _contents(tmp_path / ".results.earlyhelp-old") == {"thesis.docx": "two years of work"}


def test_unfinished_copies_of_stopped_runs_are_removed_and_nothing_else(tmp_path):
    dead, alive = _pid_of_a_finished_process(), os.getpid()
    stale = tmp_path / f".results.partial-{dead}-abcd1234"
    stale.mkdir()
    (stale / "half.csv").write_text("half")
    running = tmp_path / f".results.partial-{alive}-efgh5678"
    running.mkdir()
    look_alike = tmp_path / ".results.partial-mine"
    look_alike.mkdir()
    other_target = tmp_path / f".other.partial-{dead}-abcd1234"
    other_target.mkdir()
    (tmp_path / f".results.partial-{dead}-link0000").symlink_to(look_alike)
    with pytest.warns(EarlyHelpWarning) as said, replacing_directory(tmp_path / "results"):
        pass
    assert [str(w.message) for w in said] == [
        f"removed 1 unfinished copy of {tmp_path / 'results'} left by runs that were stopped: {stale.name}"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".results.partial-{dead}-link0000", look_alike.name, other_target.name, running.name, "results"]
    )


def test_an_unfinished_file_of_a_stopped_run_is_removed(tmp_path):
    stale = tmp_path / f".chart.png.partial-{_pid_of_a_finished_process()}-abcd1234.tmp"
    stale.write_bytes(b"half")
    with (
        pytest.warns(EarlyHelpWarning, match="removed 1 unfinished copy"),
        replacing_file(tmp_path / "chart.png") as stream,
    ):
        stream.write(b"chart")
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_replaced_folders_and_files_get_normal_permissions(tmp_path):
    previous = os.umask(0o022)
    try:
        with replacing_directory(tmp_path / "results"):
            pass
        with replacing_file(tmp_path / "chart.png") as stream:
            stream.write(b"chart")
    finally:
        os.umask(previous)
    assert oct((tmp_path / "results").stat().st_mode & 0o7777) == oct(0o755)
    assert oct((tmp_path / "results" / MARKER).stat().st_mode & 0o7777) == oct(0o644)
    assert oct((tmp_path / "chart.png").stat().st_mode & 0o7777) == oct(0o644)


def test_a_file_is_replaced_only_when_fully_written(tmp_path):
    target = tmp_path / "chart.png"
    target.write_bytes(b"good")
    with pytest.raises(ValueError), replacing_file(target) as stream:
        stream.write(b"ha")
        raise ValueError("rendering failed")
    assert target.read_bytes() == b"good"
    with replacing_file(target) as stream:
        stream.write(b"better")
    assert target.read_bytes() == b"better"
    assert [p.name for p in tmp_path.iterdir()] == ["chart.png"]


def test_sigterm_inside_the_block_is_an_interrupt_and_the_handler_is_restored_after():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt, match="stopped by SIGTERM"), terminate_as_interrupt():
        os.kill(os.getpid(), signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_ignored_hangup_stays_ignored():
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with terminate_as_interrupt():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            os.kill(os.getpid(), signal.SIGHUP)  # ignored: no interrupt
    finally:
        signal.signal(signal.SIGHUP, previous)


# --- charts: the format the extension names, and nothing else -------------------------------


def _figure():
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    return fig


def test_a_chart_is_saved_in_the_format_its_extension_names(tmp_path):
    assert style.save(_figure(), tmp_path / "chart.pdf").read_bytes().startswith(b"%PDF-")
    svg = ElementTree.parse(style.save(_figure(), tmp_path / "chart.SVG")).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert style.save(_figure(), tmp_path / "chart.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert [style.figure_format(n) for n in ("a.png", "b.PDF", "c.svg")] == ["png", "pdf", "svg"]


@pytest.mark.parametrize("name", ["notes.txt", "notes"])
def test_a_chart_is_never_written_over_a_file_that_is_not_a_chart(tmp_path, name):
    notes = tmp_path / name
    notes.write_text("my notes")
    with pytest.raises(OutputError) as refused:
        style.save(_figure(), notes)
    found = ", not '.txt'" if name == "notes.txt" else " and this name has no extension"
    expected = f"{notes}: a chart is saved as .png, .pdf or .svg{found}: name the file e.g. notes.png"
    assert str(refused.value) == expected
    assert notes.read_text() == "my notes"
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_a_chart_is_not_saved_over_a_folder(tmp_path):
    (tmp_path / "chart.png").mkdir()
    with pytest.raises(OutputError, match=r"chart.png is a folder: name a chart file in it"):
        style.figure_format(tmp_path / "chart.png")


@pytest.mark.parametrize("fmt", style.FIGURE_FORMATS)
def test_the_same_chart_saved_on_another_day_is_the_same_bytes(tmp_path, fmt, monkeypatch):
    paths = []
    for i, epoch in enumerate(("1767225600", "1798761600")):  # 1 Jan 2026, 1 Jan 2027
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)  # what matplotlib stamps as the date
        paths.append(style.save(_figure(), tmp_path / f"chart{i}.{fmt}"))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_a_place_under_a_file_is_refused_before_any_work(tmp_path):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("mine")
    for check in (check_results_target, style.figure_format):
        with pytest.raises(OutputError, match=r"notes.txt is a file, not a folder"):
            check(blocker / "deeper" / "out.png")
    assert blocker.read_text() == "mine"


def test_a_folder_this_user_may_not_write_in_is_refused_before_any_work(tmp_path, monkeypatch):
    # as root, permissions do not bind; what the check asks the system is what is tested
    monkeypatch.setattr(output.os, "access", lambda path, mode: Path(path) != tmp_path)
    with pytest.raises(OutputError, match=f"may not write in {tmp_path}"):
        check_results_target(tmp_path / "results")
    with pytest.raises(OutputError, match=f"may not write in {tmp_path}"):
        style.figure_format(tmp_path / "new" / "map.png")
