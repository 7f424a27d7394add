"""Why no plan meets the rules, and by how much: a diagnosis instead of "infeasible".

First the arithmetic a planner can check by hand (the SPA minimums against the number of
centres, an SPA with too few candidates, locks against limits). If that passes, the programme
is solved again with one rule at a time made elastic: its rows may be broken at a price, and
the least breach is what that rule is short by (pounds over the envelope, children who would
miss the walk standard, outreach sessions that would close the gap, centres over or under a
count). Every rule whose relaxation alone makes a plan possible is reported.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack

from optimise.errors import InfeasiblePlan
from optimise.programme import Grouped, Rules, SitingProblem, build_model
from optimise.solve import INFEASIBLE, choose_solver, solve_mip

#: Rules the elastic search relaxes, in the order the diagnosis lists them.
RELAXABLE = ("coverage_target", "budget", "walk_standard", "outreach", "least_outreach",
             "centres", "spa_limits", "enhanced")


def arithmetic_problems(problem: SitingProblem, rules: Rules) -> list[str]:
    """What the rules rule out before any solving, each as a sentence with its numbers."""
    found: list[str] = []
    lows, highs = problem.spa_limits[:, 0], problem.spa_limits[:, 1]
    if rules.centres is not None:
        if lows.sum() > rules.centres:
            found.append(f"the SPA minimums need {int(lows.sum())} centres but the scenario "
                         f"allows {rules.centres}")
        if highs.sum() < rules.centres:
            found.append(f"the SPA maximums allow {int(highs.sum())} centres but the scenario "
                         f"asks for {rules.centres}")
        needed = problem.n_districts * rules.enhanced_per_district
        if needed > rules.centres:
            found.append(f"{problem.n_districts} {rules.enhanced_area}s with "
                         f"{rules.enhanced_per_district} "
                         f"enhanced centre(s) each need {needed} centres but the scenario allows "
                         f"{rules.centres}")
    closed = _mask(rules.lock_closed, problem.n_candidates)
    locked = _mask(rules.lock_open, problem.n_candidates)
    available = np.bincount(problem.candidate_spa[~closed], minlength=problem.n_spas)
    forced = np.bincount(problem.candidate_spa[locked], minlength=problem.n_spas)
    shut = np.bincount(problem.candidate_spa[closed], minlength=problem.n_spas)
    for s in np.flatnonzero(available < lows):
        found.append(f"SPA {problem.spa_name(s)} needs at least {lows[s]} centres but has "
                     f"{available[s]} candidate buildings" +
                     (f" ({shut[s]} locked closed)" if shut[s] else ""))
    for s in np.flatnonzero(forced > highs):
        found.append(f"SPA {problem.spa_name(s)} allows at most {highs[s]} centres but "
                     f"{forced[s]} are locked open there")
    if rules.centres is not None and locked.sum() > rules.centres:
        found.append(f"{int(locked.sum())} buildings are locked open but the scenario allows "
                     f"{rules.centres} centres")
    in_district = np.bincount(problem.candidate_district[~closed], minlength=problem.n_districts)
    for d in np.flatnonzero(in_district < rules.enhanced_per_district):
        found.append(f"{rules.enhanced_area} {problem.district_name(d)} needs "
                     f"{rules.enhanced_per_district} "
                     f"enhanced centre(s) but has {in_district[d]} candidate buildings")
    return found


def diagnose(problem: SitingProblem, rules: Rules, grouped: Grouped,
             exclude: tuple[NDArray[np.bool_], ...] = ()) -> InfeasiblePlan:
    """The error to raise when the programme has no plan: which rules fail and by how much."""
    found = arithmetic_problems(problem, rules)
    if found:
        return InfeasiblePlan("no plan meets the rules: " + "; ".join(found))
    if exclude:
        return InfeasiblePlan(f"no further plan differs from the {len(exclude)} found by enough "
                              "centres: ask for fewer options or a smaller difference")
    findings = [finding for name in RELAXABLE
                if (finding := _relaxed(problem, rules, grouped, (name,))) is not None]
    if not findings:
        both = _relaxed(problem, rules, grouped, RELAXABLE)
        findings = [both or ("the rules contradict each other in a way the diagnosis cannot "
                             "split (check the locks)")]
        return InfeasiblePlan("no plan meets the rules; relaxing them together shows: " +
                              "; ".join(findings))
    return InfeasiblePlan("no plan meets the rules; any one of these would allow one: " +
                          "; or ".join(findings))


def _relaxed(problem: SitingProblem, rules: Rules, grouped: Grouped,
             names: tuple[str, ...]) -> str | None:
    """Solve with the rows of ``names`` elastic; describe the least breach (None: still no
    plan, or the named rules are not there)."""
    found = elastic_breaches(problem, rules, grouped, names)
    if found is None:
        return None
    parts = [_describe(name, problem, rules, grouped, breaches) for name, breaches in found.items()]
    return "; ".join(p for p in parts if p)


Breach = tuple[int, float, float]  # (row within its rule, +1 lower side / -1 upper side, amount)


def elastic_breaches(problem: SitingProblem, rules: Rules, grouped: Grouped,
                     names: tuple[str, ...]) -> dict[str, list[Breach]] | None:
    """The least breach of the rules ``names`` that allows a plan, row by row (a pound, a
    child, a session or a centre each count one; children missing the standard are counted as
    children). None when even that allows no plan, or none of the rules is there."""
    model, _, grouped, families = build_model(problem, rules, grouped)
    offsets, start = {}, 0
    for name, rows in families.items():
        offsets[name] = (start, start + len(rows.lower))
        start += len(rows.lower)
    chosen = [n for n in names if n in families and len(families[n].lower)]
    if not chosen:
        return None
    columns, weights, owners, integral = [], [], [], []
    for name in chosen:
        first, stop = offsets[name]
        rows = np.arange(first, stop)
        for sign, side in ((1.0, model.row_lower), (-1.0, model.row_upper)):
            bounded = rows[np.isfinite(side[rows])]
            columns.append(csr_matrix((np.full(len(bounded), sign), (bounded, np.arange(len(bounded)))),
                                      shape=(model.shape[0], len(bounded))))
            owners += [(name, int(r), sign) for r in bounded]
            weights.append(_price(name, grouped, bounded - first))
            integral.append(np.full(len(bounded),
                                    name not in ("budget", "walk_standard", "coverage_target")))
    slack = hstack(columns, format="csr")
    k = slack.shape[1]
    n = model.shape[1]
    elastic = replace(
        model,
        matrix=csr_matrix(hstack([model.matrix, slack], format="csr")),
        cost=np.concatenate([np.zeros(n), np.concatenate(weights)]),
        col_lower=np.concatenate([model.col_lower, np.zeros(k)]),
        col_upper=np.concatenate([model.col_upper, np.full(k, np.inf)]),
        integer=np.concatenate([model.integer, np.concatenate(integral)]),
        maximise=False,
    )
    outcome = solve_mip(elastic, solver=choose_solver(rules.solver), time_limit=rules.time_limit)
    if outcome.status == INFEASIBLE or outcome.x is None:
        return None
    breach = outcome.x[n:]
    return {name: [(row - offsets[name][0], sign, value)
                   for (owner, row, sign), value in zip(owners, breach)
                   if owner == name and value > 1e-6]
            for name in chosen}


def outreach_to_meet_standard(problem: SitingProblem, rules: Rules,
                              grouped: Grouped) -> NDArray[np.float64] | None:
    """Outreach sessions a week each outreach area (SPA, or a hub's footprint) would need
    beyond its centres' allowance for every child some place can reach to be reached, the
    other rules kept (None: no number of sessions would do it)."""
    found = elastic_breaches(problem, replace(rules, walk_standard="required"), grouped,
                             ("outreach",))
    if found is None:
        return None
    per_area = np.zeros(problem.outreach_areas[2])
    for row, _, value in found.get("outreach", []):
        per_area[row] += round(value)
    return per_area


def _price(name: str, grouped: Grouped, rows: NDArray[np.int64]) -> NDArray[np.float64]:
    """What a unit of breach costs: a child who misses the walk standard (so the fewest
    children miss it), else a pound, a session or a centre."""
    if name == "walk_standard":
        return grouped.children[rows] if grouped.children is not None else grouped.need[rows]
    return np.ones(len(rows))


def _describe(name: str, problem: SitingProblem, rules: Rules, grouped: Grouped,
              breaches: list[Breach]) -> str:
    if not breaches:
        return ""
    rows = np.array([row for row, _, _ in breaches])
    amounts = np.array([value for _, _, value in breaches])
    signs = np.array([sign for _, sign, _ in breaches])
    if name == "budget":
        return (f"the budget: the cheapest plan under the other rules costs "
                f"£{amounts.sum():,.0f} more than the envelope of £{rules.budget:,.0f} "
                f"(£{problem.fixed_cost:,.0f} of it fixed)")
    if name == "walk_standard":
        counted = grouped.need if grouped.children is None else grouped.children
        per_spa = np.bincount(grouped.spa[rows], weights=amounts * counted[rows],
                              minlength=problem.n_spas)
        unit = "{:,.0f} need" if grouped.children is None else "{:,.0f}"
        return (f"the walk standard: {_children_missing(grouped, rows)} would miss it ("
                + _by_spa(problem, per_spa, unit) + ")")
    if name == "outreach":
        per_area = np.zeros(problem.outreach_areas[2])
        per_area[rows] = amounts
        shown = [f"{problem.area_name(a)} {per_area[a]:.0f}" for a in _largest(per_area)]
        return (f"outreach: {amounts.sum():.0f} more outreach sessions a week would reach every "
                f"child within the walk limit ({_listed(shown, per_area, _area_noun(problem))})")
    if name == "least_outreach":
        per_area = np.zeros(problem.outreach_areas[2])
        per_area[rows] = amounts
        shown = [f"{problem.area_name(a)} {per_area[a]:.0f}" for a in _largest(per_area)]
        return (f"the most sessions at home: {amounts.sum():.0f} more outreach venues would be "
                f"needed for the sessions the centres may not run at home "
                f"({_listed(shown, per_area, _area_noun(problem))})")
    if name == "coverage_target":
        total = float(problem.need.sum())
        reachable = rules.coverage_target - amounts.sum() / total
        return (f"the coverage target: the centres can reach at most {reachable:.1%} of the need "
                f"under the other rules, not {rules.coverage_target:.1%}")
    # a breach on a row's lower side (sign +1) lets the sum fall short: fewer centres
    if name == "centres":
        direction = "fewer" if signs[0] > 0 else "more"
        return f"the number of centres: {amounts.sum():.0f} {direction} than {rules.centres}"
    if name == "spa_limits":
        per_spa = np.zeros(problem.n_spas)
        np.add.at(per_spa, rows, -amounts * signs)
        above, below = "its band's maximum", "its band's minimum"
        shown = [f"{problem.spa_name(s)} {_count_against(per_spa[s], above, below)}"
                 for s in _largest(per_spa)]
        return "the SPA limits by need band: " + _listed(shown, per_spa, "SPAs")
    if name == "enhanced":
        per_district = np.zeros(problem.n_districts)
        np.add.at(per_district, rows, -amounts * signs)
        shown = [f"{problem.district_name(d)} "
                 f"{_count_against(per_district[d], 'the rule allows', 'the rule needs')}"
                 for d in np.flatnonzero(per_district)]
        return (f"the enhanced centres ({rules.enhanced_per_district} per {rules.enhanced_area}): "
                + ", ".join(shown))
    return f"{name}: breached by {amounts.sum():g}"


def _children_missing(grouped: Grouped, rows: NDArray[np.int64]) -> str:
    if grouped.children is None:
        return f"{len(rows)} groups of homes"
    return f"{grouped.children[rows].sum():,.0f} children"


def _by_spa(problem: SitingProblem, amount: NDArray[np.float64], fmt: str) -> str:
    shown = [f"{problem.spa_name(s)} {fmt.format(amount[s])}" for s in _largest(amount)]
    return _listed(shown, amount, "SPAs")


def _area_noun(problem: SitingProblem) -> str:
    return "SPAs" if problem.candidate_area is None else "areas"


def _largest(amount: NDArray[np.float64], shown: int = 5) -> list[int]:
    """The (at most ``shown``) non-zero entries, largest in size first."""
    order = np.argsort(-np.abs(amount), kind="stable")
    return [int(k) for k in order[:shown] if abs(amount[k]) > 1e-6]


def _listed(shown: list[str], amount: NDArray[np.float64], noun: str) -> str:
    more = int((np.abs(amount) > 1e-6).sum()) - len(shown)
    return ", ".join(shown) + (f" and {more} more {noun}" if more > 0 else "")


def _count_against(amount: float, above: str, below: str) -> str:
    """A signed count of centres in words, "1 centre more than ``above``" for +1 and
    "2 centres fewer than ``below``" for -2: a bare sign reads as a typo."""
    count = abs(round(amount))
    noun = "centre" if count == 1 else "centres"
    return f"{count} {noun} more than {above}" if amount > 0 else f"{count} {noun} fewer than {below}"


def _mask(mask: NDArray[np.bool_] | None, n: int) -> NDArray[np.bool_]:
    return np.zeros(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)

