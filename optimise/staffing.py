"""Staffing: frontline FTE to SPAs by a caseload allocation model, management and support by footprint.

Seed 003 section 6 says resources are deployed "using a caseload allocation model which will
balance the distribution of personnel resources in order to meet demand across the 34 Service
Planning Areas", and section 7 fixes the establishment: 540 FTE = 482 frontline + 29 management
+ 29 delivery support. Here an SPA's demand for frontline staff is its share of the year's cases
(shared by need-weighted children) times the average case length over a caseload per worker,
plus the staff time its weekly sessions take; the fixed establishment is then shared in
proportion to that demand, in whole or half FTE, by largest remainder so that it sums exactly.
Management and support go to the five delivery footprints (section 8) in proportion to their
frontline FTE, by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from geodata.config import parameter_rows, sourced_field
from geodata.seed003 import (
    CASES_PER_YEAR,
    FOOTPRINTS,
    FTE,
    FTE_FRONTLINE,
    FTE_MANAGEMENT,
    FTE_SUPPORT,
)
from optimise.errors import OptimiseError

WEEKS_PER_YEAR = 52

#: Tolerance when checking that an FTE figure is a whole number of steps.
_STEP_TOLERANCE = 1e-9


class StaffingConfig(BaseModel):
    """The establishment and the caseload allocation model's parameters, each with its source."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    fte_frontline: float = sourced_field(
        float(FTE_FRONTLINE),
        "Frontline operational FTE, shared between SPAs by the caseload allocation model.",
        "Seed 003 section 7: '482fte (89.2%) are frontline operational'.",
        ge=0,
    )
    fte_management: float = sourced_field(
        float(FTE_MANAGEMENT),
        "Service management FTE (Grade 9 and above), shared between delivery footprints.",
        "Seed 003 section 7: '29fte are service management at Grade 9 and above (5.4%)'.",
        ge=0,
    )
    fte_support: float = sourced_field(
        float(FTE_SUPPORT),
        "Operational delivery support FTE, shared between delivery footprints.",
        "Seed 003 section 7: '29fte are operational delivery support (5.4%)'.",
        ge=0,
    )
    fte_stated: float | None = sourced_field(
        None,
        "The establishment the scenario states (e.g. 540); when given, frontline + management + "
        "support must add up to it, so a mistyped group is refused.",
        f"Seed 003 section 7: 'a staffing establishment of {FTE} full time equivalent staff'. "
        "Optional: a scenario states it to have the sum checked.",
        gt=0,
    )
    cases_per_year: float = sourced_field(
        float(CASES_PER_YEAR),
        "Cases (children, families, young people) the service must be able to take on in a year.",
        "Seed 003 section 6: 'capacity to safely respond to approximately 10,000 cases each year'.",
        gt=0,
    )
    case_length_weeks: float = sourced_field(
        24.0,
        "Average time a case stays open with a lead professional, in weeks.",
        "Assumption from seed 001 (West Lancashire, Q1 2015/16) by Little's law: 200 CAFs open "
        "(pending at 31 December 2014) over 107 closed in a 13-week quarter gives 200 / (107/13) "
        "= 24.3 weeks; one district and quarter, so rounded to 24.",
        gt=0,
        le=156,
    )
    caseload_per_worker: float = sourced_field(
        12.0,
        "Open cases one frontline FTE carries at a time.",
        "Assumption: early-help key-worker caseloads are commonly quoted at 10 to 15 families "
        "(lower for intensive family intervention); 12 is the middle. No seed gives one.",
        gt=0,
        le=100,
    )
    staff_hours_per_session: float = sourced_field(
        6.0,
        "Staff hours one group session takes: delivery plus preparation and recording, for "
        "every member of staff present.",
        "Assumption: two staff at a two-hour group session, each with an hour of setting up, "
        "preparation and recording (2 x (2 + 1) = 6 staff hours).",
        gt=0,
        le=40,
    )
    hours_per_fte_week: float = sourced_field(
        37.0,
        "Contracted hours of one FTE a week.",
        "NJC for Local Government Services (Green Book): standard working week of 37 hours.",
        gt=0,
        le=48,
    )
    fte_step: float = sourced_field(
        0.5,
        "Allocations are whole multiples of this FTE (0.5: whole or half posts).",
        "Issue 11: 'Whole or half FTE, stated'.",
        gt=0,
        le=1,
    )

    allocation: Literal["caseload", "wait_target", "wait_equalise"] = sourced_field(
        "caseload",
        "How frontline FTE are shared between SPAs: 'caseload' in proportion to the caseload "
        "model's demand (above); 'wait_target' moves FTE, the total kept, from SPAs with slack to "
        "SPAs whose simulated 90th-percentile wait for a lead professional is over "
        "wait_p90_target_days, until each meets it or no move helps; 'wait_equalise' lowers the "
        "worst SPA's simulated wait (earlyhelp run: the simulation steers the allocation).",
        "Seed 003 section 6: 'a caseload allocation model which will balance the distribution "
        "of personnel resources in order to meet demand across the 34 Service Planning Areas'; "
        "issue 14.",
    )
    wait_p90_target_days: float = sourced_field(
        28.0,
        "With allocation 'wait_target': the 90th-percentile wait (days) every SPA should meet.",
        "Assumption: four weeks, the interval of a district panel (seed 002) and the Green "
        "limit of the team rating (simulation.rag.wait_green_days).",
        gt=0,
    )
    balance_max_iterations: int = sourced_field(
        8,
        "Most rounds of allocation and simulation when the allocation follows the waits.",
        "Assumption: on the county the loop settles in 3 to 6 rounds.",
        ge=1,
        le=50,
    )

    @model_validator(mode="after")
    def _groups_are_whole_steps_and_add_up(self) -> StaffingConfig:
        for name in ("fte_frontline", "fte_management", "fte_support"):
            value = getattr(self, name)
            if not _is_multiple(value, self.fte_step):
                raise ValueError(f"{name} ({value:g}) is not a multiple of fte_step ({self.fte_step:g})")
        if self.fte_stated is not None and abs(self.fte_total - self.fte_stated) > _STEP_TOLERANCE:
            raise ValueError(
                f"fte_frontline + fte_management + fte_support = {self.fte_frontline:g} + "
                f"{self.fte_management:g} + {self.fte_support:g} = {self.fte_total:g}, not the "
                f"stated fte_stated {self.fte_stated:g}"
            )
        return self

    @property
    def fte_total(self) -> float:
        """The whole establishment: frontline + management + support."""
        return self.fte_frontline + self.fte_management + self.fte_support

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every parameter with its value, meaning and source."""
        return parameter_rows(self)


def _is_multiple(value: float, step: float) -> bool:
    units = value / step
    return abs(units - round(units)) <= _STEP_TOLERANCE * max(1.0, abs(units))


def frontline_demand(
    need_by_spa: pd.Series, sessions_by_spa: pd.Series, config: StaffingConfig
) -> pd.DataFrame:
    """Frontline FTE each SPA's cases and sessions take, indexed by ``spa_id``.

    ``expected_cases`` = cases_per_year x the SPA's share of need-weighted children;
    ``case_fte`` = expected_cases x case_length_weeks / 52 / caseload_per_worker (the open
    cases at any time over a caseload); ``session_fte`` = weekly sessions x
    staff_hours_per_session / hours_per_fte_week; ``demand_fte`` is their sum. An SPA missing
    from ``sessions_by_spa`` runs no sessions.
    """
    need = need_by_spa.astype(float)
    if need.index.has_duplicates:
        raise OptimiseError(f"need by SPA names an SPA twice: {sorted(set(need.index[need.index.duplicated()]))[:5]}")
    if (need < 0).any() or not need.sum() > 0:
        bad = need[need < 0]
        shown = f"negative for {list(bad.index[:5])}" if len(bad) else "zero in every SPA"
        raise OptimiseError(f"need by SPA is {shown}: expected need-weighted children >= 0 with a positive total")
    unknown = sessions_by_spa.index.difference(need.index)
    if len(unknown):
        raise OptimiseError(f"sessions are given for {len(unknown)} SPAs that have no need figure: {list(unknown[:5])}")
    sessions = sessions_by_spa.astype(float).groupby(level=0).sum().reindex(need.index, fill_value=0.0)
    if (sessions < 0).any():
        raise OptimiseError(f"sessions by SPA are negative for {list(sessions.index[sessions < 0][:5])}: expected >= 0")
    expected_cases = config.cases_per_year * need / need.sum()
    case_fte = expected_cases * config.case_length_weeks / WEEKS_PER_YEAR / config.caseload_per_worker
    session_fte = sessions * config.staff_hours_per_session / config.hours_per_fte_week
    frame = pd.DataFrame(
        {
            "expected_cases": expected_cases,
            "case_fte": case_fte,
            "sessions_per_week": sessions,
            "session_fte": session_fte,
            "demand_fte": case_fte + session_fte,
        }
    )
    frame.index.name = "spa_id"
    return frame


def share_in_steps(weights: pd.Series, total: float, step: float) -> pd.Series:
    """``total`` shared in proportion to ``weights`` in multiples of ``step``, summing exactly.

    Largest remainder (Hamilton): each entry gets the whole steps of its quota, and the steps
    left over go to the largest fractional parts, ties broken by the index in sorted order,
    so the same input always gives the same answer whatever its row order.
    """
    if not step > 0:
        raise OptimiseError(f"the FTE step is {step:g}: expected a positive step such as 0.5")
    if total < 0 or not _is_multiple(total, step):
        raise OptimiseError(
            f"{total:g} FTE cannot be shared in steps of {step:g} FTE: expected a total >= 0 that "
            f"is a whole number of steps (e.g. {np.floor(max(total, 0) / step) * step:g})"
        )
    w = weights.astype(float)
    units = round(total / step)
    if units and ((w < 0).any() or not w.sum() > 0):
        raise OptimiseError(
            f"{total:g} FTE cannot be shared: the demand is zero everywhere or negative somewhere"
        )
    if not units:
        return pd.Series(0.0, index=w.index, name="fte")
    quota = units * w.to_numpy() / w.sum()
    whole = np.floor(quota).astype(np.int64)
    left = units - int(whole.sum())
    label_rank = np.argsort(np.argsort(w.index.astype(str), kind="stable"), kind="stable")
    order = np.lexsort((label_rank, -(quota - whole)))
    whole[order[:left]] += 1
    return pd.Series(whole * step, index=w.index, name="fte", dtype=float)


def allocate_frontline(demand: pd.DataFrame, total_fte: float, step: float) -> pd.Series:
    """``total_fte`` frontline FTE to SPAs in proportion to ``demand_fte``, in multiples of
    ``step``, summing exactly to ``total_fte`` (largest remainder, ties by ``spa_id``)."""
    return share_in_steps(demand["demand_fte"], total_fte, step).rename("fte_frontline")


def footprint_order(footprints: pd.Index) -> list[str]:
    """Footprints in seed 003's order (section 8), any others after them alphabetically."""
    present = set(footprints)
    return [f for f in FOOTPRINTS if f in present] + sorted(present - set(FOOTPRINTS))


