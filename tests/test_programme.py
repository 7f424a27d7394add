"""optimise.programme: the siting programme on hand-made arrays, against brute force.

Every plan the rules allow is enumerated (each set of centres, each choice of enhanced centres,
each set of outreach venues) and ranked in the lexicographic order of the objectives; the
programme must find a plan of that rank. Hand-made instances pin each rule where it changes the
answer, with the answer written down.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csr_matrix, issparse

from optimise import InfeasiblePlan, OptimiseError
from optimise.programme import Rules, SitingProblem, dominated_venues, group_points, solve_siting

TOLERANCE = 1e-6


# --- builders -------------------------------------------------------------------------------

def reach(rows: list[list[int]] | csr_matrix, n_points: int = 0) -> csr_matrix:
    """A boolean points x places matrix from 0/1 rows (no rows: ``n_points`` x 0)."""
    if issparse(rows):
        return csr_matrix(rows)
    if not rows:
        return csr_matrix((n_points, 0), dtype=bool)
    return csr_matrix(np.array(rows, dtype=bool))


def make_problem(centre_reach: list[list[int]] | csr_matrix, need: list[float], *,
                 venue_reach: list[list[int]] | None = None, **fields) -> SitingProblem:
    """A problem with one SPA, one district, no limits, no costs and no venues unless given;
    list ``fields`` become arrays."""
    centres = reach(centre_reach)
    n_points, n_candidates = centres.shape
    venues = reach(venue_reach or [], n_points)
    n_venues = venues.shape[1]
    defaults = {
        "point_spa": np.zeros(n_points, dtype=np.int64),
        "candidate_spa": np.zeros(n_candidates, dtype=np.int64),
        "candidate_district": np.zeros(n_candidates, dtype=np.int64),
        "candidate_existing": np.zeros(n_candidates, dtype=bool),
        "candidate_cost": np.zeros(n_candidates),
        "venue_spa": np.zeros(n_venues, dtype=np.int64),
        "venue_candidate": np.full(n_venues, -1, dtype=np.int64),
        "venue_cost": np.zeros(n_venues),
        "spa_limits": np.array([[0, n_candidates]], dtype=np.int64),
        "n_districts": 1,
    }
    arrays = {key: np.asarray(value) if isinstance(value, list) else value
              for key, value in fields.items()}
    return SitingProblem(centre_reach=centres, venue_reach=venues,
                         need=np.asarray(need, dtype=float), **{**defaults, **arrays})


def make_rules(**fields) -> Rules:
    """Rules with a free count, no budget, no enhanced centres, no outreach and the walk
    standard as an objective unless given."""
    defaults = {"centres": None, "budget": None, "enhanced_per_district": 0,
                "outreach_standard": 0, "outreach_enhanced": 0, "walk_standard": "objective"}
    return Rules(**{**defaults, **fields})


def masks(solution) -> tuple[list[bool], list[bool], list[bool]]:
    return solution.open.tolist(), solution.enhanced.tolist(), solution.venues.tolist()


def values(solution) -> dict[str, float]:
    return {tier.name: tier.value for tier in solution.tiers}


# --- brute force ----------------------------------------------------------------------------

def every_subset(n: int) -> np.ndarray:
    """2**n x n: every subset of n things as a boolean row."""
    return ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1).astype(bool)


@dataclass(frozen=True)
class Optimum:
    """The lexicographic optimum: each tier's value and every plan that reaches it."""

    values: dict[str, float]
    plans: frozenset[tuple[tuple[bool, ...], tuple[bool, ...], tuple[bool, ...]]]


def tier_order(rules: Rules) -> list[tuple[str, bool]]:
    """The objectives as the brief states them: (name, maximise)."""
    order = []
    if rules.objective == "fairness":
        order.append(("worst_spa_share", True))
    if rules.objective == "min_cost":
        order.append(("cost_gbp", False))
    order.append(("need_reached_by_centre", True))
    if rules.walk_standard != "required":
        order.append(("need_reached", True))
    if rules.prefer_existing:
        order.append(("existing_kept", True))
    if rules.prefer_cheaper and rules.objective != "min_cost":
        order.append(("cost_gbp", False))
    return order


