"""Guarantees of the case-flow simulation (sim/) on the tiny three-SPA service: it agrees with
queueing theory, loses no case, behaves at the extremes, and is reproducible."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.cases import ModelInputs, Requests, draw_requests, prefill_counts
from sim.config import ByLevel, SimulationConfig
from sim.kpis import COUNTS, MEASURES, case_table, district_breakdown, interval, replication_kpis
from sim.model import ALLOCATED, OPEN_AT_START, Replication, ReplicationResult, run_replication
from sim.queueing import erlang_c, mmc_mean_wait
from sim.runner import SimulationRun, run_simulation
from tests.sim_fixtures import stripped_config, tiny_inputs, tiny_service

#: Steps of a case in the case table, in the order they can happen.
STEPS = ("arrived", "not_progressed", "to_provider", "unserved", "at_panel", "allocated",
         "session_start", "session_no_place", "closed")
#: Where a request can end: exactly one of these (the order of :func:`end_state`).
END_STATES = ("not_progressed", "unserved", "closed", "with_provider", "open", "waiting")
#: Tiny SPAs short of staff (the default, A2 has a queue) and with staff to spare.
SHORT = (10.0, 8.0, 12.0)
AMPLE = (40.0, 40.0, 40.0)


def run_one(inputs: ModelInputs, seed: int = 0, replication: int = 0
            ) -> tuple[Replication, ReplicationResult, pd.DataFrame]:
    """One replication, its result and case table; the replication keeps its teams as they
    were at the end of the run."""
    rep = Replication(inputs, seed, replication)
    result = rep.run()
    return rep, result, case_table(result, inputs)


def requests(table: pd.DataFrame) -> pd.DataFrame:
    """The fresh and returning requests (not the cases open when the run starts)."""
    return table[table["kind"].to_numpy() != OPEN_AT_START]


def end_state(req: pd.DataFrame) -> pd.Series:
    """Each request's state at the end of the run, one of :data:`END_STATES`."""
    done = req["closed"].notna()
    return pd.Series(np.select(
        [req["not_progressed"].notna(), req["unserved"].notna(), done,
         req["to_provider"].notna(), req["allocated"].notna()],
        END_STATES[:-1], END_STATES[-1]), index=req.index)


def year_kpis(run_or_table: SimulationRun | pd.DataFrame, inputs: ModelInputs | None = None,
              level: str = "spa") -> pd.DataFrame:
    """The whole run's measures of one area level (means over replications for a run)."""
    if isinstance(run_or_table, SimulationRun):
        kpis = run_or_table.kpis
    else:
        assert inputs is not None
        kpis = replication_kpis(run_or_table, inputs, 0)
    chosen = kpis[(kpis["level"] == level) & (kpis["period"] == "year")]
    return chosen.groupby("area")[list(MEASURES)].mean()


def panel_meeting_at_or_after(time: np.ndarray, district: np.ndarray, inputs: ModelInputs) -> np.ndarray:
    """The first meeting of each district's panel at or after ``time`` (days from the start of
    the reported year): meetings every ``panel_interval_days`` from the start of the warm-up,
    district d of n meeting d/n of an interval later."""
    config = inputs.config
    every = config.panel_interval_days
    phase = every * district / len(inputs.districts) - config.warmup_days
    return phase + np.ceil(np.maximum(time - phase, 0) / every) * every


# --- 1. queueing theory ----------------------------------------------------------------------
#: Each SPA an M/M/5 queue at 4 erlangs: 1.25 FTE x 4 cases = 5 places, cases of mean 7 days at
#: every level, 4/7 requests a day.
MMC_SERVERS, MMC_LOAD, MMC_MEAN_DAYS = 5, 4.0, 7.0