def allocate_footprints(
    frontline_by_spa: pd.Series, footprint_by_spa: pd.Series, config: StaffingConfig
) -> pd.DataFrame:
    """Frontline, management and support FTE by delivery footprint.

    Management and support are shared in proportion to each footprint's frontline FTE, in
    multiples of ``fte_step``, each summing exactly to its establishment (largest remainder,
    ties in seed 003's footprint order).
    """
    footprint = footprint_by_spa.reindex(frontline_by_spa.index)
    missing = footprint.index[footprint.isna()]
    if len(missing):
        raise OptimiseError(f"{len(missing)} SPAs have no delivery footprint: {list(missing[:5])}")
    frontline = frontline_by_spa.groupby(footprint).sum()
    order = footprint_order(frontline.index)
    frontline = frontline.reindex(order)
    # rank labels so that the tie-break follows the footprint order, not the alphabet
    ranked = pd.Series(frontline.to_numpy(), index=[f"{i:04d}" for i in range(len(order))])
    management = share_in_steps(ranked, config.fte_management, config.fte_step).to_numpy()
    support = share_in_steps(ranked, config.fte_support, config.fte_step).to_numpy()
    frame = pd.DataFrame(
        {
            "fte_frontline": frontline.to_numpy(float),
            "fte_management": management,
            "fte_support": support,
        },
        index=pd.Index(order, name="footprint"),
    )
    frame["fte_total"] = frame.sum(axis=1)
    return frame


