"""combined.frontier and `earlyhelp frontier`: the trade-off curves across budgets and centres,
with the proposal and the 2015 service marked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from combined.frontier import axis_values, estate_2015, parse_range, point_scenario
from earlyhelp.scenario import load_scenario
from geodata import seed003
from geodata.errors import EarlyHelpError

PROPOSAL = Path("scenarios/proposal-2016.yaml")


@pytest.mark.parametrize("text", ["24e6:12e6", "12e6", "a:b", "12e6:12e6", "-1:5", "1:2:3"])
def test_a_range_that_is_not_lo_below_hi_is_refused_in_one_line(text):
    with pytest.raises(EarlyHelpError, match=r"--budget .*expected LO:HI with 0 <= LO < HI"):
        parse_range(text, field="--budget")


def test_points_run_from_end_to_end_and_centres_are_whole_and_distinct():
    assert parse_range("12e6:24.5e6", field="--budget") == (12e6, 24.5e6)
    assert axis_values("budget", 12e6, 24e6, 4) == [12e6, 16e6, 20e6, 24e6]
    assert axis_values("centres", 34, 36, 5) == [34.0, 35.0, 36.0]


def test_a_budget_point_frees_the_centres_and_scales_the_frontline_to_the_step():
    proposal = load_scenario(PROPOSAL)
    half = point_scenario(proposal, "budget", proposal.siting.budget_gbp / 2, "proportional")
    assert half.siting.centres is None and half.siting.budget_gbp == proposal.siting.budget_gbp / 2
    assert half.staffing.fte_frontline == 241.0  # 482 / 2
    assert half.staffing.fte_management == proposal.staffing.fte_management
    fixed = point_scenario(proposal, "budget", 12e6, "fixed")
    assert fixed.staffing == proposal.staffing
    centres = point_scenario(proposal, "centres", 70, "proportional")
    assert (centres.siting.centres, centres.siting.budget_gbp) == (70, None)


def test_the_2015_mark_is_its_estate_seed_003_s_budget_and_750_fte():
    estate = estate_2015(load_scenario(PROPOSAL))
    assert estate.plan.mode == "fixed" and estate.plan.centres == "role_2015"
    assert estate.siting.budget_gbp == seed003.BUDGET_2015_GBP
    assert estate.staffing.fte_total == seed003.FTE_2015 == 750


@pytest.mark.slow
def test_the_command_traces_the_curve_marks_both_services_and_diagnoses_points_without_a_plan(
        tmp_path: Path, cache_dir: Path):
    out = tmp_path / "frontier"
    done = subprocess.run(
        [sys.executable, "-m", "earlyhelp", "frontier", str(PROPOSAL), "--budget", "14e6:20e6",
         "--steps", "3", "--reps", "2", "--jobs", "2", "--out", str(out),
         "--cache-dir", str(cache_dir), "--quiet"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "frontier.csv")
    points = table[table["kind"] == "point"]
    assert points["budget_gbp"].tolist() == [14e6, 17e6, 20e6]
    assert set(table["kind"]) == {"point", "proposal", "2015 service"}
    # below the SPA minimums' cost there is no plan, and the note says which rules
    low = points.iloc[0]
    assert low["status"] == "infeasible" and "the budget" in low["note"]
    solved = points[points["status"] == "optimal"]
    assert (solved["annual_cost_gbp"] <= solved["budget_gbp"] + 1).all()
    assert solved["population_within_walk"].is_monotonic_increasing
    proposal = table[table["kind"] == "proposal"].iloc[0]
    assert proposal["centres_open"] == 56
    assert proposal["coverage_share"] == pytest.approx(0.8786, abs=1e-4)
    estate = table[table["kind"] == "2015 service"].iloc[0]
    assert estate["centres_open"] == 132 and estate["annual_cost_gbp"] == pytest.approx(24_413_125)
    assert {"from", "to", "children_reached_per_unit"} <= set(pd.read_csv(out / "marginal.csv"))
    summary = json.loads((out / "frontier.json").read_text())
    assert summary["axis"] == "budget" and summary["points_with_a_plan"] == len(solved)
    assert (out / "frontier.png").exists() and (out / "frontier.pdf").exists()
    assert "infeasible" in done.stdout and "2015 service" in done.stdout
