r"""The siting programme: centres, enhanced centres, outreach venues and the walk standard.

On plain arrays (:class:`SitingProblem`), so it is tested on hand-made instances. Columns are
``y_j`` (candidate j is a centre), ``e_j`` (it is its district's enhanced centre), ``w_v`` (venue
v hosts outreach), then per group of demand points g ``z_g`` (reached by a centre, 0..1) and,
when the walk standard is an objective, ``q_g`` (reached by a centre or a venue, 0..1); with the
fairness objective one more column ``t`` (the worst SPA's share). The rules, one builder each::

    centres        sum_j y_j = N                                   (or no rule: budget decides)
    spa limits     lo_s <= sum_{j in s} y_j <= hi_s                 (by need band)
    enhanced       e_j <= y_j;  sum_{j in d} e_j = k                (k per district)
    outreach       sum_{v in s} w_v <= sum_{j in s} (a y_j + b e_j) (a, a + b: the sessions a
                                                                     standard, an enhanced centre
                                                                     may send out; s an SPA, or
                                                                     an outreach area: a hub's
                                                                     footprint)
    least outreach sum_{v in s} w_v >= sum_{j in s} (c y_j + d e_j) (c, c + d: the sessions a
                                                                     centre may not run at home,
                                                                     with a most at home; hubs)
    one role       w_v + y_j(v) <= 1                                (a building is a centre or a
                                                                     venue)
    reach          z_g <= sum_{j in N(g)} y_j
    standard       z_g + sum_{v in V(g)} w_v >= 1                   (every g some place can reach)
                   or q_g <= z_g + sum_{v in V(g)} w_v
    budget         sum_j c_j y_j + c_e sum_j e_j + sum_v c_v w_v <= B - fixed
    fairness       t <= sum_{g in s} n_g z_g / n_s                  (for every SPA s)
    mean walk      sum_j a_Lj + u_L = 1;  a_Lj <= y_j               (each walking unit L goes to
                                                                     an open centre or beyond;
                                                                     minimise sum c_L (t_Lj a_Lj
                                                                     + H u_L) / sum c_L)

Each venue used takes one outreach session (the fewest that makes it a venue); a centre keeps
the rest of its sessions at home, so ``a = floor((1 - h) x standard sessions)`` with ``h`` the
least home share. The per-SPA outreach row is exact: any count of venues within it can be
shared out between the SPA's centres, each within its own allowance, because the allowances
are whole numbers.

Objectives are solved lexicographically (each tier solved to optimality, then held while the
next is solved): for "coverage", need reached by a centre, then need reached by a centre or a
venue (when the standard is not required), then 2015 buildings kept, then cost; "existing"
puts 2015 buildings kept first (a consultation's "keep what we have"), then coverage, then cost;
"mean_walk" puts the children's mean walk to their nearest centre first (a p-median: Hakimi
1964).

With the coverage objective the first tier is solved without the venues (they reach no need by
a centre, and only take budget), and the candidates whose status every plan at its optimum
shares are proven by :mod:`optimise.face` and fixed before the later tiers: on the county a
few dozen candidates stay free, and the later tiers are proven in under a second instead of
minutes, with the same optima.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix, hstack

from optimise.coverage import dominated_columns, identical_rows
from optimise.errors import OptimiseError
from optimise.face import Face, prove_face, swap_ties
from optimise.solve import (
    INFEASIBLE,
    NOT_SOLVED,
    OPTIMAL,
    MipModel,
    MipOutcome,
    Rows,
    choose_solver,
    relative_gap,
    solve_mip,
    stack_rows,
)

#: A tier's optimum is held to within this share of itself while later tiers are solved, so
#: that the solver's feasibility tolerance (1e-6 per row) cannot make the held tier infeasible:
#: a millionth of the need reached, of the buildings kept or of the cost.
HOLD_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SitingProblem:
    """The places, the children and the money, as arrays.

    ``centre_reach`` and ``venue_reach`` are boolean points x candidates and points x venues
    matrices (True within the walk limit). SPAs and districts are numbered 0..n-1 (``*_spa``,
    ``candidate_district``), ``spa_limits`` holds the fewest and most centres of each SPA.
    Costs are pounds a year: ``candidate_cost`` if the candidate opens as a standard centre
    (building and sessions), ``enhanced_cost`` more if it is enhanced, ``venue_cost`` per venue
    used, ``fixed_cost`` whatever the plan (staff). ``candidate_district`` numbers the areas the
    enhanced rule counts in (districts, or footprints for hubs). ``candidate_area`` and
    ``venue_area`` number the outreach areas, within which venues share the outreach sessions of
    the centres (None: the SPA, ``candidate_spa`` and ``venue_spa``).
    """

    centre_reach: csr_matrix
    venue_reach: csr_matrix
    need: NDArray[np.float64]
    point_spa: NDArray[np.int64]
    candidate_spa: NDArray[np.int64]
    candidate_district: NDArray[np.int64]
    candidate_existing: NDArray[np.bool_]
    candidate_cost: NDArray[np.float64]
    venue_spa: NDArray[np.int64]
    venue_candidate: NDArray[np.int64]
    venue_cost: NDArray[np.float64]
    spa_limits: NDArray[np.int64]
    n_districts: int
    enhanced_cost: float = 0.0
    fixed_cost: float = 0.0
    spa_names: tuple[str, ...] = ()
    district_names: tuple[str, ...] = ()
    children: NDArray[np.float64] | None = None
    walk_unit: NDArray[np.int64] | None = None
    walk_candidate: NDArray[np.int64] | None = None
    walk_minutes: NDArray[np.float64] | None = None
    unit_children: NDArray[np.float64] | None = None
    walk_horizon: float = 60.0
    candidate_area: NDArray[np.int64] | None = None
    venue_area: NDArray[np.int64] | None = None
    area_names: tuple[str, ...] = ()

    @property
    def outreach_areas(self) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
        """Each candidate's and each venue's outreach area, and how many areas there are."""
        if self.candidate_area is None or self.venue_area is None:
            return self.candidate_spa, self.venue_spa, self.n_spas
        return self.candidate_area, self.venue_area, max(len(self.area_names), int(
            max(self.candidate_area.max(initial=-1), self.venue_area.max(initial=-1))) + 1)

    def area_name(self, a: int) -> str:
        if self.candidate_area is None:
            return self.spa_name(a)
        return self.area_names[a] if self.area_names else f"area {a}"

    @property
    def n_candidates(self) -> int:
        return self.centre_reach.shape[1]

    @property
    def n_venues(self) -> int:
        return self.venue_reach.shape[1]

    @property
    def n_spas(self) -> int:
        return len(self.spa_limits)

    def spa_name(self, s: int) -> str:
        return self.spa_names[s] if self.spa_names else f"SPA {s}"

    def district_name(self, d: int) -> str:
        return self.district_names[d] if self.district_names else f"district {d}"


@dataclass(frozen=True)
class Rules:
    """The rules of one run, read from a scenario's ``siting`` section (plain values).

    ``outreach_standard`` and ``outreach_enhanced`` are the sessions a standard and an enhanced
    centre may send out; ``lock_open`` and ``lock_closed`` are masks over the candidates;
    ``enhanced_area`` names what ``candidate_district`` numbers (for messages);
    ``outreach_least_standard`` and ``outreach_least_enhanced`` are the sessions a standard and
    an enhanced centre must send out (more than the most it may run at home; 0: none).
    """

    centres: int | None
    budget: float | None
    enhanced_per_district: int
    outreach_standard: int
    outreach_enhanced: int
    walk_standard: str = "required"
    objective: str = "coverage"
    coverage_target: float = 0.9
    prefer_existing: bool = True
    prefer_cheaper: bool = True
    lock_open: NDArray[np.bool_] | None = None
    lock_closed: NDArray[np.bool_] | None = None
    time_limit: float | None = None
    mip_gap: float = 0.0
    solver: str | None = None
    enhanced_area: str = "district"
    outreach_least_standard: int = 0
    outreach_least_enhanced: int = 0


@dataclass(frozen=True)
class Grouped:
    """Demand points merged where the programme cannot tell them apart: same SPA, same
    candidates and same venues in reach. ``label`` maps each point to its group."""

    centre_reach: csr_matrix
    venue_reach: csr_matrix
    need: NDArray[np.float64]
    spa: NDArray[np.int64]
    label: NDArray[np.int64]
    points_before: int
    children: NDArray[np.float64] | None = None


@dataclass(frozen=True)
class Layout:
    """Where each kind of column starts in the model."""

    n_candidates: int
    n_venues: int
    n_groups: int
    any_reach: bool
    fairness: bool
    n_pairs: int = 0
    n_units: int = 0

    @property
    def y(self) -> slice:
        return slice(0, self.n_candidates)

    @property
    def e(self) -> slice:
        return slice(self.y.stop, self.y.stop + self.n_candidates)

    @property
    def w(self) -> slice:
        return slice(self.e.stop, self.e.stop + self.n_venues)

    @property
    def z(self) -> slice:
        return slice(self.w.stop, self.w.stop + self.n_groups)

    @property
    def q(self) -> slice:
        return slice(self.z.stop, self.z.stop + (self.n_groups if self.any_reach else 0))

    @property
    def t(self) -> slice:
        return slice(self.q.stop, self.q.stop + int(self.fairness))

    @property
    def a(self) -> slice:
        """Walking units assigned to candidates (mean-walk objective), one per pair."""
        return slice(self.t.stop, self.t.stop + self.n_pairs)

    @property
    def u(self) -> slice:
        """Walking units left beyond every open centre (counted at the horizon)."""
        return slice(self.a.stop, self.a.stop + self.n_units)

    @property
    def n_columns(self) -> int:
        return self.u.stop


@dataclass(frozen=True)
class Tier:
    """One objective of the lexicographic order and what solving it gave."""

    name: str
    maximise: bool
    value: float
    best_bound: float
    status: str
    seconds: float


@dataclass(frozen=True)
class SitingSolution:
    """The programme's answer: masks over candidates (``open``, ``enhanced``) and venues
    (``venues``), each tier's value and status, the model's size before and after the
    points were merged, and the face of the first tier when it was proven (the candidates
    every best plan shares, fixed for the later tiers)."""

    open: NDArray[np.bool_]
    enhanced: NDArray[np.bool_]
    venues: NDArray[np.bool_]
    tiers: tuple[Tier, ...]
    solver: str
    model_rows: int
    model_columns: int
    model_nonzeros: int
    points_before: int
    points_after: int
    seconds: float
    face: Face | None = None

    @property
    def status(self) -> str:
        """The first tier's status that is not optimal, else optimal."""
        return next((t.status for t in self.tiers if t.status != OPTIMAL), OPTIMAL)

    @property
    def primary(self) -> Tier:
        return self.tiers[0]