@dataclass(frozen=True)
class StaffingPlan:
    """The staffing of a plan: ``spas`` (demand and frontline FTE by ``spa_id``, with its
    footprint) and ``footprints`` (frontline, management and support FTE by footprint)."""

    spas: pd.DataFrame
    footprints: pd.DataFrame

    @property
    def fte_frontline(self) -> float:
        return float(self.footprints["fte_frontline"].sum())

    @property
    def fte_management(self) -> float:
        return float(self.footprints["fte_management"].sum())

    @property
    def fte_support(self) -> float:
        return float(self.footprints["fte_support"].sum())

    @property
    def fte_total(self) -> float:
        return self.fte_frontline + self.fte_management + self.fte_support

    @property
    def demand_fte(self) -> float:
        return float(self.spas["demand_fte"].sum())

    def summary(self) -> dict[str, float]:
        """Totals for summary.json; ``frontline_to_demand`` above 1 means slack, below 1 a
        shortfall of frontline staff against the caseload model."""
        demand = self.demand_fte
        return {
            "fte_total": self.fte_total,
            "fte_frontline": self.fte_frontline,
            "fte_management": self.fte_management,
            "fte_support": self.fte_support,
            "demand_fte": demand,
            "frontline_to_demand": self.fte_frontline / demand if demand > 0 else float("nan"),
        }


def staffing_plan(
    need_by_spa: pd.Series,
    sessions_by_spa: pd.Series,
    footprint_by_spa: pd.Series,
    config: StaffingConfig,
) -> StaffingPlan:
    """Demand, frontline FTE by SPA and management and support by footprint, in one plan."""
    demand = frontline_demand(need_by_spa, sessions_by_spa, config)
    spas = demand.assign(
        fte_frontline=allocate_frontline(demand, config.fte_frontline, config.fte_step),
        footprint=footprint_by_spa.reindex(demand.index),
    )
    footprints = allocate_footprints(spas["fte_frontline"], footprint_by_spa, config)
    return StaffingPlan(spas=spas, footprints=footprints)
