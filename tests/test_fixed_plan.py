"""A plan the scenario states (``plan: {mode: fixed}``): evaluated under the same model as an
optimised one, the 2015 estate priced as the calibrated 2015 service, the rules it breaks
said with their numbers, and bad site_ids refused naming the field.

On the tiny geography (tests/fixtures.py): LCC-1 (no 2015 role, Preston 1), LCC-2 and LCC-3
(2015 buildings, Preston 2), EDU-1 (a 2015 satellite, Burnley 1)."""

from __future__ import annotations

import pytest

from optimise.config import PlanConfig, SitingConfig
from optimise.costs import CostConfig, baseline_2015, plan_cost
from optimise.errors import RuleError
from optimise.siting import FIXED, plan_fixed, plan_siting, siting_inputs
from optimise.staffing import StaffingConfig
from tests.fixtures import tiny_geography

pytestmark = pytest.mark.filterwarnings("ignore:the geography's 2015 estate has")


@pytest.fixture(scope="module")
def inputs():
    return siting_inputs(tiny_geography(), SitingConfig(centres=3, budget_gbp=None,
                         high_need_spas=0, outreach_venues="buildings"),
                         StaffingConfig(), CostConfig())


def test_role_2015_opens_the_2015_estate_and_costs_the_calibrated_2015_service(inputs):
    plan = plan_fixed(inputs, PlanConfig(mode="fixed"))
    assert sorted(plan.open_ids) == ["EDU-1", "LCC-2", "LCC-3"]
    baseline = baseline_2015(inputs.cost_model, inputs.geography.sites)
    assert plan.cost.total_gbp == baseline.total_gbp
    assert plan.bridge["change_gbp"].iloc[-1] == 0.0
    summary = plan.summary()
    assert summary["plan_mode"] == "fixed" and summary["solver"]["status"] == FIXED
    assert summary["existing_buildings_closed"] == 0


def test_a_listed_plan_is_priced_by_the_cost_model_and_its_breaches_are_counted(inputs):
    plan = plan_fixed(inputs, PlanConfig(mode="fixed", centres=("LCC-1",), enhanced=("LCC-1",)))
    assert plan.open_ids == ["LCC-1"]
    assert plan.candidates.set_index("site_id").loc["LCC-1", "sessions_centre"] == \
        inputs.siting.sessions_enhanced
    staff = plan.staffing
    expected = plan_cost(inputs.cost_model, fte_frontline=staff.fte_frontline,
                         fte_management=staff.fte_management, fte_support=staff.fte_support,
                         building_costs=plan.candidates.loc[plan.candidates["open"],
                                                            "annual_cost_gbp"],
                         sessions=inputs.siting.sessions_enhanced)
    assert plan.cost.total_gbp == pytest.approx(expected.total_gbp)
    broken = plan.summary()["rules_broken"]
    assert broken[0] == "1 centres where siting.centres asks 3"
    assert broken[1].startswith("2 SPAs outside their band's centre range: ")
    assert "Preston 2 has 0" in broken[1] and "Burnley 1 has 0" in broken[1]
    assert broken[2] == "1 districts without exactly 1 enhanced centre(s)"  # Burnley


def test_the_optimised_plan_stated_as_fixed_breaks_nothing_and_reaches_the_same(inputs):
    best = plan_siting(inputs)
    enhanced = tuple(best.candidates.loc[best.candidates["enhanced"], "site_id"])
    stated = plan_fixed(inputs, PlanConfig(mode="fixed", centres=tuple(best.open_ids),
                                           enhanced=enhanced))
    assert stated.summary()["rules_broken"] == []
    assert stated.summary()["coverage_share_by_centre"] == best.summary()["coverage_share_by_centre"]
    assert stated.summary()["solver"]["objective"] == best.summary()["solver"]["objective"]


@pytest.mark.parametrize("plan, field, problem", [
    (PlanConfig(mode="fixed", centres=("NOPE-1",)), "plan.centres", "'NOPE-1' is not among"),
    (PlanConfig(mode="fixed", centres=("LCC-1",), enhanced=("LCC-2",)), "plan.enhanced",
     "'LCC-2' not among the plan's centres"),
    (PlanConfig(mode="fixed", centres=()), "plan.centres", "no buildings listed"),
])
def test_a_bad_site_id_is_refused_naming_the_field(inputs, plan, field, problem):
    with pytest.raises(RuleError) as caught:
        plan_fixed(inputs, plan)
    assert caught.value.field == field and problem in caught.value.problem
