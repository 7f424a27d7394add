"""Measures of a replication, by area and quarter, read from its event log; means and intervals
over replications.

:func:`case_table` turns the event log into one row per case with the time of each step;
:func:`replication_kpis` counts and times them by area (county, footprint, district, SPA) and
period (financial quarters and the whole run); :func:`interval_table` gives each measure's mean
over replications with a t-distribution confidence interval, and :func:`replications_needed`
how many replications put the interval within a stated share of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from geodata.seed000 import THEMES
from geodata.seed003 import CON_LEVELS
from sim.cases import DEESCALATED, ESCALATED, NO_CHANGE, THRIVING, ModelInputs
from sim.model import (
    ALLOCATED,
    ARRIVED,
    AT_PANEL,
    CLOSED,
    EVENTS,
    NOT_PROGRESSED,
    OPEN_AT_START,
    SESSION_NO_PLACE,
    SESSION_START,
    TO_PROVIDER,
    UNSERVED,
    ReplicationResult,
)

#: Financial quarters as days from 1 April: Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar.
QUARTER_STARTS = (0, 91, 183, 275)
YEAR = "year"
AREA_LEVELS = ("county", "footprint", "district", "spa")
COUNTY = "Lancashire"
#: Measures that are counts (summed over areas); the others are rates or means.
COUNTS = ("requests", "not_progressed", "to_provider", "unserved", "allocated", "home_visit_cases",
          "session_starts", "session_no_place", "closures", "escalated", "deescalated", "thriving",
          "no_change", "waiting_at_end", "open_at_end")
RATES = ("wait_days_mean", "wait_days_p90", "caseload_per_fte_mean", "occupancy",
         "escalation_share", "deescalation_share")
MEASURES = COUNTS + RATES
#: Measures summary.json states with intervals (issue 12), and the period they are read for.
HEADLINE = ("cases_per_year", "wait_days_mean", "wait_days_p90", "caseload_per_fte_mean",
            "escalation_share", "deescalation_share")


def periods(run_days: float) -> list[tuple[str, float, float]]:
    """(label, start, end) of each financial quarter in the run, then the whole run."""
    out = []
    year = 0
    while year * 365 < run_days:
        for q, start in enumerate(QUARTER_STARTS):
            end = QUARTER_STARTS[q + 1] if q + 1 < len(QUARTER_STARTS) else 365
            a, b = year * 365 + start, min(year * 365 + end, run_days)
            if a < b:
                label = f"Q{q + 1}" if run_days <= 365 else f"Y{year + 1} Q{q + 1}"
                out.append((label, float(a), float(b)))
        year += 1
    return [*out, (YEAR, 0.0, float(run_days))]


def case_table(result: ReplicationResult, inputs: ModelInputs) -> pd.DataFrame:
    """One row per case: its attributes, areas, the time of each step (NaN if not reached), its
    outcome and its wait for a lead professional."""
    cases = result.cases.sort_values("case").reset_index(drop=True)
    n = len(cases)
    events = result.events
    table = cases.copy()
    spas = inputs.service.spas
    table["spa_id"] = spas["spa_id"].to_numpy()[cases["spa"].to_numpy()]
    table["district"] = spas["district"].to_numpy()[cases["spa"].to_numpy()]
    table["footprint"] = spas["footprint"].to_numpy()[cases["spa"].to_numpy()]
    table["county"] = COUNTY
    code = events["event"].to_numpy()
    for event in (ARRIVED, NOT_PROGRESSED, TO_PROVIDER, UNSERVED, AT_PANEL, ALLOCATED,
                  SESSION_START, SESSION_NO_PLACE, CLOSED):
        times = np.full(n, np.nan)
        chosen = code == event
        times[events["case"].to_numpy()[chosen]] = events["time"].to_numpy()[chosen]
        table[EVENTS[event]] = times
    outcome = np.full(n, -1, dtype=np.int64)
    closed = code == CLOSED
    outcome[events["case"].to_numpy()[closed]] = events["detail"].to_numpy()[closed]
    table["outcome"] = outcome
    table["wait_days"] = table["allocated"] - table["arrived"]
    table["weight"] = np.where(table["beyond"], inputs.config.home_visit_weight, 1.0)
    return table


def replication_kpis(table: pd.DataFrame, inputs: ModelInputs, replication: int) -> pd.DataFrame:
    """Every measure of one replication, one row per area and period."""
    spas = inputs.service.spas
    spa_of_case = table["spa"].to_numpy()
    by_period = [(label, _period_cases(table, start, end))
                 for label, start, end in periods(inputs.config.run_days)]
    frames = []
    for level in AREA_LEVELS:
        labels = (np.full(len(spas), COUNTY, dtype=object) if level == "county"
                  else spas["spa_id" if level == "spa" else level].to_numpy())
        areas, area_of_spa = np.unique(labels.astype(str), return_inverse=True)
        code = area_of_spa[spa_of_case]
        fte = np.bincount(area_of_spa, weights=inputs.case_fte, minlength=len(areas))
        places = np.bincount(area_of_spa, weights=inputs.slots, minlength=len(areas))
        for label, cases in by_period:
            frame = _area_measures(cases, code, len(areas), fte, places)
            frame.insert(0, "period", label)
            frame.insert(0, "area", areas)
            frame.insert(0, "level", level)
            frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "replication", replication)
    return out[["replication", "level", "area", "period", *MEASURES]]


#: A count over cases: which cases it takes, and the weight of each (None: one each).
Counted = tuple[NDArray[np.bool_], NDArray[np.float64] | None]


def _period_cases(table: pd.DataFrame, start: float, end: float) -> dict[str, Counted]:
    """For one period, the cases each count takes (and with what weight): worked out once and
    summed by area for every level of area."""
    def within(column: str) -> NDArray[np.bool_]:
        t = table[column].to_numpy()
        return (t >= start) & (t < end)

    fresh_or_back = table["kind"].to_numpy() != OPEN_AT_START
    allocated = within("allocated") & fresh_or_back
    closed = within("closed")
    outcome = table["outcome"].to_numpy()
    arrived, alloc_t, close_t = (table[c].to_numpy() for c in ("arrived", "allocated", "closed"))
    routed_away = ~(np.isnan(table["to_provider"].to_numpy()) & np.isnan(table["not_progressed"].to_numpy())
                    & np.isnan(table["unserved"].to_numpy()))
    # time-average open cases (and caseload places used) over the period
    opened = np.where(np.isnan(alloc_t), np.inf, alloc_t)
    shut = np.where(np.isnan(close_t), np.inf, close_t)
    share = np.clip(np.minimum(shut, end) - np.maximum(opened, start), 0, None) / (end - start)
    every = np.ones(len(table), dtype=bool)
    return {
        "requests": (within("arrived") & fresh_or_back, None),
        "not_progressed": (within("not_progressed"), None),
        "to_provider": (within("to_provider"), None),
        "unserved": (within("unserved"), None),
        "allocated": (allocated, None),
        "home_visit_cases": (allocated & table["beyond"].to_numpy(), None),
        "session_starts": (within("session_start"), None),
        "session_no_place": (within("session_no_place"), None),
        "closures": (closed, None),
        "escalated": (closed & (outcome == ESCALATED), None),
        "deescalated": (closed & np.isin(outcome, (THRIVING, DEESCALATED)), None),
        "thriving": (closed & (outcome == THRIVING), None),
        "no_change": (closed & (outcome == NO_CHANGE), None),
        "waiting_at_end": (~routed_away & (arrived < end) & ~(alloc_t < end), None),
        "open_at_end": ((alloc_t < end) & ~(close_t < end), None),
        "wait_days": (allocated, table["wait_days"].to_numpy()),
        "open_cases": (every, share),
        "places_used": (every, share * table["weight"].to_numpy()),
    }


def _area_measures(cases: dict[str, Counted], code: NDArray[np.int64], n_areas: int,
                   fte: NDArray[np.float64], places: NDArray[np.float64]) -> pd.DataFrame:
    """The measures of one period for areas numbered 0..n_areas-1 (``code``: each case's area)."""
    def count(name: str) -> NDArray[np.float64]:
        mask, weights = cases[name]
        return np.bincount(code[mask], weights=None if weights is None else weights[mask],
                           minlength=n_areas).astype(float)

    def per(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.divide(numerator, denominator, out=np.full(n_areas, np.nan), where=denominator > 0)

    out = {name: count(name) for name in COUNTS}
    allocated, wait = cases["wait_days"]
    out["wait_days_mean"] = per(count("wait_days"), out["allocated"])
    p90 = pd.Series(wait[allocated]).groupby(code[allocated]).quantile(0.9)
    out["wait_days_p90"] = p90.reindex(range(n_areas)).to_numpy(float)
    out["caseload_per_fte_mean"] = per(count("open_cases"), fte)
    out["occupancy"] = per(count("places_used"), places)
    out["escalation_share"] = per(out["escalated"], out["closures"])
    out["deescalation_share"] = per(out["deescalated"], out["closures"])
    return pd.DataFrame(out)


def district_breakdown(table: pd.DataFrame, inputs: ModelInputs, replication: int) -> pd.DataFrame:
    """The counts of seed 001's district report, one row per district, period, dimension and
    category: requests by ``source``, ``theme`` and ``level``; and by theme the provider's
    ``capacity`` for the year, the families it took in the period (``provider_referrals``) and
    its ``capacity_remaining`` at the period's end."""
    frames = []
    requested = (table["kind"].to_numpy() != OPEN_AT_START)
    labels = {"source": list(inputs.sources), "theme": list(THEMES),
              "level": [f"level {lv}" for lv in CON_LEVELS]}
    taken = ~np.isnan(table["to_provider"].to_numpy())
    capacity = pd.DataFrame(inputs.provider_capacity, index=list(inputs.districts), columns=list(THEMES))
    for label, start, end in periods(inputs.config.run_days):
        arrived = table["arrived"].to_numpy()
        in_period = requested & (arrived >= start) & (arrived < end)
        for dimension, names in labels.items():
            counts = (table[in_period].groupby(["district", dimension]).size()
                      .unstack(fill_value=0).reindex(index=list(inputs.districts), columns=range(len(names)), fill_value=0))
            counts.columns = names
            frames.append(_long(counts, label, dimension))
        provider_t = table["to_provider"].to_numpy()
        year_start = 365 * np.floor(np.nextafter(end, start) / 365)  # the year the period ends in
        since_april = taken & (provider_t >= year_start) & (provider_t < end)
        in_this = taken & (provider_t >= start) & (provider_t < end)
        used = _by_district_theme(table[since_april], inputs)
        frames.append(_long(capacity, label, "capacity"))
        frames.append(_long(_by_district_theme(table[in_this], inputs), label, "provider_referrals"))
        frames.append(_long(capacity - used, label, "capacity_remaining"))
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "replication", replication)
    return out


def _by_district_theme(table: pd.DataFrame, inputs: ModelInputs) -> pd.DataFrame:
    counts = table.groupby(["district", "theme"]).size().unstack(fill_value=0)
    counts = counts.reindex(index=list(inputs.districts), columns=range(len(THEMES)), fill_value=0)
    counts.columns = list(THEMES)
    return counts


def _long(frame: pd.DataFrame, period: str, dimension: str) -> pd.DataFrame:
    out = frame.rename_axis(index="district", columns="category").stack().rename("value").reset_index()
    out.insert(1, "period", period)
    out.insert(2, "dimension", dimension)
    return out


def interval(values: Sequence[float] | NDArray[np.float64], confidence: float, *,
             floor: float | None = None) -> tuple[float, float, float]:
    """Mean and t-distribution confidence interval of replication values (NaNs left out; a
    single value has no interval). ``floor``: the least value the measure can take (0 for a
    count, a wait or a share); the interval does not reach below it, as a symmetric t interval
    of a measure near its bound otherwise would ("-0.1 days")."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if not len(x):
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if len(x) < 2:
        return (mean, math.nan, math.nan)
    half = float(stats.t.ppf((1 + confidence) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    low = mean - half if floor is None else max(mean - half, floor)
    return (mean, low, mean + half)


def interval_table(kpis: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Mean, ci_low and ci_high of every measure by level, area and period, over replications
    (every measure is a count, days or a share: none is below 0)."""
    rows = []
    for (level, area, period), group in kpis.groupby(["level", "area", "period"], sort=False):
        row: dict[str, object] = {"level": level, "area": area, "period": period,
                                  "replications": group["replication"].nunique()}
        for measure in MEASURES:
            mean, low, high = interval(group[measure].to_numpy(), confidence, floor=0.0)
            row[measure], row[f"{measure}_ci_low"], row[f"{measure}_ci_high"] = mean, low, high
        rows.append(row)
    return pd.DataFrame(rows)


def replications_needed(values: Sequence[float] | NDArray[np.float64], confidence: float,
                        relative_half_width: float = 0.05) -> int | None:
    """Replications that put the interval's half-width within ``relative_half_width`` of the
    mean, from the spread of the replications made (None if the mean is zero or unknown)."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2 or not abs(x.mean()) > 0:
        return None
    z = stats.t.ppf((1 + confidence) / 2, len(x) - 1)
    return max(2, math.ceil((z * x.std(ddof=1) / (relative_half_width * abs(x.mean()))) ** 2))
