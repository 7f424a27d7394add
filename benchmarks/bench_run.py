"""Benchmark of whole runs, on demand: ``python benchmarks/bench_run.py [--reps N] [--quick]``.

1. One scenario end to end (the proposal: geography from a warm cache, siting, N replications,
   results with charts and report), with the seconds of each stage from its manifest.
2. Every shipped scenario, one after another (``--jobs 1``), two at a time (``--jobs 2``) and
   on a local Dask cluster of two single-threaded worker processes (what ``--scheduler
   ADDRESS`` does on a real one), with the headline figures side by side (``runs.csv``).

``--quick`` does only the first. Times are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd
from dask.distributed import Client, LocalCluster

from earlyhelp.run import RunOptions, run_scenario, run_scenarios

SCENARIOS = sorted(Path("scenarios").glob("*.yaml"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    options = RunOptions(reps=args.reps)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run_scenario(Path("scenarios/proposal-2016.yaml"), out / "warm", RunOptions(reps=2))
        began = time.perf_counter()
        run_scenario(Path("scenarios/proposal-2016.yaml"), out / "one", options)
        wall = time.perf_counter() - began
        stages = json.loads((out / "one" / "manifest.json").read_text())["seconds"]
        print(f"one scenario end to end ({args.reps} replications): {wall:.1f} s = "
              + ", ".join(f"{k} {v:.1f} s" for k, v in stages.items()))
        if args.quick:
            return
        for jobs in (1, 2):
            began = time.perf_counter()
            outcomes = run_scenarios(SCENARIOS, out / f"jobs{jobs}", options, jobs=jobs)
            wall = time.perf_counter() - began
            failed = [o.name for o in outcomes if not o.ok]
            print(f"{len(SCENARIOS)} scenarios, --jobs {jobs}: {wall:.1f} s"
                  + (f" (failed: {', '.join(failed)})" if failed else ""))
        began = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            outcomes = run_scenarios(SCENARIOS, out / "dask", options,
                                     executor=client.get_executor())
        wall = time.perf_counter() - began
        failed = [o.name for o in outcomes if not o.ok]
        print(f"{len(SCENARIOS)} scenarios, local Dask cluster (2 workers): {wall:.1f} s"
              + (f" (failed: {', '.join(failed)})" if failed else ""))
        table = pd.read_csv(out / "jobs2" / "runs.csv")
        columns = ["scenario", "seconds", "centres_open", "coverage_share",
                   "population_beyond_walk", "annual_cost_gbp", "fte_total", "wait_days_p90"]
        print(table[columns].to_string(index=False))


if __name__ == "__main__":
    main()
