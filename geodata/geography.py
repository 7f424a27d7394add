"""The built geography: one object holding people, need, SPAs, buildings and walking times."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from geodata import cache
from geodata.config import GeodataConfig
from geodata.embedded import CRS, WARDS
from geodata.errors import EarlyHelpWarning, GeodataError, InputError
from geodata.estate import complete_estate, load_partner_schools
from geodata.lsoas import load_lsoas
from geodata.need import NEED_BANDS, national_cutoffs
from geodata.network import NetworkWalk, check_network
from geodata.postcodes import build_demand_points, read_postcode_directory
from geodata.readers import read_spatial
from geodata.seed003 import FOOTPRINTS, WALK_MINUTES
from geodata.sites import SITE_COLUMNS, load_register_sites, read_user_sites
from geodata.spas import (
    build_spa_labels,
    spa_balance_gaps,
    spa_names,
    spas_from_file,
    summarise_spas,
)
from geodata.spatial import polygon_of
from geodata.walking import CrowFlyWalk, WalkModel, WalkTimes


class UnknownSiteError(GeodataError):
    """Site ids that are not in the geography (a plan or scenario naming a building)."""


@dataclass(frozen=True)
class Geography:
    """Lancashire as the model sees it. All frames are in EPSG:27700 (metres).

    - ``lsoas``: one row per LSOA with children by age, IMD score, need weight and ``spa_id``.
    - ``demand_points``: where children live (one per residential postcode location), with
      ``point_id`` (= row position), ``population_0_19``, ``need``, ``lsoa11cd``, ``district``,
      ``spa_id``.
    - ``spas``: one row per SPA with ``district``, ``footprint``, children, need, ``need_band``.
    - ``sites``: candidate buildings with a unique ``site_id``, type, 2015 role, owner, annual
      cost, ``stand_in``. The same inputs give the same buildings in the same rows, whatever the
      access standard.
    - ``walk``: walking minutes from each demand point (row position) to each site (row
      position) within ``config.walk_horizon_minutes``; ask the access standard of it.
    - ``warnings``: what the build worked around (repeated whenever the geography is loaded).

    The row-position contract (points and sites numbered 0..n-1 in the frames' order, walk
    times indexed the same way) is checked when a Geography is made.
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
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_contract(self)

    @property
    def population_0_19(self) -> int:
        return int(self.demand_points["population_0_19"].sum())

    @property
    def walk_standard_minutes(self) -> float:
        """The access standard answers default to (``config.walk_limit_minutes``)."""
        return self.config.walk_limit_minutes

    def site_mask(self, site_ids: Iterable[str]) -> NDArray[np.bool_]:
        """Boolean mask over ``sites`` selecting these ids; unknown ids are an error."""
        wanted = pd.Index(list(site_ids))
        unknown = wanted.difference(self.sites["site_id"])
        if len(unknown):
            shown = ", ".join(map(repr, unknown[:5])) + (" ..." if len(unknown) > 5 else "")
            raise UnknownSiteError(f"{len(unknown)} site ids are not candidate buildings: {shown}")
        return self.sites["site_id"].isin(wanted).to_numpy()

    def covered(self, sites: ArrayLike | None = None, limit_minutes: float | None = None) -> NDArray[np.bool_]:
        """Whether each demand point is within ``limit_minutes`` (default: the standard) of any
        of ``sites`` (a boolean mask over ``sites``; default: all)."""
        standard = self.walk_standard_minutes if limit_minutes is None else limit_minutes
        return self.walk.covered(sites, limit_minutes=standard)

    def share_within_walk(
        self, sites: ArrayLike | None = None, limit_minutes: float | None = None
    ) -> float:
        """Share of children 0-19 within ``limit_minutes`` (default: the standard) of any of
        ``sites`` (a boolean mask over ``sites``; default: all)."""
        covered = self.covered(sites, limit_minutes)
        children = self.demand_points["population_0_19"].to_numpy()
        return float(children[covered].sum() / children.sum())

    def coverage_by(
        self, column: str, sites: ArrayLike | None = None, limit_minutes: float | None = None
    ) -> pd.Series:
        """Share of children 0-19 within the standard of ``sites``, by a demand-point column."""
        points = self.demand_points
        children = points["population_0_19"]
        reached = children.where(self.covered(sites, limit_minutes), 0)
        return reached.groupby(points[column]).sum() / children.groupby(points[column]).sum()

    def walk_times_to(self, xy: ArrayLike) -> WalkTimes:
        """Walking times from every demand point to other places (``xy``: n x 2 eastings and
        northings), within the horizon and by the geography's walk model, so that a venue or a
        greenfield site is measured as the buildings are (a walk network is read again)."""
        places = np.asarray(xy, dtype=float).reshape(-1, 2)
        points = self.demand_points[["x", "y"]].to_numpy()
        return _walk_model(self.config).walk_times(points, places, self.config.walk_horizon_minutes)

    def spas_per_footprint(self) -> dict[str, int]:
        """SPAs in each of seed 003's footprints."""
        return {name: int((self.spas["footprint"] == name).sum()) for name in FOOTPRINTS}

    def spas_per_need_band(self) -> dict[str, int]:
        """SPAs in each need band (high, middle, low)."""
        return {b: int((self.spas["need_band"] == b).sum()) for b in NEED_BANDS}


