"""Maximal covering location on plain arrays: open p sites to reach as much need as possible.

The core of the siting model, tested without Lancashire: it takes a boolean points x sites
``reach`` matrix (``WalkTimes.reach(limit_minutes)`` makes one), a weight per point and ``p``.
The model is made smaller before it is solved (points that can never count dropped, points with
the same reach merged, sites that add nothing dropped), built from sparse arrays in a few
vectorised steps, and solved by HiGHS (CBC as the fallback) through :mod:`optimise.solve`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix, hstack, identity, issparse

from optimise.errors import InfeasiblePlan, OptimiseError
from optimise.solve import MipModel, Rows, choose_solver, relative_gap, solve_mip, stack_rows


@dataclass(frozen=True)
class ModelShape:
    """How big a coverage model is: its points and sites, and the rows, columns and nonzeros
    of its constraint matrix (one row per point plus the count of sites)."""

    points: int
    sites: int
    rows: int
    columns: int
    nonzeros: int


@dataclass(frozen=True)
class ModelSize:
    """The model as given (``before``) and as solved after reduction (``after``)."""

    before: ModelShape
    after: ModelShape


@dataclass(frozen=True)
class CoverageResult:
    """The plan and how good it is.

    ``open`` has one entry per site and ``covered`` one per point, in the caller's order;
    ``objective`` is the weight of the covered points; ``best_bound`` is a proven upper limit on
    the optimum and ``gap`` the share by which the plan may fall short of it (0 when optimal).
    ``status`` is "optimal" (proven), "within_gap" (stopped at the requested ``mip_gap``),
    "time_limit" (stopped by the clock: the plan is the best found), "infeasible" or
    "not_solved". ``seconds`` is the whole call (checks, reduction, build and solve),
    ``solve_seconds`` the solver's part.
    """

    open: NDArray[np.bool_]
    objective: float
    covered: NDArray[np.bool_]
    status: str
    best_bound: float
    gap: float
    seconds: float
    solve_seconds: float
    solver: str
    model_size: ModelSize


@dataclass(frozen=True)
class ReducedCoverage:
    """A coverage problem with the same optimum, made smaller: ``reach`` has one row per group of
    points (positive weight, same set of sites, ``weights`` summed) and one column per kept site;
    ``sites`` gives each kept column's position in the original matrix."""

    reach: csr_matrix
    weights: NDArray[np.float64]
    sites: NDArray[np.int64]


