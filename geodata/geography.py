"""The built geography: one object holding people, need, SPAs, buildings and walking times."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import cache
from geodata.config import GeodataConfig
from geodata.districts import DISTRICTS, FOOTPRINTS, SPA_COUNT, footprint_of
from geodata.embedded import CRS, WARDS
from geodata.errors import InputError
from geodata.estate import ESTATE_TOTAL, complete_estate, estate_counts, load_partner_schools
from geodata.lsoas import load_lsoas
from geodata.network import NetworkWalk
from geodata.need import CENTRES_2016, NEED_BANDS, access_point_range, national_cutoffs
from geodata.postcodes import build_demand_points, read_postcode_directory
from geodata.readers import read_spatial
from geodata.sites import SITE_COLUMNS, load_register_sites, read_user_sites
from geodata.spatial import polygon_of
from geodata.spas import build_spa_labels, spa_names, spas_from_file, summarise_spas
from geodata.walking import CrowFlyWalk, WalkModel, WalkTimes

#: How far (metres) outside every LSOA a building may be and still count as in Lancashire.
SITE_SNAP_METRES = 500.0


@dataclass(frozen=True)
class Geography:
    """Lancashire as the model sees it. All frames are in EPSG:27700 (metres).

    - ``lsoas``: one row per LSOA with children by age, IMD score, need weight and ``spa_id``.
    - ``demand_points``: where children live (one per residential postcode location), with
      ``population_0_19``, ``need``, ``lsoa11cd``, ``district``, ``spa_id``.
    - ``spas``: one row per SPA with ``district``, ``footprint``, children, need, ``need_band``.
    - ``sites``: candidate buildings with type, 2015 role, owner, annual cost, ``stand_in``.
    - ``walk``: walking minutes from each demand point (row position) to each site (row
      position) within ``config.walk_limit_minutes``.
    """

    config: GeodataConfig
    lsoas: gpd.GeoDataFrame
    demand_points: gpd.GeoDataFrame
    spas: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    walk: WalkTimes
    districts: gpd.GeoDataFrame
    need_cutoffs: tuple[float, float]
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def population_0_19(self) -> int:
        return int(self.demand_points["population_0_19"].sum())

    def share_within_walk(self, sites: np.ndarray | None = None) -> float:
        """Share of children 0-19 within the walk limit of any of ``sites`` (default: all)."""
        covered = self.walk.covered(sites)
        children = self.demand_points["population_0_19"].to_numpy()
        return float(children[covered].sum() / children.sum())

    def coverage_by(self, column: str, sites: np.ndarray | None = None) -> pd.Series:
        """Share of children 0-19 within the walk limit of ``sites``, by a demand-point column."""
        points = self.demand_points
        children = points["population_0_19"]
        reached = children.where(self.walk.covered(sites), 0)
        return reached.groupby(points[column]).sum() / children.groupby(points[column]).sum()

    def spas_per_footprint(self) -> dict[str, int]:
        """SPAs in each of seed 003's footprints."""
        return {name: int((self.spas["footprint"] == name).sum()) for name in FOOTPRINTS}

    def spas_per_need_band(self) -> dict[str, int]:
        """SPAs in each need band (high, middle, low)."""
        return {b: int((self.spas["need_band"] == b).sum()) for b in NEED_BANDS}

    def departures_from_seed(self) -> list[str]:
        """Where this geography differs from what seed 003 fixes (empty when it agrees).

        The embedded default always agrees; a user's SPA file or building list may not, and
        the siting programme needs to know.
        """
        notes = []
        if len(self.spas) != SPA_COUNT:
            notes.append(f"{len(self.spas)} SPAs, where seed 003 has {SPA_COUNT}")
        for footprint, found in self.spas_per_footprint().items():
            expected = FOOTPRINTS[footprint][1]
            if found != expected:
                notes.append(f"footprint {footprint}: {found} SPAs, where seed 003 has {expected}")
        crossing = self.spas.loc[self.spas["crosses_districts"], "spa_id"].tolist()
        if crossing:
            notes.append(f"SPAs crossing a district boundary (put in the district with most children): {', '.join(map(str, crossing))}")
        estate = estate_counts(self.sites)
        if sum(estate.values()) != ESTATE_TOTAL:
            notes.append(f"the 2015 estate has {sum(estate.values())} buildings, where seed 003 has {ESTATE_TOTAL}")
        low, high = access_point_range(self.spas_per_need_band())
        if not low <= CENTRES_2016 <= high:
            notes.append(f"the need bands allow {low} to {high} centres under seed 003's rule, not {CENTRES_2016}")
        return notes

    def summary(self) -> dict[str, Any]:
        """The figures a planner checks first, as plain data (what ``geodata summary`` prints)."""
        children = self.demand_points.groupby("district")["population_0_19"].sum()
        district_access = self.coverage_by("district")
        spa_access = self.coverage_by("spa_id")
        sites_by_district = self.sites.groupby("district").size()
        sites_by_spa = self.sites.groupby("spa_id").size()
        districts = [
            {
                "code": code,
                "name": name,
                "footprint": footprint_of(name),
                "population_0_19": int(children.get(name, 0)),
                "spas": int((self.spas["district"] == name).sum()),
                "candidate_sites": int(sites_by_district.get(name, 0)),
                "share_within_walk": round(float(district_access.get(name, 0.0)), 4),
            }
            for code, name in DISTRICTS.items()
        ]
        spas = [
            {
                "id": row.spa_id,
                "name": row.name,
                "district": row.district,
                "footprint": row.footprint,
                "population_0_19": int(row.population_0_19),
                "need_index": round(float(row.need / row.population_0_19), 3),
                "imd_score": round(float(row.imd_score), 2),
                "need_band": row.need_band,
                "lsoas": int(row.n_lsoas),
                "area_km2": round(float(row.area_km2), 1),
                "candidate_sites": int(sites_by_spa.get(row.spa_id, 0)),
                "share_within_walk": round(float(spa_access.get(row.spa_id, 0.0)), 4),
            }
            for row in self.spas.itertuples()
        ]
        bands = self.spas_per_need_band()
        low, high = access_point_range(bands)
        mean = self.spas.groupby("district")["population_0_19"].transform("mean")
        gap = ((self.spas["population_0_19"] - mean).abs() / mean).max()
        return {
            "districts": districts,
            "footprints": self.spas_per_footprint(),
            "spas": spas,
            "need_bands": bands,
            "need_cutoffs_imd_score": {"high_at_or_above": round(self.need_cutoffs[0], 2),
                                       "low_below": round(self.need_cutoffs[1], 2)},
            "centres_allowed_by_seed_rule": {"min": low, "max": high},
            "spa_largest_gap_from_district_mean": round(float(gap), 4),
            "demand_points": len(self.demand_points),
            "population_0_19": self.population_0_19,
            "candidate_sites": len(self.sites),
            "stand_in_sites": int(self.sites["stand_in"].sum()),
            "estate_2015": estate_counts(self.sites),
            "walk_limit_minutes": self.config.walk_limit_minutes,
            "share_within_walk": round(self.share_within_walk(), 4),
            "cleaning": self.report,
            "departures_from_seed_003": self.departures_from_seed(),
        }