def brute_force(problem: SitingProblem, rules: Rules, exclude: tuple = (),
                min_difference: int = 1, hold_primary: float | None = None) -> Optimum | None:
    """Enumerate every plan, keep those that meet every rule, rank them lexicographically
    (None when no plan meets the rules)."""
    n, m, n_spas = problem.n_candidates, problem.n_venues, problem.n_spas
    spa_of = np.eye(n_spas, dtype=int)[problem.candidate_spa]  # candidates x SPAs
    opened = every_subset(n)
    counts = opened.astype(int) @ spa_of
    ok = np.all((counts >= problem.spa_limits[:, 0]) & (counts <= problem.spa_limits[:, 1]), 1)
    if rules.centres is not None:
        ok &= opened.sum(axis=1) == rules.centres
    if rules.lock_open is not None:
        ok &= np.all(opened | ~np.asarray(rules.lock_open), axis=1)
    if rules.lock_closed is not None:
        ok &= ~np.any(opened & np.asarray(rules.lock_closed), axis=1)
    for plan in exclude:
        ok &= (opened & plan).sum(axis=1) <= plan.sum() - min_difference
    opened = opened[ok]
    chosen = every_subset(n)
    per_district = chosen.astype(int) @ np.eye(problem.n_districts, dtype=int)[
        problem.candidate_district]
    chosen = chosen[np.all(per_district == rules.enhanced_per_district, axis=1)]
    i, j = np.nonzero(np.all(opened[:, None, :] | ~chosen[None, :, :], axis=2))
    used = every_subset(m)
    a = np.repeat(np.arange(len(i)), len(used))
    b = np.tile(np.arange(len(used)), len(i))
    y, e, w = opened[i][a], chosen[j][a], used[b]

    allowance = (rules.outreach_standard * (y & ~e).astype(int)
                 + rules.outreach_enhanced * e.astype(int)) @ spa_of
    ok = np.all(w.astype(int) @ np.eye(n_spas, dtype=int)[problem.venue_spa] <= allowance, axis=1)
    for v in np.flatnonzero(problem.venue_candidate >= 0):
        ok &= ~(w[:, v] & y[:, problem.venue_candidate[v]])
    centre_reach = problem.centre_reach.toarray()
    venue_reach = problem.venue_reach.toarray()
    by_centre = (y.astype(int) @ centre_reach.T.astype(int)) > 0
    by_any = by_centre | ((w.astype(int) @ venue_reach.T.astype(int)) > 0)
    need = problem.need
    if rules.walk_standard == "required":
        reachable = (need > 0) & (centre_reach.any(axis=1) | venue_reach.any(axis=1))
        ok &= np.all(by_any[:, reachable], axis=1)
    cost = y @ problem.candidate_cost + e.sum(axis=1) * problem.enhanced_cost + \
        w @ problem.venue_cost
    if rules.budget is not None:
        ok &= problem.fixed_cost + cost <= rules.budget + TOLERANCE
    reached = by_centre @ need
    if rules.objective == "min_cost":
        ok &= reached >= rules.coverage_target * need.sum() - TOLERANCE
    spa_need = np.bincount(problem.point_spa, weights=need, minlength=n_spas)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = (by_centre * need) @ np.eye(n_spas)[problem.point_spa] / spa_need
    tier_values = {
        "worst_spa_share": shares[:, spa_need > 0].min(axis=1) if (spa_need > 0).any()
        else np.zeros(len(y)),
        "cost_gbp": cost,
        "need_reached_by_centre": reached,
        "need_reached": by_any @ need,
        "existing_kept": (y & problem.candidate_existing).sum(axis=1).astype(float),
    }
    order = tier_order(rules)
    if hold_primary is not None:
        name, maximise = order[0]
        first = tier_values[name]
        ok &= first >= hold_primary - TOLERANCE if maximise else first <= hold_primary + TOLERANCE
    if not ok.any():
        return None
    best = {}
    for name, maximise in order:
        value = tier_values[name]
        target = value[ok].max() if maximise else value[ok].min()
        ok &= np.abs(value - target) <= TOLERANCE * max(1.0, abs(target))
        best[name] = float(target)
    plans = frozenset((tuple(y[k]), tuple(e[k]), tuple(w[k])) for k in np.flatnonzero(ok))
    return Optimum(best, plans)


def assert_matches_brute_force(problem: SitingProblem, rules: Rules, **options) -> None:
    """The programme finds a plan of the lexicographic optimum, with every tier's value, or
    refuses when no plan meets the rules."""
    optimum = brute_force(problem, rules, **options)
    if optimum is None:
        with pytest.raises(InfeasiblePlan):
            solve_siting(problem, rules, **options)
        return
    solution = solve_siting(problem, rules, **options)
    assert [t.name for t in solution.tiers] == list(optimum.values)
    assert values(solution) == pytest.approx(optimum.values, abs=TOLERANCE)
    assert tuple(map(tuple, masks(solution))) in optimum.plans
    assert solution.status == "optimal"


def random_problem(seed: int) -> SitingProblem:
    """8 candidates, 4 venues (two of them candidate buildings), 12 points, 3 SPAs in 2
    districts; small whole-number needs and costs, so ties are common and tie-breaks decide."""
    rng = np.random.default_rng(seed)
    n_points, n, m = 12, 8, 4
    candidate_spa = np.r_[0, 1, 2, rng.integers(0, 3, n - 3)]  # every SPA has a candidate
    venue_candidate = np.full(m, -1)
    venue_candidate[:2] = rng.choice(n, 2, replace=False)
    return SitingProblem(
        centre_reach=csr_matrix(rng.random((n_points, n)) < 0.25),
        venue_reach=csr_matrix(rng.random((n_points, m)) < 0.3),
        need=rng.integers(0, 10, n_points).astype(float),
        point_spa=rng.integers(0, 3, n_points),
        candidate_spa=candidate_spa,
        candidate_district=np.array([0, 0, 1])[candidate_spa],
        candidate_existing=rng.random(n) < 0.5,
        candidate_cost=rng.integers(10, 30, n).astype(float),
        venue_spa=rng.integers(0, 3, m),
        venue_candidate=venue_candidate,
        venue_cost=rng.integers(1, 4, m).astype(float),
        spa_limits=np.array([[1, 2], [1, 3], [0, 2]]),
        n_districts=2,
        enhanced_cost=5.0,
        fixed_cost=100.0,
        children=rng.integers(0, 20, n_points).astype(float),
    )


