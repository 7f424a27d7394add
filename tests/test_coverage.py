"""optimise.maximal_coverage: the siting core on plain arrays, checked without Lancashire."""

from __future__ import annotations

import sys
from itertools import combinations

import numpy as np
import pulp
import pytest
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix

from geodata.errors import EarlyHelpError, EarlyHelpWarning
from optimise import InfeasiblePlan, OptimiseError, maximal_coverage
from optimise.coverage import greedy_sites, reduce_coverage
from optimise.solve import choose_solver


def matrix(rows: list[list[int]]) -> csr_matrix:
    return csr_matrix(np.array(rows, dtype=bool))


# Greedy opens site 0 (weight 12) and then gains 2: 14. Sites 1 and 2 together reach 16.
#                    site 0  1  2  3
GREEDY_TRAP = matrix([[1, 1, 0, 0],   # point 0, weight 3
                      [1, 1, 0, 0],   # point 1, weight 3
                      [1, 0, 1, 0],   # point 2, weight 3
                      [1, 0, 1, 0],   # point 3, weight 3
                      [0, 1, 0, 1],   # point 4, weight 2
                      [0, 0, 1, 0]])  # point 5, weight 2
GREEDY_TRAP_WEIGHTS = np.array([3.0, 3, 3, 3, 2, 2])


def random_instance(seed: int, n_points: int = 12, n_sites: int = 7, density: float = 0.3):
    """A small instance with some zero weights, unreached points and idle sites."""
    rng = np.random.default_rng(seed)
    reach = rng.random((n_points, n_sites)) < density
    weights = rng.integers(0, 10, n_points).astype(float)
    return csr_matrix(reach), weights


def brute_force(reach: csr_matrix, weights: np.ndarray, p: int) -> float:
    """The best covered weight over every set of p sites."""
    dense = reach.toarray()
    return max(float(weights[dense[:, list(sites)].any(axis=1)].sum())
               for sites in combinations(range(dense.shape[1]), p))


def hard_instance() -> tuple[csr_matrix, np.ndarray]:
    """1,000 points each reached by 6 of 80 scattered sites, p = 8: HiGHS is still 11% from
    proof after 30 s on a 2-core machine, so any short time limit stops it."""
    rng = np.random.default_rng(7)
    n, m, k = 1000, 80, 6
    sites = np.argsort(rng.random((n, m)), axis=1)[:, :k]
    reach = csr_matrix((np.ones(n * k, bool), (np.repeat(np.arange(n), k), sites.ravel())),
                       shape=(n, m))
    return reach, rng.integers(1, 100, n).astype(float)


def bound_without_solver(reach: csr_matrix, weights: np.ndarray, p: int) -> float:
    """All the weight in reach, or the p heaviest single sites summed, whichever is less."""
    per_site = np.sort(reach.T.astype(float) @ weights)[::-1]
    return min(weights[reach.getnnz(axis=1) > 0].sum(), per_site[:p].sum())


# --- known optima ---------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_the_known_optimum_beats_the_greedy_plan(solver):
    greedy = greedy_sites(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2)
    assert greedy.tolist() == [True, True, False, False]  # ties go to the lowest index
    assert GREEDY_TRAP_WEIGHTS[GREEDY_TRAP.toarray()[:, greedy].any(axis=1)].sum() == 14.0
    result = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2, solver=solver)
    assert result.open.tolist() == [False, True, True, False]
    assert result.objective == 16.0
    assert result.covered.tolist() == [True, True, True, True, True, True]
    assert (result.status, result.best_bound, result.gap, result.solver) == ("optimal", 16.0, 0.0, solver)


