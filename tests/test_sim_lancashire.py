"""A year of cases through the proposal's plan on the real county: the simulation reads the plan
as the programme made it, takes about 10,000 requests a year and writes its folder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from earlyhelp.cli import main
from earlyhelp.scenario import load_scenario
from geodata import seed003
from optimise.plan import BEYOND
from optimise.siting import plan_siting, siting_inputs
from sim.cases import model_inputs
from sim.runner import run_simulation
from sim.service import service_from_siting
from tests.fixtures import run_twice

pytestmark = pytest.mark.slow

PROPOSAL = "scenarios/proposal-2016.yaml"
HEADLINE_KEYS = ("cases_per_year", "wait_days_mean", "wait_days_p90", "caseload_per_fte_mean",
                 "escalation_share", "deescalation_share")


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(PROPOSAL)


@pytest.fixture(scope="module")
def plan(lancashire, scenario):
    return plan_siting(siting_inputs(lancashire, scenario.siting, scenario.staffing, scenario.costs))


@pytest.fixture(scope="module")
def service(plan):
    return service_from_siting(plan)


def test_the_service_has_the_plans_staff_sessions_and_centres(service, plan):
    assert service.spas["fte_frontline"].sum() == seed003.FTE_FRONTLINE == 482
    assert len(service.spas) == seed003.SPA_COUNT
    assert service.venues["sessions_per_week"].sum() == seed003.SESSIONS_PER_WEEK == 452
    assert (service.venues["kind"] == "centre").sum() == seed003.CENTRES
    assert service.spas["sessions_per_week"].sum() == 452
    staff = plan.staffing.spas["fte_frontline"]
    assert dict(zip(service.spas["spa_id"], service.spas["fte_frontline"], strict=True)) == staff.to_dict()


def test_a_home_is_beyond_every_venue_exactly_where_the_plan_says_it_is_beyond(service, plan):
    np.testing.assert_array_equal(service.point_venue < 0, plan.reach == BEYOND)


def test_the_nearest_venue_of_a_home_is_within_the_walk_limit(service, plan):
    inputs = plan.inputs
    reached = service.point_venue >= 0
    ids = service.venues["venue_id"].to_numpy()[service.point_venue[reached]]
    kinds = service.venues["kind"].to_numpy()[service.point_venue[reached]]
    # every home reached by a centre is given a centre or a nearer venue; a home reached by
    # outreach only is given a venue
    only_outreach = plan.reach[reached] == "outreach only"
    assert (kinds[only_outreach] == "outreach").all()
    assert set(ids[kinds == "centre"]) <= set(plan.open_ids)
    assert inputs.geography.walk_standard_minutes == 30


def test_a_simulated_year_takes_about_10000_requests_and_gives_credible_measures(service, scenario):
    inputs = model_inputs(service, scenario.simulation, scenario.staffing)
    run = run_simulation(inputs, replications=4, seed=0, workers=2)
    county = run.kpis[(run.kpis["level"] == "county") & (run.kpis["period"] == "year")]
    assert county["requests"].mean() == pytest.approx(seed003.CASES_PER_YEAR, rel=0.03)
    assert (county["caseload_per_fte_mean"] < scenario.staffing.caseload_per_worker).all()
    assert (county["occupancy"] <= 1).all()
    assert county["escalation_share"].between(0.02, 0.15).all()
    assert (county["wait_days_mean"] >= 0).all()


def test_simulate_writes_the_folder_with_summary_and_kpis_the_same_twice(tmp_path: Path, capsys):
    first, second = run_twice(["simulate", PROPOSAL, "--reps", "3", "--workers", "1", "--quiet"],
                              tmp_path)
    printed = capsys.readouterr().out
    assert "wait for a lead professional" in printed
    for name in ("summary.json", "kpis.csv", "kpis_intervals.csv", "district_report.csv",
                 "district_report.html", "waits_by_footprint.png", "parameters.csv",
                 "service_by_spa.csv", "venues.csv", "audit_cases_rep1.csv",
                 "audit_events_rep1.csv"):
        assert (first / name).is_file(), name
    summary = json.loads((first / "summary.json").read_text())
    for key in HEADLINE_KEYS:
        assert summary[key] is not None
        assert summary[f"{key}_ci_low"] <= summary[key] <= summary[f"{key}_ci_high"]
    assert summary["reps"] == 3 and summary["seed"] == 0
    assert len(summary["by_spa"]) == seed003.SPA_COUNT
    assert set(summary["by_spa"]["Burnley 1"]) >= {f"{k}_ci_low" for k in HEADLINE_KEYS}
    for name in ("kpis.csv", "district_report.csv", "audit_events_rep1.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize(("args", "says"), [
    (["--reps", "0"], "argument --reps: 0 given, expected 1 or more"),
    (["--reps", "many"], "argument --reps: 'many' is not a whole number"),
    (["--seed", "-1"], "argument --seed: -1 given, expected 0 or more"),
])
def test_bad_simulate_options_are_refused_in_one_line(tmp_path: Path, capsys, args, says):
    assert main(["simulate", PROPOSAL, "--out", str(tmp_path / "x"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err
    assert not (tmp_path / "x").exists()