RANDOM_RULES = {
    "four centres, standard required": make_rules(
        centres=4, enhanced_per_district=1, outreach_standard=1, outreach_enhanced=2,
        walk_standard="required"),
    "budget decides the count, standard an objective": make_rules(
        budget=175.0, enhanced_per_district=1, outreach_standard=1, outreach_enhanced=2),
    "cheapest plan reaching 60%": make_rules(
        objective="min_cost", coverage_target=0.6, enhanced_per_district=1,
        outreach_standard=1, outreach_enhanced=1),
    "fairest three centres, no tie-breaks": make_rules(
        centres=3, objective="fairness", prefer_existing=False,
        prefer_cheaper=False, outreach_standard=1, outreach_enhanced=1),
}


# --- against brute force --------------------------------------------------------------------

@pytest.mark.parametrize("rules", RANDOM_RULES.values(), ids=RANDOM_RULES.keys())
@pytest.mark.parametrize("seed", range(6))
def test_the_plan_is_a_lexicographic_optimum_of_brute_force(seed, rules):
    assert_matches_brute_force(random_problem(seed), rules)


def test_the_random_instances_include_plans_and_refusals():
    # the brute-force comparison above means something only if it meets both outcomes
    outcomes = [brute_force(random_problem(seed), rules) is None
                for seed in range(6) for rules in RANDOM_RULES.values()]
    assert 0 < sum(outcomes) < len(outcomes)


@pytest.mark.parametrize("seed", range(3))
def test_an_option_is_the_best_plan_that_closes_enough_of_the_first(seed):
    problem = random_problem(seed + 40)
    rules = make_rules(centres=4, enhanced_per_district=1, outreach_standard=1,
                       outreach_enhanced=2, walk_standard="objective")
    first = solve_siting(problem, rules)
    hold = 0.8 * first.primary.value
    option = solve_siting(problem, rules, exclude=(first.open,), min_difference=2,
                          hold_primary=hold)
    assert (first.open & option.open).sum() <= first.open.sum() - 2
    assert option.primary.value >= hold
    assert_matches_brute_force(problem, rules, exclude=(first.open,), min_difference=2,
                               hold_primary=hold)


# --- centres --------------------------------------------------------------------------------

# Greedy opens candidate 0 (need 12) then gains 2; candidates 1 and 2 together reach 16.
#            candidate 0  1  2  3
TRAP = [[1, 1, 0, 0],   # need 3
        [1, 1, 0, 0],   # need 3
        [1, 0, 1, 0],   # need 3
        [1, 0, 1, 0],   # need 3
        [0, 1, 0, 1],   # need 2
        [0, 0, 1, 0]]   # need 2
TRAP_NEED = [3, 3, 3, 3, 2, 2]


@pytest.mark.parametrize("centres, expected_open, reached", [
    (1, [True, False, False, False], 12.0),
    (2, [False, True, True, False], 16.0),
    (3, [True, True, True, False], 16.0),  # the third centre adds nothing but must open
])
def test_exactly_the_asked_number_of_centres_opens(centres, expected_open, reached):
    solution = solve_siting(make_problem(TRAP, TRAP_NEED, candidate_cost=[1, 1, 1, 2]),
                            make_rules(centres=centres))
    assert solution.open.tolist() == expected_open
    assert values(solution)["need_reached_by_centre"] == reached


@pytest.mark.parametrize("budget, fixed, expected_open", [
    (35.0, 0.0, [True, True, True]),
    (25.0, 0.0, [True, True, False]),
    (35.0, 10.0, [True, True, False]),  # the fixed cost comes out of the same envelope
    (9.0, 0.0, [False, False, False]),
])
def test_without_a_count_the_budget_decides_how_many_centres_open(budget, fixed, expected_open):
    problem = make_problem([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [5, 4, 3],
                           candidate_cost=[10, 10, 10], fixed_cost=fixed)
    solution = solve_siting(problem, make_rules(budget=budget))
    assert solution.open.tolist() == expected_open
    assert values(solution)["cost_gbp"] == 10.0 * sum(expected_open)


# --- SPA limits -----------------------------------------------------------------------------

#   candidates 0 and 1 (SPA 0) reach much; candidate 2 (SPA 1) reaches little
SPREAD = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
SPREAD_NEED = [10, 9, 1]


@pytest.mark.parametrize("limits, expected_open", [
    ([[0, 2], [0, 1]], [True, True, False]),
    ([[0, 2], [1, 1]], [True, False, True]),   # SPA 1's fewest
    ([[0, 1], [0, 1]], [True, False, True]),   # SPA 0's most
    ([[2, 2], [0, 1]], [True, True, False]),
])
def test_every_spa_gets_between_its_fewest_and_most_centres(limits, expected_open):
    problem = make_problem(SPREAD, SPREAD_NEED, candidate_spa=[0, 0, 1],
                           point_spa=[0, 0, 1], spa_limits=limits)
    assert solve_siting(problem, make_rules(centres=2)).open.tolist() == expected_open


# --- enhanced centres -----------------------------------------------------------------------

def test_each_district_gets_its_enhanced_centres_so_a_poor_district_keeps_a_centre():
    problem = make_problem(SPREAD, SPREAD_NEED, candidate_district=[0, 0, 1], n_districts=2,
                           enhanced_cost=5.0, candidate_cost=[1, 1, 1])
    without = solve_siting(problem, make_rules(centres=2))
    assert masks(without) == ([True, True, False], [False, False, False], [])
    with_ = solve_siting(problem, make_rules(centres=2, enhanced_per_district=1))
    assert masks(with_) == ([True, False, True], [True, False, True], [])
    assert values(with_)["cost_gbp"] == 2 * 1.0 + 2 * 5.0  # the enhanced cost counted


def test_only_an_open_centre_is_enhanced_and_the_count_per_district_is_exact():
    problem = make_problem([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]],
                           [4, 3, 2, 1], candidate_district=[0, 0, 1, 1], n_districts=2)
    solution = solve_siting(problem, make_rules(centres=3, enhanced_per_district=1))
    assert masks(solution)[0] == [True, True, True, False]
    assert solution.enhanced[2]  # district 1's only open centre
    assert solution.enhanced[:2].sum() == 1
    both = solve_siting(problem, make_rules(centres=4, enhanced_per_district=2))
    assert both.enhanced.tolist() == [True, True, True, True]