def group_points(problem: SitingProblem) -> Grouped:
    """Merge points with the same SPA and the same places in reach (summing need); drop points
    with no need or nothing in reach (they change no choice)."""
    useful = (problem.need > 0) & (
        (np.diff(problem.centre_reach.indptr) > 0) | (np.diff(problem.venue_reach.indptr) > 0))
    rows = np.flatnonzero(useful)
    spa_columns = csr_matrix((np.ones(len(rows), dtype=bool),
                              (np.arange(len(rows)), problem.point_spa[rows])),
                             shape=(len(rows), problem.n_spas))
    key = hstack([problem.centre_reach[rows], problem.venue_reach[rows], spa_columns],
                 format="csr")
    label, first = identical_rows(key)
    label_all = np.full(len(problem.need), -1, dtype=np.int64)
    label_all[rows] = label
    return Grouped(
        centre_reach=csr_matrix(problem.centre_reach[rows[first]]),
        venue_reach=csr_matrix(problem.venue_reach[rows[first]]),
        need=np.bincount(label, weights=problem.need[rows], minlength=len(first)),
        spa=problem.point_spa[rows[first]],
        label=label_all,
        points_before=len(problem.need),
        children=None if problem.children is None else np.bincount(
            label, weights=problem.children[rows], minlength=len(first)),
    )


