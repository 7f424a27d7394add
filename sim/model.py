"""One replication: a year of requests for support through the service, in SimPy.

A request arrives (from a source, at a CoN level, in a theme) and is screened: a share is not
progressed. A progressed request in level 2 or 3 may go to the district's commissioned provider
for its theme while the provider has capacity left this year. Otherwise it waits (for the next
district panel, if allocation is by panel, then) for a place in its SPA team's caseload: a
``simpy.Container`` of caseload places, taken first come first served, one place per case (more
for a family beyond every venue, served by home visits) or not at all if the scenario says
families beyond are unserved. Once allocated, a family referred to a group programme waits for a
place at its nearest venue (``simpy.Resource`` of places per weekly session) for a limited time.
The case is worked for its length and closes escalated, thriving, de-escalated or with no
change; a share of those not escalated come back as a new request.

Every step is written to one event log (case, event, time, detail); the KPIs and the audit are
read from it. Times are days from the start of the reported year (negative in the warm-up).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from geodata.seed000 import THEMES
from sim.cases import (
    DAYS_PER_YEAR,
    ESCALATED,
    ModelInputs,
    categorical,
    draw_requests,
    fates,
    outcomes_of,
    points_in_spas,
    prefill_counts,
    residual_days,
    stream,
)

#: Event codes of the log, in order.
EVENTS = ("arrived", "not_progressed", "to_provider", "unserved", "at_panel", "allocated",
          "session_start", "session_no_place", "closed")
(ARRIVED, NOT_PROGRESSED, TO_PROVIDER, UNSERVED, AT_PANEL, ALLOCATED, SESSION_START,
 SESSION_NO_PLACE, CLOSED) = range(len(EVENTS))
#: Kinds of case in the case table.
KINDS = ("fresh", "open_at_start", "rereferral")
FRESH, OPEN_AT_START, RETURNING = range(len(KINDS))
CASE_COLUMNS = ("case", "kind", "parent", "spa", "point", "source", "theme", "level", "beyond")


@dataclass(frozen=True)
class ReplicationResult:
    """What one replication leaves: its case table (one row per case, :data:`CASE_COLUMNS`) and
    its event log (``replication``, ``case``, ``event`` code of :data:`EVENTS`, ``time`` in days
    from the start of the reported year, ``detail``: the outcome code at closure, the venue row
    at a session, -1 otherwise)."""

    replication: int
    cases: pd.DataFrame
    events: pd.DataFrame


class Replication:
    """One independent year: its own environment, resources, streams and log."""

    def __init__(self, inputs: ModelInputs, seed: int, replication: int,
                 env: simpy.Environment | None = None) -> None:
        """``env``: a fresh environment to run in (default: a new ``simpy.Environment``; the
        benchmark passes one that counts events)."""
        self.inputs, self.seed, self.replication = inputs, seed, replication
        config, service = inputs.config, inputs.service
        self.env = env or simpy.Environment()
        self.teams = [simpy.Container(self.env, capacity=float("inf"), init=float(s))
                      for s in inputs.slots]
        self.venues = [simpy.Resource(self.env, capacity=int(p)) if p > 0 else None
                       for p in inputs.venue_places]
        self.capacity = np.zeros_like(inputs.provider_capacity)
        self.log: list[tuple[int, int, float, int]] = []
        self.extra: list[tuple[int, int, int, int, int, int, int, int, bool]] = []
        self.requests = draw_requests(inputs, seed, replication)
        self.returning = stream(seed, replication, "returning")
        self._back: list[tuple] = []
        self._back_next = 0
        self.point_venue = service.point_venue.tolist()
        self.spa_district = inputs.spa_district.tolist()
        self.home_weight = config.home_visit_weight
        self.unserved = config.beyond_walk == "unserved"
        self.panel = config.allocation == "panel"
        self.session_wait = config.session_wait_limit_days
        self.programme_days = config.programme_weeks * 7
        self.n_cases = len(self.requests)

    # --- processes ---------------------------------------------------------------------------
    def run(self) -> ReplicationResult:
        """Run the warm-up and the year; return the case table and the event log."""
        env, inputs = self.env, self.inputs
        env.process(self._provider_years())
        env.process(self._arrivals())
        self._open_at_start()
        if inputs.config.prefill_open_cases:
            self._returning_at_start()
        env.run(until=inputs.horizon_days)
        return self._result()

    def _provider_years(self) -> Generator[simpy.Event, None, None]:
        """Providers' yearly capacity, renewed each 1 April; the warm-up starts with the share
        of the year it covers."""
        inputs = self.inputs
        warmup = inputs.config.warmup_days
        left = warmup % DAYS_PER_YEAR
        self.capacity[:] = np.floor(inputs.provider_capacity * left / DAYS_PER_YEAR)
        renewal = left
        while renewal < inputs.horizon_days:
            yield self.env.timeout(renewal - self.env.now)
            self.capacity[:] = inputs.provider_capacity
            renewal += DAYS_PER_YEAR

    def _arrivals(self) -> Generator[simpy.Event, None, None]:
        r, env = self.requests, self.env
        rows = zip(*(a.tolist() for a in (
            r.time, r.spa, r.point, r.theme, r.progressed, r.offer_provider, r.in_house_days,
            r.provider_days, r.attends, r.outcome, r.rerefers, r.rereferral_days)), strict=True)
        for case, (t, *attrs) in enumerate(rows):
            yield env.timeout(t - env.now)
            env.process(self._case(case, *attrs))

    def _open_at_start(self) -> None:
        """Cases under way when the warm-up starts, allocated at time 0 with their time left."""
        inputs = self.inputs
        counts = prefill_counts(inputs)
        if not counts.sum():
            return
        rng = stream(self.seed, self.replication, "prefill")
        spa = np.repeat(np.arange(len(counts)), counts)
        n = len(spa)
        point = points_in_spas(inputs.service, spa, rng.random(n),
                               within_walk=inputs.config.beyond_walk == "unserved")
        level = categorical(rng.random(n), np.array(inputs.config.level_shares.as_tuple()))
        theme = categorical(rng.random(n), np.array(inputs.config.theme_shares.as_tuple()))
        days = residual_days(inputs, level, rng)
        outcome = outcomes_of(inputs, level, theme, rng.random(n))
        rerefers = rng.random(n) < inputs.config.rereferral_share
        back = rng.exponential(inputs.config.rereferral_mean_days, n)
        source = len(inputs.sources) - 1
        for s, p, lv, th, d, o, rr, b in zip(spa.tolist(), point.tolist(), level.tolist(),
                                             theme.tolist(), days.tolist(), outcome.tolist(),
                                             rerefers.tolist(), back.tolist(), strict=True):
            case = self._new_case(OPEN_AT_START, -1, s, p, source, th, lv)
            self.env.process(self._case(case, s, p, th, True, False, d, d, False, o, rr, b,
                                        open_now=True))

    def _returning_at_start(self) -> None:
        """Families closed before the start who will come back: with exponential delays the
        pipeline in equilibrium is Poisson (return rate x mean delay), each back after a fresh
        exponential delay, so re-referrals run at their steady rate from the first day."""
        inputs = self.inputs
        config = inputs.config
        per_day = (inputs.staffing.cases_per_year - inputs.fresh_per_year) / DAYS_PER_YEAR
        rng = stream(self.seed, self.replication, "pipeline")
        n = int(rng.poisson(per_day * config.rereferral_mean_days))
        if not n:
            return
        spa = categorical(rng.random(n), inputs.service.need_by_spa)
        point = points_in_spas(inputs.service, spa, rng.random(n))
        theme = categorical(rng.random(n), np.array(config.theme_shares.as_tuple()))
        delay = rng.exponential(config.rereferral_mean_days, n)
        for s, p, th, d in zip(spa.tolist(), point.tolist(), theme.tolist(), delay.tolist(),
                               strict=True):
            self.env.process(self._comes_back(d, s, p, th))

    def _comes_back(self, delay: float, spa: int, point: int, theme: int
                    ) -> Generator[simpy.Event, None, None]:
        yield self.env.timeout(delay)
        case, *rest = self._returning(-1, spa, point, theme)
        yield from self._case(case, spa, point, theme, *rest)

    def _new_case(self, kind: int, parent: int, spa: int, point: int, source: int, theme: int,
                  level: int) -> int:
        case = self.n_cases
        self.n_cases += 1
        self.extra.append((case, kind, parent, spa, point, source, theme, level,
                           self.point_venue[point] < 0))
        return case

    def _case(self, case: int, spa: int, point: int, theme: int, progressed: bool,
              offer: bool, days: float, provider_days: float, attends: bool, outcome: int,
              rerefers: bool, back_after: float, open_now: bool = False
              ) -> Generator[simpy.Event, None, None]:
        env, log = self.env, self.log.append
        venue = self.point_venue[point]
        while True:
            if open_now:
                weight = self.home_weight if venue < 0 else 1.0
                yield self.teams[spa].get(weight)
                log((case, ALLOCATED, env.now, -1))
                yield env.timeout(days)
                self.teams[spa].put(weight)
            else:
                log((case, ARRIVED, env.now, -1))
                if not progressed:
                    log((case, NOT_PROGRESSED, env.now, -1))
                    return
                district = self.spa_district[spa]
                if offer and self.capacity[district, theme] > 0:
                    self.capacity[district, theme] -= 1
                    log((case, TO_PROVIDER, env.now, theme))
                    yield env.timeout(provider_days)
                elif venue < 0 and self.unserved:
                    log((case, UNSERVED, env.now, -1))
                    return
                else:
                    if self.panel:
                        yield env.timeout(self._next_panel(district) - env.now)
                        log((case, AT_PANEL, env.now, -1))
                    weight = self.home_weight if venue < 0 else 1.0
                    yield self.teams[spa].get(weight)
                    log((case, ALLOCATED, env.now, -1))
                    if attends and venue >= 0:
                        env.process(self._sessions(case, venue))
                    yield env.timeout(days)
                    self.teams[spa].put(weight)
            log((case, CLOSED, env.now, outcome))
            if outcome == ESCALATED or not rerefers:
                return
            yield env.timeout(back_after)
            (case, progressed, offer, days, provider_days, attends, outcome, rerefers,
             back_after) = self._returning(case, spa, point, theme)
            open_now = False

    def _returning(self, parent: int, spa: int, point: int, theme: int) -> tuple:
        """A family back with a new request: same home and theme, the rest drawn afresh (the
        k-th family back takes the k-th row of the 'returning' stream's draws)."""
        if self._back_next == len(self._back):
            self._back, self._back_next = self._returning_draws(max(256, 2 * len(self._back))), 0
        row = self._back[self._back_next]
        self._back_next += 1
        level, progressed, offer, days, provider_days, attends, rerefers, after = row[:8]
        case = self._new_case(RETURNING, parent, spa, point, len(self.inputs.sources) - 1, theme,
                              level)
        return (case, progressed, offer, days, provider_days, attends, row[8 + theme], rerefers,
                after)

    def _returning_draws(self, n: int) -> list[tuple]:
        """``n`` rows of a returning family's draws: level, what they decide (:func:`fates`),
        days until back, and the outcome for each theme (the family's theme picks one)."""
        inputs = self.inputs
        config = inputs.config
        u = self.returning.random((n, 8))
        level = categorical(u[:, 0], np.array(config.level_shares.as_tuple()))
        decided = fates(inputs, level, progress_u=u[:, 1], offer_u=u[:, 2], length_u=u[:, 3],
                        attend_u=u[:, 4], back_u=u[:, 6])
        by_theme = [outcomes_of(inputs, level, np.full(n, t), u[:, 5]) for t in range(len(THEMES))]
        columns = [level, decided.progressed, decided.offer_provider, decided.in_house_days,
                   decided.provider_days, decided.attends, decided.rerefers,
                   -config.rereferral_mean_days * np.log1p(-u[:, 7]), *by_theme]
        return list(zip(*(c.tolist() for c in columns), strict=True))

    def _sessions(self, case: int, venue: int) -> Generator[simpy.Event, None, None]:
        env = self.env
        places = self.venues[venue]
        if places is None:
            self.log.append((case, SESSION_NO_PLACE, env.now, venue))
            return
        free = places.count < places.capacity and not places.queue
        request = places.request()
        if free:  # a place now: no need to race the wait limit (saves two events a family)
            yield request
        else:
            got = yield request | env.timeout(self.session_wait)
            if request not in got:
                request.cancel()
                self.log.append((case, SESSION_NO_PLACE, env.now, venue))
                return
        self.log.append((case, SESSION_START, env.now, venue))
        yield env.timeout(self.programme_days)
        places.release(request)

    def _next_panel(self, district: int) -> float:
        """The next meeting of the district's panel; districts meet in turn."""
        interval = self.inputs.config.panel_interval_days
        phase = interval * district / len(self.inputs.districts)
        now = self.env.now
        return phase + np.ceil(max(now - phase, 0.0) / interval) * interval

    # --- results -----------------------------------------------------------------------------
    def _result(self) -> ReplicationResult:
        r = self.requests
        n = len(r)
        fresh = pd.DataFrame({
            "case": np.arange(n), "kind": FRESH, "parent": -1, "spa": r.spa, "point": r.point,
            "source": r.source, "theme": r.theme, "level": r.level,
            "beyond": self.inputs.service.point_venue[r.point] < 0})
        extra = pd.DataFrame(self.extra, columns=list(CASE_COLUMNS))
        cases = pd.concat([fresh, extra], ignore_index=True) if len(extra) else fresh
        log = np.array(self.log, dtype=float).reshape(-1, 4)
        events = pd.DataFrame({"replication": self.replication,
                               "case": log[:, 0].astype(np.int64), "event": log[:, 1].astype(np.int8),
                               "time": log[:, 2] - self.inputs.config.warmup_days,
                               "detail": log[:, 3].astype(np.int64)})
        return ReplicationResult(self.replication, cases.astype({"beyond": bool}), events)


def run_replication(inputs: ModelInputs, seed: int, replication: int) -> ReplicationResult:
    """One replication, from its own environment and streams."""
    return Replication(inputs, seed, replication).run()


