"""A user's earlier results and unrelated folders survive every kill point.

A small writer runs in a child process that kills itself (SIGKILL: no cleanup at all) just
before its Nth step: writing the results, exchanging or renaming folders, removing the old
copy (half removed: its marker is already gone) and after finishing. After each kill the
target holds the old or the new complete results, or the old ones lie aside for the next run
to restore, which says so; unrelated folders are untouched; and the next run leaves nothing
stale behind. Both the one-step exchange and the two-rename fallback are run.
"""

import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import geodata.errors
from earlyhelp.output import MARKER, check_results_target, replacing_directory

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="kills itself with POSIX signals")

# The writer needs geodata.errors and geodata.cache, not the geography layer (slow to import):
# the child loads the geodata folder as a bare package so that it starts in a tenth of a second.
PRELUDE = r"""
import os, shutil, signal, sys, time, types
from pathlib import Path
package = types.ModuleType("geodata")
package.__path__ = [sys.argv[1]]
sys.modules["geodata"] = package
from earlyhelp import output
"""

WRITER = PRELUDE + r"""
path, kill_at, target = sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
steps = []

def step(name):
    steps.append(name)
    if len(steps) == kill_at:
        print(name, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

def counted(name, function):
    def before_the_call(*args, **kwargs):
        step(name)
        return function(*args, **kwargs)
    return before_the_call

real_rmtree = shutil.rmtree

def half_removed_then(folder, *args, **kwargs):
    if len(steps) + 1 == kill_at:
        (Path(folder) / output.MARKER).unlink(missing_ok=True)
    step("remove")
    return real_rmtree(folder, *args, **kwargs)

if path == "fallback":
    output._exchange = lambda first, second: False  # as on a system without the exchange
else:
    output._exchange = counted("exchange", output._exchange)
os.rename = counted("rename", os.rename)
shutil.rmtree = half_removed_then

with output.replacing_directory(target) as work:
    (work / "a.csv").write_text("new")
    step("write")
    (work / "b.csv").write_text("new")
step("done")
print("finished", flush=True)
"""

TERMINATED = PRELUDE + r"""
target = Path(sys.argv[2])
with output.terminate_as_interrupt(), output.replacing_directory(target) as work:
    (work / "a.csv").write_text("new")
    print("writing", flush=True)
    time.sleep(60)
"""

OLD = {"old.csv": "old"}
NEW = {"a.csv": "new", "b.csv": "new"}

#: For each path: the steps in order, and what the target holds after a kill just before each
#: ("aside": no target, the old results under .results.earlyhelp-old).
SCENARIOS = {
    "exchange": [("write", OLD), ("exchange", OLD), ("remove", NEW), ("done", NEW)],
    "fallback": [
        ("write", OLD),
        ("rename", OLD),  # the old results aside
        ("rename", "aside"),  # the new results into place: between the two renames
        ("rename", NEW),  # the old copy under a partial name, to be removed
        ("remove", NEW),
        ("done", NEW),
    ],
    "first": [("write", None), ("rename", None), ("done", NEW)],  # no earlier results
}


def _contents(folder):
    assert (folder / MARKER).is_file()
    return {p.name: p.read_text() for p in folder.iterdir() if p.name != MARKER}


def _earlier_results(root):
    with replacing_directory(root / "results") as work:
        (work / "old.csv").write_text("old")


def _unrelated(root):
    (root / "mine").mkdir()
    (root / "mine" / "notes.txt").write_text("my notes")
    (root / "results-2019").mkdir()
    (root / "results-2019" / "a.csv").write_text("2019")


def _assert_unrelated_untouched(root):
    assert (root / "mine" / "notes.txt").read_text() == "my notes"
    assert (root / "results-2019" / "a.csv").read_text() == "2019"


def _run(script, *args):
    geodata_folder = str(Path(geodata.errors.__file__).parent)
    return subprocess.run(
        [sys.executable, "-c", script, geodata_folder, *map(str, args)],
        capture_output=True, text=True, timeout=60, check=False,
    )


def _next_run(target):
    """Check and write the target as the next command would; return the warnings it gave."""
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        check_results_target(target)
        restored = _contents(target) if target.exists() else None
        with replacing_directory(target) as work:
            (work / "c.csv").write_text("next")
    return restored, [str(w.message) for w in said]


@pytest.mark.parametrize("path", SCENARIOS)
def test_the_results_survive_a_kill_at_every_step(tmp_path, path):
    expected = SCENARIOS[path]
    for kill_at, (step, holds) in enumerate(expected, start=1):
        root = tmp_path / f"kill-{kill_at}"
        root.mkdir()
        _unrelated(root)
        if path != "first":
            _earlier_results(root)
        target = root / "results"

        child = _run(WRITER, path, kill_at, target)
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert child.stdout == f"{step}\n"
        _assert_unrelated_untouched(root)
        if holds == "aside":
            assert not os.path.lexists(target)
            assert _contents(root / ".results.earlyhelp-old") == OLD
        elif holds is None:
            assert not os.path.lexists(target)
        else:
            assert _contents(target) == holds
        partials = sorted(p.name for p in root.glob(".results.partial-*"))

        restored, said = _next_run(target)
        assert restored == (OLD if holds == "aside" else holds)
        assert any("was restored from .results.earlyhelp-old" in m for m in said) == (holds == "aside")
        copies = f"{len(partials)} unfinished cop{'y' if len(partials) == 1 else 'ies'}"
        stale = [f"removed {copies} of {target} left by runs that were stopped: {', '.join(partials)}"]
        assert [m for m in said if m.startswith("removed ")] == (stale if partials else [])
        assert sorted(os.listdir(root)) == ["mine", "results", "results-2019"]
        assert _contents(target) == {"c.csv": "next"}
        _assert_unrelated_untouched(root)

    root = tmp_path / "no-kill"
    root.mkdir()
    if path != "first":
        _earlier_results(root)
    finished = _run(WRITER, path, len(expected) + 1, root / "results")
    assert (finished.returncode, finished.stdout) == (0, "finished\n")
    assert _contents(root / "results") == NEW
    assert os.listdir(root) == ["results"]


def test_sigterm_during_the_write_cleans_up_and_keeps_the_old_results(tmp_path):
    _unrelated(tmp_path)
    _earlier_results(tmp_path)
    geodata_folder = str(Path(geodata.errors.__file__).parent)
    child = subprocess.Popen(
        [sys.executable, "-c", TERMINATED, geodata_folder, str(tmp_path / "results")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert child.stdout.readline() == "writing\n"
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode != 0
    assert "KeyboardInterrupt: stopped by SIGTERM" in stderr
    assert sorted(os.listdir(tmp_path)) == ["mine", "results", "results-2019"]
    assert _contents(tmp_path / "results") == OLD
    _assert_unrelated_untouched(tmp_path)