def build_geography(
    config: GeodataConfig | None = None,
    *,
    cache_dir: Path | None = None,
    use_cache: bool = True,
    walk_model: WalkModel | None = None,
) -> Geography:
    """Build (or load from the cache) the geography that ``config`` describes.

    Walking times follow ``config.walk_network`` when given, else straight lines x circuity.
    ``walk_model`` replaces both with any :class:`WalkModel`; the cache is bypassed then,
    since that model's inputs are not known to it.
    """
    config = config or GeodataConfig()
    _check_user_files(config)
    directory = cache_dir or cache.default_cache_dir()
    cacheable = use_cache and walk_model is None
    key = cache.cache_key(config) if cacheable else ""
    if cacheable and (hit := cache.load(directory, key)) is not None:
        return hit
    geography = _build(config, walk_model or _walk_model(config))
    if cacheable:
        cache.store(directory, key, geography)
    return geography


def _walk_model(config: GeodataConfig) -> WalkModel:
    if config.walk_network is not None:
        return NetworkWalk.from_file(config.walk_network, config.walk_speed_kmh)
    return CrowFlyWalk(config.walk_speed_kmh, config.circuity)


def _check_user_files(config: GeodataConfig) -> None:
    for path in (config.spa_boundaries, config.sites_file, config.walk_network):
        if path is not None and not Path(path).exists():
            raise InputError(path, "file not found")


