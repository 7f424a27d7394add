"""Small hand-made services for the simulation's tests (no geography needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimise.staffing import StaffingConfig
from sim.cases import ModelInputs, model_inputs
from sim.config import SimulationConfig
from sim.service import ServicePlan

#: Two districts in two footprints, three SPAs; seed 000 names the districts so providers exist.
SPAS = pd.DataFrame({
    "spa_id": ["A1", "A2", "B1"],
    "district": ["Burnley", "Burnley", "Preston"],
    "footprint": ["Burnley and Pendle", "Burnley and Pendle", "Preston"],
})


def tiny_service(fte: tuple[float, ...] = (10.0, 8.0, 12.0), sessions: tuple[int, ...] = (7, 7, 12),
                 beyond: float = 0.25) -> ServicePlan:
    """Three SPAs of 40 homes each (need 1 each); the first ``beyond`` share of each SPA's homes
    is beyond every venue, the rest walk to their SPA's one venue."""
    per_spa = 40
    spas = SPAS.assign(fte_frontline=list(fte), sessions_per_week=list(sessions))
    venues = pd.DataFrame({"venue_id": ["V1", "V2", "V3"], "name": ["One", "Two", "Three"],
                           "kind": "centre", "spa_id": SPAS["spa_id"], "sessions_per_week": list(sessions)})
    point_spa = np.repeat(np.arange(3), per_spa)
    venue = point_spa.copy()
    venue[np.tile(np.arange(per_spa), 3) < round(beyond * per_spa)] = -1
    return ServicePlan(spas=spas, venues=venues, point_spa=point_spa,
                       point_need=np.ones(3 * per_spa), point_venue=venue, walk_limit_minutes=30.0,
                       source="tiny test service")


def stripped_config(**changes: object) -> SimulationConfig:
    """The queueing-check configuration: Poisson arrivals, exponential case lengths, no
    seasonality, panels, providers, sessions, screening, re-referrals, vacancy or absence."""
    base = {"arrival_seasonality": False, "allocation": "direct", "commissioned_providers": False,
                "session_share": 0.0, "not_progressed_share": 0.0, "rereferral_share": 0.0,
                "vacancy_rate": 0.0, "absence_rate": 0.0, "case_length": "exponential",
                "prefill_open_cases": False, "warmup_days": 0.0, "beyond_walk": "home_visits",
                "home_visit_weight": 1.0}
    base.update(changes)
    return SimulationConfig(**base)


def tiny_inputs(config: SimulationConfig | None = None, service: ServicePlan | None = None,
                cases_per_year: float = 600.0, case_length_weeks: float = 8.0,
                caseload_per_worker: float = 4.0) -> ModelInputs:
    """Model inputs for the tiny service: a few hundred cases a year, small caseloads."""
    staffing = StaffingConfig(cases_per_year=cases_per_year, case_length_weeks=case_length_weeks,
                              caseload_per_worker=caseload_per_worker)
    return model_inputs(service or tiny_service(), config or SimulationConfig(), staffing)
