"""Benchmark of the siting core, run on demand: ``python benchmarks/bench_coverage.py``.

On the real county (every demand point weighted by need, today's candidate buildings, p = 56)
at three walking limits, times ``optimise.maximal_coverage`` (checks, reduction, build and solve)
against PySAL spopt's ``MCLP.from_cost_matrix`` build and solve with PuLP's HiGHS, both asked to
prove optimality (relative gap 0), and checks that both reach the same optimum. spopt's solve
is stopped so that build and solve stay within ``--spopt-limit`` seconds; the table says when.
``--scaling`` adds how ours grows with candidates (greenfield sites drawn from the demand points).
Timings depend on the machine: compare ratios, and quote the machine line printed first.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable

import numpy as np

P = 56  # neighbourhood centres in the 2016 proposal


def median_seconds(work: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def spopt_mclp(walk, weights: np.ndarray, minutes: float, limit: float) -> dict[str, object]:
    """spopt's MCLP from a dense cost matrix (its input), built and solved, with HiGHS's status."""
    import pulp
    from spopt.locate import MCLP

    cost = np.full((walk.n_points, walk.n_sites), np.inf)
    cost[walk.point, walk.site] = walk.minutes
    began = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, weights, service_radius=minutes, p_facilities=P)
        built = time.perf_counter() - began
        solve_limit = max(1.0, limit - built)
        try:
            model.solve(pulp.HiGHS(msg=False, gapRel=0.0, timeLimit=solve_limit), results=False)
        except RuntimeError as error:  # spopt refuses anything PuLP does not call optimal
            print(f"  spopt at {minutes:g} min: {error}")
    solved = time.perf_counter() - began - built
    highs = model.problem.solverModel
    return {
        "build": built,
        "solve": solved,
        "objective": pulp.value(model.problem.objective),
        "pulp_status": pulp.LpStatus[model.problem.status],
        "highs_status": highs.modelStatusToString(highs.getModelStatus()),
        "gap": highs.getInfo().mip_gap,
    }


def bench_scaling(geo, weights: np.ndarray, radii: list[float], limit: float) -> None:
    """Ours as candidates grow: sites drawn (seeded) from the demand points' locations, crow-fly
    walking times as the default geography computes them."""
    from geodata import GeodataConfig
    from geodata.walking import CrowFlyWalk
    from optimise import maximal_coverage

    config = GeodataConfig()
    walk = CrowFlyWalk(config.walk_speed_kmh, config.circuity)
    homes = geo.demand_points[["x", "y"]].to_numpy(float)
    rng = np.random.default_rng(0)
    print(f"scaling: greenfield candidates drawn from the demand points, p = {P}, "
          f"time limit {limit:g} s")
    print(f"{'sites':>6}{'limit':>7}{'sites/point':>13}{'after: rows x columns (nonzeros)':>36}"
          f"{'seconds':>9}  status (gap)")
    for n_sites in (187, 500, 1000, 2000):
        sites = homes[rng.choice(len(homes), n_sites, replace=False)]
        times = walk.walk_times(homes, sites, max(radii))
        for minutes in radii:
            reach = times.reach(minutes)
            result = maximal_coverage(reach, weights, P, time_limit=limit)
            after = result.model_size.after
            size = f"{after.rows:,} x {after.columns:,} ({after.nonzeros:,})"
            print(f"{n_sites:>6}{minutes:>5g} m{reach.nnz / reach.shape[0]:>13.1f}{size:>36}"
                  f"{result.seconds:>9.2f}  {result.status} ({result.gap:.3%})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours (median)")
    parser.add_argument("--radii", type=float, nargs="+", default=[15, 20, 30])
    parser.add_argument("--spopt-limit", type=float, default=120.0,
                        help="seconds for spopt's build and solve at each radius")
    parser.add_argument("--skip-spopt", action="store_true")
    parser.add_argument("--scaling", action="store_true",
                        help="also time ours with 187 to 2,000 greenfield candidates (minutes)")
    parser.add_argument("--scaling-limit", type=float, default=120.0)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; ours: medians of {args.repeat}, spopt: one run")

    from geodata import build_geography
    from optimise import maximal_coverage

    geo = build_geography()
    weights = geo.demand_points["need"].to_numpy(float)
    print(f"county: {geo.walk.n_points:,} demand points, {geo.walk.n_sites} candidate sites, "
          f"p = {P}, weights = need")
    print()
    print("model size (rows x columns, nonzeros), before -> after reduction:")
    rows = []
    for minutes in args.radii:
        reach = geo.walk.reach(minutes)
        ours_s, ours = median_seconds(lambda r=reach: maximal_coverage(r, weights, P), args.repeat)
        unreduced_s, unreduced = median_seconds(
            lambda r=reach: maximal_coverage(r, weights, P, reduce=False), 1)
        before, after = ours.model_size.before, ours.model_size.after
        print(f"  {minutes:>4g} min: {before.rows:,} x {before.columns:,} ({before.nonzeros:,})"
              f" -> {after.rows:,} x {after.columns:,} ({after.nonzeros:,}); points "
              f"{before.points:,} -> {after.points:,} groups, "
              f"sites {before.sites} -> {after.sites}")
        spopt = (None if args.skip_spopt
                 else spopt_mclp(geo.walk, weights, minutes, args.spopt_limit))
        rows.append((minutes, ours_s, ours, unreduced_s, unreduced, spopt))

    print()
    print(f"{'limit':>6}{'ours s':>9}{'solve s':>9}{'unreduced s':>13}{'spopt build':>13}"
          f"{'spopt solve':>13}{'spopt s':>9}{'ratio':>8}  {'objective (ours)':>18}  "
          f"{'spopt':>18}  same  status (ours / spopt HiGHS)")
    for minutes, ours_s, ours, unreduced_s, unreduced, spopt in rows:
        assert unreduced.objective == ours.objective or math.isclose(
            unreduced.objective, ours.objective, rel_tol=1e-12), "reduction changed the optimum"
        line = (f"{minutes:>4g} m{ours_s:>9.3f}{ours.solve_seconds:>9.3f}{unreduced_s:>13.2f}")
        if spopt is None:
            print(line + f"{'':>43}  {ours.objective:>18,.4f}  {'-':>18}   -    {ours.status}")
            continue
        total = spopt["build"] + spopt["solve"]
        same = math.isclose(ours.objective, spopt["objective"], rel_tol=1e-9)
        print(line + f"{spopt['build']:>13.2f}{spopt['solve']:>13.2f}{total:>9.2f}"
              f"{total / ours_s:>7.0f}x  {ours.objective:>18,.4f}  {spopt['objective']:>18,.4f}"
              f"  {'yes' if same else 'NO '}  {ours.status} / {spopt['highs_status']}"
              f" (PuLP: {spopt['pulp_status']})")
        if spopt["highs_status"] != "Optimal":
            print(f"       spopt stopped by the {args.spopt_limit:g} s limit with gap "
                  f"{spopt['gap']:.2%}: its objective is an incumbent, not the optimum")
    print()
    print("ours: checks + reduction + sparse build + HiGHS (highspy), proven optimal; unreduced: "
          "the same without reduction;\nspopt: MCLP.from_cost_matrix (dense cost matrix given) + "
          "solve(pulp.HiGHS(gapRel=0), results=False); ratio = spopt s / ours s")
    if args.scaling:
        print()
        bench_scaling(geo, weights, [20.0, 30.0], args.scaling_limit)


if __name__ == "__main__":
    main()
