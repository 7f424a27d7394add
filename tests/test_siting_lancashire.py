"""The seed-003 proposal on the real county: the programme reproduces its figures, proven.

These build the county geography once (the session's ``lancashire`` fixture) and solve the
proposal once (about 4 s); every figure seed 003 states is either reproduced or respected.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from earlyhelp.cli import main
from earlyhelp.scenario import load_scenario
from geodata import seed003
from optimise.siting import plan_siting, siting_inputs
from tests.fixtures import run_twice, without_clock

pytestmark = pytest.mark.slow

PROPOSAL = "scenarios/proposal-2016.yaml"


@pytest.fixture(scope="module")
def proposal(lancashire):
    scenario = load_scenario(PROPOSAL)
    inputs = siting_inputs(lancashire, scenario.siting, scenario.staffing, scenario.costs)
    return plan_siting(inputs)


def test_the_proposal_opens_56_centres_one_enhanced_per_district_proven_optimal(proposal):
    summary = proposal.summary()
    assert summary["centres_open"] == seed003.CENTRES == 56
    assert summary["enhanced_centres"] == 12
    enhanced = proposal.candidates[proposal.candidates["enhanced"]]
    assert enhanced["district"].nunique() == 12
    assert summary["solver"]["status"] == "optimal"
    assert all(tier["status"] == "optimal" for tier in summary["solver"]["tiers"])


def test_the_proposal_runs_452_sessions_a_week(proposal):
    assert proposal.summary()["sessions_per_week"] == seed003.SESSIONS_PER_WEEK == 452
    open_ = proposal.candidates[proposal.candidates["open"]]
    sessions = open_["sessions_centre"] + open_["sessions_outreach"]
    assert sorted(set(sessions)) == [seed003.SESSIONS_STANDARD, seed003.SESSIONS_ENHANCED]


def test_the_proposal_staffs_540_fte_as_482_plus_29_plus_29(proposal):
    summary = proposal.summary()
    assert (summary["fte_total"], summary["fte_frontline"], summary["fte_management"],
            summary["fte_support"]) == (540, 482, 29, 29)
    assert proposal.staffing.spas["fte_frontline"].sum() == 482
    assert len(proposal.staffing.spas) == seed003.SPA_COUNT


def test_the_proposal_fits_the_envelope_and_the_2015_service_costs_the_seed_budget(proposal):
    summary = proposal.summary()
    assert summary["annual_cost_gbp"] <= seed003.BUDGET_GBP
    assert summary["baseline_cost_gbp"] == pytest.approx(seed003.BUDGET_2015_GBP, abs=0.01)


def test_every_spa_gets_a_centre_within_its_band(proposal):
    limits = proposal.inputs.siting.access_points.as_dict()
    open_per_spa = proposal.candidates[proposal.candidates["open"]].groupby("spa_id").size()
    bands = proposal.inputs.bands
    assert len(open_per_spa) == seed003.SPA_COUNT
    for spa, count in open_per_spa.items():
        fewest, most = limits[bands[spa]]
        assert fewest <= count <= most


def test_every_2015_building_that_closes_says_why(proposal):
    closing = proposal.candidates[proposal.candidates["existing"] & ~proposal.candidates["open"]]
    assert len(closing) == proposal.summary()["existing_buildings_closed"] > 0
    assert closing["closure_reason"].notna().all()


def test_optimise_writes_the_results_folder_and_says_the_figures(lancashire, cache_dir, tmp_path,
                                                                capsys):
    out = tmp_path / "plan"
    assert main(["optimise", PROPOSAL, "--out", str(out), "--quiet",
                 "--cache-dir", str(cache_dir)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    for key in ("centres_open", "enhanced_centres", "sessions_per_week", "outreach_sessions",
                "fte_total", "fte_frontline", "fte_management", "fte_support",
                "annual_cost_gbp", "budget_gbp", "baseline_cost_gbp", "coverage_share",
                "population_within_walk", "population_outreach_only", "population_beyond_walk",
                "existing_buildings_kept", "existing_buildings_closed"):
        assert key in summary
    assert set(summary["solver"]) >= {"name", "status", "objective", "best_bound", "gap",
                                      "seconds"}
    assert "plan: optimal" in capsys.readouterr().out


def test_a_scenario_the_rules_rule_out_is_refused_in_one_line_naming_the_rule(
        lancashire, cache_dir, tmp_path, capsys):
    scenario = tmp_path / "too-few.yaml"
    scenario.write_text(f"extends: {Path(PROPOSAL).resolve()}\nsiting:\n  centres: 40\n")
    out = tmp_path / "plan"
    assert main(["optimise", str(scenario), "--out", str(out), "--quiet",
                 "--cache-dir", str(cache_dir)]) == 2
    error = capsys.readouterr().err
    assert error == ("earlyhelp: error: no plan meets the rules: the SPA minimums need 52 "
                     "centres but the scenario allows 40\n")
    assert not out.exists()


def test_a_mistyped_scenario_is_refused_before_any_work(tmp_path, capsys):
    scenario = tmp_path / "typo.yaml"
    scenario.write_text("siting:\n  centers: 56\n")
    assert main(["optimise", str(scenario), "--out", str(tmp_path / "plan")]) == 2
    assert capsys.readouterr().err == (
        f"earlyhelp: error: {scenario}, field 'siting.centers': not a field of the siting "
        "section; did you mean 'centres'?\n")


def test_optimise_never_touches_a_folder_it_did_not_write(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main(["optimise", PROPOSAL, "--out", str(mine)]) == 2
    assert (mine / "notes.txt").read_text() == "keep me"
    assert "earlyhelp: error:" in capsys.readouterr().err


def test_the_same_scenario_gives_the_same_results_bit_for_bit(lancashire, cache_dir, tmp_path):
    runs = run_twice(["optimise", PROPOSAL, "--quiet", "--cache-dir", str(cache_dir)], tmp_path)
    for name in ("plan.csv", "coverage_by_spa.csv", "coverage_by_district.csv",
                 "staff_by_spa.csv", "budget_bridge.csv", "options.csv", "parameters.csv",
                 "plan_map.png", "budget_bridge.png"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
    first, second = (without_clock(json.loads((out / "summary.json").read_text())) for out in runs)
    assert first == second  # the only figures that may differ: the clock's


def test_a_lock_on_a_building_that_is_not_a_candidate_names_the_file_and_field(
        lancashire, cache_dir, tmp_path, capsys):
    scenario = tmp_path / "lock.yaml"
    scenario.write_text(f"extends: {Path(PROPOSAL).resolve()}\nsiting:\n  lock_open: [NOPE-1]\n")
    assert main(["optimise", str(scenario), "--out", str(tmp_path / "plan"), "--quiet",
                 "--cache-dir", str(cache_dir)]) == 2
    assert capsys.readouterr().err == (
        f"earlyhelp: error: {scenario}, field 'siting.lock_open': 'NOPE-1' is not among the 187 "
        "candidate buildings (expected site_ids as in the geography's sites, e.g. from "
        "`earlyhelp geodata export`)\n")


def test_a_fixed_plan_naming_a_building_that_is_not_a_candidate_names_the_file_and_field(
        lancashire, cache_dir, tmp_path, capsys):
    scenario = tmp_path / "fixed.yaml"
    scenario.write_text(f"extends: {Path(PROPOSAL).resolve()}\n"
                        "plan:\n  mode: fixed\n  centres: [NOPE-1]\n")
    assert main(["optimise", str(scenario), "--out", str(tmp_path / "plan"), "--quiet",
                 "--cache-dir", str(cache_dir)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"earlyhelp: error: {scenario}, field 'plan.centres': 'NOPE-1' is not "
                          "among the 187 candidate buildings")
    assert not (tmp_path / "plan").exists()