def _check_contract(geography: Geography) -> None:
    """Refuse a Geography whose frames and walking times do not line up (a code fault)."""
    sites, points, walk = geography.sites, geography.demand_points, geography.walk
    problems = []
    for name, frame in (("sites", sites), ("demand_points", points), ("spas", geography.spas)):
        if not isinstance(frame.index, pd.RangeIndex) or frame.index.start != 0:
            problems.append(f"{name} must be indexed 0..n-1 by row position")
        if frame.crs is None or frame.crs.to_string() != CRS:
            problems.append(f"{name} must be in {CRS}")
    if sites["site_id"].isna().any() or not sites["site_id"].is_unique:
        problems.append("site_id must be unique and present")
    if not np.array_equal(points["point_id"].to_numpy(), np.arange(len(points))):
        problems.append("point_id must equal the row position")
    if (walk.n_points, walk.n_sites) != (len(points), len(sites)):
        problems.append(
            f"walk times are for {walk.n_points} points x {walk.n_sites} sites, the frames hold "
            f"{len(points)} x {len(sites)}"
        )
    if walk.horizon_minutes < geography.config.walk_limit_minutes:
        problems.append("walk times stop short of the access standard")
    if problems:
        raise ValueError("Geography contract: " + "; ".join(problems))


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
    since that model's inputs are not known to it. What the build worked around is issued as
    :class:`EarlyHelpWarning` each time, built or loaded.
    """
    config = config or GeodataConfig()
    _check_user_files(config)
    directory = cache_dir or cache.default_cache_dir()
    cacheable = use_cache and walk_model is None
    key = cache.cache_key(config.for_build()) if cacheable else ""
    hit = cache.load(directory, key, Geography) if cacheable else None
    if hit is not None:
        geography = replace(hit, config=config)
    else:
        geography = _build_recording_warnings(config, walk_model)
        if cacheable:
            cache.store(directory, key, replace(geography, config=config.for_build()))
    for message in geography.warnings:
        warnings.warn(message, EarlyHelpWarning, stacklevel=2)
    return geography


def _build_recording_warnings(config: GeodataConfig, walk_model: WalkModel | None) -> Geography:
    """Build, keeping the EarlyHelpWarnings raised on the way (reading a walk network included)
    in the geography itself.

    If the build fails, they are said at once, before the error (a file read as Windows-1252
    and then refused should say both).
    """
    built: Geography | None = None
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", EarlyHelpWarning)
            built = _build(config, walk_model or _walk_model(config))
    finally:
        for w in caught:
            if built is None or not issubclass(w.category, EarlyHelpWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    ours = (str(w.message) for w in caught if issubclass(w.category, EarlyHelpWarning))
    return replace(built, warnings=tuple(dict.fromkeys(ours)))


def _walk_model(config: GeodataConfig) -> WalkModel:
    if config.walk_network is not None:
        return NetworkWalk.from_file(config.walk_network, config.walk_speed_kmh,
                                     max_segment_m=config.network_segment_metres)
    return CrowFlyWalk(config.walk_speed_kmh, config.circuity)


def _check_user_files(config: GeodataConfig) -> None:
    """Refuse a user file that is missing, unreadable, or a folder where a CSV is wanted.

    Before the cache key is made from the files' bytes, so the message is about the input.
    """
    spatial = (config.spa_boundaries, config.walk_network)  # a shapefile may come as a folder
    for path in (p for p in (*spatial, config.sites_file) if p is not None):
        path = Path(path)
        if not path.exists():
            raise InputError(path, "file not found")
        if path.is_dir() and path not in spatial:
            raise InputError(path, "is a folder, not a file", expected="a CSV file")
        try:
            files = sorted(path.rglob("*")) if path.is_dir() else [path]
            for file in (f for f in files if f.is_file()):
                with file.open("rb") as handle:
                    handle.read(1)
        except OSError as exc:
            raise InputError(path, f"cannot be read ({exc.strerror or exc})",
                             expected="a file this user may read") from None


def _build(config: GeodataConfig, walk_model: WalkModel) -> Geography:
    lsoas = load_lsoas(config.need_gradient)
    costs = config.running_cost_gbp.as_dict()
    user_sites = None
    if config.sites_file is not None:  # checked before the slow steps, so errors come fast
        user_sites = _locate_sites(read_user_sites(config.sites_file, costs), lsoas,
                                   config.sites_file, config.site_snap_metres)
    if config.spa_boundaries is not None:
        lsoas["spa_id"] = spas_from_file(config.spa_boundaries, lsoas,
                                         snap_metres=config.spa_file_snap_metres)
    else:
        lsoas["spa_id"] = build_spa_labels(lsoas, config.spa_balance_tolerance)
    points, postcode_report = build_demand_points(
        read_postcode_directory(), lsoas, config.shared_location_threshold, config.postcode_snap_metres
    )
    cutoffs = national_cutoffs(config.need_high_percentile, config.need_low_percentile)
    spas = summarise_spas(lsoas, *cutoffs)
    names = spa_names(lsoas, read_spatial(WARDS, ["WD25NM"]))
    spas.insert(1, "name", spas["spa_id"].map(names))
    lsoa_attrs = lsoas.set_index("lsoa11cd")
    points["district"] = points["lsoa11cd"].map(lsoa_attrs["district"])
    points["spa_id"] = points["lsoa11cd"].map(lsoa_attrs["spa_id"])

    sites, site_report = _sites(config, user_sites, lsoas, points, walk_model, costs)
    if isinstance(walk_model, NetworkWalk) and config.walk_network is not None:
        site_report.update(check_network(
            walk_model, points[["x", "y"]].to_numpy(), points["population_0_19"].to_numpy(),
            sites[["x", "y"]].to_numpy(), config.walk_network))
    sites["spa_id"] = sites["lsoa11cd"].map(lsoa_attrs["spa_id"])
    walk = walk_model.walk_times(
        points[["x", "y"]].to_numpy(), sites[["x", "y"]].to_numpy(), config.walk_horizon_minutes
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
        report={**postcode_report.as_dict(), **site_report,
                "spa_balance_gap_by_district": spa_balance_gaps(spas)},
    )


def _sites(
    config: GeodataConfig,
    user: gpd.GeoDataFrame | None,
    lsoas: gpd.GeoDataFrame,
    points: pd.DataFrame,
    walk_model: WalkModel,
    costs: dict[str, float],
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Register buildings plus 2015 stand-ins, and/or the user's (already located) buildings.

    Stand-ins are chosen against seed 003's 30-minute walk whatever the scenario's standard,
    so the candidate buildings and their ids do not depend on it.
    """
    if user is not None and config.sites_mode == "replace":
        return user, {"user_sites": len(user)}
    register, report = load_register_sites(costs)
    stand_ins = complete_estate(
        register, load_partner_schools(), points, walk_model, WALK_MINUTES, costs
    )
    report["stand_in_sites"] = len(stand_ins)
    embedded = pd.concat([register, stand_ins], ignore_index=True)
    frames = [_locate_sites(embedded, lsoas, None, config.site_snap_metres)]
    if user is not None:  # its ids cannot clash: LCC- and EDU- are refused in user files
        frames.append(user)
        report["user_sites"] = len(user)
    sites = pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(sites, geometry="geometry", crs=CRS), report


