"""The trade-off curves of a cabinet paper: what each £1m, or each centre, buys in children
reached and in waits (issue 14, part 3).

Along a **budget** axis the programme is solved at each envelope with the number of centres
free (as many as the money allows) and, by default, frontline staff in proportion to the
envelope (``staff="proportional"``: the scenario's frontline FTE x envelope / its budget, to the
FTE step; management and support as stated), since an envelope below the staff's own cost has
no plan; ``staff="fixed"`` keeps the scenario's staff and reports those envelopes as
infeasible with the programme's diagnosis. Along a **centres** axis the number of centres is
set at each point and the budget left free, so the curve shows what the centres cost and reach.
Each point that has a plan is then simulated (``reps`` replications, the scenario's seed) for
its waits. Points run in parallel, each on its own process. The proposal (the scenario itself)
and the 2015 service (its 132 buildings as a fixed plan, seed 003 section 3's staff and budget)
are computed the same way and marked on the curves.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from earlyhelp.scenario import Scenario

Axis = Literal["budget", "centres"]
Staff = Literal["proportional", "fixed"]
#: The column each axis's value is written to.
AXIS_COLUMN = {"budget": "budget_gbp", "centres": "centres"}
#: Columns of frontier.csv after the axis's.
COLUMNS = ("kind", "status", "centres_open", "coverage_share", "coverage_share_by_centre",
           "population_within_walk", "population_beyond_walk", "annual_cost_gbp", "fte_frontline",
           "wait_days_p90", "wait_days_p90_ci_low", "wait_days_p90_ci_high", "wait_days_mean",
           "note", "seconds")


@dataclass(frozen=True)
class Frontier:
    """The curve (``points``: one row per point, the axis's column then :data:`COLUMNS`) and the
    two marked services (``marks``: the proposal and the 2015 service, same columns)."""

    axis: Axis
    points: pd.DataFrame
    marks: pd.DataFrame
    staff: Staff
    reps: int

    @property
    def column(self) -> str:
        return AXIS_COLUMN[self.axis]

    def marginal(self) -> pd.DataFrame:
        """Between neighbouring points with plans: children reached within the walk and the
        90th-percentile wait gained per £1m (budget) or per centre (centres)."""
        rows = self.points[self.points["status"] == "optimal"].sort_values(self.column)
        unit = 1e6 if self.axis == "budget" else 1.0
        step = rows[self.column].diff() / unit
        return pd.DataFrame({
            "from": rows[self.column].shift(), "to": rows[self.column],
            "children_reached_per_unit": rows["population_within_walk"].diff() / step,
            "wait_p90_days_per_unit": rows["wait_days_p90"].diff() / step,
        }).dropna(subset=["from"]).reset_index(drop=True)

    def summary(self) -> dict[str, Any]:
        """frontier.json: the axis, the end points, the marks and how many points have plans."""
        solved = self.points[self.points["status"] == "optimal"]
        ends = solved.iloc[[0, -1]] if len(solved) else solved
        return {
            "axis": self.axis, "staff": self.staff, "replications": self.reps,
            "points": len(self.points), "points_with_a_plan": len(solved),
            "end_points": _records(ends), "marks": _records(self.marks),
        }


def parse_range(text: str, *, field: str) -> tuple[float, float]:
    """``LO:HI`` (e.g. ``12e6:24.5e6`` or ``34:90``) as two numbers, LO < HI (a bad range is
    refused in one line naming the option)."""
    from geodata.errors import EarlyHelpError

    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low < high):
        raise EarlyHelpError(f"{field} {text!r}: expected LO:HI with 0 <= LO < HI, "
                             "e.g. 12e6:24.5e6 or 34:90")
    return low, high


def axis_values(axis: Axis, low: float, high: float, steps: int) -> list[float]:
    """``steps`` evenly spaced values from ``low`` to ``high``; centres are whole and distinct."""
    values = np.linspace(low, high, steps)
    if axis == "centres":
        return sorted({float(round(v)) for v in values})
    return [float(v) for v in values]


def point_scenario(scenario: Scenario, axis: Axis, value: float, staff: Staff) -> Scenario:
    """The scenario at one point of the axis (see the module docstring)."""
    siting = scenario.siting
    if axis == "centres":
        changes: dict[str, Any] = {"siting": siting.model_copy(
            update={"centres": int(value), "budget_gbp": None})}
    else:
        changes = {"siting": siting.model_copy(update={"centres": None, "budget_gbp": value})}
        if staff == "proportional" and siting.budget_gbp:
            staffing = scenario.staffing
            step = staffing.fte_step
            frontline = math.floor(staffing.fte_frontline * value / siting.budget_gbp / step) * step
            changes["staffing"] = staffing.model_copy(
                update={"fte_frontline": float(frontline), "fte_stated": None})
    return scenario.model_copy(update=changes)


def estate_2015(scenario: Scenario) -> Scenario:
    """The 2015 service under the scenario's model: its buildings as a fixed plan, seed 003
    section 3's budget and about 750 FTE (in the proposal's proportions, to the FTE step)."""
    from geodata import seed003
    from optimise.config import PlanConfig

    staffing = scenario.staffing
    scale = seed003.FTE_2015 / staffing.fte_total
    step = staffing.fte_step
    groups = {g: math.floor(getattr(staffing, g) * scale / step + 0.5) * step
              for g in ("fte_management", "fte_support")}
    groups["fte_frontline"] = seed003.FTE_2015 - sum(groups.values())
    return scenario.model_copy(update={
        "plan": PlanConfig(mode="fixed", centres="role_2015"),
        "siting": scenario.siting.model_copy(update={
            "budget_gbp": float(seed003.BUDGET_2015_GBP), "enhanced_per_district": 0}),
        "staffing": staffing.model_copy(update={**groups, "fte_stated": None}),
    })


def solve_point(file: Path, scenario: Scenario, reps: int, cache_dir: Path | None,
                use_cache: bool = True) -> dict[str, Any]:
    """One point: the plan (or why there is none) and, with a plan, its simulated waits. Runs
    in a worker process; the geography comes from the cache."""
    from earlyhelp.run import scenario_plans, simulate_plan
    from geodata import build_geography
    from optimise import InfeasiblePlan
    from sim.summary import simulation_summary

    began = time.perf_counter()
    geography = build_geography(scenario.geography, cache_dir=cache_dir, use_cache=use_cache)
    try:
        plan = scenario_plans(file, scenario, geography)[0]
    except InfeasiblePlan as exc:
        return {"status": "infeasible", "note": str(exc), "seconds": time.perf_counter() - began}
    siting = plan.summary()
    row = {key: siting[key] for key in ("centres_open", "coverage_share",
                                        "coverage_share_by_centre", "population_within_walk",
                                        "population_beyond_walk", "annual_cost_gbp",
                                        "fte_frontline")}
    row["status"] = "optimal" if siting["solver"]["status"] in ("optimal", "fixed") \
        else siting["solver"]["status"]
    if reps:
        simulation = simulation_summary(simulate_plan(scenario, plan, workers=1, reps=reps))
        row.update({key: simulation[key] for key in ("wait_days_p90", "wait_days_p90_ci_low",
                                                     "wait_days_p90_ci_high", "wait_days_mean")})
    return {**row, "note": "", "seconds": time.perf_counter() - began}


def trace_frontier(file: Path, scenario: Scenario, axis: Axis, values: Sequence[float], *,
                   reps: int, staff: Staff = "proportional", jobs: int | None = None,
                   executor: Executor | None = None, cache_dir: Path | None = None,
                   use_cache: bool = True,
                   progress: Callable[[str], None] | None = None) -> Frontier:
    """Every point of the curve and the two marks, ``jobs`` at a time (default one per core)
    or on ``executor``."""
    say = progress or (lambda _: None)
    tasks = [("point", v, point_scenario(scenario, axis, v, staff)) for v in values]
    tasks += [("proposal", None, scenario), ("2015 service", None, estate_2015(scenario))]
    own = executor is None
    at_once = min(jobs or os.cpu_count() or 1, len(tasks))
    pool = executor or ProcessPoolExecutor(max_workers=at_once)
    try:
        futures = [pool.submit(solve_point, file, s, reps, cache_dir, use_cache)
                   for _, _, s in tasks]
        rows = []
        for k, ((kind, value, point), future) in enumerate(zip(tasks, futures, strict=True)):
            row = future.result()
            axis_value = value if value is not None else _axis_value(point, axis, row)
            rows.append({AXIS_COLUMN[axis]: axis_value, "kind": kind, **row})
            say(f"  {k + 1} of {len(tasks)}: {kind} {AXIS_COLUMN[axis]} {axis_value:,.0f}: "
                f"{row['status']}")
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    table = pd.DataFrame(rows).reindex(columns=[AXIS_COLUMN[axis], *COLUMNS])
    return Frontier(axis, table[table["kind"] == "point"].reset_index(drop=True),
                    table[table["kind"] != "point"].reset_index(drop=True), staff, reps)


def _axis_value(scenario: Scenario, axis: Axis, row: dict[str, Any]) -> float:
    """Where a marked service sits on the axis: its budget, or its centres."""
    if axis == "budget":
        return float(scenario.siting.budget_gbp or row.get("annual_cost_gbp", math.nan))
    return float(row.get("centres_open", math.nan))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in row.items()} for row in frame.to_dict("records")]