def test_one_site_reaches_the_heaviest_cluster_and_none_reaches_nothing():
    one = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 1)
    assert one.open.tolist() == [True, False, False, False]
    assert one.objective == 12.0
    none = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 0)
    assert (none.open.sum(), none.objective, none.status, none.best_bound) == (0, 0.0, "optimal", 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_the_optimum_equals_brute_force_over_every_set_of_p_sites(seed):
    reach, weights = random_instance(seed)
    for p in range(reach.shape[1] + 1):
        result = maximal_coverage(reach, weights, p)
        assert result.objective == brute_force(reach, weights, p), f"p = {p}"
        assert result.status == "optimal"
        assert result.best_bound == pytest.approx(result.objective, abs=1e-6)
        assert int(result.open.sum()) == p
        assert result.covered.tolist() == (reach.toarray()[:, result.open].any(axis=1)).tolist()


@pytest.mark.parametrize("seed", [10, 11])
def test_cbc_finds_the_same_optimum_as_brute_force(seed):
    reach, weights = random_instance(seed)
    for p in (1, 3, 5):
        result = maximal_coverage(reach, weights, p, solver="cbc")
        assert (result.solver, result.status) == ("cbc", "optimal")
        assert result.objective == brute_force(reach, weights, p)


@pytest.mark.filterwarnings("ignore:Constructing LpVariable:DeprecationWarning")  # inside spopt
@pytest.mark.parametrize("seed, radius, p", [(0, 2.0, 3), (1, 2.5, 4), (2, 1.5, 6)])
def test_the_optimum_equals_pysal_spopt_mclp(seed, radius, p):
    from spopt.locate import MCLP

    rng = np.random.default_rng(seed)
    points, sites = rng.random((80, 2)) * 10, rng.random((15, 2)) * 10
    cost = np.linalg.norm(points[:, None, :] - sites[None, :, :], axis=2)
    weights = rng.integers(1, 20, 80).astype(float)
    spopt = MCLP.from_cost_matrix(cost, weights, service_radius=radius, p_facilities=p)
    spopt.solve(pulp.HiGHS(msg=False, gapRel=0.0), results=False)
    ours = maximal_coverage(csr_matrix(cost <= radius), weights, p)
    assert ours.objective == pulp.value(spopt.problem.objective)
    assert ours.status == "optimal"


# --- honest status --------------------------------------------------------------------------

@pytest.mark.parametrize("solver, seconds", [("highs", 0.5), ("cbc", 1.0)])
def test_a_run_stopped_by_its_time_limit_says_so_with_incumbent_bound_and_gap(solver, seconds):
    reach, weights = hard_instance()
    result = maximal_coverage(reach, weights, 8, time_limit=seconds, solver=solver)
    assert result.status == "time_limit"
    assert int(result.open.sum()) == 8
    assert result.objective == weights[reach.toarray()[:, result.open].any(axis=1)].sum()
    assert result.objective < result.best_bound < bound_without_solver(reach, weights, 8)
    assert result.gap == (result.best_bound - result.objective) / result.objective


def test_a_run_stopped_by_the_requested_gap_is_within_gap_not_optimal():
    reach, weights = hard_instance()
    result = maximal_coverage(reach, weights, 8, mip_gap=0.5)
    assert result.status == "within_gap"
    assert 0 < result.gap <= 0.5
    assert result.best_bound > result.objective


def test_a_bound_is_given_even_when_the_solver_has_none_yet():
    reach, weights = hard_instance()
    result = maximal_coverage(reach, weights, 8, time_limit=1e-6)
    assert result.status == "time_limit"
    assert result.best_bound == bound_without_solver(reach, weights, 8)
    assert int(result.open.sum()) == 8 and result.objective > 0  # the greedy plan, not nothing


# --- reduction ------------------------------------------------------------------------------

#                  site 0  1  2  3  4
REDUCIBLE = matrix([[1, 0, 0, 0, 0],   # point 0, weight 0: never counts
                    [0, 0, 0, 0, 0],   # point 1: no site in reach
                    [1, 1, 0, 0, 0],   # points 2 and 3 have the same sites: merged
                    [1, 1, 0, 0, 0],
                    [0, 1, 0, 1, 0],   # site 3 reaches a subset of site 1's points: dropped
                    [0, 0, 0, 0, 1],   # site 2 reaches nothing: dropped
                    [1, 0, 0, 0, 1]])
REDUCIBLE_WEIGHTS = np.array([0.0, 5, 1, 2, 4, 3, 1])


def test_reduction_drops_points_and_sites_that_cannot_count_and_merges_identical_points():
    reduced = reduce_coverage(REDUCIBLE, REDUCIBLE_WEIGHTS)
    assert reduced.sites.tolist() == [0, 1, 4]
    assert reduced.reach.toarray().astype(int).tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1]]
    assert reduced.weights.tolist() == [3.0, 4.0, 3.0, 1.0]
    result = maximal_coverage(REDUCIBLE, REDUCIBLE_WEIGHTS, 2)
    before, after = result.model_size.before, result.model_size.after
    assert (before.points, before.sites, before.rows, before.columns, before.nonzeros) == (7, 5, 8, 12, 22)
    assert (after.points, after.sites, after.rows, after.columns, after.nonzeros) == (4, 3, 5, 7, 13)


