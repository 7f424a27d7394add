"""optimise.diagnose: why no plan meets the rules, and by how much, on instances small enough
that the answer is known by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from geodata.errors import EarlyHelpError
from optimise import InfeasiblePlan
from optimise.diagnose import arithmetic_problems
from optimise.programme import solve_siting
from tests.test_programme import make_problem, make_rules

NAMES = {"spa_names": ("Burnley", "Pendle"), "district_names": ("East", "West")}


def refusal(problem, rules) -> str:
    """The one-line message the programme refuses with."""
    with pytest.raises(InfeasiblePlan) as caught:
        solve_siting(problem, rules)
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, EarlyHelpError)
    return message


def mask(*flags: int) -> np.ndarray:
    return np.array(flags, dtype=bool)


# --- arithmetic -----------------------------------------------------------------------------

# four candidates: 0 and 1 in Burnley (East), 2 and 3 in Pendle (West); each SPA wants exactly 2
FOUR = make_problem([[1, 0, 0, 0]], [1], candidate_spa=[0, 0, 1, 1],
                    candidate_district=[0, 0, 1, 1], n_districts=2,
                    spa_limits=[[2, 2], [2, 2]], **NAMES)


@pytest.mark.parametrize("rules, message", [
    (make_rules(centres=3), "the SPA minimums need 4 centres but the scenario allows 3"),
    (make_rules(centres=5), "the SPA maximums allow 4 centres but the scenario asks for 5"),
    (make_rules(centres=4, lock_closed=mask(0, 1, 0, 0)),
     "SPA Burnley needs at least 2 centres but has 1 candidate buildings (1 locked closed)"),
], ids=["minimums", "maximums", "locked closed"])
def test_the_arithmetic_of_counts_is_refused_before_solving(rules, message):
    assert refusal(FOUR, rules) == "no plan meets the rules: " + message
    assert arithmetic_problems(FOUR, rules) == [message]


def test_an_spa_short_of_candidates_is_named_even_with_none_locked():
    problem = make_problem([[1, 0, 0]], [1], candidate_spa=[0, 0, 1],
                           spa_limits=[[1, 2], [2, 2]], **NAMES)
    assert refusal(problem, make_rules(centres=3)) == (
        "no plan meets the rules: SPA Pendle needs at least 2 centres but has 1 candidate "
        "buildings")


@pytest.mark.parametrize("rules, message", [
    (make_rules(centres=2, lock_open=mask(1, 1, 0, 0)),
     "SPA Burnley allows at most 1 centres but 2 are locked open there"),
    (make_rules(centres=1, lock_open=mask(0, 0, 1, 1)),
     "2 buildings are locked open but the scenario allows 1 centres"),
], ids=["spa maximum", "count"])
def test_locks_open_beyond_a_limit_are_refused(rules, message):
    problem = make_problem([[1, 0, 0, 0]], [1], candidate_spa=[0, 0, 1, 1],
                           spa_limits=[[0, 1], [0, 2]], **NAMES)
    assert refusal(problem, rules) == "no plan meets the rules: " + message


def test_a_district_without_candidates_for_its_enhanced_centre_is_named():
    problem = make_problem([[1, 0]], [1], candidate_district=[0, 0], n_districts=2, **NAMES)
    assert refusal(problem, make_rules(enhanced_per_district=1)) == (
        "no plan meets the rules: district West needs 1 enhanced centre(s) but has 0 candidate "
        "buildings")
    assert refusal(problem, make_rules(centres=1, enhanced_per_district=1)) == (
        "no plan meets the rules: 2 districts with 1 enhanced centre(s) each need 2 centres but "
        "the scenario allows 1; district West needs 1 enhanced centre(s) but has 0 candidate "
        "buildings")


def test_a_district_whose_candidates_are_locked_closed_has_none_for_its_enhanced_centre():
    assert arithmetic_problems(FOUR, make_rules(centres=4, enhanced_per_district=1,
                                                lock_closed=mask(0, 0, 1, 1))) == [
        "SPA Pendle needs at least 2 centres but has 0 candidate buildings (2 locked closed)",
        "district West needs 1 enhanced centre(s) but has 0 candidate buildings"]


def test_rules_that_add_up_leave_nothing_to_say():
    assert arithmetic_problems(FOUR, make_rules(centres=4, enhanced_per_district=1)) == []


# --- elastic findings -----------------------------------------------------------------------

def test_a_budget_short_by_exact_pounds_says_so_with_the_fixed_part():
    # the cheapest plan: candidate 0 (£600,000) enhanced (£50,000) plus £15m fixed
    problem = make_problem([[1, 0], [0, 1]], [5, 4], candidate_cost=[600_000, 900_000],
                           enhanced_cost=50_000.0, fixed_cost=15_000_000.0)
    rules = make_rules(centres=1, budget=15_400_000.0, enhanced_per_district=1)
    assert refusal(problem, rules) == (
        "no plan meets the rules; any one of these would allow one: the budget: the cheapest "
        "plan under the other rules costs £250,000 more than the envelope of £15,400,000 "
        "(£15,000,000 of it fixed)")


# Burnley's centre reaches point 0; two Pendle venues reach points 1 and 2 (7 and 5 children),
# but Pendle's one candidate reaches nothing and Burnley takes the one centre
WALK = make_problem([[1, 0], [0, 0], [0, 0]], [10, 3, 2],
                    venue_reach=[[0, 0], [1, 0], [0, 1]], point_spa=[0, 1, 1],
                    candidate_spa=[0, 1], venue_spa=[1, 1], spa_limits=[[1, 1], [0, 1]],
                    children=[20, 7, 5], **NAMES)
WALK_RULES = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1,
                        walk_standard="required")


def test_a_walk_standard_out_of_reach_counts_the_children_and_the_sessions_by_spa():
    assert refusal(WALK, WALK_RULES) == (
        "no plan meets the rules; any one of these would allow one: the walk standard: "
        "12 children would miss it (Pendle 12); or outreach: 2 more outreach sessions a "
        "week would reach every child within the walk limit (Pendle 2)")


def test_without_children_the_walk_standard_counts_groups_of_homes():
    message = refusal(replace(WALK, children=None), WALK_RULES)
    assert "the walk standard: 2 groups of homes would miss it (Pendle 5 need)" in message


def test_the_fewest_children_are_left_beyond_the_walk_standard():
    # three points each reached by one candidate: with two centres one point misses out,
    # and the diagnosis leaves out the one with fewest children (4), not the least need
    problem = make_problem([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 2, 3], children=[6, 4, 5])
    assert refusal(problem, make_rules(centres=2, walk_standard="required")) == (
        "no plan meets the rules; any one of these would allow one: the walk standard: "
        "4 children would miss it (SPA 0 4); or the number of centres: 1 more than 2")


def test_too_few_centres_for_the_budget_says_fewer():
    problem = make_problem([[1, 0], [0, 1]], [3, 2], candidate_cost=[10, 10])
    assert refusal(problem, make_rules(centres=2, budget=15.0)) == (
        "no plan meets the rules; any one of these would allow one: the budget: the cheapest "
        "plan under the other rules costs £5 more than the envelope of £15 (£0 of it fixed); "
        "or the number of centres: 1 fewer than 2")


def test_an_spa_maximum_in_the_way_is_counted_in_words():
    # Burnley's two candidates each reach a point the standard requires, its band allows one
    problem = make_problem([[1, 0, 0], [0, 1, 0], [0, 0, 0]], [3, 2, 1], point_spa=[0, 0, 1],
                           candidate_spa=[0, 0, 1], spa_limits=[[0, 1], [0, 1]],
                           children=[4, 5, 6], **NAMES)
    assert refusal(problem, make_rules(centres=2, walk_standard="required")) == (
        "no plan meets the rules; any one of these would allow one: the walk standard: "
        "4 children would miss it (Burnley 4); or the SPA limits by need band: "
        "Burnley 1 centre more than its band's maximum")


def test_an_spa_minimum_beyond_the_budget_is_counted_in_words():
    problem = make_problem([[1, 0], [0, 1]], [3, 2], candidate_cost=[10, 10],
                           spa_limits=[[2, 2], [0, 1]], **NAMES)
    assert refusal(problem, make_rules(budget=10.0)) == (
        "no plan meets the rules; any one of these would allow one: the budget: the cheapest "
        "plan under the other rules costs £10 more than the envelope of £10 (£0 of it fixed); "
        "or the SPA limits by need band: Burnley 1 centre fewer than its band's minimum")


def test_an_enhanced_centre_beyond_the_budget_is_counted_in_words():
    problem = make_problem([[1, 0], [0, 1]], [3, 2], candidate_cost=[10, 10],
                           candidate_district=[0, 1], n_districts=2, **NAMES)
    assert refusal(problem, make_rules(budget=10.0, enhanced_per_district=1)).endswith(
        "or the enhanced centres (1 per district): East 1 centre fewer than the rule needs")


def test_an_area_short_of_venues_for_the_sessions_that_must_go_out_is_named():
    problem = make_problem([[1]], [3], venue_reach=[[1]], candidate_area=[0],
                           venue_area=[0], area_names=("Preston",))
    rules = make_rules(centres=1, outreach_standard=3, outreach_enhanced=3,
                       outreach_least_standard=3, outreach_least_enhanced=3)
    assert refusal(problem, rules) == (
        "no plan meets the rules; any one of these would allow one: the most sessions at home: "
        "2 more outreach venues would be needed for the sessions the centres may not run at "
        "home (Preston 2); or the number of centres: 1 fewer than 1")


def test_rules_that_fail_only_together_are_relaxed_together():
    # the fixed cost alone breaks the budget; Pendle has no centre to send a session out
    problem = make_problem([[1, 0], [0, 0]], [3, 2], venue_reach=[[0], [1]], fixed_cost=100.0,
                           children=[4, 5], candidate_spa=[0, 0], venue_spa=[1],
                           spa_limits=[[0, 2], [0, 1]], **NAMES)
    rules = make_rules(budget=90.0, walk_standard="required", outreach_standard=1,
                       outreach_enhanced=1)
    assert refusal(problem, rules) == (
        "no plan meets the rules; relaxing them together shows: the budget: the cheapest plan "
        "under the other rules costs £10 more than the envelope of £90 (£100 of it fixed); "
        "outreach: 1 more outreach sessions a week would reach every child within the walk "
        "limit (Pendle 1)")


def test_a_building_locked_both_open_and_closed_points_to_the_locks():
    problem = make_problem([[1, 0]], [1])
    rules = make_rules(lock_open=mask(1, 0), lock_closed=mask(1, 0))
    assert refusal(problem, rules) == (
        "no plan meets the rules; relaxing them together shows: the rules contradict each "
        "other in a way the diagnosis cannot split (check the locks)")


def test_a_coverage_target_beyond_reach_says_how_much_the_centres_can_reach():
    # one centre: the best reaches 6 of 10 need (the other 4); 60 % is the most
    problem = make_problem([[1, 0], [1, 0], [0, 1], [0, 0]], [3, 3, 2, 2])
    rules = make_rules(centres=1, objective="min_cost", coverage_target=0.75,
                       prefer_existing=False)
    assert refusal(problem, rules) == (
        "no plan meets the rules; any one of these would allow one: the coverage target: the "
        "centres can reach at most 60.0% of the need under the other rules, not 75.0%; or the "
        "number of centres: 1 more than 1")
