"""Many replications: in this process, in a local process pool, or on any executor (a Dask
cluster's), with the same results whichever runs them.

Each replication is one task that runs its own :class:`~sim.model.Replication` from its own
streams and returns its measures (and, for the first, its case table and event log for the
audit); results are put back in replication order, so sequential and parallel runs are
identical, bit for bit.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import pandas as pd

from sim.cases import ModelInputs
from sim.kpis import case_table, district_breakdown, replication_kpis
from sim.model import run_replication

#: Called after each replication with (replications done, replications in all).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReplicationOutput:
    """What a task sends back: the replication's measures, its case table if kept, timings."""

    replication: int
    kpis: pd.DataFrame
    breakdown: pd.DataFrame
    cases: pd.DataFrame | None
    events: pd.DataFrame | None
    seconds: float
    log_entries: int


@dataclass(frozen=True)
class SimulationRun:
    """Every replication's measures (``kpis``, one row per replication, area and period;
    ``breakdown``, the district report's counts by source, theme, level and provider), the
    first replication's case table and event log (``cases``, ``events``) for the audit, and
    the time each replication took."""

    inputs: ModelInputs
    seed: int
    kpis: pd.DataFrame
    breakdown: pd.DataFrame
    cases: pd.DataFrame
    events: pd.DataFrame
    seconds: tuple[float, ...]
    log_entries: tuple[int, ...]
    wall_seconds: float

    @property
    def replications(self) -> int:
        return len(self.seconds)


def replicate(inputs: ModelInputs, seed: int, replication: int, keep_log: bool = False) -> ReplicationOutput:
    """Run one replication and measure it (the task every executor runs)."""
    start = time.perf_counter()
    result = run_replication(inputs, seed, replication)
    table = case_table(result, inputs)
    kpis = replication_kpis(table, inputs, replication)
    breakdown = district_breakdown(table, inputs, replication)
    return ReplicationOutput(replication, kpis, breakdown, table if keep_log else None,
                             result.events if keep_log else None, time.perf_counter() - start,
                             len(result.events))


_WORKER_INPUTS: ModelInputs | None = None


def _start_worker(inputs: ModelInputs) -> None:
    """A pool worker keeps the inputs and ignores Ctrl-C and SIGTERM (sent to the whole
    process group by a terminal or a job manager): the parent alone decides to stop, cancels
    what has not started and waits for the replications under way (a fraction of a second), so
    an interrupt never waits for every replication, breaks the pool or prints a traceback."""
    global _WORKER_INPUTS
    _WORKER_INPUTS = inputs
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _die_with_parent()


#: Linux's prctl option that sends the calling process a signal when its parent dies.
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the parent dies (``kill -9`` of the command would
    otherwise leave it blocked for good, ignoring SIGTERM); elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the request took effect
        os._exit(1)


def _replicate_in_worker(seed: int, replication: int, keep_log: bool) -> ReplicationOutput:
    assert _WORKER_INPUTS is not None, "the worker was started without the model's inputs"
    return replicate(_WORKER_INPUTS, seed, replication, keep_log)


def run_simulation(inputs: ModelInputs, *, replications: int | None = None, seed: int = 0,
                   workers: int = 1, executor: Executor | None = None,
                   progress: Progress | None = None) -> SimulationRun:
    """Run ``replications`` (default: the config's) replications numbered 0.. with base ``seed``.

    ``workers`` > 1 runs them in a local process pool (the inputs sent once per worker);
    ``executor`` runs them on any ``concurrent.futures`` executor instead (a Dask cluster's
    ``client.get_executor()``). Either way the results are in replication order.
    """
    n = inputs.config.replications if replications is None else replications
    if n < 1:
        raise ValueError(f"replications must be 1 or more, got {n}")
    start = time.perf_counter()
    outputs: dict[int, ReplicationOutput] = {}

    def done(output: ReplicationOutput) -> None:
        outputs[output.replication] = output
        if progress:
            progress(len(outputs), n)

    if executor is not None:
        futures = [executor.submit(replicate, inputs, seed, r, r == 0) for r in range(n)]
        _collect(futures, done)
    elif workers > 1 and n > 1:
        with ProcessPoolExecutor(max_workers=min(workers, n), initializer=_start_worker,
                                 initargs=(inputs,)) as pool:
            futures = [pool.submit(_replicate_in_worker, seed, r, r == 0) for r in range(n)]
            try:
                _collect(futures, done)
            except BaseException:  # an interrupt or a failed replication: stop the rest now
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    else:
        for r in range(n):
            done(replicate(inputs, seed, r, r == 0))
    ordered = [outputs[r] for r in range(n)]
    first = ordered[0]
    assert first.cases is not None and first.events is not None
    return SimulationRun(
        inputs=inputs, seed=seed, kpis=pd.concat([o.kpis for o in ordered], ignore_index=True),
        breakdown=pd.concat([o.breakdown for o in ordered], ignore_index=True),
        cases=first.cases, events=first.events, seconds=tuple(o.seconds for o in ordered),
        log_entries=tuple(o.log_entries for o in ordered),
        wall_seconds=time.perf_counter() - start)


def _collect(futures: list[Future[ReplicationOutput]],
             done: Callable[[ReplicationOutput], None]) -> None:
    """Hand each result to ``done`` as it comes; on any failure or interrupt, cancel the
    replications that have not started."""
    try:
        for future in as_completed(futures):
            done(future.result())
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def default_workers() -> int:
    """Worker processes for this machine: one per core it may use, at least one."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)