def test_reduction_answers_in_the_callers_indexing():
    result = maximal_coverage(REDUCIBLE, REDUCIBLE_WEIGHTS, 2)
    assert result.open.tolist() == [False, True, False, False, True]
    assert result.covered.tolist() == [False, False, True, True, True, True, True]
    assert result.objective == 11.0


def test_p_beyond_the_useful_sites_opens_them_all_and_any_others():
    result = maximal_coverage(REDUCIBLE, REDUCIBLE_WEIGHTS, 4)
    assert result.open.tolist() == [True, True, True, False, True]
    assert (result.objective, result.status) == (11.0, "optimal")


@pytest.mark.parametrize("seed", range(20, 26))
def test_reduction_keeps_the_optimum(seed):
    rng = np.random.default_rng(seed)
    reach, weights = random_instance(seed, n_points=14, n_sites=8, density=0.25)
    dense = reach.toarray()
    dense[:, 5] = dense[:, 2]  # an identical copy of a site
    dense[:, 6] &= dense[:, 1]  # a site inside another
    dense[rng.integers(0, 14, 4)] = dense[0]  # repeated points
    reach = csr_matrix(dense)
    for p in (1, 2, 3, 5, 8):
        reduced = maximal_coverage(reach, weights, p)
        full = maximal_coverage(reach, weights, p, reduce=False)
        assert reduced.objective == full.objective == brute_force(reach, weights, p), f"p = {p}"
        assert reduced.model_size.after.columns < full.model_size.after.columns


# --- repeatable answers ---------------------------------------------------------------------

def test_the_same_inputs_give_the_same_answer_in_any_sparse_format():
    rng = np.random.default_rng(7)
    dense = rng.random((60, 20)) < 0.08
    weights = np.ones(60)  # five sets of 4 sites reach 27 points: the tie must break alike
    runs = [maximal_coverage(form(dense), weights, 4)
            for form in (csr_matrix, csc_matrix, coo_matrix, np.asarray, csr_matrix)]
    first = runs[0]
    assert first.objective == brute_force(csr_matrix(dense), weights, 4) == 27.0
    for run in runs[1:]:
        assert run.open.tolist() == first.open.tolist()
        assert (run.objective, run.best_bound, run.gap, run.status) == \
            (first.objective, first.best_bound, first.gap, first.status)
        assert run.model_size == first.model_size


@pytest.mark.filterwarnings("ignore:Constructing LpVariable:DeprecationWarning")
def test_a_highs_run_elsewhere_in_the_process_does_not_stop_ours():
    # PuLP's HiGHS starts HiGHS's shared thread pool with its own size; ours asks for one thread
    import highspy

    highspy.Highs.resetGlobalScheduler(True)  # as in a fresh process where PuLP runs first
    x = pulp.LpVariable("x", 0, 1, cat=pulp.LpInteger)
    elsewhere = pulp.LpProblem("elsewhere", pulp.LpMaximize)
    elsewhere += x
    elsewhere.solve(pulp.HiGHS(msg=False, threads=2))
    assert elsewhere.status == pulp.LpStatusOptimal
    result = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2)
    assert (result.status, result.objective) == ("optimal", 16.0)


