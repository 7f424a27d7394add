"""Tiny synthetic geographies for fast tests: square LSOAs on a grid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from geodata.embedded import CRS


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
