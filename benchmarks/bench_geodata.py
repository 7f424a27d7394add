"""Benchmarks of the geography layer, run on demand: ``python benchmarks/bench_geodata.py``.

Prints medians over repeats for: the whole build cold and from the cache; walking times as the
number of demand points and buildings grows; SPA building as the number of LSOAs grows.
Timings depend on the machine: compare ratios, and quote the machine line printed first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_build(repeat: int) -> None:
    from geodata import GeodataConfig, build_geography
    from geodata.postcodes import _directory_letter

    with tempfile.TemporaryDirectory() as tmp:
        def cold() -> object:
            _directory_letter.cache_clear()  # a new process reads the directory afresh
            return build_geography(GeodataConfig(), cache_dir=Path(tmp), use_cache=False)

        cold_s = median_seconds(cold, repeat)
        build_geography(GeodataConfig(), cache_dir=Path(tmp))
        cached_s = median_seconds(lambda: build_geography(GeodataConfig(), cache_dir=Path(tmp)), repeat)
    print(f"build, cold (in-process, directory re-read): {cold_s:6.2f} s")
    print(f"build, from cache:                            {cached_s:6.2f} s   ({cold_s / cached_s:.0f}x faster)")


def bench_walking(repeat: int) -> None:
    from geodata.walking import CrowFlyWalk

    walk = CrowFlyWalk(4.8, 1.3)
    rng = np.random.default_rng(0)
    extent = np.array([60_000.0, 60_000.0])  # about Lancashire's size, metres
    print("walking times within 30 min (crow-fly x circuity, cKDTree):")
    print(f"{'points':>9}{'sites':>7}{'pairs':>11}{'seconds':>10}")
    for n_points, n_sites in [(10_000, 200), (40_000, 200), (160_000, 200), (40_000, 800), (40_000, 3_200)]:
        points = rng.random((n_points, 2)) * extent
        sites = rng.random((n_sites, 2)) * extent
        seconds = median_seconds(lambda: walk.walk_times(points, sites, 30), repeat)
        pairs = len(walk.walk_times(points, sites, 30).site)
        print(f"{n_points:>9,}{n_sites:>7,}{pairs:>11,}{seconds:>10.3f}")


def bench_network(repeat: int) -> None:
    import shapely

    from geodata.network import NetworkWalk

    rng = np.random.default_rng(0)
    print("walking times within 30 min along a street lattice (bounded Dijkstra per building):")
    print(f"{'lattice km':>11}{'nodes':>10}{'points':>9}{'sites':>7}{'build s':>9}{'times s':>9}")
    for km, n_sites in [(10, 50), (20, 50), (20, 200)]:
        step = 100.0  # streets every 100 m both ways
        ticks = np.arange(0, km * 1000 + 1, step)
        lines = [shapely.LineString([(0, t), (km * 1000, t)]) for t in ticks]
        lines += [shapely.LineString([(t, 0), (t, km * 1000)]) for t in ticks]
        lines = np.array(lines, dtype=object)
        built = median_seconds(lambda: NetworkWalk.from_lines(lines, 4.8), repeat)
        walk = NetworkWalk.from_lines(lines, 4.8)
        points = rng.random((20_000, 2)) * km * 1000
        sites = rng.random((n_sites, 2)) * km * 1000
        seconds = median_seconds(lambda: walk.walk_times(points, sites, 30), repeat)
        print(f"{km:>8} km{walk.graph.shape[0]:>10,}{len(points):>9,}{n_sites:>7}{built:>9.2f}{seconds:>9.2f}")


def bench_spas(repeat: int) -> None:
    from geodata.lsoas import load_lsoas
    from geodata.spas import balance_regions, contiguity, skater_regions

    lsoas = load_lsoas(1.0)
    print("SPAs in one district (SKATER + balancing):")
    print(f"{'district':<16}{'LSOAs':>6}{'SPAs':>6}{'seconds':>10}")
    for district, k in [("Ribble Valley", 2), ("Preston", 4), ("Lancaster", 4)]:
        subset = lsoas[lsoas["district"] == district].reset_index(drop=True)

        def build() -> object:
            links = contiguity(subset)
            labels = skater_regions(subset, links, k)
            return balance_regions(labels, links, subset["population_0_19"].to_numpy(float),
                                   subset[["pwc_x", "pwc_y"]].to_numpy(), 0.15)

        print(f"{district:<16}{len(subset):>6}{k:>6}{median_seconds(build, repeat):>10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=("build", "walking", "network", "spas"))
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; medians of {args.repeat}")
    benches = (("build", bench_build), ("walking", bench_walking), ("network", bench_network),
               ("spas", bench_spas))
    for name, bench in benches:
        if args.only in (None, name):
            bench(args.repeat)
            print()


if __name__ == "__main__":
    main()