def _build(config: GeodataConfig, walk_model: WalkModel) -> Geography:
    lsoas = load_lsoas(config.need_gradient)
    user_sites = None
    if config.sites_file is not None:  # checked before the slow steps, so errors come fast
        user_sites = _locate_sites(read_user_sites(config.sites_file, config.running_cost_gbp),
                                   lsoas, config.sites_file)
    if config.spa_boundaries is not None:
        lsoas["spa_id"] = spas_from_file(config.spa_boundaries, lsoas)
    else:
        lsoas["spa_id"] = build_spa_labels(lsoas, config.spa_balance_tolerance)
    points, postcode_report = build_demand_points(
        read_postcode_directory(), lsoas, config.shared_location_threshold
    )
    cutoffs = national_cutoffs(config.need_high_percentile, config.need_low_percentile)
    spas = summarise_spas(lsoas, *cutoffs)
    names = spa_names(lsoas, read_spatial(WARDS, ["WD25NM"]))
    spas.insert(1, "name", spas["spa_id"].map(names))
    lsoa_attrs = lsoas.set_index("lsoa11cd")
    points["district"] = points["lsoa11cd"].map(lsoa_attrs["district"])
    points["spa_id"] = points["lsoa11cd"].map(lsoa_attrs["spa_id"])

    sites, site_report = _sites(config, user_sites, lsoas, points, walk_model)
    sites["spa_id"] = sites["lsoa11cd"].map(lsoa_attrs["spa_id"])
    walk = walk_model.walk_times(
        points[["x", "y"]].to_numpy(), sites[["x", "y"]].to_numpy(), config.walk_limit_minutes
    )
    districts = lsoas[["district_code", "district", "geometry"]].dissolve("district_code").reset_index()
    districts = districts.rename(columns={"district_code": "ons_code"})
    return Geography(
        config=config,
        lsoas=lsoas,
        demand_points=points,
        spas=spas,
        sites=sites,
        walk=walk,
        districts=districts,
        need_cutoffs=cutoffs,
        report={**postcode_report.as_dict(), **site_report},
    )


def _sites(
    config: GeodataConfig,
    user: gpd.GeoDataFrame | None,
    lsoas: gpd.GeoDataFrame,
    points: pd.DataFrame,
    walk_model: WalkModel,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Register buildings plus 2015 stand-ins, and/or the user's (already located) buildings."""
    if user is not None and config.sites_mode == "replace":
        return user, {"user_sites": len(user)}
    costs = config.running_cost_gbp
    register, report = load_register_sites(costs)
    stand_ins = complete_estate(
        register, load_partner_schools(), points, walk_model, config.walk_limit_minutes, costs
    )
    report["stand_in_sites"] = len(stand_ins)
    frames = [_locate_sites(pd.concat([register, stand_ins], ignore_index=True), lsoas, None)]
    if user is not None and config.sites_file is not None:
        clash = set(user["site_id"]) & set(frames[0]["site_id"])
        if clash:
            raise InputError(config.sites_file, f"site_id {sorted(clash)[0]!r} is already an embedded site",
                             field="site_id", expected="ids not starting LCC- or EDU-")
        frames.append(user)
        report["user_sites"] = len(user)
    sites = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=CRS), report


def _locate_sites(sites: pd.DataFrame, lsoas: gpd.GeoDataFrame, user_file: Path | None) -> gpd.GeoDataFrame:
    """Put each building in its LSOA and district; one outside Lancashire is an error.

    ``user_file`` names the file the rows came from (their order is its rows'), or None for
    the embedded data.
    """
    sites = sites[list(SITE_COLUMNS)].reset_index(drop=True)
    frame = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["x"], sites["y"]), crs=CRS)
    found = polygon_of(frame, lsoas, ["lsoa11cd", "district", "district_code"], SITE_SNAP_METRES)
    joined = frame.drop(columns="district_code").join(found.drop(columns="snapped"))
    outside = np.flatnonzero(joined["lsoa11cd"].isna().to_numpy())
    if len(outside):
        row = joined.iloc[outside[0]]
        raise InputError(
            user_file or row["source"],
            f"building {row['name']!r} at ({row['x']:.0f}, {row['y']:.0f}) is outside Lancashire-12",
            row=int(outside[0]) + 2 if user_file else None,
            field="postcode",
            expected="a location inside the 12 districts",
        )
    return gpd.GeoDataFrame(joined[list(SITE_COLUMNS) + ["lsoa11cd", "district", "geometry"]],
                            geometry="geometry", crs=CRS)