def maximal_coverage(
    reach: ArrayLike,
    weights: ArrayLike,
    p: int,
    *,
    time_limit: float | None = None,
    mip_gap: float | None = None,
    solver: str | None = None,
    reduce: bool = True,
) -> CoverageResult:
    r"""Open exactly ``p`` sites to maximise the weight of points within reach of an open site.

    The maximal covering location problem (Church & ReVelle 1974, "The maximal covering location
    problem", Papers of the Regional Science Association 32, 101-118)::

        maximise    sum_i w_i z_i
        subject to  z_i <= sum_j a_ij y_j     for every point i   (counts only if reached)
                    sum_j y_j = p                                  (exactly p sites)
                    y_j in {0, 1},  0 <= z_i <= 1

    with ``a = reach`` (points x sites, True where the point is within reach of the site) and
    ``w = weights``. ``z`` can be continuous: once the sites ``y`` are fixed, each ``z_i`` is
    free to rise to 1 exactly when some open site reaches point i (and must be 0 otherwise), so
    an optimal ``z`` is 0/1 anyway and the solver branches on the sites only.

    ``reach`` is a scipy sparse boolean matrix (CSR, CSC or COO) or a boolean array; ``weights``
    one non-negative number per point; ``p`` a whole number from 0 to the number of sites.
    ``time_limit`` (seconds) and ``mip_gap`` (relative, e.g. 0.001) stop the search early; the
    result then says so and carries the best bound and gap. ``solver`` is "highs" (default) or
    "cbc". ``reduce=False`` solves the model as given (for checking the reduction).

    Same inputs, same plan: ties between equally good plans are broken the same way every run
    (unless a time limit stops the search, which depends on the machine's speed).
    """
    began = time.perf_counter()
    matrix, w, p = checked_coverage_inputs(reach, weights, p)
    _check_limits(time_limit, mip_gap)
    solver_name = choose_solver(solver)
    n_sites = matrix.shape[1]

    problem = reduce_coverage(matrix, w) if reduce else ReducedCoverage(
        matrix, w, np.arange(n_sites, dtype=np.int64))
    n_kept = problem.reach.shape[1]
    p_model = min(p, n_kept)  # sites beyond the useful ones add nothing: any will do
    model = coverage_model(problem.reach, problem.weights, p_model)
    start_sites = greedy_sites(problem.reach, problem.weights, p_model)
    start = np.concatenate([start_sites, _reached(problem.reach, start_sites)]).astype(float)
    outcome = solve_mip(model, solver=solver_name, time_limit=time_limit, mip_gap=mip_gap,
                        start=start)

    open_sites = np.zeros(n_sites, dtype=bool)
    if outcome.x is not None:
        open_sites[problem.sites[outcome.x[:n_kept] > 0.5]] = True
        spare = np.flatnonzero(~open_sites)[: p - int(open_sites.sum())]
        open_sites[spare] = True
    covered = _reached(matrix, open_sites)
    objective = float(w[covered].sum()) if outcome.x is not None else math.nan
    cheap_bound = _simple_bound(problem.reach, problem.weights, p_model)
    best_bound = min(outcome.best_bound, cheap_bound) + 0.0  # + 0.0: no -0.0
    open_sites.setflags(write=False)
    covered.setflags(write=False)
    return CoverageResult(
        open=open_sites,
        objective=objective,
        covered=covered,
        status=outcome.status,
        best_bound=best_bound,
        gap=relative_gap(objective, best_bound),
        seconds=time.perf_counter() - began,
        solve_seconds=outcome.seconds,
        solver=solver_name,
        model_size=ModelSize(_shape(matrix), _shape(problem.reach)),
    )


def checked_coverage_inputs(
    reach: ArrayLike, weights: ArrayLike, p: int
) -> tuple[csr_matrix, NDArray[np.float64], int]:
    """``reach`` as a CSR boolean matrix with no stored False, ``weights`` as floats and ``p`` as
    an int, refused (with the numbers) if they cannot make a plan."""
    if issparse(reach) or isinstance(reach, np.ndarray):
        shape = reach.shape
    else:
        raise OptimiseError(f"reach must be a scipy sparse or numpy points x sites matrix, "
                            f"not {type(reach).__name__}")
    if len(shape) != 2:
        raise OptimiseError(f"reach has shape {shape}: expected a points x sites matrix (2-D)")
    if reach.dtype != np.bool_:
        raise OptimiseError(f"reach holds {reach.dtype} values: expected True/False per point and "
                            "site (True where the walk is within the limit, e.g. "
                            "WalkTimes.reach(limit_minutes))")
    n_points, n_sites = shape
    matrix = csr_matrix(reach, copy=True)
    matrix.eliminate_zeros()
    matrix.sum_duplicates()
    matrix.sort_indices()

    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        raise OptimiseError("weights must be numbers, one per demand point") from None
    if w.ndim != 1 or len(w) != n_points:
        raise OptimiseError(f"weights has shape {w.shape} but reach has {n_points} rows: expected "
                            "one weight per demand point")
    bad = ~np.isfinite(w)
    if bad.any():
        raise OptimiseError(f"weights must be finite numbers: {_how_many(bad)} NaN or infinite "
                            f"(first: point {int(np.argmax(bad))})")
    negative = w < 0
    if negative.any():
        first = int(np.argmax(negative))
        raise OptimiseError(f"weights must not be negative: {_how_many(negative)} below 0 "
                            f"(first: point {first}, {w[first]:g})")

    if isinstance(p, bool) or not isinstance(p, Integral):
        raise InfeasiblePlan(f"p = {p!r}: expected a whole number of sites to open "
                             f"(0 to {n_sites})")
    if not 0 <= p <= n_sites:
        raise InfeasiblePlan(f"cannot open {int(p)} sites: there are {n_sites} candidate sites, "
                             f"so p must be 0 to {n_sites}")
    return matrix, w, int(p)


