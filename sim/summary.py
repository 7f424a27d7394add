"""summary.json of a simulation: the headline measures with their intervals, by county and area.

Each stochastic figure is the mean over replications with ``_ci_low`` and ``_ci_high`` (t
distribution); ``replications_needed`` says how many replications would put each headline's
interval within 5 % of its mean, from the spread of those made.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.kpis import COUNTY, HEADLINE, YEAR, interval, replications_needed
from sim.runner import SimulationRun

#: Measures summarised beside the headline ones.
OTHER = ("requests", "allocated", "to_provider", "not_progressed", "unserved", "home_visit_cases",
         "session_starts", "session_no_place", "closures", "escalated", "deescalated", "thriving",
         "occupancy", "waiting_at_end", "open_at_end")
#: Relative half-width of the interval that ``replications_needed`` aims at.
STABLE_HALF_WIDTH = 0.05


def per_year_values(kpis: pd.DataFrame, run_days: float) -> pd.DataFrame:
    """The whole-run rows with ``cases_per_year`` (requests scaled to 365 days)."""
    year = kpis[kpis["period"] == YEAR].copy()
    year["cases_per_year"] = year["requests"] * 365 / run_days
    return year


def area_summary(rows: pd.DataFrame, confidence: float) -> dict[str, Any]:
    """Mean and interval of each headline and other measure over the replications in ``rows``."""
    out: dict[str, Any] = {}
    for measure in (*HEADLINE, *OTHER):
        mean, low, high = interval(rows[measure].to_numpy(float), confidence, floor=0.0)
        out[measure], out[f"{measure}_ci_low"], out[f"{measure}_ci_high"] = mean, low, high
    return out


def simulation_summary(run: SimulationRun) -> dict[str, Any]:
    """The keys issue 12 lists (at least), the same by SPA, footprint and district, and timings."""
    config = run.inputs.config
    year = per_year_values(run.kpis, config.run_days)
    county = year[year["level"] == "county"]
    by = {level: {area: area_summary(rows, config.confidence)
                  for area, rows in year[year["level"] == level].groupby("area", sort=True)}
          for level in ("spa", "footprint", "district")}
    seconds = sum(run.seconds)
    simulated_years = run.replications * (config.warmup_days + config.run_days) / 365
    return {
        "reps": run.replications,
        "seed": run.seed,
        "plan": run.inputs.service.source,
        "run_days": config.run_days,
        "warmup_days": config.warmup_days,
        "confidence": config.confidence,
        "area": COUNTY,
        **area_summary(county, config.confidence),
        "replications_needed": {m: replications_needed(county[m].to_numpy(float), config.confidence,
                                                       STABLE_HALF_WIDTH) for m in HEADLINE},
        "by_spa": by["spa"],
        "by_footprint": by["footprint"],
        "by_district": by["district"],
        "timing": {
            "wall_seconds": run.wall_seconds,
            "seconds_per_replication": seconds / run.replications,
            "seconds_per_simulated_year": seconds / simulated_years,
            "log_entries_per_second": sum(run.log_entries) / seconds if seconds else None,
        },
    }
