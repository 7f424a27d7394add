"""Tiny synthetic geographies for fast tests: square LSOAs on a grid, a three-SPA county; and
what a results file holds apart from the clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from shapely.geometry import Point, box

from geodata import GeodataConfig, Geography
from geodata.embedded import CRS
from geodata.walking import CrowFlyWalk


def grid_lsoas(
    columns: int, rows: int, size: float = 1000.0, children: list[int] | None = None,
    gap_after_column: int | None = None,
) -> gpd.GeoDataFrame:
    """``columns`` x ``rows`` square LSOAs of ``size`` metres, numbered row by row.

    ``gap_after_column`` leaves a 1 km strip (an estuary) after that column, so the grid
    falls into two parts that do not touch.
    """
    cells, codes = [], []
    for r in range(rows):
        for c in range(columns):
            x0 = c * size + (size if gap_after_column is not None and c > gap_after_column else 0)
            cells.append(box(x0, r * size, x0 + size, (r + 1) * size))
            codes.append(f"L{r * columns + c:03d}")
    n = len(cells)
    kids = np.asarray(children if children is not None else [100] * n)
    frame = gpd.GeoDataFrame(
        {
            "lsoa11cd": codes,
            "district": "Testshire",
            "district_code": "E07000123",
            "pop_0_4": kids // 4,
            "pop_5_11": kids // 4,
            "pop_12_19": kids - 2 * (kids // 4),
            "population_0_19": kids,
            "imd_score": 20.0,
            "need_weight": 1.0,
        },
        geometry=cells,
        crs=CRS,
    )
    frame["pwc_x"] = frame.geometry.centroid.x
    frame["pwc_y"] = frame.geometry.centroid.y
    return frame


def tiny_geography(config: GeodataConfig | None = None) -> Geography:
    """Two districts, three SPAs in two footprints, four buildings (one a stand-in).

    Homes: 40 children beside the library, 20 beside the stand-in school, 40 in a far
    corner, so 60% live within the 30-minute walk (1.85 km straight line).
    """
    config = config or GeodataConfig()
    spas = gpd.GeoDataFrame(
        {
            "spa_id": ["Preston 1", "Preston 2", "Burnley 1"],
            "name": ["Preston 1 (Ashton)", "Preston 2 (Fishwick)", "Burnley 1 (Bank Hall)"],
            "district": ["Preston", "Preston", "Burnley"],
            "footprint": ["Preston", "Preston", "Burnley and Pendle"],
            "population_0_19": [40, 0, 60],
            "need": [40.0, 0.0, 60.0],
            "imd_score": [30.0, 20.0, 40.0],
            "need_band": ["high", "middle", "high"],
            "n_lsoas": [1, 1, 1],
            "area_km2": [100.0, 100.0, 100.0],
            "compactness": [0.79, 0.79, 0.79],
            "crosses_districts": [False, False, False],
        },
        geometry=[box(0, 0, 10_000, 10_000), box(10_000, 0, 20_000, 10_000),
                  box(20_000, 0, 30_000, 10_000)],
        crs=CRS,
    )
    districts = gpd.GeoDataFrame(
        {"ons_code": ["E07000123", "E07000117"], "district": ["Preston", "Burnley"]},
        geometry=[box(0, 0, 20_000, 10_000), box(20_000, 0, 30_000, 10_000)],
        crs=CRS,
    )
    xy = np.array([[5_000, 5_000], [15_000, 5_000], [12_000, 3_000], [25_000, 5_000]], float)
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["LCC-1", "LCC-2", "LCC-3", "EDU-1"],
            "name": ["Library", "Family hub", "Youth zone", "A school"],
            "site_type": ["library", "family_hub", "youth_zone", "school"],
            "role_2015": [None, "children_centre", "youth_zone", "cc_satellite"],
            "owner": ["LCC", "LCC", "LCC", "School"],
            "stand_in": [False, False, False, True],
            "annual_cost_gbp": [15_000.0, 60_000.0, 80_000.0, 10_000.0],
            "district": ["Preston", "Preston", "Preston", "Burnley"],
            "spa_id": ["Preston 1", "Preston 2", "Preston 2", "Burnley 1"],
            "x": xy[:, 0],
            "y": xy[:, 1],
        },
        geometry=[Point(x, y) for x, y in xy],
        crs=CRS,
    )
    homes = np.array([[5_200, 5_300], [25_300, 5_200], [29_500, 9_500]], float)
    demand_points = gpd.GeoDataFrame(
        {
            "point_id": np.arange(3),
            "x": homes[:, 0],
            "y": homes[:, 1],
            "population_0_19": [40, 20, 40],
            "need": [40.0, 20.0, 40.0],
            "district": ["Preston", "Burnley", "Burnley"],
            "spa_id": ["Preston 1", "Burnley 1", "Burnley 1"],
        },
        geometry=[Point(x, y) for x, y in homes],
        crs=CRS,
    )
    walk = CrowFlyWalk(config.walk_speed_kmh, config.circuity).walk_times(
        homes, xy, config.walk_limit_minutes
    )
    return Geography(
        config=config,
        lsoas=gpd.GeoDataFrame({"lsoa11cd": []}, geometry=[], crs=CRS),
        demand_points=demand_points,
        spas=spas,
        sites=sites,
        walk=walk,
        districts=districts,
        need_cutoffs=(30.0, 20.0),
    )


def without_clock(value: Any) -> Any:
    """A summary with every timing dropped (keys naming seconds): what must match bit for bit."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if "second" not in k}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


def run_twice(argv: list[str], tmp_path: Path) -> tuple[Path, Path]:
    """The command ``argv`` run twice into two new folders (each must succeed): for the
    guarantee that the same inputs give the same files."""
    from earlyhelp.cli import main

    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        assert main([*argv, "--out", str(out)]) == 0
    return first, second


def tiny_siting_inputs() -> Any:
    """The siting programme's inputs on :func:`tiny_geography`: 3 centres, no budget, no
    high-need SPA, council buildings as the only outreach venues."""
    from optimise.config import SitingConfig
    from optimise.costs import CostConfig
    from optimise.siting import siting_inputs
    from optimise.staffing import StaffingConfig

    return siting_inputs(tiny_geography(), SitingConfig(centres=3, budget_gbp=None,
                         high_need_spas=0, outreach_venues="buildings"),
                         StaffingConfig(), CostConfig())