def _how_many(flags: NDArray[np.bool_]) -> str:
    """"1 of 12 is" or "3 of 12 are"."""
    count = int(flags.sum())
    return f"{count} of {len(flags)} {'is' if count == 1 else 'are'}"


def _check_limits(time_limit: float | None, mip_gap: float | None) -> None:
    if time_limit is not None and not (isinstance(time_limit, Real) and 0 < time_limit < math.inf):
        raise OptimiseError(f"time_limit = {time_limit!r}: expected a positive number of seconds "
                            "(or None for no limit)")
    if mip_gap is not None and not (isinstance(mip_gap, Real) and 0 <= mip_gap < 1):
        raise OptimiseError(f"mip_gap = {mip_gap!r}: expected a share from 0 to below 1, e.g. "
                            "0.001 (or None to prove optimality)")


def reduce_coverage(reach: csr_matrix, weights: NDArray[np.float64]) -> ReducedCoverage:
    """The same problem with fewer rows and columns and the same optimum.

    1. Points with zero weight or no site in reach are dropped: they can never add to the
       objective (nor to the bound).
    2. Sites that add nothing are dropped: a site whose points are all reached by another site
       (including one that reaches no point, and all but the first of identical sites). Some
       optimal plan opens none of them: swap each for a kept site that reaches a superset, and
       if that one is open already, the swap only frees a place. When fewer useful sites
       remain than p, they are all opened and the rest of p can be any sites.
    3. Points reached by exactly the same kept sites are merged, their weights summed: in the
       model they are the same row.
    """
    useful = (weights > 0) & (np.diff(reach.indptr) > 0)
    points = reach[np.flatnonzero(useful)]
    label, first = identical_rows(points)
    groups = points[first]
    group_weights = np.bincount(label, weights=weights[useful], minlength=len(first))

    sites = np.flatnonzero(~dominated_columns(groups))
    kept = groups[:, sites]
    label, first = identical_rows(kept)
    return ReducedCoverage(
        reach=kept[first],
        weights=np.bincount(label, weights=group_weights, minlength=len(first)),
        sites=sites.astype(np.int64),
    )