def test_the_enhanced_cost_counts_against_the_budget():
    problem = make_problem([[1, 0], [0, 1]], [5, 4], candidate_cost=[10, 10],
                           enhanced_cost=5.0)
    assert solve_siting(problem, make_rules(budget=25.0, enhanced_per_district=1)
                        ).open.tolist() == [True, True]
    assert solve_siting(problem, make_rules(budget=24.0, enhanced_per_district=1)
                        ).open.tolist() == [True, False]


# --- outreach -------------------------------------------------------------------------------

# one candidate reaching point 0; three venues reaching points 1, 2, 3 (need 5, 4, 3)
OUTREACH_CENTRE = [[1], [0], [0], [0]]
OUTREACH_VENUES = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
OUTREACH_NEED = [10, 5, 4, 3]


@pytest.mark.parametrize("standard, enhanced, per_district, expected_venues, reached", [
    (0, 0, 0, [False, False, False], 10.0),
    (1, 1, 0, [True, False, False], 15.0),
    (2, 2, 0, [True, True, False], 19.0),
    (1, 3, 1, [True, True, True], 22.0),   # an enhanced centre sends out more
    (0, 2, 1, [True, True, False], 19.0),
    (0, 2, 0, [False, False, False], 10.0),  # a standard centre with no allowance: no venue
])
def test_venues_in_an_spa_are_at_most_the_sessions_its_centres_may_send_out(
        standard, enhanced, per_district, expected_venues, reached):
    problem = make_problem(OUTREACH_CENTRE, OUTREACH_NEED, venue_reach=OUTREACH_VENUES)
    rules = make_rules(centres=1, enhanced_per_district=per_district,
                       outreach_standard=standard, outreach_enhanced=enhanced)
    solution = solve_siting(problem, rules)
    assert solution.venues.tolist() == expected_venues
    assert values(solution)["need_reached"] == reached


def test_a_venue_takes_its_allowance_from_centres_in_its_own_spa():
    problem = make_problem([[1, 0], [0, 0], [0, 0]], [10, 5, 4],
                           venue_reach=[[0, 0], [1, 0], [0, 1]], candidate_spa=[0, 1],
                           venue_spa=[1, 0], spa_limits=[[0, 2], [0, 2]])
    rules = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1)
    # the centre reaching need 10 is in SPA 0, so only SPA 0's venue (need 4) may be used
    assert masks(solve_siting(problem, rules)) == ([True, False], [False, False], [False, True])


def test_a_hub_sends_outreach_anywhere_in_its_outreach_area():
    # the same instance with both SPAs in one area (a hub's footprint): the centre in SPA 0 may
    # now run the bigger venue in SPA 1
    problem = make_problem([[1, 0], [0, 0], [0, 0]], [10, 5, 4],
                           venue_reach=[[0, 0], [1, 0], [0, 1]], candidate_spa=[0, 1],
                           venue_spa=[1, 0], spa_limits=[[0, 2], [0, 2]],
                           candidate_area=[0, 0], venue_area=[0, 0], area_names=("Hub",))
    rules = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1)
    assert masks(solve_siting(problem, rules)) == ([True, False], [False, False], [True, False])
    two = make_rules(centres=1, outreach_standard=2, outreach_enhanced=2)
    assert masks(solve_siting(problem, two))[2] == [True, True]


def test_sessions_a_centre_may_not_keep_at_home_each_take_a_venue():
    # one centre, two venues that reach nothing more: no venue is worth its cost unless the
    # centre must send sessions out
    problem = make_problem([[1]], [10], venue_reach=[[1, 1]], venue_cost=[1.0, 1.0])
    free = make_rules(centres=1, outreach_standard=2, outreach_enhanced=2)
    assert masks(solve_siting(problem, free))[2] == [False, False]
    least = replace(free, outreach_least_standard=2, outreach_least_enhanced=2)
    assert masks(solve_siting(problem, least))[2] == [True, True]
    assert masks(solve_siting(problem, replace(least, outreach_least_standard=1)))[2] \
        .count(True) == 1


def test_outreach_areas_come_as_a_pair():
    problem = make_problem([[1]], [1], venue_reach=[[1]], candidate_area=[0])
    with pytest.raises(ValueError, match="candidate_area and venue_area go together"):
        solve_siting(problem, make_rules())


