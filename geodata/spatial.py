"""Spatial helpers the layer repeats: which polygon holds a point (allowing for coastlines),
which polygons overlap, and whether a file's coordinates can be in the CRS it states."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray


def polygon_of(points: gpd.GeoDataFrame, polygons: gpd.GeoDataFrame, columns: list[str],
               snap_metres: float) -> pd.DataFrame:
    """``columns`` of the polygon containing each point, else of the nearest within ``snap_metres``.

    Generalised boundaries clip coasts and estuaries, so a real address can sit a few metres
    outside every polygon. Returns a frame on ``points``' index with ``columns`` and ``snapped``
    (True where the nearest polygon was taken); rows left NaN are further out. Where polygons
    overlap, the first match is kept.
    """
    keep = polygons[columns + ["geometry"]]
    inside = gpd.sjoin(points[["geometry"]], keep, how="left", predicate="within")
    found = inside[~inside.index.duplicated(keep="first")][columns].copy()
    lost = found[columns[0]].isna()
    found["snapped"] = False
    if lost.any():
        near = gpd.sjoin_nearest(points.loc[lost, ["geometry"]], keep, how="left", max_distance=snap_metres)
        near = near[~near.index.duplicated(keep="first")]
        found.loc[near.index, columns] = near[columns].to_numpy()
        found.loc[near.index, "snapped"] = near[columns[0]].notna().to_numpy()
    return found


def wide_overlaps(polygons: gpd.GeoSeries, sliver_width: float) -> pd.DataFrame:
    """Pairs of (valid) polygons that overlap by more than a sliver, with the overlap's area.

    An overlap counts when it holds a circle ``sliver_width`` across somewhere (it survives
    shrinking by half that), so long thin slivers where two sources trace a border slightly
    differently are ignored however long they are. Returns ``first`` < ``second`` (positions in
    ``polygons``) and ``area`` (in the CRS's units squared), largest overlap first.
    """
    shapes = np.asarray(polygons.array, dtype=object)
    first, second = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pair = first < second
    first, second = first[pair], second[pair]
    shared = shapely.intersection(shapes[first], shapes[second])
    wide = ~shapely.is_empty(shapely.buffer(shared, -sliver_width / 2))
    found = pd.DataFrame(
        {"first": first[wide], "second": second[wide], "area": shapely.area(shared[wide])}
    )
    return found.sort_values(
        ["area", "first", "second"], ascending=[False, True, True], ignore_index=True
    )


def looks_like_degrees(bounds: NDArray[np.float64]) -> bool:
    """Whether ``(xmin, ymin, xmax, ymax)`` fits longitude/latitude (|x| <= 180, |y| <= 90).

    In British National Grid metres that box is a patch of sea 360 m by 180 m off Scilly, so
    data for Lancashire that fits it are degrees whatever the file says.
    """
    x0, y0, x1, y1 = bounds
    return bool(-180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90)


def extent_text(bounds: NDArray[np.float64]) -> str:
    """'x 330,454 to 397,132, y 398,767 to 482,749' (degrees keep their decimals)."""
    x0, y0, x1, y1 = (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}" for v in bounds)
    return f"x {x0} to {x1}, y {y0} to {y1}"


#: What a file whose coordinates do not fit its stated CRS should state instead.
CRS_HINT = ("the CRS the coordinates are in (EPSG:4326 for longitude/latitude degrees, "
            "EPSG:27700 for British National Grid metres)")


def crs_mismatch(frame: gpd.GeoDataFrame) -> str | None:
    """Why ``frame``'s coordinates cannot be in the CRS the file states, or None if they can.

    Catches the two common slips: degrees saved under a metre CRS such as EPSG:27700, and
    metres saved under EPSG:4326 (which reproject to infinity).
    """
    bounds = frame.total_bounds
    if not np.isfinite(bounds).all():
        return None
    crs = frame.crs.to_string()
    if frame.crs.is_geographic and not looks_like_degrees(bounds):
        return (f"the coordinates span {extent_text(bounds)}, which are not longitude/latitude "
                f"degrees, yet the file states {crs}")
    if frame.crs.is_projected and looks_like_degrees(bounds):
        return (f"the coordinates span {extent_text(bounds)}, which look like longitude/latitude "
                f"degrees, yet the file states {crs} (metres)")
    return None


def feature_list(positions: NDArray[np.int64]) -> str:
    """'feature 3' or 'features 3, 7 and 9': positions counted from 1, as a GIS lists them."""
    numbers = listing([str(i + 1) for i in positions])
    return f"feature {numbers}" if len(positions) == 1 else f"features {numbers}"


def listing(items: list[str], last: str = "and", most: int = 5) -> str:
    """'a, b and c'; beyond ``most`` items, 'a, b, c, d, e and 3 more'."""
    if len(items) > most:
        return f"{', '.join(items[:most])} {last} {len(items) - most} more"
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"