def _locate_sites(
    sites: pd.DataFrame, lsoas: gpd.GeoDataFrame, user_file: Path | None, snap_metres: float
) -> gpd.GeoDataFrame:
    """Put each building in its LSOA and district; one outside Lancashire is an error.

    ``user_file`` names the file the rows came from (indexed by file row - 2, as
    :func:`read_user_sites` gives them), or None for the embedded data.
    """
    file_rows = sites.index.to_numpy() + 2
    sites = sites[list(SITE_COLUMNS)].reset_index(drop=True)
    frame = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sites["x"], sites["y"]), crs=CRS)
    found = polygon_of(frame, lsoas, ["lsoa11cd", "district", "district_code"], snap_metres)
    joined = frame.drop(columns="district_code").join(found.drop(columns="snapped"))
    outside = np.flatnonzero(joined["lsoa11cd"].isna().to_numpy())
    if len(outside):
        row = joined.iloc[outside[0]]
        raise InputError(
            user_file or row["source"],
            f"building {row['name']!r} at ({row['x']:.0f}, {row['y']:.0f}) is outside Lancashire-12",
            row=int(file_rows[outside[0]]) if user_file else None,
            field="postcode" if str(row["postcode"]).strip() else "easting",
            expected="a location inside the 12 districts",
        )
    return gpd.GeoDataFrame(joined[list(SITE_COLUMNS) + ["lsoa11cd", "district", "geometry"]],
                            geometry="geometry", crs=CRS)
