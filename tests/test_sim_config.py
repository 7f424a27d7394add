"""The simulation's parameters: the defaults are the seed figures they were derived from, every
one has a source, and a mistaken value is refused with a message naming it."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from geodata import seed001
from optimise.staffing import StaffingConfig
from sim.config import LEVEL_4A_SHARE, SimulationConfig

DEFAULT = SimulationConfig()


def test_the_not_progressed_share_is_seed_001s_6_of_91():
    assert DEFAULT.not_progressed_share == 6 / 91


def test_levels_2_and_3_keep_seed_001s_21_to_47_and_level_4a_is_the_stated_assumption():
    shares = DEFAULT.level_shares
    assert shares.level_2 / shares.level_3 == pytest.approx(21 / 47)
    assert shares.level_4a == LEVEL_4A_SHARE == 0.10
    assert sum(shares.as_tuple()) == pytest.approx(1.0)


def test_themes_are_seed_000s_county_places_420_287_395_215():
    shares = DEFAULT.theme_shares
    total = 420 + 287 + 395 + 215
    assert (shares.family_support, shares.domestic_abuse, shares.emotional_health,
            shares.parenting) == pytest.approx((420 / total, 287 / total, 395 / total, 215 / total))


def test_referral_sources_are_seed_001s_counts_with_education_45_of_89():
    shares = DEFAULT.source_shares
    assert shares == seed001.source_shares()
    assert shares["Education (inc. early years)"] == pytest.approx(45 / 89)
    assert shares["De-escalation from Children's Social Care"] == pytest.approx(7 / 89)
    assert DEFAULT.education_source == "Education (inc. early years)"


def test_closure_rates_are_seed_001s_by_theme_and_parenting_takes_the_quarters():
    down, up = DEFAULT.deescalation_share, DEFAULT.thriving_share
    assert (down.family_support, down.domestic_abuse, down.emotional_health) == (6 / 9, 1.0, 1.0)
    assert down.parenting == 27 / 30
    assert (up.family_support, up.domestic_abuse, up.emotional_health) == (0.30, 0.60, 0.88)
    assert up.parenting == pytest.approx((0.30 + 0.60 + 0.88) / 3)


def test_the_mean_case_length_is_seed_001s_little_law_figure_rounded():
    assert seed001.case_length_weeks_littles_law() == pytest.approx(24.3, abs=0.05)
    assert StaffingConfig().case_length_weeks == round(seed001.case_length_weeks_littles_law())


def test_no_escalation_share_exceeds_the_rule_of_three_bound_of_seed_001_except_level_4a():
    bound = seed001.escalation_upper_bound_rule_of_three()
    assert bound == 0.1
    assert DEFAULT.escalation_share.level_2 < bound and DEFAULT.escalation_share.level_3 < bound


def test_every_parameter_has_a_description_and_a_source():
    rows = DEFAULT.parameter_table()
    assert len(rows) == len(SimulationConfig.model_fields)
    assert all(row["description"] and row["source"] for row in rows)


@pytest.mark.parametrize(("changes", "says"), [
    ({"level_shares": {"level_2": 0.5, "level_3": 0.6, "level_4a": 0.1}}, "shares must add up to 1, got 1.2"),
    ({"source_shares": {"Health": 0.5}}, "source shares must add up to 1, got 0.5"),
    ({"thriving_share": {"family_support": 0.9, "domestic_abuse": 0.6, "emotional_health": 0.88,
                         "parenting": 0.5}}, "family_support: thriving_share (0.9) must lie within 0 and deescalation_share (0.666667)"),
    ({"warmup_days": 182.5}, "182.5 given: the warm-up must be whole days"),
    ({"school_holidays": [[10, 5]]}, "holiday [10, 5) must lie within days 0 to 365"),
    ({"vacancy_rate": 1.0}, "less than 1"),
    ({"replications": 0}, "greater than or equal to 1"),
    ({"vacancy_rat": 0.1}, "Extra inputs are not permitted"),
])
def test_a_mistaken_value_is_refused_naming_what_is_wrong(changes, says):
    with pytest.raises(ValidationError, match=None) as caught:
        SimulationConfig(**changes)
    assert says in str(caught.value)


@pytest.mark.parametrize("factor", [0.0, -1.0])
def test_a_case_length_factor_that_is_not_positive_is_refused(factor):
    with pytest.raises(ValidationError, match=f"case_length_level_factor at level 2 is {factor:g}: "
                       "expected a positive factor"):
        SimulationConfig(case_length_level_factor={"level_2": factor, "level_3": 1, "level_4a": 1})


def test_a_year_of_holidays_with_no_holiday_referrals_is_refused():
    with pytest.raises(ValidationError, match="education referrals could never come"):
        SimulationConfig(school_holidays=[[0, 365]], holiday_referral_factor=0)
    assert SimulationConfig(school_holidays=[[0, 365]], holiday_referral_factor=0.5)
