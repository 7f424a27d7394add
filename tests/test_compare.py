"""earlyhelp compare: scenarios side by side from the folders `earlyhelp run` wrote; the first
is the reference, every difference is stated, and a folder that is not a run's is refused in
one line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from earlyhelp.cli import main
from earlyhelp.compare import CompareError, comparison_table, read_run, run_folders
from earlyhelp.output import MARKER


def _summary(name: str, coverage: float, wait: float, cost: float = 17.0e6) -> dict:
    siting = {"centres_open": 56, "enhanced_centres": 12, "sessions_per_week": 452,
              "outreach_sessions": 3, "existing_buildings_kept": 26,
              "existing_buildings_closed": 106, "coverage_share": coverage,
              "population_within_walk": 200_000, "population_outreach_only": 2_000,
              "population_beyond_walk": 70_000, "annual_cost_gbp": cost,
              "budget_gbp": 17.23e6, "fte_total": 540, "fte_frontline": 482}
    simulation = {"reps": 30}
    for key, value in (("cases_per_year", 10_000), ("wait_days_mean", wait / 2),
                       ("wait_days_p90", wait), ("caseload_per_fte_mean", 18.0),
                       ("escalation_share", 0.06), ("deescalation_share", 0.4)):
        simulation |= {key: value, f"{key}_ci_low": value * 0.9, f"{key}_ci_high": value * 1.1}
    return {"scenario": name, "description": f"{name} asks", "siting": siting,
            "simulation": simulation}


def _run_folder(parent: Path, name: str, **figures) -> Path:
    folder = parent / name
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("{}")
    (folder / "summary.json").write_text(json.dumps(_summary(name, **figures)))
    return folder


def test_the_table_has_one_row_per_scenario_and_the_differences_from_the_first(tmp_path):
    a = _run_folder(tmp_path, "proposal", coverage=0.88, wait=20.0)
    b = _run_folder(tmp_path, "walk-20", coverage=0.79, wait=28.0, cost=17.1e6)
    table = comparison_table([read_run(a), read_run(b)])
    assert table["scenario"].tolist() == ["proposal", "walk-20"]
    assert table["coverage_share_vs_proposal"].tolist() == pytest.approx([0.0, -0.09])
    assert table["wait_days_p90_vs_proposal"].tolist() == pytest.approx([0.0, 8.0])
    assert table["annual_cost_gbp_vs_proposal"].tolist() == pytest.approx([0.0, 0.1e6])
    assert table.loc[1, "wait_days_p90_ci_high"] == pytest.approx(30.8)


def test_a_batch_folder_stands_for_its_scenarios_that_finished_in_its_order(tmp_path):
    batch = tmp_path / "all"
    for name in ("b", "a"):
        _run_folder(batch, name, coverage=0.8, wait=10.0)
    pd.DataFrame({"scenario": ["b", "a", "bad"], "folder": [str(batch / n) for n in "ba"] +
                  [str(batch / "bad")], "status": ["ok", "ok", "failed"]}).to_csv(
        batch / "runs.csv", index=False)
    assert [f.name for f in run_folders([batch])] == ["b", "a"]


def test_compare_writes_table_json_and_chart_and_prints_the_table(tmp_path, capsys):
    a = _run_folder(tmp_path, "proposal", coverage=0.88, wait=20.0)
    b = _run_folder(tmp_path, "vacancy-8", coverage=0.88, wait=23.0)
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "vacancy-8" in printed and "23.0 (20.7-25.3)" in printed
    for name in ("comparison.csv", "comparison.json", "comparison.png", "comparison.pdf"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "comparison.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "comparison.json").read_text())["reference"] == "proposal"


def test_the_chart_s_title_states_the_finding(tmp_path):
    from earlyhelp.compare import comparison_title

    table = comparison_table([_summary("proposal", 0.88, 20.0), _summary("walk-20", 0.79, 28.0)])
    assert comparison_title(table) == ("walk-20 reaches the least need within the walk (79.0%) "
                                       "and has the longest waits (28.0 days at the 90th "
                                       "percentile)")


@pytest.mark.parametrize("make, expected", [
    (lambda p: p.mkdir(), "not a results folder of `earlyhelp run`"),
    (lambda p: (p.mkdir(), (p / "summary.json").write_text("{oops")), "cannot be read as JSON"),
    (lambda p: (p.mkdir(), (p / "summary.json").write_text('{"scenario": "x", "siting": {}}')),
     "field 'simulation' missing"),
])
def test_a_folder_that_is_not_a_run_s_is_refused_in_one_line(tmp_path, capsys, make, expected):
    good = _run_folder(tmp_path, "proposal", coverage=0.88, wait=20.0)
    make(tmp_path / "other")
    assert main(["compare", str(good), str(tmp_path / "other"), "--out",
                 str(tmp_path / "cmp")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err and "other" in err
    assert not (tmp_path / "cmp").exists()


def test_one_scenario_is_not_a_comparison(tmp_path):
    with pytest.raises(CompareError, match="at least two"):
        run_folders([_run_folder(tmp_path, "proposal", coverage=0.88, wait=20.0)])
