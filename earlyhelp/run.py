"""A scenario end to end, and many of them: the pipeline `earlyhelp run` drives, as an API.

:func:`run_scenario` builds the scenario's geography, sites its plan (and its options),
replicates a year of its cases through the best plan and writes one results folder
(:func:`earlyhelp.results.write_run`), whole or not at all. :func:`run_scenarios` runs several,
each into its own folder under one parent, on worker processes of this machine or on any
``concurrent.futures`` executor (a Dask cluster's); a scenario that fails is reported with its
one-line reason and the others still finish.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from earlyhelp.output import (
    OutputError,
    check_results_target,
    is_results_folder,
    replacing_directory,
)
from earlyhelp.scenario import Scenario, load_scenario, with_overrides
from geodata import EarlyHelpError, Geography, build_geography
from geodata.errors import one_line

#: Progress callback: called with a short description of the step that starts.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class RunOptions:
    """What the command line may change of a scenario, and where the geography cache is
    (None everywhere: the scenario's own values)."""

    reps: int | None = None
    seed: int | None = None
    workers: int | None = None
    options: int | None = None
    time_limit: float | None = None
    cache_dir: Path | None = None
    use_cache: bool = True


@dataclass(frozen=True)
class RunResult:
    """One finished run: the scenario as run, its plans (best first), the simulation, the
    folder written and the seconds each stage took."""

    scenario: Scenario
    plans: list[Any]
    simulation: Any
    folder: Path
    seconds: dict[str, float]
    balance: Any = None  # combined.balance.Balance when the allocation follows the waits


@dataclass(frozen=True)
class Outcome:
    """One scenario of a batch: its folder and headline figures, or why it failed."""

    file: Path
    name: str
    folder: Path
    error: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def prepared_scenario(file: Path, options: RunOptions) -> Scenario:
    """The scenario in ``file`` with the run's options applied (a bad option is refused in
    one line naming it)."""
    scenario = load_scenario(file)
    try:
        scenario = with_overrides(scenario, "simulation", {"replications": options.reps})
    except ValidationError as exc:
        raise EarlyHelpError(f"--reps {options.reps}: {exc.errors()[0]['msg'].lower()} "
                             "replications") from None
    if options.seed is not None:
        scenario = scenario.model_copy(update={"seed": options.seed})
    return with_overrides(scenario, "siting", {"options": options.options,
                                               "time_limit_seconds": options.time_limit})


def scenario_geography(scenario: Scenario, options: RunOptions) -> Geography:
    """The scenario's geography, from the cache when it holds it."""
    return build_geography(scenario.geography, cache_dir=options.cache_dir,
                           use_cache=options.use_cache)


@contextmanager
def _naming(file: Path) -> Iterator[None]:
    """A rule refused inside the block (a site_id the geography lacks, a band it cannot
    form) becomes a line naming the scenario file and the field."""
    from geodata.errors import InputError
    from optimise.errors import RuleError

    try:
        yield
    except RuleError as exc:
        raise InputError(file, exc.problem, field=exc.field, expected=exc.expected) from None


def siting_inputs_for(file: Path, scenario: Scenario, geography: Geography) -> Any:
    """The siting programme's inputs, a refused rule naming the scenario file."""
    from optimise.siting import siting_inputs

    with _naming(file):
        return siting_inputs(geography, scenario.siting, scenario.staffing, scenario.costs)


def scenario_plans(file: Path, scenario: Scenario, geography: Geography, *,
                   progress: Progress | None = None) -> list[Any]:
    """The scenario's plans, best first: the programme's (with ``siting.options``
    alternatives), or the one plan a ``plan: {mode: fixed}`` scenario states."""
    from optimise.siting import plan_fixed, plan_options

    inputs = siting_inputs_for(file, scenario, geography)
    if scenario.plan.mode == "fixed":
        with _naming(file):
            return [plan_fixed(inputs, scenario.plan)]
    return plan_options(inputs, progress=progress)


def simulate_plan(scenario: Scenario, plan: Any, *, workers: int, executor: Executor | None = None,
                  progress: Progress | None = None, where: str | None = None,
                  reps: int | None = None) -> Any:
    """The scenario's replications (or ``reps``) of a year of cases through ``plan``."""
    from sim.runner import run_simulation

    inputs = plan_inputs(scenario, plan)
    reps = scenario.simulation.replications if reps is None else reps
    say = progress or (lambda _: None)
    say(f"simulating {reps} replications of {scenario.simulation.run_days:g} days "
        f"(after {scenario.simulation.warmup_days:g} days' warm-up) "
        f"{where or f'on {min(workers, reps)} worker(s)'}")
    every = max(1, reps // 10)

    def tick(done: int, total: int) -> None:
        if done % every == 0 or done == total:
            say(f"  {done} of {total} replications done")

    return run_simulation(inputs, replications=reps, seed=scenario.seed, workers=workers,
                          executor=executor, progress=tick)


def plan_inputs(scenario: Scenario, plan: Any) -> Any:
    """What the simulation reads of ``plan`` under the scenario."""
    from sim.cases import model_inputs
    from sim.service import service_from_siting

    return model_inputs(service_from_siting(plan), scenario.simulation, scenario.staffing)


def balance_plan(scenario: Scenario, plan: Any, *, workers: int, executor: Executor | None = None,
                 progress: Progress | None = None) -> Any:
    """The scenario's staffing balanced to the simulated waits (``staffing.allocation``
    'wait_target' or 'wait_equalise', see :mod:`combined.balance`); every round runs the
    scenario's replications with its seed."""
    from combined.balance import balance_staff
    from sim.runner import run_simulation

    staffing, reps = scenario.staffing, scenario.simulation.replications
    say = progress or (lambda _: None)
    where = "on the cluster" if executor is not None else f"on {min(workers, reps)} worker(s)"
    say(f"balancing the staff to the waits ({staffing.allocation}; each round {reps} "
        f"replications {where})")
    return balance_staff(
        plan_inputs(scenario, plan), mode=staffing.allocation,
        target_days=staffing.wait_p90_target_days, step=staffing.fte_step,
        max_iterations=staffing.balance_max_iterations, replications=reps, seed=scenario.seed,
        simulate=lambda inputs: run_simulation(inputs, replications=reps, seed=scenario.seed,
                                               workers=workers, executor=executor),
        solver=scenario.siting.solver, progress=say)


def run_scenario(file: Path, out: Path, options: RunOptions = RunOptions(), *,
                 progress: Progress | None = None, executor: Executor | None = None,
                 where: str | None = None) -> RunResult:
    """``file``'s scenario end to end into the results folder ``out`` (refused before any work
    if it is not a folder this tool may replace)."""
    from earlyhelp.manifest import run_manifest
    from earlyhelp.results import write_run
    from sim.runner import default_workers

    say = progress or (lambda _: None)
    check_results_target(out)
    scenario = prepared_scenario(file, options)
    workers = options.workers or default_workers()
    seconds: dict[str, float] = {}
    with _timed(seconds, "geography"):
        say("building the geography")
        geography = scenario_geography(scenario, options)
    with _timed(seconds, "siting"):
        say("siting the centres, sessions, outreach and staff")
        plans = scenario_plans(file, scenario, geography, progress=progress)
    balance = None
    with _timed(seconds, "simulation"):
        if scenario.staffing.allocation == "caseload":
            run = simulate_plan(scenario, plans[0], workers=workers, executor=executor,
                                progress=progress, where=where)
        else:
            balance = balance_plan(scenario, plans[0], workers=workers, executor=executor,
                                   progress=progress)
            run = balance.best.run
    say("writing the results")
    manifest = run_manifest(file, scenario, seconds=seconds,
                            workers=None if executor else workers)
    with replacing_directory(out) as work:
        write_run(plans, run, scenario, work, manifest, balance=balance)
    return RunResult(scenario, plans, run, out, seconds, balance)


@contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Adds the wall-clock seconds of the block to ``seconds[name]`` (the manifest's timings)."""
    start = time.perf_counter()
    yield
    seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start


def headline(result: RunResult) -> dict[str, Any]:
    """The figures a batch's table shows for one run (from its summaries)."""
    from sim.summary import simulation_summary

    siting = result.plans[0].summary()
    simulation = simulation_summary(result.simulation)
    return {
        "centres_open": siting["centres_open"],
        "coverage_share": siting["coverage_share"],
        "population_beyond_walk": siting["population_beyond_walk"],
        "annual_cost_gbp": siting["annual_cost_gbp"],
        "fte_total": siting["fte_total"],
        "wait_days_p90": simulation["wait_days_p90"],
    }


def batch_folders(files: Sequence[Path], out: Path) -> dict[Path, Path]:
    """Each scenario file's results folder under ``out`` (named after the scenario), refusing
    before any work two scenarios with one name, a parent folder holding anything but
    earlier results, and any results folder this tool may not replace."""
    folders: dict[Path, Path] = {}
    seen: dict[str, Path] = {}
    for file in files:
        name = _name_of(file)
        if name in seen:
            raise EarlyHelpError(f"{file} and {seen[name]} are both scenario {name!r}: their "
                                 "results would share one folder; give one a different name")
        seen[name] = file
        folders[file] = out / name
    check_batch_parent(out)
    for folder in folders.values():
        check_results_target(folder)
    return folders


def check_batch_parent(out: Path) -> None:
    """Refuse a parent folder that holds anything but results folders (it is not ours)."""
    if not out.exists():
        return
    if not out.is_dir() or out.is_symlink():
        raise OutputError(f"{out} is not a folder: choose a new folder for the scenarios' results")
    foreign = [p.name for p in out.iterdir()
               if not p.name.startswith(".") and not is_results_folder(p)
               and p.name != BATCH_TABLE]
    if foreign:
        raise OutputError(f"{out} holds files that earlyhelp did not write ({', '.join(foreign[:3])}): "
                          "choose a new folder or an empty one for the scenarios' results")


#: The table a batch writes beside the scenarios' folders.
BATCH_TABLE = "runs.csv"


def _name_of(file: Path) -> str:
    """The scenario's name without validating the whole file (a bad file fails in its job)."""
    try:
        return load_scenario(file).name
    except (EarlyHelpError, ValidationError):
        return file.stem


def _run_job(file: Path, out: Path, options: RunOptions) -> Outcome:
    """One scenario of a batch, in a worker: its outcome, never an exception for bad input."""
    began = time.perf_counter()
    try:
        result = run_scenario(file, out, options)
    except (EarlyHelpError, ValidationError) as exc:
        return Outcome(file, _name_of(file), out, error=one_line(exc),
                       seconds=time.perf_counter() - began)
    return Outcome(file, result.scenario.name, out, headline=headline(result),
                   seconds=time.perf_counter() - began)


def run_scenarios(files: Sequence[Path], out: Path, options: RunOptions = RunOptions(), *,
                  jobs: int | None = None, executor: Executor | None = None,
                  progress: Progress | None = None) -> list[Outcome]:
    """Every scenario in ``files`` into ``out/<scenario name>/``, ``jobs`` at a time on worker
    processes (default: one per core), or on ``executor``; each job's replications run on one
    process. Outcomes come back in the order of ``files``; ``out/runs.csv`` lists them."""
    import pandas as pd

    from earlyhelp.output import replacing_file

    say = progress or (lambda _: None)
    folders = batch_folders(files, out)
    out.mkdir(parents=True, exist_ok=True)
    single = replace(options, workers=1)
    own = executor is None
    at_once = min(jobs or os.cpu_count() or 1, len(files))
    pool = executor or ProcessPoolExecutor(max_workers=at_once)
    outcomes: dict[Path, Outcome] = {}
    try:
        say(f"running {len(files)} scenarios, " + (f"{at_once} at a time" if own else "on the cluster"))
        futures = {pool.submit(_run_job, f, folders[f], single): f for f in files}
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[futures[future]] = outcome
            state = "done" if outcome.ok else f"FAILED: {outcome.error}"
            say(f"  {len(outcomes)} of {len(files)}: {outcome.name} {state} ({outcome.seconds:.0f} s)")
    finally:
        if own:
            pool.shutdown(cancel_futures=True)
    ordered = [outcomes[f] for f in files]
    table = pd.DataFrame([{"scenario": o.name, "file": str(o.file), "folder": str(o.folder),
                           "status": "ok" if o.ok else "failed", "error": o.error or "",
                           "seconds": round(o.seconds, 1), **o.headline} for o in ordered])
    with replacing_file(out / BATCH_TABLE) as stream:
        stream.write(table.to_csv(index=False).encode())
    return ordered
