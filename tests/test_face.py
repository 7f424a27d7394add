"""optimise.face: the centres every best plan shares, proven, and fixed for the later tiers.

The face is checked against every plan brute force finds at the first tier's optimum: a
candidate the face holds fixed has the same status in every one of them, and fixing them
leaves every later tier's optimum where brute force puts it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.sparse import csr_matrix

from optimise import face as face_module
from optimise.face import differ_row, swap_ties
from optimise.programme import centres_only, solve_siting
from tests.test_programme import (assert_matches_brute_force, brute_force, make_rules,
                                  random_problem)

RULES = make_rules(centres=4, enhanced_per_district=1, outreach_standard=1, outreach_enhanced=2)


def best_centre_plans(problem, rules) -> np.ndarray:
    """Every set of centres (rows) that reaches the first tier's optimum, by brute force."""
    optimum = brute_force(centres_only(problem), replace(rules, prefer_existing=False,
                                                         prefer_cheaper=False))
    return np.array(sorted({plan[0] for plan in optimum.plans}), dtype=bool)


# --- single swaps ---------------------------------------------------------------------------

#          candidate 0  1  2  3
SWAPS = csr_matrix(np.array([[1, 1, 0, 0],   # need 5: 0 and 1 reach the same
                             [1, 1, 0, 0],   # need 5
                             [0, 0, 1, 0],   # need 4: only 2
                             [0, 0, 1, 1]],  # need 1: 3 reaches less than 2
                            dtype=bool))
SWAP_NEED = np.array([5.0, 5.0, 4.0, 1.0])


def test_a_swap_for_a_building_with_the_same_catchment_is_a_tie():
    free = swap_ties(SWAPS, SWAP_NEED, np.array([True, False, True, False]),
                     np.zeros(4, dtype=np.int64), np.array([[0, 4]]), slack=1e-9)
    assert free.tolist() == [True, True, False, False]  # 2 -> 3 loses 4 of need


def test_a_swap_that_loses_need_within_the_slack_is_a_tie():
    free = swap_ties(SWAPS, SWAP_NEED, np.array([True, False, True, False]),
                     np.zeros(4, dtype=np.int64), np.array([[0, 4]]), slack=4.0)
    assert free.tolist() == [True, True, True, True]


def test_a_swap_the_spa_limits_forbid_is_no_tie():
    # candidate 1 in SPA 1, which may have no centre; SPA 0 must keep both of its centres
    spa = np.array([0, 1, 0, 0])
    limits = np.array([[2, 4], [0, 0]])
    free = swap_ties(SWAPS, SWAP_NEED, np.array([True, False, True, False]), spa, limits, 1e-9)
    assert not free.any()


def test_the_differ_row_counts_each_fixed_candidate_that_changes():
    centres = np.array([True, False, True, False])
    fixed = np.array([True, True, False, True])
    row = differ_row(6, slice(1, 5), centres, fixed)
    # the row is (changes among the held) - (held centres open in the plan) >= 1 - 1
    assert row.lower.tolist() == [0.0]
    unchanged = np.array([0.0, 1, 0, 1, 0, 0])
    assert float((row.matrix @ unchanged)[0]) == -1.0  # no change: refused
    three = np.array([0.0, 0, 1, 1, 1, 0])  # 0 closes, 1 and 3 open (2 is not held)
    assert float((row.matrix @ three)[0]) == 3 - 1


# --- the face against brute force -----------------------------------------------------------

@pytest.mark.parametrize("seed", range(8))
def test_every_best_plan_has_the_centres_the_face_fixes(seed):
    problem = random_problem(seed)
    solution = solve_siting(problem, RULES)
    if solution.face is None:
        pytest.skip("no face proven on this instance")
    plans = best_centre_plans(problem, RULES)
    assert len(plans) >= 1
    fixed = solution.face.fixed
    assert np.all(plans[:, fixed] == solution.face.centres[fixed])


def test_the_random_instances_have_faces_with_ties_and_without():
    # the check above means something only if some faces let candidates go and some fix all
    free = [solve_siting(random_problem(seed), RULES).face.n_free for seed in range(8)]
    assert min(free) == 0 < max(free)


@pytest.mark.parametrize("seed", range(8))
def test_the_plan_with_the_face_fixed_is_a_lexicographic_optimum(seed):
    assert_matches_brute_force(random_problem(seed), RULES)


@pytest.mark.parametrize("seed", range(4))
def test_a_face_not_proven_in_time_fixes_nothing_and_the_plan_is_still_optimal(seed, monkeypatch):
    monkeypatch.setattr(face_module, "MAX_FACE_SOLVES", 0)
    solution = solve_siting(random_problem(seed), RULES)
    assert solution.face is None
    assert_matches_brute_force(random_problem(seed), RULES)


def test_a_required_walk_standard_solves_without_the_face():
    # venues are part of every plan's rules then, so the first tier cannot leave them out
    rules = replace(RULES, walk_standard="required")
    for seed in range(6):
        try:
            solution = solve_siting(random_problem(seed), rules)
        except Exception:  # noqa: BLE001 - an instance the standard rules out
            continue
        assert solution.face is None
