"""Benchmark of the siting programme, run on demand: ``python benchmarks/bench_siting.py``.

For the seed-003 proposal (every rule and outreach included) on three candidate sets: (a) the
geography's buildings, (b) those plus every 2015 partner school, (c) greenfield sites at the
756 LSOA centroids; the 20-minute variant of (a); and the sensitivity of the plan to how many
SPAs are banded high need. Prints model size before and after the demand points are merged,
build and solve times, and each run's status.

``--quick`` runs (a) only. Times are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import time
import warnings

from geodata import GeodataConfig, build_geography
from optimise.config import SitingConfig
from optimise.costs import CostConfig
from optimise.errors import InfeasiblePlan
from optimise.places import centre_candidates
from optimise.siting import plan_siting, siting_inputs
from optimise.staffing import StaffingConfig


def run(label: str, geography, siting: SitingConfig, candidates: str = "buildings") -> None:
    began = time.perf_counter()
    places = centre_candidates(geography, candidates)
    inputs = siting_inputs(geography, siting, StaffingConfig(), CostConfig(), candidates=places)
    built = time.perf_counter() - began
    try:
        plan = plan_siting(inputs)
    except InfeasiblePlan as exc:
        print(f"{label:<44} infeasible after {time.perf_counter() - began:.1f} s: {exc}")
        return
    s = plan.summary()
    model = s["solver"]["model"]
    tiers = " / ".join(f"{t['seconds']:.2f}" for t in s["solver"]["tiers"])
    face = s["solver"]["face"]
    if face:
        tiers += (f"; face {face['candidates_free']} free, {face['solves']} solve(s), "
                  f"{face['seconds']:.2f} s")
    print(f"{label:<44} {len(places):>5} cand {len(inputs.venues):>4} venues | points "
          f"{model['demand_points']:>6} -> {model['demand_groups']:>5} groups | rows "
          f"{model['rows']:>6} cols {model['columns']:>6} nnz {model['nonzeros']:>7} | build "
          f"{built:5.2f} s solve {s['solver']['seconds']:6.2f} s ({tiers}) | "
          f"{s['solver']['status']} | by centre {s['coverage_share_by_centre']:.3f} within "
          f"{s['coverage_share']:.3f} | £{s['annual_cost_gbp']:,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="(a) only")
    parser.add_argument("--no-sensitivity", action="store_true", help="skip the band table")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    geography = build_geography()
    print("proposal (seed 003 rules, outreach, budget), lexicographic tiers:")
    run("(a) buildings, 30 min", geography, SitingConfig())
    if args.quick:
        return
    run("(a) buildings, 20 min", build_geography(GeodataConfig(walk_limit_minutes=20)),
        SitingConfig())
    run("(b) buildings + 2015 schools, 30 min", geography, SitingConfig(),
        "buildings_and_schools")
    run("(c) greenfield LSOA centroids, 30 min", geography, SitingConfig(), "lsoa_centroids")
    if args.no_sensitivity:
        return
    print("\nsensitivity: SPAs banded high need (county rank), buildings, 30 min:")
    for high in range(0, 13):
        run(f"high_need_spas = {high}", geography, SitingConfig(high_need_spas=high))
    run("national bands (11 high)", geography, SitingConfig(need_bands="national"))


if __name__ == "__main__":
    main()