def test_waits_in_an_mmc_spa_agree_with_erlang_c() -> None:
    same_length = ByLevel(level_2=1.0, level_3=1.0, level_4a=1.0)
    config = stripped_config(run_days=3650, warmup_days=60, case_length_level_factor=same_length)
    per_day = MMC_LOAD / MMC_MEAN_DAYS
    inputs = tiny_inputs(config, tiny_service(fte=(1.25,) * 3, sessions=(0, 0, 0)),
                         cases_per_year=3 * 365 * per_day, case_length_weeks=MMC_MEAN_DAYS / 7,
                         caseload_per_worker=4.0)
    assert inputs.slots.tolist() == [MMC_SERVERS] * 3
    assert inputs.mean_days_by_level == pytest.approx([MMC_MEAN_DAYS] * 3, rel=1e-12)
    mean_wait: list[float] = []
    share_waiting: list[float] = []
    for replication in range(20):
        table = case_table(run_replication(inputs, 11, replication), inputs)
        # requests up to 60 days before the end: P(wait > 60 days) = C e^(-60/7) ~ 1e-4
        req = table[(table["arrived"] >= 0) & (table["arrived"] < config.run_days - 60)]
        assert req["wait_days"].notna().all()
        mean_wait += req.groupby("spa")["wait_days"].mean().tolist()
        share_waiting += (req["wait_days"] > 0).groupby(req["spa"]).mean().tolist()
    # 20 ten-year replications x 3 independent SPAs; the 99 % intervals must cover the theory
    # and be narrow enough to tell a wrong model (e.g. lognormal lengths wait a third less)
    for values, theory, precision in (
            (mean_wait, mmc_mean_wait(per_day, 1 / MMC_MEAN_DAYS, MMC_SERVERS), 0.15),
            (share_waiting, erlang_c(MMC_SERVERS, MMC_LOAD), 0.05)):
        mean, low, high = interval(values, 0.99)
        assert low <= theory <= high, (mean, low, high, theory)
        assert high - mean < precision * theory


# --- 2. conservation ---------------------------------------------------------------------------
@pytest.mark.parametrize("allocation, beyond_walk, fte", [("direct", "home_visits", SHORT),
                                                       ("panel", "unserved", (6.0, 6.0, 6.0))])
def test_every_request_ends_in_exactly_one_state_and_the_teams_agree(
        allocation: str, beyond_walk: str, fte: tuple[float, ...]) -> None:
    config = SimulationConfig(allocation=allocation, beyond_walk=beyond_walk)
    inputs = tiny_inputs(config, tiny_service(fte=fte))
    rep, result, table = run_one(inputs)
    assert not result.events.duplicated(["case", "event"]).any(), "a step logged twice"
    req = requests(table)
    assert req["arrived"].notna().all()
    assert table.loc[table["kind"] == OPEN_AT_START, "arrived"].isna().all()
    # a request takes one route at most: screened out, to a provider, unserved or allocated
    routes = req[["not_progressed", "to_provider", "unserved", "allocated"]].notna()
    assert (routes.sum(axis=1) <= 1).all()
    assert (req["closed"].isna() | routes["to_provider"] | routes["allocated"]).all()
    # a route is taken on arrival; a case is allocated after its panel and closed after that
    route_time = req[["not_progressed", "to_provider", "unserved"]].max(axis=1)
    assert (route_time.isna() | (route_time == req["arrived"])).all()
    path = req[["arrived", "at_panel", "allocated", "closed"]].ffill(axis=1).to_numpy()
    assert (np.diff(path, axis=1) >= 0).all()
    state = end_state(req)
    counts = state.value_counts()
    expected = {"not_progressed", "closed", "with_provider", "open", "waiting"} | (
        {"unserved"} if beyond_walk == "unserved" else set())
    assert set(counts.index) == expected
    # the simulation's own state at the end: the places held are those of the open cases ...
    weight = table["weight"].where(table["allocated"].notna() & table["closed"].isna(), 0.0)
    held = weight.groupby(table["spa"]).sum().reindex(range(3), fill_value=0.0)
    in_use = [inputs.slots[s] - team.level for s, team in enumerate(rep.teams)]
    assert in_use == pytest.approx(held.tolist(), abs=1e-9)
    # ... the teams' queues hold the waiting requests that reached them ...
    waiting = req[state == "waiting"]
    reached = waiting["at_panel"].notna() if allocation == "panel" else waiting["arrived"].notna()
    assert sum(len(team.get_queue) for team in rep.teams) == reached.sum() > 0
    # ... and the others await a panel that meets after the end
    if allocation == "panel":
        later = waiting[~reached]
        district = inputs.spa_district[later["spa"].to_numpy()]
        meets = panel_meeting_at_or_after(later["arrived"].to_numpy(), district, inputs)
        assert len(later) and (meets >= config.run_days).all()