def identical_rows(matrix: csr_matrix) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Label rows that hold the same columns alike: ``label`` per row (0, 1, ... in order of
    first appearance) and ``first``, the first row of each label. Rows are compared as sorted
    index tuples, one batch per row length (no loop over rows)."""
    if not matrix.has_sorted_indices:
        matrix = matrix.copy()
        matrix.sort_indices()
    n_rows = matrix.shape[0]
    length = np.diff(matrix.indptr)
    label = np.empty(n_rows, dtype=np.int64)
    labels_used = 0
    for size in np.unique(length):
        rows = np.flatnonzero(length == size)
        columns = matrix.indices[matrix.indptr[rows][:, None] + np.arange(size)]
        if size == 0:
            inverse = np.zeros(len(rows), dtype=np.int64)
        else:
            inverse = np.unique(columns, axis=0, return_inverse=True)[1].reshape(-1)
        label[rows] = inverse + labels_used
        labels_used += int(inverse.max()) + 1
    if n_rows == 0:
        return label, np.zeros(0, dtype=np.int64)
    # renumber in order of first appearance, so that the reduced model keeps the input's order
    _, first, inverse = np.unique(label, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse].astype(np.int64), first[order].astype(np.int64)


def dominated_columns(
    reach: csr_matrix,
    may_replace: Callable[[NDArray[np.int64], NDArray[np.int64]], NDArray[np.bool_]] | None = None,
) -> NDArray[np.bool_]:
    """Columns whose rows another column reaches too (ties between identical columns: the
    later), and columns that reach nothing. ``may_replace(a, b)`` narrows which pairs count:
    True where column ``b`` may stand in for column ``a`` (same SPA, no dearer, ...)."""
    counts = reach.astype(np.int32)
    size = counts.getnnz(axis=0)
    overlap = (counts.T @ counts).tocoo()
    a, b, shared = overlap.row, overlap.col, overlap.data
    inside = (a != b) & (shared == size[a]) & ((size[b] > size[a]) | (b < a))
    if may_replace is not None:
        inside &= may_replace(a, b)
    dominated = size == 0
    dominated[a[inside]] = True
    return dominated


def coverage_rows(reach: csr_matrix) -> Rows:
    """``z_i - sum_j a_ij y_j <= 0`` for every point i: a point counts only when an open site
    reaches it. Columns are the sites ``y`` then the points ``z``."""
    n_points = reach.shape[0]
    matrix = hstack([-reach.astype(float), identity(n_points, format="csr")], format="csr")
    return Rows(matrix, np.full(n_points, -np.inf), np.zeros(n_points))


def site_count_row(n_sites: int, n_points: int, p: int) -> Rows:
    """``sum_j y_j = p``: exactly p sites open."""
    matrix = csr_matrix((np.ones(n_sites), (np.zeros(n_sites, dtype=int), np.arange(n_sites))),
                        shape=(1, n_sites + n_points))
    return Rows(matrix, np.array([float(p)]), np.array([float(p)]))


def coverage_model(reach: csr_matrix, weights: NDArray[np.float64], p: int) -> MipModel:
    """The maximal covering model (see :func:`maximal_coverage`) as sparse arrays: columns are
    the sites ``y`` (binary) then the points ``z`` (continuous, 0 to 1)."""
    n_points, n_sites = reach.shape
    rows = stack_rows(coverage_rows(reach), site_count_row(n_sites, n_points, p))
    n_columns = n_sites + n_points
    return MipModel(
        cost=np.concatenate([np.zeros(n_sites), np.asarray(weights, dtype=float)]),
        matrix=rows.matrix,
        row_lower=rows.lower,
        row_upper=rows.upper,
        col_lower=np.zeros(n_columns),
        col_upper=np.ones(n_columns),
        integer=np.arange(n_columns) < n_sites,
        maximise=True,
    )


def greedy_sites(reach: csr_matrix, weights: NDArray[np.float64], p: int) -> NDArray[np.bool_]:
    """``p`` sites chosen one at a time, each adding the most weight not yet reached (ties: the
    lowest index): a good first plan for the solver, and a plan to return if it stops early."""
    by_site = csr_matrix(reach.T, dtype=float)
    left = np.asarray(weights, dtype=float).copy()
    chosen = np.zeros(reach.shape[1], dtype=bool)
    for _ in range(p):
        gain = by_site @ left
        gain[chosen] = -np.inf
        site = int(np.argmax(gain))
        chosen[site] = True
        left[by_site.indices[by_site.indptr[site]:by_site.indptr[site + 1]]] = 0.0
    return chosen


def _reached(reach: csr_matrix, open_sites: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Whether each point is within reach of at least one open site."""
    return np.asarray(reach @ open_sites.astype(np.int64)).reshape(-1) > 0


def _simple_bound(reach: csr_matrix, weights: NDArray[np.float64], p: int) -> float:
    """An upper limit on the optimum without a solver: no more than all the weight any site
    reaches, nor than the p largest weights a single site reaches, summed."""
    per_site = np.sort(np.asarray(csr_matrix(reach.T, dtype=float) @ weights))[::-1]
    return float(min(weights.sum(), per_site[:p].sum()))


def _shape(reach: csr_matrix) -> ModelShape:
    n_points, n_sites = reach.shape
    return ModelShape(points=n_points, sites=n_sites, rows=n_points + 1,
                      columns=n_points + n_sites, nonzeros=reach.nnz + n_points + n_sites)