def test_a_stored_false_in_the_reach_matrix_is_not_a_link():
    reach = csr_matrix((np.array([True, False]), (np.array([0, 1]), np.array([0, 1]))), shape=(2, 2))
    result = maximal_coverage(reach, np.array([1.0, 5.0]), 1)
    assert result.objective == 1.0
    assert result.model_size.before.nonzeros == 1 + 2 + 2


def test_the_result_cannot_be_changed_afterwards():
    result = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2)
    with pytest.raises(ValueError):
        result.open[0] = True
    with pytest.raises(AttributeError):
        result.objective = 0.0


# --- refusals -------------------------------------------------------------------------------

def test_more_sites_than_candidates_are_refused_with_the_numbers():
    with pytest.raises(InfeasiblePlan, match=r"^cannot open 5 sites: there are 4 candidate sites, "
                                             r"so p must be 0 to 4$"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 5)
    with pytest.raises(InfeasiblePlan, match="cannot open -1 sites"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, -1)
    with pytest.raises(InfeasiblePlan, match=r"p = 2.5: expected a whole number"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2.5)
    assert issubclass(InfeasiblePlan, EarlyHelpError)


@pytest.mark.parametrize("weights, message", [
    (np.array([3.0, 3, 3, 3, 2]), r"weights has shape \(5,\) but reach has 6 rows"),
    (np.array([3.0, 3, -1, 3, 2, -2]),
     r"weights must not be negative: 2 of 6 are below 0 \(first: point 2, -1\)"),
    (np.array([3.0, np.nan, 3, 3, 2, np.inf]),
     r"weights must be finite numbers: 2 of 6 are NaN or infinite \(first: point 1\)"),
])
def test_weights_that_cannot_be_summed_are_refused(weights, message):
    with pytest.raises(OptimiseError, match=message):
        maximal_coverage(GREEDY_TRAP, weights, 2)


def test_a_reach_matrix_of_the_wrong_shape_or_kind_is_refused():
    with pytest.raises(OptimiseError, match=r"reach has shape \(6,\): expected a points x sites"):
        maximal_coverage(np.ones(6, dtype=bool), GREEDY_TRAP_WEIGHTS, 1)
    with pytest.raises(OptimiseError, match="reach holds float64 values: expected True/False"):
        maximal_coverage(GREEDY_TRAP.astype(float), GREEDY_TRAP_WEIGHTS, 1)
    with pytest.raises(OptimiseError, match="reach must be a scipy sparse or numpy"):
        maximal_coverage([[True]], [1.0], 1)


def test_limits_and_solvers_that_make_no_sense_are_refused():
    with pytest.raises(OptimiseError, match="time_limit = 0: expected a positive number"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 1, time_limit=0)
    with pytest.raises(OptimiseError, match="mip_gap = 1.5: expected a share"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 1, mip_gap=1.5)
    with pytest.raises(OptimiseError, match=r"solver 'gurobi' is not known \(expected one of: highs, cbc\)"):
        maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 1, solver="gurobi")


def test_cbc_takes_over_when_highspy_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "highspy", None)  # makes "import highspy" fail
    with pytest.warns(EarlyHelpWarning, match="highspy is not installed: solving with CBC"):
        assert choose_solver(None) == "cbc"
    with pytest.raises(OptimiseError, match="solver 'highs' asked for but highspy is not installed"):
        choose_solver("highs")
    with pytest.warns(EarlyHelpWarning):
        result = maximal_coverage(GREEDY_TRAP, GREEDY_TRAP_WEIGHTS, 2)
    assert (result.solver, result.objective) == ("cbc", 16.0)
