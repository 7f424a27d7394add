r"""Each SPA's wait for a lead professional as a queue for caseload places, calibrated to the
simulation: the model the staffing programme optimises between two simulations.

An SPA with frontline FTE ``F`` has ``P(F) = max(F (1 - v)(1 - a) - S, 0) x L`` caseload places
(vacancy ``v``, absence ``a``, the FTE ``S`` its weekly sessions take, caseload ``L``: as
:func:`sim.cases.model_inputs`). Its cases arrive at ``lambda`` a day (measured by the
simulation: those allocated a lead professional plus those still waiting at the end, over the
run), each holds ``w`` places (a home-visit case weighs more; measured) for ``d`` days on average.
Taken as M/M/n with ``n = floor(P(F) / w) + delta`` servers, its 90th-percentile wait is Erlang
C's (:func:`sim.queueing.mmc_wait_quantile`); ``delta``, a whole number of servers, is chosen so
that the queue gives the simulated wait, or just above it, at the allocation the simulation ran
(the case lengths are not exponential, requests wait for a panel, and so on: the offset absorbs
it). An unstable queue (``lambda d >= n``) is given :data:`UNSTABLE_DAYS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from sim.kpis import YEAR, interval
from sim.queueing import mmc_wait_quantile
from sim.runner import SimulationRun

#: The wait the surrogate gives a queue whose cases come faster than its places free up.
UNSTABLE_DAYS = 365.0
#: The quantile the waits are read at (the seed-001 team rating's 90th percentile).
QUANTILE = 0.9


@dataclass(frozen=True)
class SpaQueues:
    """The queue of each SPA (in ``spa_ids`` order) and how its places follow its FTE."""

    spa_ids: tuple[str, ...]
    arrivals_per_day: NDArray[np.float64]
    places_per_case: NDArray[np.float64]
    session_fte: NDArray[np.float64]
    case_days: float
    available: float
    caseload: float
    offset: NDArray[np.int64]

    def servers(self, fte: NDArray[np.float64]) -> NDArray[np.int64]:
        """Servers of each SPA's queue at ``fte`` (one row of FTE per SPA, or levels x SPAs)."""
        working = np.asarray(fte, float) * self.available - self.session_fte
        places = np.maximum(working, 0.0) * self.caseload
        return np.floor(places / self.places_per_case + 1e-9).astype(np.int64) + self.offset

    def p90(self, fte: NDArray[np.float64]) -> NDArray[np.float64]:
        """The surrogate's 90th-percentile wait (days) of each SPA at ``fte`` (same shape)."""
        servers = self.servers(fte)
        rates = np.broadcast_to(self.arrivals_per_day, servers.shape)
        return np.vectorize(lambda lam, n: wait_p90(lam, 1 / self.case_days, int(n)),
                            otypes=[float])(rates, servers)

    def calibrated(self, fte: NDArray[np.float64], simulated: NDArray[np.float64]) -> SpaQueues:
        """The same queues with each SPA's offset chosen so that the surrogate gives the
        ``simulated`` p90 at ``fte`` as nearly as a whole server can (an SPA without a simulated
        wait keeps no offset)."""
        base = replace(self, offset=np.zeros(len(self.spa_ids), dtype=np.int64)).servers(fte)
        offset = np.zeros(len(self.spa_ids), dtype=np.int64)
        rows = zip(self.arrivals_per_day, base, simulated, strict=True)
        for s, (lam, n, target) in enumerate(rows):
            if math.isfinite(target):
                offset[s] = nearest_servers(lam, 1 / self.case_days, float(target)) - int(n)
        return replace(self, offset=offset)


def wait_p90(arrivals_per_day: float, service_rate: float, servers: int) -> float:
    """Erlang C's 90th-percentile wait, :data:`UNSTABLE_DAYS` for a queue without servers
    enough, none without arrivals."""
    if arrivals_per_day <= 0:
        return 0.0
    if servers < 1 or arrivals_per_day / service_rate >= servers:
        return UNSTABLE_DAYS
    return min(mmc_wait_quantile(arrivals_per_day, service_rate, servers, QUANTILE), UNSTABLE_DAYS)


def nearest_servers(arrivals_per_day: float, service_rate: float, p90_days: float) -> int:
    """The most servers whose p90 wait is still at least ``p90_days`` (the fewest with none
    when it is 0): the surrogate errs on the long side, so an SPA the simulation finds over a
    target is over it in the surrogate too, and the programme moves staff to it. The wait
    falls as servers are added, so a bisection finds the first below it."""
    if arrivals_per_day <= 0:
        return 1
    low = max(1, math.floor(arrivals_per_day / service_rate))  # unstable at or below
    high = low + 1
    while wait_p90(arrivals_per_day, service_rate, high) > p90_days:
        high = 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        if wait_p90(arrivals_per_day, service_rate, middle) > p90_days:
            low = middle
        else:
            high = middle
    return high if wait_p90(arrivals_per_day, service_rate, high) >= p90_days - 1e-9 else low


def measured_queues(run: SimulationRun) -> SpaQueues:
    """Each SPA's arrivals and places per case, the means over the run's replications (offset
    none: :meth:`SpaQueues.calibrated` sets it)."""
    inputs = run.inputs
    config, staffing = inputs.config, inputs.staffing
    spas = inputs.service.spas
    rows = run.kpis[(run.kpis["level"] == "spa") & (run.kpis["period"] == YEAR)]
    means = rows.groupby("area")[["allocated", "waiting_at_end", "home_visit_cases"]].mean()
    means = means.reindex(spas["spa_id"]).fillna(0.0)
    allocated = means["allocated"].to_numpy(float)
    weight = 1.0 if config.beyond_walk == "unserved" else config.home_visit_weight
    beyond = np.divide(means["home_visit_cases"].to_numpy(float), allocated,
                       out=np.zeros(len(allocated)), where=allocated > 0)
    return SpaQueues(
        spa_ids=tuple(spas["spa_id"]),
        arrivals_per_day=(allocated + means["waiting_at_end"].to_numpy(float)) / config.run_days,
        places_per_case=1.0 + beyond * (weight - 1.0),
        session_fte=spas["sessions_per_week"].to_numpy(float) * staffing.staff_hours_per_session
        / staffing.hours_per_fte_week,
        case_days=staffing.case_length_weeks * 7.0,
        available=(1 - config.vacancy_rate) * (1 - config.absence_rate),
        caseload=staffing.caseload_per_worker,
        offset=np.zeros(len(spas), dtype=np.int64),
    )


def spa_waits(run: SimulationRun) -> pd.DataFrame:
    """Each SPA's 90th-percentile wait over the year: mean over replications and interval
    (``p90``, ``p90_ci_low``, ``p90_ci_high``), indexed by ``spa_id`` in the service's order."""
    rows = run.kpis[(run.kpis["level"] == "spa") & (run.kpis["period"] == YEAR)]
    confidence = run.inputs.config.confidence
    stats = {area: interval(group["wait_days_p90"].to_numpy(float), confidence, floor=0.0)
             for area, group in rows.groupby("area")}
    order = run.inputs.service.spas["spa_id"]
    table = pd.DataFrame([stats.get(s, (math.nan,) * 3) for s in order],
                         index=pd.Index(order, name="spa_id"),
                         columns=["p90", "p90_ci_low", "p90_ci_high"])
    return table