def dominated_venues(problem: SitingProblem, grouped: Grouped) -> NDArray[np.bool_]:
    """Venues some plan that is just as good never uses: one reaching no group, or one whose
    groups another venue of the same outreach area reaches too, at no more cost, that is not
    itself a candidate centre (so it is always free to be a venue). Swapping such a venue for
    the other keeps every rule met (the area's outreach count is unchanged) and no objective
    worse, so these columns are fixed at 0 (ties between identical venues: the later is
    dropped)."""
    area = problem.outreach_areas[1]
    return dominated_columns(
        grouped.venue_reach,
        lambda a, b: ((area[a] == area[b])
                      & (problem.venue_candidate[b] < 0)
                      & (problem.venue_cost[b] <= problem.venue_cost[a])))


def _sparse(rows: NDArray, cols: NDArray, values: NDArray | float, n_rows: int,
            n_columns: int) -> csr_matrix:
    values = np.broadcast_to(np.asarray(values, dtype=float), np.shape(rows))
    return csr_matrix(coo_matrix((values, (rows, cols)), shape=(n_rows, n_columns)))


def _place(layout: Layout, part: slice, matrix: csr_matrix) -> csr_matrix:
    """``matrix`` (rows x columns of one kind) placed at that kind's columns in the model."""
    coo = matrix.tocoo()
    return _sparse(coo.row, coo.col + part.start, coo.data, matrix.shape[0], layout.n_columns)


def _one_hot(index: NDArray[np.int64], n: int) -> csr_matrix:
    """n x len(index): row k marks the entries whose index is k."""
    return _sparse(index, np.arange(len(index)), 1.0, n, len(index))


def centre_count_rows(layout: Layout, centres: int | None) -> Rows:
    """``sum_j y_j = N`` (no row when the number is free)."""
    if centres is None:
        return _no_rows(layout)
    matrix = _place(layout, layout.y, csr_matrix(np.ones((1, layout.n_candidates))))
    return Rows(matrix, np.array([float(centres)]), np.array([float(centres)]))


def spa_limit_rows(layout: Layout, problem: SitingProblem) -> Rows:
    """``lo_s <= sum_{j in s} y_j <= hi_s`` for every SPA."""
    matrix = _place(layout, layout.y, _one_hot(problem.candidate_spa, problem.n_spas))
    return Rows(matrix, problem.spa_limits[:, 0].astype(float),
                problem.spa_limits[:, 1].astype(float))


def enhanced_link_rows(layout: Layout) -> Rows:
    """``e_j - y_j <= 0``: only a centre can be enhanced."""
    n = layout.n_candidates
    own = _sparse(np.r_[np.arange(n), np.arange(n)], np.r_[np.arange(n) + layout.e.start,
                  np.arange(n) + layout.y.start], np.r_[np.ones(n), -np.ones(n)], n,
                  layout.n_columns)
    return Rows(own, np.full(n, -np.inf), np.zeros(n))


def enhanced_rows(layout: Layout, problem: SitingProblem, per_district: int) -> Rows:
    """``sum_{j in d} e_j = k`` for every district."""
    districts = _place(layout, layout.e, _one_hot(problem.candidate_district, problem.n_districts))
    k = np.full(problem.n_districts, float(per_district))
    return Rows(districts, k, k)


def outreach_rows(layout: Layout, problem: SitingProblem, rules: Rules) -> Rows:
    """``sum_{v in s} w_v - sum_{j in s} (a y_j + b e_j) <= 0`` for every outreach area s (an
    SPA unless the problem names areas): venues used within the sessions its centres may send
    out."""
    matrix = _venues_less_sessions(layout, problem, rules.outreach_standard,
                                   rules.outreach_enhanced)
    return Rows(matrix, np.full(matrix.shape[0], -np.inf), np.zeros(matrix.shape[0]))


def least_outreach_rows(layout: Layout, problem: SitingProblem, rules: Rules) -> Rows:
    """``sum_{v in s} w_v - sum_{j in s} (c y_j + d e_j) >= 0`` for every outreach area: the
    sessions a centre may not keep at home each go to a venue (no rows when there are none)."""
    if not (rules.outreach_least_standard or rules.outreach_least_enhanced):
        return _no_rows(layout)
    matrix = _venues_less_sessions(layout, problem, rules.outreach_least_standard,
                                   rules.outreach_least_enhanced)
    return Rows(matrix, np.zeros(matrix.shape[0]), np.full(matrix.shape[0], np.inf))


