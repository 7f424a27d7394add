"""Spatial joins the layer repeats: which polygon holds a point, allowing for coastlines."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


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
