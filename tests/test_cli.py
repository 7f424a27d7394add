"""The command line as a user meets it: help, parameters, messages."""

import importlib.util
import json
from pathlib import Path

import pytest

from earlyhelp.cli import main
from geodata import GeodataConfig, seed003

README = Path(__file__).parent.parent / "README.md"


def test_every_parameter_figure_and_constant_is_listed_with_a_source(capsys):
    assert main(["geodata", "parameters", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_kind = {kind: {r["parameter"] for r in rows if r["kind"] == kind} for kind in {r["kind"] for r in rows}}
    assert by_kind["parameter"] == set(GeodataConfig.model_fields)
    assert by_kind["seed 003"] == {n for n in vars(seed003) if n.isupper()}
    assert {"geodata.network.FAR_FROM_NETWORK_M", "geodata.spas.OVERLAP_SLIVER_METRES",
            "geodata.config.MAX_SITE_COST_GBP"} <= by_kind["constant"]
    assert all(r["source"] and r["description"] for r in rows)
    assert next(r for r in rows if r["parameter"] == "SESSIONS_PER_WEEK")["value"] == 452


def test_constants_take_their_documentation_from_the_comment_above_and_need_one(tmp_path):
    from geodata.parameters import documented_constants

    path = tmp_path / "some_constants.py"
    path.write_text("#: Shown: a\n#: and b.\nA = 1\nB = 2\n\nLIMIT = 3\n")
    spec = importlib.util.spec_from_file_location("some_constants", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert documented_constants(module, ("A", "B")) == {"A": "Shown: a and b.", "B": "Shown: a and b."}
    with pytest.raises(ValueError, match="no '#:' documentation for LIMIT"):
        documented_constants(module)


def test_the_readme_names_every_parameter():
    text = README.read_text()
    missing = [name for name in GeodataConfig.model_fields if f"`{name}`" not in text]
    assert not missing


def test_a_bad_parameter_value_is_one_line_naming_the_parameter(capsys):
    assert main(["geodata", "summary", "--walk-minutes", "500"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "walk_limit_minutes" in err


def test_geodata_without_an_action_shows_its_actions(capsys):
    assert main(["geodata"]) == 0
    out = capsys.readouterr().out
    assert "summary" in out and "export" in out and "map" in out


def test_an_unknown_config_field_is_refused_not_ignored():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        GeodataConfig(walk_limit_minute=20)


def test_ctrl_c_is_one_line_and_exit_130(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("earlyhelp.cli._summary", interrupted)
    assert main(["geodata", "summary"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "interrupted" in err


def test_export_refuses_a_folder_it_did_not_write_before_building_anything(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("earlyhelp.cli._geography", lambda args: pytest.fail("built before checking"))
    theirs = tmp_path / "reports"
    theirs.mkdir()
    (theirs / "budget.xlsx").write_text("precious")
    assert main(["geodata", "export", "--out", str(theirs)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and str(theirs) in err and "did not write" in err
    assert (theirs / "budget.xlsx").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["reports"]


def test_map_refuses_an_extension_that_is_not_a_chart_before_building(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("earlyhelp.cli._geography", lambda args: pytest.fail("built before checking"))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    assert main(["geodata", "map", "--out", str(notes)]) == 2
    assert ".png, .pdf or .svg" in capsys.readouterr().err
    assert notes.read_text() == "my notes"


def test_a_warning_is_printed_once_as_one_line(capsys, monkeypatch):
    import warnings

    from geodata import EarlyHelpWarning

    def warns_twice(args):
        for _ in range(2):
            warnings.warn("the cache at /x cannot be written;\n  the run goes on", EarlyHelpWarning, stacklevel=1)
        return 0

    monkeypatch.setattr("earlyhelp.cli._summary", warns_twice)
    assert main(["geodata", "summary"]) == 0
    assert capsys.readouterr().err == "earlyhelp: warning: the cache at /x cannot be written; the run goes on\n"


def test_a_standard_beyond_the_horizon_is_one_line_naming_both(capsys):
    assert main(["geodata", "summary", "--walk-minutes", "45", "--walk-horizon", "40"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "walk_limit_minutes (45)" in err and "walk_horizon_minutes (40)" in err


@pytest.mark.slow
def test_a_cache_that_cannot_be_written_warns_once_and_the_run_finishes(lancashire, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("geodata.cache._warned_unwritable", False)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("")
    monkeypatch.setenv("EARLYHELP_CACHE", str(blocker))
    assert main(["geodata", "summary", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["population_0_19"] == 281_290
    assert captured.err.count("earlyhelp: warning:") == 1 and "EARLYHELP_CACHE" in captured.err


def test_an_output_under_a_file_is_refused_before_building(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("earlyhelp.cli._geography", lambda args: pytest.fail("built before checking"))
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert main(["geodata", "map", "--out", str(blocker / "map.png")]) == 2
    assert "a_file is a file, not a folder" in capsys.readouterr().err


def test_a_write_that_fails_midway_is_exit_1_naming_the_file_and_leaves_nothing(tmp_path, capsys, monkeypatch):
    import errno

    from tests.fixtures import tiny_geography

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "map.png"))

    monkeypatch.setattr("earlyhelp.cli._geography", lambda args: tiny_geography())
    monkeypatch.setattr("matplotlib.figure.Figure.savefig", full)
    assert main(["geodata", "map", "--out", str(tmp_path / "map.png")]) == 1
    assert capsys.readouterr().err.strip() == (
        f"earlyhelp: error: cannot write {tmp_path / 'map.png'}: No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_the_console_command_returns_mains_code_and_then_ignores_late_stops(monkeypatch):
    import signal

    from earlyhelp import entry

    monkeypatch.setattr(entry, "main", lambda: 130)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        assert entry.command() == 130
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def test_the_entry_runs_the_command_line_and_restores_sigterm(capsys):
    import signal

    from earlyhelp import entry

    before = signal.getsignal(signal.SIGTERM)
    assert entry.main(["geodata"]) == 0
    assert "summary" in capsys.readouterr().out
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_reader_that_stops_reading_ends_the_command_quietly():
    import subprocess
    import sys

    command = subprocess.Popen([sys.executable, "-m", "earlyhelp", "geodata", "parameters"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    command.stdout.close()  # like `| head` having read what it wanted
    assert command.wait(timeout=60) == 141
    assert command.stderr.read() == b""


@pytest.mark.slow
def test_the_readmes_python_example_runs(lancashire, cache_dir, monkeypatch):
    import re

    monkeypatch.setenv("EARLYHELP_CACHE", str(cache_dir))
    block = re.search(r"From Python:\n\n```python\n(.*?)```", README.read_text(), re.S).group(1)
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - the project's own README