def _venues_less_sessions(layout: Layout, problem: SitingProblem, standard: int,
                          enhanced: int) -> csr_matrix:
    """Per outreach area: venues used less ``standard`` a centre and ``enhanced`` an enhanced
    centre."""
    candidate_area, venue_area, n = problem.outreach_areas
    by_area = _one_hot(candidate_area, n)
    return csr_matrix(_place(layout, layout.w, _one_hot(venue_area, n))
                      - standard * _place(layout, layout.y, by_area)
                      - (enhanced - standard) * _place(layout, layout.e, by_area))


def one_role_rows(layout: Layout, problem: SitingProblem) -> Rows:
    """``w_v + y_j(v) <= 1`` for a venue that is also candidate j."""
    venues = np.flatnonzero(problem.venue_candidate >= 0)
    k = len(venues)
    matrix = _sparse(np.r_[np.arange(k), np.arange(k)],
                     np.r_[venues + layout.w.start, problem.venue_candidate[venues] + layout.y.start],
                     1.0, k, layout.n_columns)
    return Rows(matrix, np.full(k, -np.inf), np.ones(k))


def reach_rows(layout: Layout, grouped: Grouped) -> Rows:
    """``z_g - sum_{j in N(g)} y_j <= 0``: a group counts as reached by a centre only if one
    is open within the walk limit."""
    n = len(grouped.need)
    matrix = _place(layout, layout.z, _identity(n)) - _place(layout, layout.y, grouped.centre_reach)
    return Rows(csr_matrix(matrix), np.full(n, -np.inf), np.zeros(n))


def standard_rows(layout: Layout, grouped: Grouped) -> Rows:
    """The walk standard, through ``z_g`` (reached by a centre) rather than the centres
    themselves, which keeps each row short. Required: ``z_g + sum_{V(g)} w_v >= 1`` for every
    group (all are within reach of some place); as an objective: ``q_g <= z_g + sum_{V(g)} w_v``.
    Both say the same as with ``sum_{N(g)} y_j`` in place of ``z_g``: ``z_g`` may always rise
    to ``min(1, sum_{N(g)} y_j)``, and nothing else bounds it from above."""
    n = len(grouped.need)
    places = _place(layout, layout.z, _identity(n)) + _place(layout, layout.w,
                                                             grouped.venue_reach)
    if layout.any_reach:
        return Rows(csr_matrix(_place(layout, layout.q, _identity(n)) - places),
                    np.full(n, -np.inf), np.zeros(n))
    return Rows(csr_matrix(places), np.ones(n), np.full(n, np.inf))


def budget_rows(layout: Layout, problem: SitingProblem, budget: float | None) -> Rows:
    """``sum_j c_j y_j + c_e sum_j e_j + sum_v c_v w_v <= B - fixed`` (no row without a budget)."""
    if budget is None:
        return _no_rows(layout)
    return Rows(csr_matrix(cost_vector(layout, problem)[None, :]), np.array([-np.inf]),
                np.array([budget - problem.fixed_cost]))


def fairness_rows(layout: Layout, grouped: Grouped, problem: SitingProblem) -> Rows:
    """``t - sum_{g in s} n_g z_g / n_s <= 0`` for every SPA with need: t is at most the
    worst SPA's need-weighted share reached by a centre."""
    spa_need = np.bincount(problem.point_spa, weights=problem.need, minlength=problem.n_spas)
    share = grouped.need / spa_need[grouped.spa]
    spas = np.flatnonzero(spa_need > 0)
    shares = _sparse(grouped.spa, np.arange(len(grouped.need)), share, problem.n_spas,
                     len(grouped.need))[spas]
    t = _sparse(np.arange(len(spas)), np.full(len(spas), layout.t.start), 1.0, len(spas),
                layout.n_columns)
    return Rows(csr_matrix(t - _place(layout, layout.z, shares)), np.full(len(spas), -np.inf),
                np.zeros(len(spas)))


def assignment_rows(layout: Layout, problem: SitingProblem) -> Rows:
    """For the mean walk: ``sum_j a_Lj + u_L = 1`` for every walking unit L (its children go
    to one open centre, or count as beyond the horizon), and ``a_Lj - y_j <= 0``."""
    n_units, n_pairs = layout.n_units, layout.n_pairs
    pairs = np.arange(n_pairs)
    whole = (_sparse(problem.walk_unit, pairs + layout.a.start, 1.0, n_units, layout.n_columns)
             + _place(layout, layout.u, _identity(n_units)))
    link = _sparse(np.r_[pairs, pairs],
                   np.r_[pairs + layout.a.start, problem.walk_candidate + layout.y.start],
                   np.r_[np.ones(n_pairs), -np.ones(n_pairs)], n_pairs, layout.n_columns)
    return stack_rows(Rows(csr_matrix(whole), np.ones(n_units), np.ones(n_units)),
                      Rows(link, np.full(n_pairs, -np.inf), np.zeros(n_pairs)))


def mean_walk_vector(layout: Layout, problem: SitingProblem) -> NDArray[np.float64]:
    """Children-weighted mean walk in minutes over the columns: a unit's children times its
    walk to the centre it is assigned to, or times the horizon when beyond every centre."""
    cost = np.zeros(layout.n_columns)
    total = float(problem.unit_children.sum())
    cost[layout.a] = problem.unit_children[problem.walk_unit] * problem.walk_minutes / total
    cost[layout.u] = problem.unit_children * problem.walk_horizon / total
    return cost


def _identity(n: int) -> csr_matrix:
    return _sparse(np.arange(n), np.arange(n), 1.0, n, n)


def _no_rows(layout: Layout) -> Rows:
    return Rows(csr_matrix((0, layout.n_columns)), np.zeros(0), np.zeros(0))


