"""Benchmark of the case-flow simulation on the proposal's plan (run on demand, not in the tests).

    python3 benchmarks/bench_sim.py            # everything (about 2 minutes on 2 cores)
    python3 benchmarks/bench_sim.py --quick    # one replication, 10 replications, no scaling

Prints: seconds per simulated year (warm-up included, and the reported year alone), SimPy events
and log entries per second, the time for 100 replications on this machine's cores, and how the
time of a replication grows with the number of cases a year.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import simpy

from earlyhelp.scenario import load_scenario, with_overrides
from geodata.geography import build_geography
from optimise.siting import plan_siting, siting_inputs
from sim.cases import model_inputs
from sim.kpis import case_table, replication_kpis
from sim.model import Replication
from sim.runner import default_workers, run_simulation
from sim.service import service_from_siting

PROPOSAL = "scenarios/proposal-2016.yaml"


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


def one_replication(inputs, replication: int = 0) -> dict[str, float]:
    counting = CountingEnvironment()
    model = Replication(inputs, seed=0, replication=replication, env=counting)
    start = time.perf_counter()
    result = model.run()
    simulated = time.perf_counter() - start
    table = case_table(result, inputs)
    replication_kpis(table, inputs, replication)
    measured = time.perf_counter() - start - simulated
    years = inputs.horizon_days / 365
    return {"seconds_simulating": simulated, "seconds_measuring": measured, "years": years,
            "events": counting.processed, "log_entries": len(result.events), "cases": len(result.cases)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, SimPy {simpy.__version__}")
    scenario = load_scenario(PROPOSAL)
    geography = build_geography(scenario.geography)
    plan = plan_siting(siting_inputs(geography, scenario.siting, scenario.staffing, scenario.costs))
    service = service_from_siting(plan)
    inputs = model_inputs(service, scenario.simulation, scenario.staffing)
    one_replication(inputs)  # warm the imports and caches
    best = min((one_replication(inputs, r) for r in range(3)), key=lambda m: m["seconds_simulating"])
    per_year = best["seconds_simulating"] / best["years"]
    print(f"one replication: {best['cases']:,} cases, {best['events']:,} SimPy events, "
          f"{best['log_entries']:,} log entries over {best['years']:.2f} simulated years "
          f"(warm-up included)")
    print(f"  simulating: {best['seconds_simulating']:.3f} s = {per_year:.3f} s per simulated year "
          f"({best['events'] / best['seconds_simulating']:,.0f} events/s); measuring "
          f"(KPIs): {best['seconds_measuring']:.3f} s")
    reps = 10 if args.quick else 100
    workers = default_workers()
    for w in sorted({1, workers}):
        start = time.perf_counter()
        run_simulation(inputs, replications=reps, seed=0, workers=w)
        print(f"{reps} replications on {w} worker(s): {time.perf_counter() - start:.1f} s")
    if args.quick:
        return
    print("time of one replication as the cases a year grow:")
    base = scenario.staffing.cases_per_year
    for factor in (0.25, 0.5, 1.0, 2.0, 4.0):
        staffing = with_overrides(scenario, "staffing", {"cases_per_year": base * factor}).staffing
        # more cases need more case-holding staff (the sessions' staff time stays as it is):
        # the same utilisation, so the queues stay stable
        spas = service.spas
        sessions = spas["sessions_per_week"] * staffing.staff_hours_per_session / staffing.hours_per_fte_week
        scaled = spas.assign(fte_frontline=(spas["fte_frontline"] - sessions) * factor + sessions)
        grown = type(service)(**{**service.__dict__, "spas": scaled})
        m = one_replication(model_inputs(grown, scenario.simulation, staffing))
        print(f"  {base * factor:8,.0f} cases a year: {m['seconds_simulating']:.3f} s simulating, "
              f"{m['seconds_measuring']:.3f} s measuring, {m['events']:,} events")


if __name__ == "__main__":
    main()
