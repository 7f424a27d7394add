"""The scenarios shipped in scenarios/: each one is valid, states what its description says,
and (on the real county) gives a proven plan that moves the way the variant should."""

from __future__ import annotations

from pathlib import Path

import pytest

from earlyhelp.scenario import load_scenario
from earlyhelp.run import scenario_plans
from geodata import build_geography
from geodata import seed003

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))
PROPOSAL = Path("scenarios/proposal-2016.yaml")
VARIANTS = [f for f in SCENARIOS if f != PROPOSAL]


def test_the_consultation_variants_are_shipped():
    assert {f.stem for f in SCENARIOS} >= {
        "proposal-2016", "demand-plus-15", "budget-cut-10", "sessions-10-8", "keep-existing",
        "fairness", "close-ormskirk", "vacancy-8", "walk-20", "current-estate-2015", "five-hubs"}


@pytest.mark.parametrize("file", SCENARIOS, ids=lambda f: f.stem)
def test_every_shipped_scenario_loads_with_its_file_s_name_and_a_description(file: Path):
    scenario = load_scenario(file)
    assert scenario.name == file.stem
    assert scenario.description.strip()


@pytest.mark.parametrize("file", VARIANTS, ids=lambda f: f.stem)
def test_every_variant_extends_the_proposal_and_changes_something(file: Path):
    assert "extends: proposal-2016.yaml" in file.read_text()
    proposal, variant = load_scenario(PROPOSAL), load_scenario(file)
    sections = ("geography", "siting", "staffing", "costs", "simulation")
    assert any(getattr(proposal, s) != getattr(variant, s) for s in sections)


def test_the_variants_state_the_consultation_s_figures():
    proposal = load_scenario(PROPOSAL)
    assert load_scenario("scenarios/demand-plus-15.yaml").staffing.cases_per_year == \
        pytest.approx(1.15 * proposal.staffing.cases_per_year)
    assert load_scenario("scenarios/budget-cut-10.yaml").siting.budget_gbp == \
        pytest.approx(0.9 * proposal.siting.budget_gbp)
    sessions = load_scenario("scenarios/sessions-10-8.yaml").siting
    assert (sessions.sessions_enhanced, sessions.sessions_standard) == (10, 8)
    assert load_scenario("scenarios/vacancy-8.yaml").simulation.vacancy_rate == 0.08
    assert load_scenario("scenarios/walk-20.yaml").geography.walk_limit_minutes == 20


# --- on the real county -------------------------------------------------------------------

@pytest.fixture(scope="module")
def plans(cache_dir: Path) -> dict[str, object]:
    """Every shipped scenario's best plan (about 25 s on two cores)."""
    out = {}
    for file in SCENARIOS:
        scenario = load_scenario(file)
        geography = build_geography(scenario.geography, cache_dir=cache_dir)
        out[file.stem] = scenario_plans(file, scenario, geography)[0]
    return out


@pytest.mark.slow
def test_every_shipped_scenario_is_solved_to_proven_optimality(plans):
    for name, plan in plans.items():
        if name != "current-estate-2015":  # a fixed plan: no solver runs
            assert plan.summary()["solver"]["status"] == "optimal", name


@pytest.mark.slow
def test_the_2015_service_is_its_132_buildings_750_fte_and_seed_budget(plans):
    summary = plans["current-estate-2015"].summary()
    assert summary["plan_mode"] == "fixed"
    assert summary["centres_open"] == seed003.ESTATE_TOTAL == 132
    assert summary["fte_total"] == seed003.FTE_2015 == 750
    assert summary["annual_cost_gbp"] == pytest.approx(seed003.BUDGET_2015_GBP, abs=0.01)
    assert summary["existing_buildings_closed"] == 0
    assert summary["coverage_share"] > plans["proposal-2016"].summary()["coverage_share"]
    assert summary["rules_broken"][0] == "132 centres where siting.centres asks 56"


@pytest.mark.slow
def test_each_variant_moves_the_plan_the_way_it_says(plans):
    base = plans["proposal-2016"].summary()
    s = {name: plan.summary() for name, plan in plans.items()}
    assert s["budget-cut-10"]["annual_cost_gbp"] <= 15_507_000
    assert s["budget-cut-10"]["fte_frontline"] == 430
    assert s["sessions-10-8"]["sessions_per_week"] == 12 * 10 + 44 * 8
    assert s["keep-existing"]["existing_buildings_kept"] > base["existing_buildings_kept"]
    assert s["keep-existing"]["coverage_share_by_centre"] <= base["coverage_share_by_centre"]
    assert s["walk-20"]["coverage_share"] < base["coverage_share"]
    assert "LCC-23650160000012000" in plans["proposal-2016"].open_ids
    assert "LCC-23650160000012000" not in plans["close-ormskirk"].open_ids
    assert s["close-ormskirk"]["coverage_share_by_centre"] <= base["coverage_share_by_centre"]
    worst = {name: plans[name].coverage_by("spa_id")["need_by_centre"].div(
        plans[name].coverage_by("spa_id")["need"]).min() for name in ("proposal-2016", "fairness")}
    assert worst["fairness"] >= worst["proposal-2016"]
    for same in ("demand-plus-15", "vacancy-8"):  # the simulation's variants site the proposal
        assert plans[same].open_ids == plans["proposal-2016"].open_ids


@pytest.mark.slow
def test_five_hubs_put_one_hub_in_each_footprint_with_outreach_across_it(plans):
    plan = plans["five-hubs"]
    hubs = plan.candidates[plan.candidates["open"]]
    footprint = plan.inputs.geography.spas.set_index("spa_id")["footprint"]
    assert sorted(footprint[hubs["spa_id"]]) == sorted(seed003.FOOTPRINTS)
    assert hubs["enhanced"].all()
    assert hubs["sessions_centre"].between(90 - 78, 24).all()  # at most 24 at home
    # every venue is run by the hub of its own footprint, often from another SPA
    venues = plan.venues.assign(hub=plan.venues["centre_site_id"].map(hubs.set_index("site_id")["spa_id"]))
    assert (footprint[venues["spa_id"]].to_numpy() == footprint[venues["hub"]].to_numpy()).all()
    assert (venues["spa_id"] != venues["hub"]).mean() > 0.5
    summary = plan.summary()
    assert summary["sessions_per_week"] == 5 * 90
    assert summary["outreach_venues"] == summary["outreach_sessions"] <= 5 * 78
    # staff time of a session counts where it is delivered: every SPA with a venue runs sessions
    sessions = plan.staffing.spas["sessions_per_week"]
    assert sessions.sum() == 450
    assert (sessions[venues["spa_id"].unique()] > 0).all()
    base = plans["proposal-2016"].summary()
    assert summary["coverage_share_by_centre"] < base["coverage_share_by_centre"] / 2