def cost_vector(layout: Layout, problem: SitingProblem) -> NDArray[np.float64]:
    """The plan's annual cost over the columns (without the fixed part)."""
    cost = np.zeros(layout.n_columns)
    cost[layout.y] = problem.candidate_cost
    cost[layout.e] = problem.enhanced_cost
    cost[layout.w] = problem.venue_cost
    return cost


def rule_rows(layout: Layout, problem: SitingProblem, grouped: Grouped,
              rules: Rules) -> dict[str, Rows]:
    """Every rule's rows by name (see the module docstring)."""
    families = {
        "centres": centre_count_rows(layout, rules.centres),
        "spa_limits": spa_limit_rows(layout, problem),
        "enhanced_link": enhanced_link_rows(layout),
        "enhanced": enhanced_rows(layout, problem, rules.enhanced_per_district),
        "outreach": outreach_rows(layout, problem, rules),
        "least_outreach": least_outreach_rows(layout, problem, rules),
        "one_role": one_role_rows(layout, problem),
        "reach": reach_rows(layout, grouped),
        "walk_standard": standard_rows(layout, grouped),
        "budget": budget_rows(layout, problem, rules.budget),
    }
    if layout.fairness:
        families["fairness"] = fairness_rows(layout, grouped, problem)
    if layout.n_units:
        families["assignment"] = assignment_rows(layout, problem)
    return families


def column_bounds(layout: Layout, problem: SitingProblem, rules: Rules,
                  grouped: Grouped | None = None) -> tuple[NDArray, NDArray, NDArray]:
    """Lower and upper bounds and integrality: y, e, w binary (locks fix y, and a building
    locked closed is no venue either; with ``grouped``, dominated venues are fixed unused),
    z, q and t continuous in 0..1."""
    lower = np.zeros(layout.n_columns)
    upper = np.ones(layout.n_columns)
    if rules.lock_open is not None:
        lower[layout.y][np.asarray(rules.lock_open, bool)] = 1.0
    if rules.lock_closed is not None:
        closed = np.asarray(rules.lock_closed, bool)
        upper[layout.y][closed] = 0.0
        upper[layout.e][closed] = 0.0
        is_candidate = problem.venue_candidate >= 0
        shut = np.zeros(layout.n_venues, dtype=bool)
        shut[is_candidate] = closed[problem.venue_candidate[is_candidate]]
        upper[layout.w][shut] = 0.0
    # a dominated venue only adds cost, unless sessions must go out: then it may be needed
    if grouped is not None and not (rules.outreach_least_standard or rules.outreach_least_enhanced):
        upper[layout.w][dominated_venues(problem, grouped)] = 0.0
    integer = np.zeros(layout.n_columns, dtype=bool)
    integer[: layout.w.stop] = True
    return lower, upper, integer


#: The last two objectives solved as one (see :func:`tiers_of`); reported as two tiers.
EXISTING_THEN_COST = "existing_kept_then_cost"


def tiers_of(layout: Layout, problem: SitingProblem, grouped: Grouped,
             rules: Rules) -> list[tuple[str, NDArray[np.float64], bool]]:
    """The objectives in lexicographic order: (name, cost over the columns, maximise)."""
    reached_by_centre = np.zeros(layout.n_columns)
    reached_by_centre[layout.z] = grouped.need
    kept = np.zeros(layout.n_columns)
    kept[layout.y] = problem.candidate_existing
    cost = cost_vector(layout, problem)
    tiers: list[tuple[str, NDArray[np.float64], bool]] = []
    if rules.objective == "fairness":
        worst = np.zeros(layout.n_columns)
        worst[layout.t] = 1.0
        tiers.append(("worst_spa_share", worst, True))
    if rules.objective == "min_cost":
        tiers.append(("cost_gbp", cost, False))
    if rules.objective == "existing":
        tiers.append(("existing_kept", kept, True))
    if rules.objective == "mean_walk":
        tiers.append(("mean_walk_minutes", mean_walk_vector(layout, problem), False))
    else:
        tiers.append(("need_reached_by_centre", reached_by_centre, True))
    if layout.any_reach and rules.objective != "mean_walk":
        reached = np.zeros(layout.n_columns)
        reached[layout.q] = grouped.need
        tiers.append(("need_reached", reached, True))
    cheaper = rules.prefer_cheaper and rules.objective != "min_cost"
    if rules.objective == "existing":
        return [*tiers, ("cost_gbp", cost, False)] if cheaper else tiers
    if rules.prefer_existing and cheaper and np.array_equal(cost, np.round(cost)):
        # whole pounds: one solve of kept x (more than any cost difference) - cost orders the
        # plans exactly as kept first, then cost
        weight = float(np.abs(cost).sum()) + 1.0
        tiers.append((EXISTING_THEN_COST, weight * kept - cost, True))
        return tiers
    if rules.prefer_existing:
        tiers.append(("existing_kept", kept, True))
    if cheaper:
        tiers.append(("cost_gbp", cost, False))
    return tiers


def coverage_target_rows(layout: Layout, problem: SitingProblem, grouped: Grouped,
                         target: float) -> Rows:
    """``sum_g n_g z_g >= target x all need``: the coverage a cheapest plan must reach."""
    row = np.zeros((1, layout.n_columns))
    row[0, layout.z] = grouped.need
    return Rows(csr_matrix(row), np.array([target * float(problem.need.sum())]),
                np.array([np.inf]))