def test_each_quarter_s_requests_and_queue_are_accounted_for_in_the_kpis() -> None:
    config = SimulationConfig(allocation="panel", beyond_walk="unserved", warmup_days=0)
    inputs = tiny_inputs(config)
    _, _, table = run_one(inputs)
    kpis = replication_kpis(table, inputs, 0)
    for (level, area), rows in kpis[kpis["period"] != "year"].groupby(["level", "area"]):
        queue_before = np.concatenate([[0.0], rows["waiting_at_end"].to_numpy()[:-1]])
        arriving = rows["requests"].to_numpy() + queue_before
        leaving = rows[["not_progressed", "to_provider", "unserved", "allocated",
                        "waiting_at_end"]].sum(axis=1).to_numpy()
        assert arriving.tolist() == leaving.tolist(), (level, area)


# --- 3, 4, 5. staff ----------------------------------------------------------------------------
def test_with_no_staff_nothing_is_allocated_and_every_queue_grows_each_quarter() -> None:
    inputs = tiny_inputs(service=tiny_service(fte=(0.0, 0.0, 0.0)))
    _, result, table = run_one(inputs)
    assert not (result.events["event"] == ALLOCATED).any()
    kpis = replication_kpis(table, inputs, 0)
    assert (kpis["allocated"] == 0).all() and (kpis["open_at_end"] == 0).all()
    for _, rows in kpis[kpis["period"] != "year"].groupby(["level", "area"]):
        assert (np.diff(rows["waiting_at_end"].to_numpy()) > 0).all()


def test_with_unlimited_staff_no_request_waits() -> None:
    inputs = tiny_inputs(service=tiny_service(fte=(1e5, 1e5, 1e5)))
    _, _, table = run_one(inputs)
    allocated = requests(table).dropna(subset=["allocated"])
    assert len(allocated) > 400
    assert (allocated["allocated"] == allocated["arrived"]).all()
    county = year_kpis(table, inputs, "county").iloc[0]
    assert (county["wait_days_mean"], county["wait_days_p90"], county["waiting_at_end"]) == (0, 0, 0)


def test_more_staff_shortens_the_mean_wait_of_every_spa_that_waited() -> None:
    fewer = year_kpis(run_simulation(tiny_inputs(service=tiny_service(fte=SHORT)), replications=3,
                                     seed=3))["wait_days_mean"]
    more = year_kpis(run_simulation(tiny_inputs(service=tiny_service(fte=(11.0, 9.0, 13.0))),
                                    replications=3, seed=3))["wait_days_mean"]
    waited = fewer > 0
    assert waited.all()
    assert (more[waited] < fewer[waited]).all()


# --- 6, 7, 8. reproducibility ------------------------------------------------------------------
def _same(a: SimulationRun, b: SimulationRun) -> bool:
    return all(getattr(a, name).equals(getattr(b, name)) for name in ("kpis", "breakdown", "cases", "events"))


def test_the_same_seed_gives_the_same_run_and_another_seed_another() -> None:
    inputs = tiny_inputs()
    first = run_simulation(inputs, replications=2, seed=7)
    assert _same(first, run_simulation(inputs, replications=2, seed=7))
    other = run_simulation(inputs, replications=2, seed=8)
    assert not other.kpis.equals(first.kpis) and not other.events.equals(first.events)