@pytest.mark.parametrize("venue_candidate, expected_venues", [
    ([-1, -1], [True, False]),
    ([1, -1], [False, True]),  # venue 0 is candidate 1's building, open as a centre
])
def test_a_building_is_either_a_centre_or_a_venue(venue_candidate, expected_venues):
    # both centres open; only candidate 1 is in the venues' SPA, so one venue may be used
    problem = make_problem([[1, 0], [0, 1], [0, 0], [0, 0]], [10, 9, 5, 1],
                           venue_reach=[[0, 0], [0, 0], [1, 0], [0, 1]],
                           venue_candidate=venue_candidate, candidate_spa=[1, 0],
                           spa_limits=[[0, 1], [0, 1]])
    rules = make_rules(centres=2, outreach_standard=1, outreach_enhanced=1)
    assert masks(solve_siting(problem, rules)) == ([True, True], [False, False], expected_venues)


# --- the walk standard ----------------------------------------------------------------------

# candidate 0 reaches the big point; candidate 1 two small ones; the venue the big one;
# point 3 is beyond every place
WALK_CENTRES = [[1, 0], [0, 1], [0, 1], [0, 0]]
WALK_VENUES = [[1], [0], [0], [0]]
WALK_NEED = [10, 3, 3, 100]


def test_as_an_objective_the_standard_comes_after_the_need_reached_by_a_centre():
    problem = make_problem(WALK_CENTRES, WALK_NEED, venue_reach=WALK_VENUES, venue_cost=[1])
    rules = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1)
    solution = solve_siting(problem, rules)
    assert masks(solution) == ([True, False], [False, False], [False])  # the venue adds nothing
    assert values(solution) == {"need_reached_by_centre": 10.0, "need_reached": 10.0,
                                "existing_kept": 0.0, "cost_gbp": 0.0}


def test_when_required_every_child_some_place_reaches_is_reached():
    problem = make_problem(WALK_CENTRES, WALK_NEED, venue_reach=WALK_VENUES, venue_cost=[1])
    rules = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1,
                       walk_standard="required")
    solution = solve_siting(problem, rules)
    # the point beyond every place (need 100) does not make the rule impossible
    assert masks(solution) == ([False, True], [False, False], [True])
    assert values(solution) == {"need_reached_by_centre": 6.0, "existing_kept": 0.0,
                                "cost_gbp": 1.0}


def test_when_the_standard_cannot_be_met_the_plan_is_refused():
    problem = make_problem(WALK_CENTRES, WALK_NEED, venue_reach=WALK_VENUES)
    with pytest.raises(InfeasiblePlan):
        solve_siting(problem, make_rules(centres=1, walk_standard="required"))  # no outreach


# --- objectives -----------------------------------------------------------------------------

@pytest.mark.parametrize("target, expected_open, cost", [
    (0.5, [False, True, False], 3.0),
    (0.9, [False, True, True], 6.0),  # cheaper than candidate 0, which reaches everything
    (1.0, [False, True, True], 6.0),
])
def test_min_cost_finds_the_cheapest_plan_that_reaches_the_target(target, expected_open, cost):
    problem = make_problem([[1, 1, 0], [1, 1, 0], [1, 0, 1]], [4, 2, 4],
                           candidate_cost=[10, 3, 3])
    solution = solve_siting(problem, make_rules(objective="min_cost", coverage_target=target))
    assert solution.open.tolist() == expected_open
    assert solution.tiers[0].name == "cost_gbp"
    assert values(solution)["cost_gbp"] == cost


def test_min_cost_counts_need_beyond_every_place_in_the_target():
    problem = make_problem([[1], [0]], [6, 4], candidate_cost=[3])
    assert solve_siting(problem, make_rules(objective="min_cost", coverage_target=0.6)
                        ).open.tolist() == [True]
    with pytest.raises(InfeasiblePlan):
        solve_siting(problem, make_rules(objective="min_cost", coverage_target=0.61))


def test_fairness_raises_the_worst_served_spa():
    #   SPA 0: points of need 6 and 4; SPA 1: one point of need 2
    problem = make_problem([[1, 0], [1, 1], [0, 1]], [6, 4, 2], point_spa=[0, 0, 1],
                           candidate_spa=[0, 1], spa_limits=[[0, 1], [0, 1]])
    coverage = solve_siting(problem, make_rules(centres=1))
    assert coverage.open.tolist() == [True, False]
    fair = solve_siting(problem, make_rules(centres=1, objective="fairness"))
    assert fair.open.tolist() == [False, True]
    assert fair.tiers[0].name == "worst_spa_share"
    assert fair.tiers[0].value == pytest.approx(0.4)  # SPA 0: 4 of 10
    assert values(fair)["need_reached_by_centre"] == 6.0