def build_model(problem: SitingProblem, rules: Rules,
                grouped: Grouped | None = None) -> tuple[MipModel, Layout, Grouped, dict[str, Rows]]:
    """The programme as one sparse model (objective left to the tiers)."""
    grouped = grouped or group_points(problem)
    _check_shapes(problem, rules)
    mean_walk = rules.objective == "mean_walk"
    if mean_walk and problem.walk_unit is None:
        raise ValueError("the mean-walk objective needs the problem's walk_* arrays")
    layout = Layout(problem.n_candidates, problem.n_venues, len(grouped.need),
                    any_reach=rules.walk_standard != "required",
                    fairness=rules.objective == "fairness",
                    n_pairs=len(problem.walk_unit) if mean_walk else 0,
                    n_units=len(problem.unit_children) if mean_walk else 0)
    families = rule_rows(layout, problem, grouped, rules)
    if rules.objective == "min_cost":
        families["coverage_target"] = coverage_target_rows(layout, problem, grouped,
                                                           rules.coverage_target)
    rows = stack_rows(*families.values())
    lower, upper, integer = column_bounds(layout, problem, rules, grouped)
    model = MipModel(np.zeros(layout.n_columns), rows.matrix, rows.lower, rows.upper, lower,
                     upper, integer, maximise=True)
    return model, layout, grouped, families


def solve_siting(problem: SitingProblem, rules: Rules,
                 exclude: tuple[NDArray[np.bool_], ...] = (), min_difference: int = 1,
                 hold_primary: float | None = None,
                 progress: Callable[[str], None] | None = None) -> SitingSolution:
    """Solve the programme, tier by tier; ``exclude`` lists earlier plans (masks over the
    candidates) this one must differ from by at least ``min_difference`` centres, and
    ``hold_primary`` is the least value the first tier must keep (for options); ``progress``
    hears of each tier as it is solved. Raises :class:`optimise.errors.InfeasiblePlan` with a
    diagnosis when no plan meets the rules. ``rules.time_limit`` applies to each tier.

    With the coverage objective the first tier is solved on the centres alone (venues add no
    need reached by a centre), and the centres every best plan shares are proven
    (:mod:`optimise.face`) and fixed for the later tiers: the same optimum, found far faster."""
    solver = choose_solver(rules.solver)
    model, layout, grouped, _ = build_model(problem, rules)
    model = _excluding(model, layout, exclude, min_difference)
    order = tiers_of(layout, problem, grouped, rules)
    tiers: list[Tier] = []
    x = None
    total = 0.0
    face = None
    if _centres_first(order, rules):
        first = _solve_on_centres(problem, rules, exclude, min_difference, hold_primary,
                                  solver, progress, len(order))
        total += first.seconds
        tiers.append(first.tier)
        x = _full_start(first.x, layout, grouped)
        name, cost, maximise = order[0]
        model = _with_rows(model, _hold(cost, first.tier.value, maximise))
        face = first.face
        if face is not None:
            model = _fixing(model, layout, face)
    for index, (name, cost, maximise) in enumerate(order):
        if index < len(tiers):
            continue
        if progress:
            progress(f"objective {index + 1} of {len(order)}: {name.replace('_', ' ')}")
        if index == 0 and hold_primary is not None:
            model = _with_rows(model, _hold(cost, hold_primary, maximise))
        start = None if x is None else _lifted(x, layout, grouped)
        if start is not None and face is None and name in (EXISTING_THEN_COST, "existing_kept") \
                and _few_kept_places(start, layout, problem):
            start, seconds = _kept_start(replace(model, cost=cost, maximise=maximise), start,
                                         layout, problem, solver, rules)
            total += seconds
        outcome = solve_mip(replace(model, cost=cost, maximise=maximise), solver=solver,
                            time_limit=rules.time_limit, mip_gap=rules.mip_gap or None,
                            start=start,
                            watch=_watcher(progress, maximise, name != EXISTING_THEN_COST))
        total += outcome.seconds
        if index == 0:
            _refuse_unsolved(outcome, problem, rules, grouped, exclude)
        if outcome.status == INFEASIBLE or outcome.x is None:
            # numerically, holding the earlier tiers left no room: keep the earlier plan (it
            # meets every rule) and say that this tier was not solved
            value = float(cost @ x)
            tiers.append(Tier(name, maximise, value, math.nan, NOT_SOLVED, outcome.seconds))
            continue
        x = outcome.x
        if name == EXISTING_THEN_COST:
            tiers += _split_existing_then_cost(x, layout, problem, outcome)
        else:
            tiers.append(_tier(name, maximise, outcome))
        model = _with_rows(model, _hold(cost, outcome.objective, maximise))
    return _solution(x, layout, grouped, tiers, solver, model, total, face)


@dataclass(frozen=True)
class _FirstTier:
    """The first tier solved on the centres alone: its plan (columns of that model), its
    tier, the face around it (None if not proven) and the seconds both took."""

    x: NDArray[np.float64]
    tier: Tier
    face: Face | None
    seconds: float


def _centres_first(order: list[tuple[str, NDArray[np.float64], bool]], rules: Rules) -> bool:
    """Whether the first tier is need reached by a centre, later tiers follow, and venues
    play no part in it (a required walk standard, or sessions that must go out, makes them
    part of every plan's rules)."""
    return (order[0][0] == "need_reached_by_centre" and len(order) > 1
            and rules.walk_standard != "required"
            and not (rules.outreach_least_standard or rules.outreach_least_enhanced))


def centres_only(problem: SitingProblem) -> SitingProblem:
    """The problem without outreach venues: the same plans of centres, each with no venue.

    Every plan of the full problem with its venues dropped is a plan of this one (venues only
    add cost and take sessions), with the same need reached by a centre, so the first tier's
    optimum, and the centres any plan reaching it may open, are the same."""
    n_points = problem.centre_reach.shape[0]
    return replace(problem, venue_reach=csr_matrix((n_points, 0), dtype=bool),
                   venue_spa=np.zeros(0, dtype=np.int64),
                   venue_candidate=np.zeros(0, dtype=np.int64), venue_cost=np.zeros(0),
                   venue_area=None if problem.venue_area is None else np.zeros(0, dtype=np.int64))


