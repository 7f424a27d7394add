"""The caseload allocation model: demand by SPA, FTE in whole or half posts that sum exactly."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from geodata.seed003 import FTE, FTE_FRONTLINE, FTE_MANAGEMENT, FTE_SUPPORT
from optimise.errors import OptimiseError
from optimise.staffing import (
    StaffingConfig,
    allocate_footprints,
    allocate_frontline,
    frontline_demand,
    staffing_plan,
)

#: Round numbers that make the hand computation exact.
HAND = StaffingConfig(cases_per_year=1040, case_length_weeks=26, caseload_per_worker=10,
                      staff_hours_per_session=6, hours_per_fte_week=37)


def _demand(values: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame({"demand_fte": pd.Series(values, dtype=float)})


def test_the_default_establishment_is_seed_003s_540_of_482_29_29():
    config = StaffingConfig()
    assert (config.fte_frontline, config.fte_management, config.fte_support) == (
        FTE_FRONTLINE, FTE_MANAGEMENT, FTE_SUPPORT)
    assert config.fte_total == FTE == 540
    assert StaffingConfig(fte_stated=540).fte_total == 540


def test_a_stated_total_the_groups_do_not_make_is_refused():
    with pytest.raises(ValidationError, match="= 540, not the stated fte_stated 541"):
        StaffingConfig(fte_stated=541)


def test_a_group_that_is_not_whole_or_half_posts_is_refused():
    with pytest.raises(ValidationError, match=r"fte_management \(29.3\) is not a multiple of fte_step \(0.5\)"):
        StaffingConfig(fte_management=29.3)


def test_unknown_or_nonsense_parameters_are_refused():
    with pytest.raises(ValidationError):
        StaffingConfig(caseload=12)
    with pytest.raises(ValidationError):
        StaffingConfig(caseload_per_worker=-1)


def test_case_and_session_fte_match_a_hand_computation():
    demand = frontline_demand(pd.Series({"A": 3.0, "B": 1.0}), pd.Series({"A": 12, "B": 7}), HAND)
    # A: 1040 x 3/4 = 780 cases; 780 x 26 / 52 / 10 = 39 FTE; 12 sessions x 6 h / 37 h
    assert demand.loc["A", "expected_cases"] == 780
    assert demand.loc["A", "case_fte"] == 39
    assert demand.loc["A", "session_fte"] == pytest.approx(72 / 37, abs=1e-12)
    assert demand.loc["B", "case_fte"] == 13
    assert demand.loc["B", "demand_fte"] == pytest.approx(13 + 42 / 37, abs=1e-12)


def test_an_spa_without_sessions_needs_staff_for_its_cases_only():
    demand = frontline_demand(pd.Series({"A": 1.0, "B": 1.0}), pd.Series({"A": 7}), HAND)
    assert demand.loc["B", "session_fte"] == 0
    assert demand.loc["B", "demand_fte"] == 26  # 520 cases x 26 / 52 / 10


def test_sessions_for_an_spa_without_need_are_refused():
    with pytest.raises(OptimiseError, match=r"sessions are given for 1 SPAs that have no need figure: \['Z'\]"):
        frontline_demand(pd.Series({"A": 1.0}), pd.Series({"Z": 7}), HAND)


def test_frontline_is_shared_by_largest_remainder_and_sums_exactly():
    # 14 half posts: quotas 7, 4.2, 2.8 -> 7, 4, 2 and the spare half post to the largest remainder
    shares = allocate_frontline(_demand({"A": 5, "B": 3, "C": 2}), 7, 0.5)
    assert shares.to_dict() == {"A": 3.5, "B": 2.0, "C": 1.5}
    assert shares.sum() == 7


def test_ties_go_to_the_first_spa_id_whatever_the_row_order():
    # 20 half posts over three equal demands: 6 each, the two spare ones to A and B
    expected = {"A": 3.5, "B": 3.5, "C": 3.0}
    assert allocate_frontline(_demand({"C": 1, "A": 1, "B": 1}), 10, 0.5).to_dict() == expected
    assert allocate_frontline(_demand({"B": 1, "C": 1, "A": 1}), 10, 0.5).to_dict() == expected


def test_the_default_establishment_over_many_spas_is_whole_half_posts_summing_to_482():
    demand = _demand({f"S{i:02d}": 1 + (i * 37 % 11) / 7 for i in range(34)})
    shares = allocate_frontline(demand, 482, 0.5)
    assert shares.sum() == 482
    assert ((shares * 2) % 1 == 0).all()
    assert (abs(shares - 482 * demand["demand_fte"] / demand["demand_fte"].sum()) < 0.5).all()


def test_a_total_that_is_not_a_whole_number_of_steps_is_refused_in_one_line():
    with pytest.raises(OptimiseError) as refused:
        allocate_frontline(_demand({"A": 1, "B": 1}), 10.3, 0.5)
    message = str(refused.value)
    assert message == ("10.3 FTE cannot be shared in steps of 0.5 FTE: expected a total >= 0 that is "
                       "a whole number of steps (e.g. 10)")


def test_management_and_support_follow_frontline_by_footprint_ties_in_seed_order():
    frontline = pd.Series({"Preston 1": 10.0, "Preston 2": 10.0, "Burnley 1": 20.0})
    footprint = pd.Series({"Preston 1": "Preston", "Preston 2": "Preston",
                           "Burnley 1": "Burnley and Pendle"})
    config = StaffingConfig(fte_frontline=40, fte_management=3.5, fte_support=4)
    table = allocate_footprints(frontline, footprint, config)
    # seed 003 lists Preston before Burnley and Pendle, so Preston takes the tied half post
    assert table.loc["Preston"].to_dict() == {"fte_frontline": 20, "fte_management": 2.0,
                                              "fte_support": 2.0, "fte_total": 24.0}
    assert table.loc["Burnley and Pendle", "fte_management"] == 1.5
    assert table[["fte_management", "fte_support"]].sum().to_dict() == {
        "fte_management": 3.5, "fte_support": 4.0}


def test_a_plan_by_default_reproduces_540_and_its_summary():
    need = pd.Series({"Preston 1": 40.0, "Preston 2": 10.0, "Burnley 1": 50.0})
    footprint = pd.Series({"Preston 1": "Preston", "Preston 2": "Preston",
                           "Burnley 1": "Burnley and Pendle"})
    plan = staffing_plan(need, pd.Series({"Preston 1": 12, "Burnley 1": 7}), footprint, StaffingConfig())
    summary = plan.summary()
    assert {k: summary[k] for k in ("fte_total", "fte_frontline", "fte_management", "fte_support")} == {
        "fte_total": 540, "fte_frontline": 482, "fte_management": 29, "fte_support": 29}
    # 10,000 cases x 24 weeks / 52 / 12 per worker, plus 19 sessions x 6 h / 37 h
    demand = 10_000 * 24 / 52 / 12 + 19 * 6 / 37
    assert summary["demand_fte"] == pytest.approx(demand, abs=1e-9)
    assert summary["frontline_to_demand"] == pytest.approx(482 / demand, abs=1e-12)
    assert plan.spas.loc["Burnley 1", "footprint"] == "Burnley and Pendle"
    assert plan.spas["fte_frontline"].sum() == 482