def test_the_existing_objective_keeps_2015_buildings_before_reaching_need():
    #   candidate 0 (new) reaches need 6, candidates 1 and 2 (2015 buildings) reach 4 and 1
    problem = make_problem([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [6, 4, 1],
                           candidate_existing=[False, True, True])
    coverage = solve_siting(problem, make_rules(centres=2))
    assert coverage.open.tolist() == [True, True, False]
    kept = solve_siting(problem, make_rules(centres=2, objective="existing"))
    assert kept.open.tolist() == [False, True, True]
    assert [t.name for t in kept.tiers][:2] == ["existing_kept", "need_reached_by_centre"]
    assert values(kept)["existing_kept"] == 2.0
    assert values(kept)["need_reached_by_centre"] == 5.0
    one = solve_siting(problem, make_rules(centres=1, objective="existing"))
    assert one.open.tolist() == [False, True, False]  # of the 2015 buildings, the one reaching most


# --- tie-breaks -----------------------------------------------------------------------------

# three candidates reaching the same point: 0 new and cheap, 1 a 2015 building, 2 a dearer one
TIES = {"candidate_existing": [False, True, True], "candidate_cost": [1, 5, 9]}


@pytest.mark.parametrize("prefer_existing, prefer_cheaper, expected_open", [
    (True, True, [False, True, False]),   # keeps a 2015 building, then the cheaper of those
    (False, True, [True, False, False]),  # the cheapest
])
def test_ties_go_to_a_2015_building_then_to_the_cheaper_plan(prefer_existing, prefer_cheaper,
                                                              expected_open):
    problem = make_problem([[1, 1, 1]], [5], **TIES)
    rules = make_rules(centres=1, prefer_existing=prefer_existing, prefer_cheaper=prefer_cheaper)
    assert solve_siting(problem, rules).open.tolist() == expected_open


def test_the_tie_breaks_never_cost_coverage():
    problem = make_problem([[1, 1, 1], [1, 0, 0]], [5, 1], **TIES)
    solution = solve_siting(problem, make_rules(centres=1))
    assert solution.open.tolist() == [True, False, False]
    assert values(solution) == {"need_reached_by_centre": 6.0, "need_reached": 6.0,
                                "existing_kept": 0.0, "cost_gbp": 1.0}


# --- locks ----------------------------------------------------------------------------------

def test_a_building_locked_open_is_a_centre_even_when_it_reaches_nothing():
    problem = make_problem(TRAP, TRAP_NEED)
    solution = solve_siting(problem, make_rules(centres=2, lock_open=np.array(
        [False, False, False, True])))
    assert solution.open.tolist() == [True, False, False, True]  # not the best pair, 1 and 2
    assert values(solution)["need_reached_by_centre"] == 14.0


def test_a_building_locked_closed_is_no_centre_and_not_enhanced():
    problem = make_problem(TRAP, TRAP_NEED)
    closed = np.array([False, True, False, False])
    solution = solve_siting(problem, make_rules(centres=2, enhanced_per_district=1,
                                                lock_closed=closed))
    assert solution.open.tolist() == [True, False, False, True]
    assert values(solution)["need_reached_by_centre"] == 14.0
    assert not solution.enhanced[1] and solution.enhanced.sum() == 1
    with pytest.raises(InfeasiblePlan):
        solve_siting(problem, make_rules(centres=4, lock_closed=closed))


def test_a_building_locked_closed_is_no_outreach_venue_either():
    problem = make_problem([[1, 0], [0, 0]], [10, 5], venue_reach=[[0], [1]],
                           venue_candidate=[1])
    rules = make_rules(centres=1, outreach_standard=1, outreach_enhanced=1,
                       lock_closed=np.array([False, True]))
    assert masks(solve_siting(problem, rules)) == ([True, False], [False, False], [False])


# --- options --------------------------------------------------------------------------------

def test_an_option_closes_at_least_the_asked_number_of_the_earlier_plans_centres():
    problem = make_problem(TRAP, TRAP_NEED, candidate_cost=[1, 2, 3, 4])
    rules = make_rules(centres=2)
    best = solve_siting(problem, rules)
    assert best.open.tolist() == [False, True, True, False]  # reaches 16
    one = solve_siting(problem, rules, exclude=(best.open,), min_difference=1)
    assert one.open.tolist() == [True, True, False, False]  # 14, the cheapest of three
    two = solve_siting(problem, rules, exclude=(best.open,), min_difference=2)
    assert two.open.tolist() == [True, False, False, True]  # 14 with both closed
    assert [s.primary.value for s in (best, one, two)] == [16.0, 14.0, 14.0]
    with pytest.raises(InfeasiblePlan, match="^no further plan differs from the 2 found"):
        solve_siting(problem, rules, exclude=(best.open, two.open), min_difference=2)


def test_an_option_keeps_the_first_objective_within_the_held_value():
    problem = make_problem(TRAP, TRAP_NEED)
    rules = make_rules(centres=2)
    best = solve_siting(problem, rules)
    held = solve_siting(problem, rules, exclude=(best.open,), min_difference=2,
                        hold_primary=14.0)
    assert held.primary.value == 14.0
    with pytest.raises(InfeasiblePlan, match="no further plan differs from the 1 found"):
        solve_siting(problem, rules, exclude=(best.open,), min_difference=2, hold_primary=14.5)


# --- merging points -------------------------------------------------------------------------

#        candidates    venue   SPA  need  children
MERGE = [([1, 0, 1], [0], 0, 2.0, 3.0),    # group 0
         ([1, 0, 1], [0], 0, 3.0, 4.0),    # group 0 (same places, same SPA)
         ([1, 0, 1], [0], 1, 1.0, 1.0),    # group 1: same places, another SPA
         ([0, 0, 0], [0], 0, 9.0, 9.0),    # nothing in reach: dropped
         ([0, 1, 0], [0], 1, 0.0, 7.0),    # no need: dropped
         ([0, 0, 0], [1], 1, 4.0, 2.0),    # group 2: a venue only
         ([1, 0, 1], [1], 0, 5.0, 6.0)]    # group 3: one more place


def merge_problem(rows=MERGE) -> SitingProblem:
    return make_problem([r[0] for r in rows], [r[3] for r in rows],
                        venue_reach=[r[1] for r in rows], point_spa=[r[2] for r in rows],
                        children=[r[4] for r in rows], candidate_spa=[0, 1, 1],
                        venue_spa=[1], spa_limits=[[0, 1], [0, 2]])


def test_points_with_the_same_spa_and_places_merge_and_useless_ones_drop():
    grouped = group_points(merge_problem())
    assert grouped.label.tolist() == [0, 0, 1, -1, -1, 2, 3]
    assert grouped.need.tolist() == [5.0, 1.0, 4.0, 5.0]
    assert grouped.children.tolist() == [7.0, 1.0, 2.0, 6.0]
    assert grouped.spa.tolist() == [0, 1, 1, 0]
    assert grouped.points_before == 7
    assert grouped.centre_reach.toarray().astype(int).tolist() == [[1, 0, 1], [1, 0, 1],
                                                                   [0, 0, 0], [1, 0, 1]]


@pytest.mark.parametrize("objective", ["coverage", "fairness"])
def test_the_merged_model_has_the_same_optimum_as_the_points_one_by_one(objective):
    # each point split in three (need shared out) merges back to the same groups
    split = [(c, v, s, need / 3, kids / 3) for c, v, s, need, kids in MERGE for _ in range(3)]
    rules = make_rules(centres=2, outreach_standard=1, outreach_enhanced=1,
                       objective=objective)
    whole = solve_siting(merge_problem(), rules)
    pieces = solve_siting(merge_problem(split), rules)
    assert (whole.points_before, whole.points_after) == (7, 4)
    assert (pieces.points_before, pieces.points_after) == (21, 4)
    assert values(pieces) == pytest.approx(values(whole), abs=TOLERANCE)
    assert_matches_brute_force(merge_problem(split), rules)


# --- status and repeatability ---------------------------------------------------------------

def test_every_tier_of_a_small_instance_is_proven_optimal():
    solution = solve_siting(random_problem(3), RANDOM_RULES["fairest three centres, no tie-breaks"])
    assert solution.status == "optimal"
    assert [t.status for t in solution.tiers] == ["optimal"] * 3
    for tier in solution.tiers:
        assert tier.best_bound == pytest.approx(tier.value, abs=TOLERANCE)


def hard_problem() -> SitingProblem:
    """1,000 points each reached by 6 of 80 scattered candidates (HiGHS needs many seconds to
    prove the best 8)."""
    rng = np.random.default_rng(7)
    n, m, k = 1000, 80, 6
    sites = np.argsort(rng.random((n, m)), axis=1)[:, :k]
    centre_reach = csr_matrix((np.ones(n * k, bool), (np.repeat(np.arange(n), k), sites.ravel())),
                              shape=(n, m))
    return make_problem(centre_reach, rng.integers(1, 100, n).tolist())


def test_a_run_stopped_by_its_time_limit_is_never_called_optimal():
    solution = solve_siting(hard_problem(), make_rules(centres=8, time_limit=0.3,
                                                       prefer_existing=False,
                                                       prefer_cheaper=False))
    assert solution.status == "time_limit"
    assert solution.primary.status == "time_limit"
    assert solution.primary.value < solution.primary.best_bound
    assert solution.open.sum() == 8


def test_a_time_limit_too_short_for_any_plan_is_not_called_infeasible():
    rules = make_rules(centres=8, time_limit=1e-6, prefer_existing=False, prefer_cheaper=False)
    try:
        solution = solve_siting(hard_problem(), rules)
    except InfeasiblePlan as error:
        pytest.fail(f"a plan exists (any 8 centres) but the run says: {error}")
    except OptimiseError as error:
        assert "time limit" in str(error)
    else:
        assert solution.status == "time_limit"


def test_the_same_problem_gives_the_same_plan():
    problem = random_problem(5)
    rules = RANDOM_RULES["budget decides the count, standard an objective"]
    runs = [solve_siting(problem, rules) for _ in range(3)]
    for run in runs[1:]:
        assert masks(run) == masks(runs[0])
        assert values(run) == values(runs[0])


def test_the_brute_force_finds_the_known_optimum_that_greedy_misses():
    # the yardstick of the comparisons above, checked on an answer known by hand
    optimum = brute_force(make_problem(TRAP, TRAP_NEED, candidate_cost=[1, 2, 3, 4]),
                          make_rules(centres=2, walk_standard="required"))
    assert optimum.values == {"need_reached_by_centre": 16.0, "existing_kept": 0.0,
                              "cost_gbp": 5.0}
    assert optimum.plans == {((False, True, True, False), (False,) * 4, ())}


@pytest.mark.parametrize("seed", [0, 3])
def test_cbc_finds_the_same_plan_as_highs(seed):
    problem = random_problem(seed)
    rules = RANDOM_RULES["budget decides the count, standard an objective"]
    highs = solve_siting(problem, replace(rules, solver="highs"))
    cbc = solve_siting(problem, replace(rules, solver="cbc"))
    assert cbc.solver == "cbc" and cbc.status == "optimal"
    assert values(cbc) == pytest.approx(values(highs))


# --- mean walk ------------------------------------------------------------------------------

def walking_problem(**fields) -> SitingProblem:
    """Three walking units (10, 20, 30 children) and three candidates on a line: unit k is 0
    minutes from candidate k and 10 minutes per step from the others, within a 25-minute
    horizon (two steps away is beyond it)."""
    unit = [0, 0, 1, 1, 1, 2, 2]
    candidate = [0, 1, 0, 1, 2, 1, 2]
    minutes = [0, 10, 10, 0, 10, 10, 0]
    return make_problem([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [1, 1, 1],
                        walk_unit=unit, walk_candidate=candidate, walk_minutes=minutes,
                        unit_children=[10, 20, 30], walk_horizon=25.0, **fields)


@pytest.mark.parametrize(("centres", "expected", "mean"), [
    (1, [False, True, False], (10 * 10 + 0 + 30 * 10) / 60),   # the middle reaches both
    (2, [False, True, True], (10 * 10) / 60),                  # the small unit walks
    (3, [True, True, True], 0.0),
])
def test_the_mean_walk_objective_opens_the_centres_with_the_shortest_mean_walk(
        centres, expected, mean):
    solution = solve_siting(walking_problem(), make_rules(centres=centres, objective="mean_walk"))
    assert solution.open.tolist() == expected
    assert solution.primary.name == "mean_walk_minutes"
    assert solution.primary.value == pytest.approx(mean)
    assert solution.status == "optimal"


def test_a_unit_beyond_every_open_centre_counts_at_the_horizon():
    closed = np.array([True, True, False])
    solution = solve_siting(walking_problem(), make_rules(centres=1, objective="mean_walk",
                                                          lock_closed=closed))
    assert solution.open.tolist() == [False, False, True]
    assert solution.primary.value == pytest.approx((10 * 25 + 20 * 10 + 0) / 60)


def test_a_long_search_reports_its_gap_as_it_goes(monkeypatch):
    import optimise.solve

    monkeypatch.setattr(optimise.solve, "WATCH_SECONDS", 0.0)
    heard: list[str] = []
    solution = solve_siting(hard_problem(), make_rules(centres=8, time_limit=0.5,
                                                       prefer_existing=False,
                                                       prefer_cheaper=False),
                            progress=heard.append)
    assert heard[0] == "objective 1 of 2: need reached by centre"
    searching = [line for line in heard[1:] if line.startswith("  searching")]
    assert searching and all(line.endswith(")") for line in searching)
    assert any("gap" in line for line in searching)
    assert solution.status == "time_limit"


def test_the_tie_breaks_solved_together_are_reported_as_two_proven_objectives():
    problem = make_problem([[1, 1, 1]], [5], **TIES)
    tiers = solve_siting(problem, make_rules(centres=1)).tiers
    kept, cost = tiers[-2], tiers[-1]
    assert (kept.name, kept.maximise, kept.value, kept.best_bound) == ("existing_kept", True, 1.0, 1.0)
    assert (cost.name, cost.maximise, cost.value, cost.best_bound) == ("cost_gbp", False, 5.0, 5.0)
    assert kept.status == cost.status == "optimal"
    assert kept.seconds == cost.seconds > 0


def test_tie_breaks_in_fractions_of_a_pound_are_solved_one_after_the_other():
    problem = make_problem([[1, 1, 1]], [5], candidate_existing=[False, True, True],
                           candidate_cost=[1.5, 5.25, 9.0])
    tiers = solve_siting(problem, make_rules(centres=1)).tiers
    assert [(t.name, t.value, t.best_bound) for t in tiers][-2:] == [
        ("existing_kept", 1.0, 1.0), ("cost_gbp", 5.25, 5.25)]


# --- dominated venues -----------------------------------------------------------------------

def venue_problem(venue_reach, **fields) -> SitingProblem:
    """One candidate reaching nothing, and venues over three points."""
    return make_problem([[0], [0], [0]], [1, 1, 1], venue_reach=venue_reach, **fields)


@pytest.mark.parametrize(("venue_reach", "fields", "dominated"), [
    ([[1, 1], [1, 1], [0, 0]], {}, [False, True]),                  # identical: the later goes
    ([[1, 1], [0, 1], [0, 0]], {}, [True, False]),                  # a subset of another
    ([[1, 0], [0, 1], [0, 0]], {}, [False, False]),                 # neither covers the other
    ([[1, 0], [0, 0], [0, 0]], {}, [False, True]),                  # reaches nothing
    ([[1, 1], [0, 1], [0, 0]], {"venue_spa": [0, 1], "point_spa": [0, 1, 1],
                                "spa_limits": [[0, 1], [0, 1]]}, [False, False]),  # other SPAs
    ([[1, 1], [0, 1], [0, 0]], {"venue_candidate": [-1, 0]}, [False, False]),  # a centre site
    ([[1, 1], [0, 1], [0, 0]], {"venue_cost": [1.0, 2.0]}, [False, False]),    # dearer
])
def test_a_venue_another_venue_of_its_spa_can_always_replace_is_left_out(
        venue_reach, fields, dominated):
    problem = venue_problem(venue_reach, **fields)
    assert dominated_venues(problem, group_points(problem)).tolist() == dominated


def test_ctrl_c_stops_a_long_search_at_once(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "long_search.py"
    script.write_text(
        "import sys\n"
        f"sys.path[:0] = [{str(Path(__file__).parent.parent)!r}, {str(Path(__file__).parent)!r}]\n"
        "from tests.test_programme import hard_problem, make_rules\n"
        "from optimise.programme import solve_siting\n"
        "print('solving', flush=True)\n"
        "try:\n"
        "    solve_siting(hard_problem(), make_rules(centres=8, time_limit=120.0))\n"
        "except KeyboardInterrupt:\n"
        "    print('stopped', flush=True)\n"
        "    sys.exit(130)\n")
    child = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == "solving\n"
    time.sleep(1.0)  # into the search, which alone would run for many seconds
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=30)
    assert (child.returncode, out) == (130, "stopped\n")