def _solve_on_centres(problem: SitingProblem, rules: Rules, exclude: tuple[NDArray, ...],
                      min_difference: int, hold_primary: float | None, solver: str,
                      progress: Callable[[str], None] | None, n_tiers: int) -> _FirstTier:
    """Need reached by a centre, maximised on :func:`centres_only` (a third of the columns,
    and its demand points merged by the centres in reach alone), then the face around it."""
    if progress:
        progress(f"objective 1 of {n_tiers}: need reached by centre")
    small = centres_only(problem)
    model, layout, grouped, _ = build_model(small, rules)
    model = _excluding(model, layout, exclude, min_difference)
    name, cost, maximise = tiers_of(layout, small, grouped, rules)[0]
    model = replace(model, cost=cost, maximise=maximise)
    if hold_primary is not None:
        model = _with_rows(model, _hold(cost, hold_primary, maximise))
    outcome = solve_mip(model, solver=solver, time_limit=rules.time_limit,
                        mip_gap=rules.mip_gap or None, watch=_watcher(progress, maximise))
    _refuse_unsolved(outcome, problem, rules, None, exclude)
    centres = np.round(outcome.x[layout.y]).astype(bool)
    slack = HOLD_TOLERANCE * max(1.0, abs(outcome.objective))
    free = swap_ties(grouped.centre_reach, grouped.need, centres, problem.candidate_spa,
                     problem.spa_limits, slack)
    face = prove_face(_with_rows(model, _hold(cost, outcome.objective, maximise)), layout.y,
                      centres, free, solver=solver, time_limit=rules.time_limit,
                      progress=progress)
    seconds = outcome.seconds + (face.seconds if face else 0.0)
    return _FirstTier(outcome.x[: layout.w.start], _tier(name, maximise, outcome), face, seconds)


def _refuse_unsolved(outcome: MipOutcome, problem: SitingProblem, rules: Rules,
                     grouped: Grouped | None, exclude: tuple[NDArray, ...]) -> None:
    """The first tier gave no plan: a diagnosis when none exists, else say the clock
    stopped the search first."""
    from optimise.diagnose import diagnose  # the diagnosis builds on this module

    if outcome.status == INFEASIBLE:
        raise diagnose(problem, rules, grouped or group_points(problem), exclude=exclude)
    if outcome.x is None:
        raise OptimiseError(
            f"the solver stopped ({outcome.status.replace('_', ' ')}) after "
            f"{outcome.seconds:.1f} s before it found any plan: allow more time "
            "(siting.time_limit_seconds or --time-limit)")


def _full_start(centres_x: NDArray[np.float64], layout: Layout,
                grouped: Grouped) -> NDArray[np.float64]:
    """The plan of the centres-only model as a plan of the full one (no venue used, each
    group's reach as its centres give it)."""
    x = np.zeros(layout.n_columns)
    x[: layout.w.start] = centres_x
    return _lifted(x, layout, grouped)


def _fixing(model: MipModel, layout: Layout, face: Face) -> MipModel:
    """``model`` with the candidates of the face's ``fixed`` held at the face's plan."""
    lower, upper = model.col_lower.copy(), model.col_upper.copy()
    held = np.flatnonzero(face.fixed) + layout.y.start
    lower[held] = upper[held] = face.centres[face.fixed].astype(float)
    return replace(model, col_lower=lower, col_upper=upper)


def _excluding(model: MipModel, layout: Layout, exclude: tuple[NDArray[np.bool_], ...],
               min_difference: int) -> MipModel:
    """``model`` with a row for each earlier plan it must differ from."""
    if not exclude:
        return model
    return _with_rows(model, stack_rows(*(_differ_rows(layout, plan, min_difference)
                                          for plan in exclude)))


def _watcher(progress: Callable[[str], None] | None, maximise: bool,
             show_values: bool = True) -> Callable[[float, float, float], None] | None:
    """A progress line from the solver's incumbent, bound and seconds."""
    if progress is None:
        return None

    def watch(incumbent: float, bound: float, seconds: float) -> None:
        if not (math.isfinite(incumbent) and math.isfinite(bound)):
            progress(f"  searching ({seconds:.0f} s)")
            return
        gap = relative_gap(incumbent, bound, maximise=maximise)
        values = f" (best plan {incumbent:,.6g}, bound {bound:,.6g})" if show_values else ""
        progress(f"  searching: gap {gap:.4%} after {seconds:.0f} s{values}")

    return watch


def _few_kept_places(start: NDArray, layout: Layout, problem: SitingProblem) -> bool:
    """Whether the 2015 buildings and the earlier plan's centres are at most half the
    candidates: only then is the search of :func:`_kept_start` much smaller than the full one
    (measured: it halves the tie-breaks among 650 candidates, and costs more than it saves
    among 187, most of them 2015 buildings)."""
    places = problem.candidate_existing | (start[layout.y] > 0.5)
    return 2 * int(places.sum()) <= layout.n_candidates


def _kept_start(model: MipModel, start: NDArray, layout: Layout, problem: SitingProblem,
                solver: str, rules: Rules) -> tuple[NDArray, float]:
    """A first plan for the tie-breaks: the best among the earlier plan's centres and the 2015
    buildings only (a far smaller search), so that the full search starts near its optimum and
    can rule most candidates out at once."""
    upper = model.col_upper.copy()
    upper[layout.y][~(problem.candidate_existing | (start[layout.y] > 0.5))] = 0.0
    outcome = solve_mip(replace(model, col_upper=upper), solver=solver,
                        time_limit=rules.time_limit, start=start)
    return (start if outcome.x is None else outcome.x), outcome.seconds


