"""The cost model: sourced rates, the 2015 calibration, linear coefficients and the budget bridge."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from geodata.seed003 import BUDGET_2015_GBP, COMMISSIONED_CC, ESTATE_TOTAL
from optimise.costs import (
    ITEMS,
    CostConfig,
    baseline_2015,
    budget_bridge,
    cost_model,
    cost_parameter_table,
    plan_cost,
)
from optimise.errors import OptimiseError

#: Round rates: a frontline FTE costs 20,000 + 10 % NI above 10,000 + 20 % pension = 25,000,
#: plus 1,000 miles x 0.50 = 500 travel; management 30,000 -> 38,000; support 10,000 -> 12,000.
HAND = CostConfig(
    salary_frontline_gbp=20_000, salary_management_gbp=30_000, salary_support_gbp=10_000,
    employer_ni_rate=0.1, ni_secondary_threshold_gbp=10_000, lgps_employer_rate=0.2,
    business_miles_per_frontline_fte=1_000, mileage_rate_gbp=0.5, session_cost_gbp=25,
    outreach_room_hire_gbp=10, weeks_per_year=52, budget_2015_gbp=2_519_300, fte_2015=100,
    staff_mix_2015=(8, 1, 1), commissioned_centres_2015=2, commissioned_fte_2015=20,
    sessions_per_building_2015=7,
)


def _sites(council: list[float], commissioned: list[float], other: list[float] = ()) -> pd.DataFrame:
    """A buildings frame: council-run 2015 buildings, commissioned ones, and non-estate ones."""
    costs = [*council, *commissioned, *other]
    return pd.DataFrame(
        {
            "site_id": [f"S{i}" for i in range(len(costs))],
            "role_2015": ["children_centre"] * (len(council) + len(commissioned)) + [None] * len(other),
            "owner": ["LCC"] * len(council) + ["commissioned (school or VCFS)"] * len(commissioned)
            + ["LCC"] * len(other),
            "annual_cost_gbp": costs,
        }
    )


HAND_SITES = _sites([10_000, 20_000, 30_000], [5_000, 5_000], [99_000])
#: The seed's estate: 104 council-run buildings and 28 commissioned centres.
SEED_SITES = _sites([40_000.0] * (ESTATE_TOTAL - COMMISSIONED_CC), [50_000.0] * COMMISSIONED_CC)


def test_a_fte_costs_salary_national_insurance_above_the_threshold_and_pension():
    model = cost_model(HAND, HAND_SITES)
    assert (model.frontline_fte_gbp, model.management_fte_gbp, model.support_fte_gbp) == (
        25_500, 38_000, 12_000)
    assert CostConfig().employer_cost_gbp(8_000) == 8_000 * 1.135  # below the threshold: no NI


def test_the_commissioned_contract_solves_the_2015_budget_by_hand():
    # own staff: 80 FTE = 64 frontline, 8 management, 8 support -> 1,632,000 + 304,000 + 96,000;
    # council-run buildings 60,000; sessions 3 x 7 x 25 x 52 = 27,300; total 2,119,300,
    # leaving 400,000 for two contracts
    model = cost_model(HAND, HAND_SITES)
    assert model.commissioned_contract_gbp == 200_000
    baseline = baseline_2015(model, HAND_SITES)
    assert baseline.items["buildings"] == 60_000
    assert baseline.items["sessions"] == 27_300
    assert baseline.total_gbp == 2_519_300


def test_the_2015_service_costs_seed_003s_budget_to_the_penny():
    model = cost_model(CostConfig(), SEED_SITES)
    baseline = baseline_2015(model, SEED_SITES)
    assert abs(baseline.total_gbp - BUDGET_2015_GBP) < 0.005
    assert list(baseline.items) == list(ITEMS)
    assert baseline.items["commissioned"] == pytest.approx(28 * model.commissioned_contract_gbp, abs=1e-6)


def test_a_dearer_rate_lowers_the_calibrated_contract_and_the_total_stays():
    base = cost_model(CostConfig(), SEED_SITES)
    dearer = cost_model(CostConfig(salary_frontline_gbp=22_530), SEED_SITES)
    own_frontline = (750 - 750 * 28 / 132) * 482 / 540
    fall = own_frontline * 1_000 * (1 + 0.138 + 0.135) / 28
    assert base.commissioned_contract_gbp - dearer.commissioned_contract_gbp == pytest.approx(fall, abs=1e-6)
    assert abs(baseline_2015(dearer, SEED_SITES).total_gbp - BUDGET_2015_GBP) < 0.005


def test_the_calibration_never_changes_what_a_plan_costs():
    plan = {"fte_frontline": 482, "fte_management": 29, "fte_support": 29,
                "building_costs": [40_000] * 56, "sessions": 452, "outreach_sessions": 40}
    low = plan_cost(cost_model(CostConfig(budget_2015_gbp=22e6), SEED_SITES), **plan)
    high = plan_cost(cost_model(CostConfig(budget_2015_gbp=26e6), SEED_SITES), **plan)
    assert low.items == high.items


def test_a_budget_the_rates_already_exceed_is_refused_in_one_line():
    with pytest.raises(OptimiseError) as refused:
        cost_model(HAND.model_copy(update={"budget_2015_gbp": 2_000_000}), HAND_SITES)
    assert str(refused.value) == (
        "cost calibration: the 2015 service's own staff, buildings and sessions cost £2,119,300 "
        "at these rates against a 2015 budget of £2,000,000, leaving £-119,300 for 2 "
        "commissioned centre contracts (expected a positive amount and at least one contract): "
        "check the salary, on-cost and building-cost assumptions")


def test_an_estate_whose_commissioned_count_differs_is_said():
    with pytest.warns(Warning, match="has 2 buildings not run by the council, but the cost model counts 3"):
        cost_model(HAND.model_copy(update={"commissioned_centres_2015": 3}), HAND_SITES)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost_model(HAND, HAND_SITES)


def test_the_linear_coefficients_price_a_plan_as_its_breakdown_does():
    model = cost_model(HAND, HAND_SITES)
    buildings = np.array([10_000.0, 30_000.0])
    sessions = np.array([12, 7])
    plan = plan_cost(model, fte_frontline=10, fte_management=1.5, fte_support=2,
                     building_costs=buildings, sessions=sessions, outreach_sessions=[3, 0])
    linear = (model.staff_cost_gbp(10, 1.5, 2) + model.centre_cost_gbp(buildings, sessions).sum()
              + 3 * model.outreach_session_gbp + model.fixed_gbp)
    assert plan.total_gbp == linear
    # by hand: 10 x 25,500 + 1.5 x 38,000 + 2 x 12,000; 40,000; 19 x 1,300; 3 x 520
    assert plan.total_gbp == 255_000 + 57_000 + 24_000 + 40_000 + 24_700 + 1_560
    assert plan.items["staff_travel"] == 5_000
    assert plan.items["commissioned"] == 0


def test_more_outreach_than_sessions_is_refused():
    with pytest.raises(OptimiseError, match="5 outreach sessions a week but only 4 sessions in all"):
        plan_cost(cost_model(HAND, HAND_SITES), fte_frontline=1, fte_management=0, fte_support=0,
                  building_costs=[0], sessions=4, outreach_sessions=5)


def test_the_bridge_steps_from_the_2015_cost_to_the_plan_and_adds_up():
    model = cost_model(HAND, HAND_SITES)
    baseline = baseline_2015(model, HAND_SITES)
    plan = plan_cost(model, fte_frontline=10, fte_management=1, fte_support=1,
                     building_costs=[10_000], sessions=7, outreach_sessions=2)
    bridge = budget_bridge(baseline, plan)
    assert list(bridge["step"]) == ["2015 service", *ITEMS, "plan"]
    assert bridge["change_gbp"].iloc[0] == bridge["running_total_gbp"].iloc[0] == 2_519_300
    steps = bridge["change_gbp"].iloc[1:-1]
    assert math.fsum(steps) == pytest.approx(plan.total_gbp - baseline.total_gbp, abs=1e-6)
    assert bridge["change_gbp"].iloc[-1] == pytest.approx(plan.total_gbp - 2_519_300, abs=1e-6)
    assert bridge["running_total_gbp"].iloc[-1] == plan.total_gbp
    assert bridge.set_index("step").loc["commissioned", "change_gbp"] == -400_000
    running = 2_519_300 + np.cumsum(steps.to_numpy())
    assert np.allclose(bridge["running_total_gbp"].iloc[1:-1], running, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "bad",
    [{"salary_frontline_gbp": -1}, {"lgps_employer_rate": 1.5}, {"session_cost_gbp": float("nan")},
     {"weeks_per_year": 0}, {"salary": 20_000}, {"staff_mix_2015": (1, -1, 1)},
     {"commissioned_fte_2015": 800}],
)
def test_nonsense_rates_are_refused(bad):
    with pytest.raises(ValidationError):
        CostConfig(**bad)


def test_every_rate_is_listed_with_its_source_and_the_calibrated_value_with_it():
    config = CostConfig()
    rows = cost_parameter_table(config, cost_model(config, SEED_SITES))
    assert {row["parameter"] for row in rows} >= set(CostConfig.model_fields)
    assert all(row["source"] for row in rows)
    calibrated = [row for row in rows if row["parameter"] == "commissioned_contract_gbp"]
    assert calibrated[0]["source"].startswith("Calibrated")
    assert len(cost_parameter_table(config)) == len(CostConfig.model_fields)