class LastFirstExecutor(Executor):
    """Runs the tasks in a thread once all ``n`` are in, the last first, so that their results
    come back in the reverse of the order asked for (as a cluster's may)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.tasks: list[tuple[Future, Callable[..., Any], tuple[Any, ...]]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        assert not kwargs
        future: Future = Future()
        self.tasks.append((future, fn, args))
        if len(self.tasks) == self.n:
            threading.Thread(target=self._run).start()
        return future

    def _run(self) -> None:
        for future, fn, args in reversed(self.tasks):
            try:
                future.set_result(fn(*args))
            except Exception as error:  # noqa: BLE001 - to the caller, so that a failure never hangs
                future.set_exception(error)


def test_parallel_replications_equal_sequential_ones_bit_for_bit() -> None:
    inputs = tiny_inputs()
    sequential = run_simulation(inputs, replications=3, seed=4, workers=1)
    assert _same(sequential, run_simulation(inputs, replications=3, seed=4, workers=2))
    assert _same(sequential, run_simulation(inputs, replications=3, seed=4,
                                            executor=LastFirstExecutor(3)))


def test_services_differing_in_one_spa_s_staff_see_the_same_requests() -> None:
    base = tiny_inputs(service=tiny_service(fte=SHORT))
    richer = tiny_inputs(service=tiny_service(fte=(10.0, 8.0, 30.0)))
    a, b = draw_requests(base, 5, 2), draw_requests(richer, 5, 2)
    assert len(a) > 500
    for field in dataclasses.fields(Requests):
        assert np.array_equal(getattr(a, field.name), getattr(b, field.name)), field.name
    assert not np.array_equal(a.time, draw_requests(base, 5, 3).time)
    # and the runs start from those same families
    columns = ["spa", "point", "source", "theme", "level", "arrived"]
    table_a, table_b = run_one(base, 5, 2)[2], run_one(richer, 5, 2)[2]
    assert table_a.loc[: len(a) - 1, columns].equals(table_b.loc[: len(a) - 1, columns])


# --- 9. warm-up --------------------------------------------------------------------------------
def test_cases_wholly_within_the_warm_up_change_no_measure() -> None:
    inputs = tiny_inputs()
    _, _, table = run_one(inputs)
    times = table[list(STEPS)]
    finished = table[["closed", "not_progressed", "unserved"]].notna().any(axis=1)
    in_warmup = finished & (times.max(axis=1) < 0)
    assert in_warmup.sum() > 100
    kpis = replication_kpis(table, inputs, 0)
    without = replication_kpis(table[~in_warmup], inputs, 0)
    assert kpis[list(COUNTS)].equals(without[list(COUNTS)])
    # time averages are sums over cases, so only the order of adding differs
    pd.testing.assert_frame_equal(kpis, without, check_exact=False, rtol=1e-12)


# --- 10. panels --------------------------------------------------------------------------------
def test_panel_allocation_happens_at_the_first_panel_after_arrival_and_waits_longer() -> None:
    panel_inputs = tiny_inputs(SimulationConfig(allocation="panel"))
    _, _, table = run_one(panel_inputs, 9)
    allocated = requests(table).dropna(subset=["allocated"])
    district = panel_inputs.spa_district[allocated["spa"].to_numpy()]
    meeting = panel_meeting_at_or_after(allocated["arrived"].to_numpy(), district, panel_inputs)
    assert allocated["at_panel"].to_numpy() == pytest.approx(meeting, abs=1e-9)
    assert (allocated["allocated"] >= allocated["at_panel"]).all()
    _, _, direct = run_one(tiny_inputs(SimulationConfig(allocation="direct")), 9)
    panel_wait = year_kpis(table, panel_inputs)["wait_days_mean"]
    direct_wait = year_kpis(direct, panel_inputs)["wait_days_mean"]
    assert (panel_wait > direct_wait).all()


# --- 11. providers ------------------------------------------------------------------------------
def test_providers_take_no_more_than_their_yearly_capacity_and_only_levels_2_and_3() -> None:
    config = SimulationConfig(run_days=730, commissioned_offer_share=1.0)
    inputs = tiny_inputs(config, tiny_service(fte=AMPLE))
    _, _, table = run_one(inputs)
    taken = table.dropna(subset=["to_provider"])
    assert set(taken["level"]) == {0, 1}
    assert (requests(table)["level"] == 2).sum() > 50
    year = np.floor(taken["to_provider"] / 365).astype(int)  # -1: the warm-up
    used = taken.groupby([year, inputs.spa_district[taken["spa"].to_numpy()], "theme"]).size()
    share_left = (config.warmup_days % 365) / 365
    for (y, district, theme), n in used.items():
        capacity = inputs.provider_capacity[district, theme]
        assert n <= (np.floor(capacity * share_left) if y < 0 else capacity)
    full = [(used.get((y, d, t), 0) == inputs.provider_capacity[d, t] > 0)
            for y in (0, 1) for d in range(2) for t in range(4)]
    assert sum(full) >= 8, "capacity should bind in this run"


def test_provider_capacity_remaining_is_never_negative_in_a_two_year_run() -> None:
    inputs = tiny_inputs(SimulationConfig(run_days=730, commissioned_offer_share=1.0),
                         tiny_service(fte=AMPLE))
    _, _, table = run_one(inputs)
    breakdown = district_breakdown(table, inputs, 0)
    remaining = breakdown[breakdown["dimension"] == "capacity_remaining"]
    assert (remaining["value"] >= 0).all()


# --- 12. families beyond walking distance ------------------------------------------------------
def test_unserved_families_beyond_every_venue_are_never_allocated() -> None:
    inputs = tiny_inputs(SimulationConfig(beyond_walk="unserved"))
    _, _, table = run_one(inputs)
    req = requests(table)
    beyond = req["beyond"].to_numpy()
    reaching_team = req["not_progressed"].isna() & req["to_provider"].isna()
    assert (req.loc[beyond & reaching_team, "unserved"].notna()).all()
    assert (beyond & reaching_team).sum() > 50
    assert req.loc[beyond, "allocated"].isna().all()
    assert req.loc[~beyond, "unserved"].isna().all()


def test_unserved_families_beyond_every_venue_are_not_open_at_the_start_either() -> None:
    inputs = tiny_inputs(SimulationConfig(beyond_walk="unserved"))
    _, _, table = run_one(inputs)
    at_start = table[table["kind"] == OPEN_AT_START]
    assert len(at_start) and not at_start["beyond"].any()


def test_home_visits_hold_home_visit_weight_places_and_never_more_than_there_are() -> None:
    config = SimulationConfig(beyond_walk="home_visits", home_visit_weight=1.5)
    inputs = tiny_inputs(config)
    rep, _, table = run_one(inputs)
    open_now = table["allocated"].notna() & table["closed"].isna()
    assert (open_now & table["beyond"]).groupby(table["spa"]).sum().min() > 0
    held = (open_now * np.where(table["beyond"], config.home_visit_weight, 1.0)).groupby(table["spa"]).sum()
    in_use = [inputs.slots[s] - team.level for s, team in enumerate(rep.teams)]
    assert in_use == pytest.approx(held.tolist(), abs=1e-9)
    spa = replication_kpis(table, inputs, 0)
    spa = spa[spa["level"] == "spa"]
    assert spa["occupancy"].max() <= 1
    assert spa.loc[spa["area"] == "A2", "occupancy"].max() > 0.95  # A2 is short of staff


# --- 13, 14. demand -----------------------------------------------------------------------------
def test_fresh_requests_leave_room_for_the_expected_re_referrals() -> None:
    quarter = ByLevel(level_2=0.25, level_3=0.25, level_4a=0.25)
    config = SimulationConfig(rereferral_share=0.5, not_progressed_share=0.2, escalation_share=quarter)
    # R = F + 0.5 x (1 - 0.2) x (1 - 0.25) x R: fresh requests are 70 % of all
    assert tiny_inputs(config, cases_per_year=1000.0).fresh_per_year == pytest.approx(700, rel=1e-12)


def test_requests_a_year_come_to_cases_per_year_with_re_referrals() -> None:
    # re-referrals raised to a third of all requests, so that their arithmetic shows
    cases_per_year = 3000.0
    quarter = ByLevel(level_2=0.25, level_3=0.25, level_4a=0.25)
    config = SimulationConfig(rereferral_share=0.5, escalation_share=quarter)
    inputs = tiny_inputs(config, tiny_service(fte=(150.0, 150.0, 150.0)), cases_per_year=cases_per_year)
    assert inputs.fresh_per_year < 0.7 * cases_per_year
    per_year = []
    for replication in range(10):
        req = requests(case_table(run_replication(inputs, 2, replication), inputs))
        per_year.append(((req["arrived"] >= 0) & (req["arrived"] < 365)).sum())
    # within 3 %, not "the interval covers it": the start state is short of open cases (see
    # test_a_run_starts_with_the_steady_state_open_caseload), which costs about 1.4 % here
    mean, _, high = interval(per_year, 0.99)
    assert abs(mean - cases_per_year) < 0.03 * cases_per_year
    assert high - mean < 0.03 * cases_per_year


def test_education_referrals_in_school_holidays_run_at_the_holiday_factor() -> None:
    config = stripped_config(arrival_seasonality=True, run_days=1825, warmup_days=100,
                             holiday_referral_factor=0.2)
    inputs = tiny_inputs(config, tiny_service(fte=(1e5, 1e5, 1e5)), cases_per_year=6000.0)
    _, _, table = run_one(inputs)
    holiday = np.zeros(365, dtype=bool)
    for first, end in config.school_holidays:
        holiday[first:end] = True
    on_holiday = holiday[np.floor(table["arrived"].to_numpy()).astype(int) % 365]
    # days simulated, warm-up included (its days of year come once more than the others)
    simulated = holiday[np.arange(-config.warmup_days, config.run_days).astype(int) % 365]
    education = table["source"].to_numpy() == inputs.sources.index(config.education_source)
    assert education.sum() > 10_000

    def rate_ratio_interval(chosen: np.ndarray) -> tuple[float, float]:
        """99 % interval of the holiday-to-term ratio of referrals a day (Clopper-Pearson on
        the share in holidays, given the total)."""
        test = stats.binomtest(int(on_holiday[chosen].sum()), int(chosen.sum()))
        low, high = test.proportion_ci(0.99)
        days = simulated.sum() / (~simulated).sum()
        return low / (1 - low) / days, high / (1 - high) / days

    low, high = rate_ratio_interval(education)
    assert low <= config.holiday_referral_factor <= high and high - low < 0.1
    low, high = rate_ratio_interval(~education)
    assert low <= 1 <= high


# --- the starting state --------------------------------------------------------------------------
@pytest.mark.parametrize("changes", [{"commissioned_providers": False},
                                     {"rereferral_share": 0.0, "commissioned_offer_share": 0.0}])
def test_a_run_starts_with_the_steady_state_open_caseload(changes: dict[str, object]) -> None:
    config = SimulationConfig(**changes)
    inputs = tiny_inputs(config, tiny_service(fte=AMPLE))
    # nothing goes to a provider: open cases = requests a day x progressed x mean length
    mean_days = float(np.array(config.level_shares.as_tuple()) @ inputs.mean_days_by_level)
    per_spa = inputs.staffing.cases_per_year / 3 / 365 * (1 - config.not_progressed_share)
    assert prefill_counts(inputs).tolist() == [round(per_spa * mean_days)] * 3


def test_education_as_the_only_source_draws_every_request_from_education() -> None:
    import warnings

    from sim.cases import draw_requests

    config = stripped_config(arrival_seasonality=True,
                             source_shares={"Education (inc. early years)": 1.0})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division by zero on the way
        requests = draw_requests(tiny_inputs(config), seed=0, replication=0)
    assert len(requests) > 0 and set(requests.source.tolist()) == {0}