def _lifted(x: NDArray, layout: Layout, grouped: Grouped) -> NDArray:
    """The previous tier's plan with each group's reach at the most its places allow: an
    earlier tier may leave ``q`` (or ``z``) below what the plan reaches, since it did not count
    them, and the next tier starts far better from the plan's true reach."""
    x = x.copy()
    by_centre = np.asarray(grouped.centre_reach @ np.round(x[layout.y])).reshape(-1)
    x[layout.z] = np.minimum(1.0, by_centre)
    if layout.any_reach:
        by_venue = np.asarray(grouped.venue_reach @ np.round(x[layout.w])).reshape(-1)
        x[layout.q] = np.minimum(1.0, by_centre + by_venue)
    return x


def _split_existing_then_cost(x: NDArray, layout: Layout, problem: SitingProblem,
                              outcome: MipOutcome) -> list[Tier]:
    """The combined tie-break reported as its two objectives (proven together or not)."""
    kept = float(np.dot(x[layout.y], problem.candidate_existing))
    cost = float(cost_vector(layout, problem) @ x)
    proven = outcome.status == OPTIMAL
    half = outcome.seconds / 2
    return [Tier("existing_kept", True, kept, kept if proven else math.nan, outcome.status, half),
            Tier("cost_gbp", False, cost, cost if proven else math.nan, outcome.status, half)]


def _tier(name: str, maximise: bool, outcome: MipOutcome) -> Tier:
    return Tier(name, maximise, float(outcome.objective), float(outcome.best_bound),
                outcome.status, outcome.seconds)


def _solution(x: NDArray, layout: Layout, grouped: Grouped, tiers: list[Tier], solver: str,
              model: MipModel, seconds: float, face: Face | None = None) -> SitingSolution:
    open_ = x[layout.y] > 0.5
    return SitingSolution(
        open=open_, enhanced=(x[layout.e] > 0.5) & open_, venues=x[layout.w] > 0.5,
        tiers=tuple(tiers), solver=solver, model_rows=model.shape[0],
        model_columns=model.shape[1], model_nonzeros=model.matrix.nnz,
        points_before=grouped.points_before, points_after=len(grouped.need), seconds=seconds,
        face=face)


def _hold(cost: NDArray[np.float64], value: float, maximise: bool) -> Rows:
    """Keep a solved tier at (within a hair of) its optimum."""
    slack = HOLD_TOLERANCE * max(1.0, abs(value))
    row = csr_matrix(cost[None, :])
    if maximise:
        return Rows(row, np.array([value - slack]), np.array([np.inf]))
    return Rows(row, np.array([-np.inf]), np.array([value + slack]))


def _differ_rows(layout: Layout, plan: NDArray[np.bool_], min_difference: int) -> Rows:
    """``sum_{j open in plan} y_j <= |plan| - d``: close at least d of an earlier plan's
    centres."""
    row = np.zeros((1, layout.n_columns))
    row[0, layout.y] = np.asarray(plan, dtype=float)
    return Rows(csr_matrix(row), np.array([-np.inf]),
                np.array([float(np.sum(plan)) - min_difference]))


def _with_rows(model: MipModel, rows: Rows) -> MipModel:
    stacked = stack_rows(Rows(model.matrix, model.row_lower, model.row_upper), rows)
    return replace(model, matrix=stacked.matrix, row_lower=stacked.lower, row_upper=stacked.upper)


def _check_shapes(problem: SitingProblem, rules: Rules) -> None:
    """Refuse arrays that do not line up (a fault of the caller, named)."""
    n_points, n_candidates = problem.centre_reach.shape
    expected = {
        "venue_reach rows": (problem.venue_reach.shape[0], n_points),
        "need": (len(problem.need), n_points),
        "point_spa": (len(problem.point_spa), n_points),
        "candidate_spa": (len(problem.candidate_spa), n_candidates),
        "candidate_district": (len(problem.candidate_district), n_candidates),
        "candidate_existing": (len(problem.candidate_existing), n_candidates),
        "candidate_cost": (len(problem.candidate_cost), n_candidates),
        "venue_spa": (len(problem.venue_spa), problem.n_venues),
        "venue_candidate": (len(problem.venue_candidate), problem.n_venues),
        "venue_cost": (len(problem.venue_cost), problem.n_venues),
    }
    if (problem.candidate_area is None) != (problem.venue_area is None):
        raise ValueError("SitingProblem: candidate_area and venue_area go together")
    if problem.candidate_area is not None:
        expected["candidate_area"] = (len(problem.candidate_area), n_candidates)
        expected["venue_area"] = (len(problem.venue_area), problem.n_venues)
    for lock in ("lock_open", "lock_closed"):
        mask = getattr(rules, lock)
        if mask is not None:
            expected[lock] = (len(mask), n_candidates)
    wrong = [f"{name} has {got}, expected {want}" for name, (got, want) in expected.items()
             if got != want]
    if wrong:
        raise ValueError("SitingProblem arrays do not line up: " + "; ".join(wrong))
    if not np.all(np.isfinite(problem.need)) or np.any(problem.need < 0):
        raise ValueError("need must be finite and not negative")


def gap_of(tier: Tier) -> float:
    """The tier's relative gap (0 when proven)."""
    if math.isnan(tier.value):
        return math.nan
    return relative_gap(tier.value, tier.best_bound, maximise=tier.maximise)
