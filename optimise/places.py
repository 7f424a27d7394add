"""The places a plan can use: candidate centres and outreach venues, with walking times to them.

Candidates are the geography's buildings (the default), those plus every 2015 partner school, or
greenfield sites at the population-weighted centroid of every LSOA. Outreach venues are the 2015
partner schools and the council's buildings; a building that is a candidate centre is a venue
only while it is not a centre (the programme says so with ``venue_candidate``).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geodata.embedded import CRS
from geodata.estate import load_partner_schools
from geodata.geography import Geography
from geodata.spatial import polygon_of
from geodata.walking import WalkTimes
from optimise.config import CandidateSet, VenueSet

#: Columns of a :class:`Places` frame.
PLACE_COLUMNS = ("site_id", "name", "site_type", "role_2015", "existing", "spa_id", "district",
                 "annual_cost_gbp", "x", "y")


@dataclass(frozen=True)
class Places:
    """Places in row order (``frame``, columns :data:`PLACE_COLUMNS`) and the walking times from
    every demand point to each (``walk``, sites numbered by row)."""

    frame: pd.DataFrame
    walk: WalkTimes

    def __len__(self) -> int:
        return len(self.frame)


def centre_candidates(geography: Geography, kind: CandidateSet = "buildings") -> Places:
    """The places that may become centres."""
    buildings = Places(_buildings(geography), geography.walk)
    if kind == "buildings":
        return buildings
    if kind == "buildings_and_schools":
        return _concat(geography, [buildings, _school_places(geography)])
    if kind == "lsoa_centroids":
        return _with_walk(geography, _lsoa_centroids(geography))
    raise ValueError(f"unknown candidate set {kind!r}")


def outreach_venues(
    geography: Geography, candidates: Places, kind: VenueSet
) -> tuple[Places, NDArray[np.int64]]:
    """The venues outreach may use, and for each the candidate row it is (-1 if none)."""
    parts = []
    if kind in ("schools_and_buildings", "buildings"):
        parts.append(Places(_buildings(geography), geography.walk))
    if kind in ("schools_and_buildings", "schools"):
        parts.append(_school_places(geography))
    venues = _concat(geography, parts)
    position = pd.Series(np.arange(len(candidates)), index=candidates.frame["site_id"].to_numpy())
    venue_candidate = venues.frame["site_id"].map(position).fillna(-1).to_numpy(dtype=np.int64)
    return venues, venue_candidate


def _buildings(geography: Geography) -> pd.DataFrame:
    sites = geography.sites
    frame = pd.DataFrame({
        "site_id": sites["site_id"], "name": sites["name"], "site_type": sites["site_type"],
        "role_2015": sites["role_2015"], "existing": sites["role_2015"].notna(),
        "spa_id": sites["spa_id"], "district": sites["district"],
        "annual_cost_gbp": sites["annual_cost_gbp"].astype(float),
        "x": sites["x"].astype(float), "y": sites["y"].astype(float)})
    return frame.reset_index(drop=True)


def _schools(geography: Geography, exclude: set[str]) -> pd.DataFrame:
    """The 2015 partner schools as places (``EDU-<urn>``, the ids their stand-in buildings
    carry), located in their LSOA's SPA; those in ``exclude`` left out."""
    schools = load_partner_schools()
    schools = schools.assign(site_id="EDU-" + schools["urn"].astype(str))
    schools = schools[~schools["site_id"].isin(exclude)].reset_index(drop=True)
    where = _located(geography, schools[["x", "y"]].to_numpy(dtype=float))
    keep = where["spa_id"].notna().to_numpy()
    cost = geography.config.running_cost_gbp.school
    frame = pd.DataFrame({
        "site_id": schools["site_id"], "name": schools["name"], "site_type": "school",
        "role_2015": None, "existing": False, "spa_id": where["spa_id"],
        "district": where["district"], "annual_cost_gbp": float(cost),
        "x": schools["x"].astype(float), "y": schools["y"].astype(float)})
    return frame[keep].reset_index(drop=True)


def _lsoa_centroids(geography: Geography) -> pd.DataFrame:
    lsoas = geography.lsoas
    return pd.DataFrame({
        "site_id": "LSOA-" + lsoas["lsoa11cd"].astype(str), "name": lsoas["name"],
        "site_type": "greenfield", "role_2015": None, "existing": False,
        "spa_id": lsoas["spa_id"], "district": lsoas["district"],
        "annual_cost_gbp": float(geography.config.running_cost_gbp.other),
        "x": lsoas["pwc_x"].astype(float), "y": lsoas["pwc_y"].astype(float)}).reset_index(drop=True)


def _located(geography: Geography, xy: NDArray[np.float64]) -> pd.DataFrame:
    """SPA and district of each location (NaN outside Lancashire-12)."""
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)
    return polygon_of(points, geography.lsoas, ["spa_id", "district"],
                      geography.config.site_snap_metres)


def _with_walk(geography: Geography, frame: pd.DataFrame) -> Places:
    return Places(frame, geography.walk_times_to(frame[["x", "y"]].to_numpy(dtype=float)))


def _school_places(geography: Geography) -> Places:
    """The partner schools that are not already buildings of the geography (a 2015 stand-in)."""
    return _with_walk(geography, _schools(geography, exclude=set(geography.sites["site_id"])))


def _concat(geography: Geography, parts: list[Places]) -> Places:
    """The places of ``parts`` one after another."""
    if not parts:
        return _with_walk(geography, pd.DataFrame({c: [] for c in PLACE_COLUMNS}))
    walk = parts[0].walk
    for part in parts[1:]:
        walk = _stack_walk(walk, part.walk)
    return Places(pd.concat([p.frame for p in parts], ignore_index=True), walk)


def _stack_walk(first: WalkTimes, second: WalkTimes) -> WalkTimes:
    """Walking times to the places of ``first`` then those of ``second`` (same points)."""
    point = np.concatenate([first.point, second.point])
    site = np.concatenate([first.site, second.site + first.n_sites])
    minutes = np.concatenate([first.minutes, second.minutes])
    order = np.lexsort((site, point))
    return WalkTimes(point=point[order], site=site[order], minutes=minutes[order],
                     n_points=first.n_points, n_sites=first.n_sites + second.n_sites,
                     horizon_minutes=first.horizon_minutes)
