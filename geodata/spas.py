"""Service planning areas (SPAs): 34 contiguous groups of whole LSOAs, each inside one district.

The council's 34 SPA boundaries were never published, so they are built reproducibly:

1. **Districts' shares.** Each footprint's SPA count (seed 003: 9/4/9/6/6) is shared among
   its districts in proportion to children 0-19, at least one each (largest remainder).
2. **Contiguous, compact regions.** Within a district, LSOAs that touch (queen contiguity) are
   neighbours; parts cut off by an estuary are joined to the nearest LSOA across it. SKATER
   (Assunção et al. 2006, via PySAL ``spopt.region.Skater``) prunes the minimum spanning tree
   of LSOA population-weighted centroids into k regions, which makes them compact.
3. **Balance.** SKATER does not balance population, so LSOAs on the edge of an SPA move to a
   neighbouring SPA while that lowers the spread of SPA populations and keeps both sides
   contiguous, until every SPA is within ``tolerance`` of its district mean. If it stops short
   (no move helps), an :class:`~geodata.errors.EarlyHelpWarning` says by how much.

A user's own boundary file replaces all of this (:func:`spas_from_file`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, lil_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geodata.apportion import largest_remainder
from geodata.config import GeodataConfig
from geodata.districts import DISTRICTS, footprint_of
from geodata.embedded import CRS
from geodata.errors import EarlyHelpWarning, InputError
from geodata.need import band
from geodata.readers import read_spatial
from geodata.seed003 import FOOTPRINTS
from geodata.spatial import (
    CRS_HINT,
    crs_mismatch,
    extent_text,
    feature_list,
    listing,
    polygon_of,
    wide_overlaps,
)

#: How far (metres) an LSOA centroid may lie outside every polygon of a user's SPA file and
#: still join the nearest SPA (the parameter ``spa_file_snap_metres``).
USER_SPA_SNAP_METRES: float = GeodataConfig.model_fields["spa_file_snap_metres"].default
#: Overlaps between two SPAs of a user's file that nowhere hold a circle this wide (metres) are
#: digitising slivers and ignored. Assumption: ONS's generalised boundaries (BGC) are simplified
#: to 20 m, so SPAs drawn from different sources can disagree by that much along a whole border;
#: anything wider is a real overlap, where an LSOA would join whichever SPA comes first.
OVERLAP_SLIVER_METRES = 20.0
#: An invalid SPA polygon is mended (with a warning) when mending changes its area by less than
#: this (square metres), else refused. Assumption: reprojection and dissolving leave
#: self-intersections that mend with ~0 m2 of change; 100 m2 (a house plot) cannot move an
#: LSOA's centroid between SPAs, while a bow-tie or a ring crossing itself changes far more.
REPAIR_MAX_SQ_METRES = 100.0


def spa_counts_by_district(lsoas: pd.DataFrame) -> dict[str, int]:
    """SPAs per district: each footprint's count shared by children 0-19, at least one each."""
    children = lsoas.groupby("district")["population_0_19"].sum()
    counts: dict[str, int] = {}
    for members, total in FOOTPRINTS.values():
        shares = largest_remainder(total, [children[d] for d in members], minimum=1)
        counts.update({d: int(n) for d, n in zip(members, shares, strict=True)})
    return counts


def contiguity(lsoas: gpd.GeoDataFrame) -> csr_matrix:
    """Symmetric 0/1 neighbour matrix of LSOAs (queen), with separate parts bridged.

    A part cut off from the rest (by an estuary, say) is joined by one link between the
    closest pair of population-weighted centroids, repeatedly, until all is one component.
    """
    from libpysal.weights import Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        queen = Queen.from_dataframe(lsoas, use_index=False, silence_warnings=True)
    links = lil_matrix(queen.sparse.astype(bool))
    xy = lsoas[["pwc_x", "pwc_y"]].to_numpy()
    while True:
        n_parts, part = connected_components(links.tocsr(), directed=False)
        if n_parts == 1:
            return links.tocsr().astype(np.int8)
        smallest = np.argmin(np.bincount(part))
        inside, outside = np.flatnonzero(part == smallest), np.flatnonzero(part != smallest)
        dist, nearest = cKDTree(xy[outside]).query(xy[inside])
        i = int(np.argmin(dist))
        a, b = inside[i], outside[nearest[i]]
        links[a, b] = links[b, a] = True


def is_contiguous(links: csr_matrix, members: NDArray[np.bool_]) -> bool:
    """Whether the LSOAs flagged in ``members`` form one connected group."""
    idx = np.flatnonzero(members)
    if len(idx) == 0:
        return False
    n_parts, _ = connected_components(links[idx][:, idx], directed=False)
    return n_parts == 1


def skater_regions(lsoas: gpd.GeoDataFrame, links: csr_matrix, k: int) -> NDArray[np.int64]:
    """SKATER regions of the LSOAs on their centroids (km from the mean, so compact)."""
    if k == 1:
        return np.zeros(len(lsoas), dtype=np.int64)
    from libpysal.weights import WSP
    from spopt.region import Skater

    frame = pd.DataFrame(
        {
            "x_km": (lsoas["pwc_x"] - lsoas["pwc_x"].mean()) / 1000,
            "y_km": (lsoas["pwc_y"] - lsoas["pwc_y"].mean()) / 1000,
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = WSP(links.astype(float)).to_W(silence_warnings=True)
        model = Skater(frame, weights, ["x_km", "y_km"], n_clusters=k, floor=max(1, len(lsoas) // (2 * k)))
        model.solve()
    return _relabel(np.asarray(model.labels_, dtype=np.int64))


def balance_regions(
    labels: NDArray[np.int64],
    links: csr_matrix,
    population: NDArray[np.float64],
    xy: NDArray[np.float64],
    tolerance: float,
    max_moves: int = 2000,
    *,
    name: str = "the district",
) -> NDArray[np.int64]:
    """Move edge LSOAs between neighbouring regions until populations are within ``tolerance``.

    A move must lower the sum of squared gaps to the mean and leave both regions contiguous;
    among such moves the one with the lowest resulting spread wins, then the LSOA closest to
    the receiving region's centre (for compactness), then the lowest index (determinism).
    Stopping with a region still outside ``tolerance`` (no such move, or ``max_moves`` made)
    issues an :class:`EarlyHelpWarning` naming ``name``, the largest gap and the tolerance.
    """
    labels = labels.copy()
    moves = 0
    while (gap := largest_gap(labels, population)) > tolerance:
        move = _best_move(labels, links, population, xy) if moves < max_moves else None
        if move is None:
            why = (f"stopped after max_moves={max_moves} moves" if moves == max_moves else
                   "no move of an edge LSOA to a neighbouring SPA narrows the spread without "
                   "splitting an SPA")
            warnings.warn(
                f"SPAs of {name} are not balanced: one is {gap:.2%} from the district mean of "
                f"{population.sum() / (labels.max() + 1):,.0f} children 0-19, beyond the "
                f"tolerance of {tolerance:.2%} ({why})",
                EarlyHelpWarning,
                stacklevel=2,
            )
            break
        labels[move[0]] = move[1]
        moves += 1
    return labels


def largest_gap(labels: NDArray[np.int64], population: NDArray[np.float64]) -> float:
    """Largest gap of a region's population from the mean region, as a share of that mean."""
    return _gap(np.bincount(labels, weights=population, minlength=int(labels.max()) + 1))


def spa_balance_gaps(spas: pd.DataFrame) -> dict[str, float]:
    """Largest gap of an SPA's children from its district's mean SPA, by district.

    ``spas`` is one row per SPA with ``district`` and ``population_0_19`` (as
    :func:`summarise_spas` gives), so it measures built SPAs and a user's alike.
    """
    by_district = spas.groupby("district")["population_0_19"]
    return {str(d): round(_gap(p.to_numpy(float)), 4) for d, p in by_district}


def _gap(totals: NDArray[np.float64]) -> float:
    mean = totals.mean()
    return float(np.abs(totals - mean).max() / mean)


def _best_move(
    labels: NDArray[np.int64],
    links: csr_matrix,
    population: NDArray[np.float64],
    xy: NDArray[np.float64],
) -> tuple[int, int] | None:
    """(LSOA, region to move it to) for :func:`balance_regions`'s best move, or None."""
    k = int(labels.max()) + 1
    totals = np.bincount(labels, weights=population, minlength=k)
    target = totals.mean()
    spread = ((totals - target) ** 2).sum()
    centres = np.array([xy[labels == r].mean(axis=0) for r in range(k)])
    best: tuple[float, float, int, int] | None = None
    for u in range(len(labels)):
        src = labels[u]
        for dst in set(labels[links.indices[links.indptr[u] : links.indptr[u + 1]]]) - {src}:
            after = totals.copy()
            after[src] -= population[u]
            after[dst] += population[u]
            new_spread = ((after - target) ** 2).sum()
            if new_spread >= spread:
                continue
            key = (new_spread, float(np.hypot(*(xy[u] - centres[dst]))), u, int(dst))
            if best is not None and key >= best:
                continue
            donor = labels == src
            donor[u] = False
            if is_contiguous(links, donor):
                best = key
    return None if best is None else (best[2], best[3])


def build_spa_labels(lsoas: gpd.GeoDataFrame, tolerance: float) -> pd.Series:
    """SPA id of every LSOA (index aligned with ``lsoas``), built as the module describes."""
    counts = spa_counts_by_district(lsoas)
    labels = pd.Series(index=lsoas.index, dtype=object)
    for district in DISTRICTS.values():
        mask = (lsoas["district"] == district).to_numpy()
        subset = lsoas[mask].reset_index(drop=True)
        links = contiguity(subset)
        regions = skater_regions(subset, links, counts[district])
        xy = subset[["pwc_x", "pwc_y"]].to_numpy()
        regions = balance_regions(
            regions, links, subset["population_0_19"].to_numpy(float), xy, tolerance, name=district
        )
        labels[mask] = _spa_ids(district, regions, xy)
    return labels


def spas_from_file(
    path: Path, lsoas: gpd.GeoDataFrame, *, snap_metres: float = USER_SPA_SNAP_METRES
) -> pd.Series:
    """SPA id of every LSOA from a user's boundary file, by where its centroid falls.

    The file needs one Polygon or MultiPolygon feature per SPA with a unique ``spa_id`` and a
    stated CRS; it is reprojected to EPSG:27700. Each LSOA joins the SPA holding its
    population-weighted centroid, or the nearest within ``snap_metres``. Blank or repeated ids,
    missing or non-polygon geometries, invalid polygons that do not mend trivially, SPAs that
    overlap (beyond slivers :data:`OVERLAP_SLIVER_METRES` wide), LSOAs outside every SPA and
    SPAs that receive no LSOA are refused, naming the features.
    """
    shapes = read_spatial(path, ["spa_id"])
    shapes["spa_id"] = _user_spa_ids(shapes["spa_id"], path)
    _check_polygons(shapes, path)
    stated = shapes.crs.to_string()
    if (mismatch := crs_mismatch(shapes)) is not None:
        raise InputError(path, f"no Lancashire LSOA falls inside any polygon: {mismatch}",
                         field="geometry", expected=CRS_HINT)
    shapes = _repaired(shapes.to_crs(CRS), shapes.geometry, path)
    _check_overlaps(shapes, path)
    centroids = gpd.GeoDataFrame(
        {"lsoa11cd": lsoas["lsoa11cd"].to_numpy()},
        geometry=gpd.points_from_xy(lsoas["pwc_x"], lsoas["pwc_y"]),
        crs=CRS,
    )
    spa = polygon_of(centroids, shapes, ["spa_id"], snap_metres)["spa_id"]
    if spa.isna().all():
        raise InputError(
            path,
            f"no Lancashire LSOA falls inside any polygon: the polygons span "
            f"{extent_text(shapes.total_bounds)} and the LSOAs {extent_text(lsoas.total_bounds)} "
            f"(EPSG:27700 metres)",
            field="geometry",
            expected=f"polygons covering Lancashire-12 (is the stated CRS {stated} right?)",
        )
    if spa.isna().any():
        first = centroids.loc[spa.isna()].iloc[0]
        raise InputError(
            path,
            f"{int(spa.isna().sum())} of {len(spa)} LSOAs have their population-weighted centroid "
            f"more than {snap_metres:,.0f} m outside every SPA polygon, e.g. {first['lsoa11cd']} "
            f"at ({first.geometry.x:,.0f}, {first.geometry.y:,.0f})",
            field="geometry",
            expected="polygons that cover all of Lancashire-12",
        )
    unused = np.flatnonzero(~shapes["spa_id"].isin(spa).to_numpy())
    if len(unused):
        raise InputError(
            path,
            f"no LSOA joins {listing([_feature(shapes, i) for i in unused], 'or')}: no LSOA's "
            f"population-weighted centroid falls in {'it' if len(unused) == 1 else 'any of them'}",
            field="geometry",
            expected="every SPA to hold the population-weighted centroid of at least one LSOA",
        )
    return spa.astype(str).set_axis(lsoas.index)


def _user_spa_ids(ids: pd.Series, path: Path) -> pd.Series:
    """The ``spa_id`` of each feature as trimmed text; blank or repeated ids are refused."""
    text = ids.astype("string").str.strip()
    blank = (text.isna() | (text == "")).to_numpy()
    if blank.any():
        raise InputError(path, f"spa_id is blank in {feature_list(np.flatnonzero(blank))}",
                         field="spa_id", expected="an identifier on every polygon")
    repeated = text[text.duplicated(keep=False)].unique()
    if len(repeated):
        others = [repr(r) for r in repeated[1:]]
        also = f" (also repeated: {listing(others)})" if others else ""
        users = feature_list(np.flatnonzero(text == repeated[0]))
        raise InputError(
            path,
            f"spa_id {repeated[0]!r} is used by {users}{also}",
            field="spa_id",
            expected="one feature per SPA (merge an SPA's parts into one MultiPolygon)",
        )
    return text.astype(object)


def _check_polygons(shapes: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse features without a geometry or that are not polygons."""
    geometry = shapes.geometry
    missing = np.flatnonzero((geometry.isna() | geometry.is_empty).to_numpy())
    if len(missing):
        raise InputError(path, f"no geometry in {listing([_feature(shapes, i) for i in missing])}",
                         field="geometry", expected="a polygon on every feature")
    kinds = geometry.geom_type.to_numpy()
    wrong = np.flatnonzero(~np.isin(kinds, ["Polygon", "MultiPolygon"]))
    if len(wrong):
        raise InputError(
            path,
            f"{_feature(shapes, wrong[0])} is a {kinds[wrong[0]]}"
            f"{_also('not polygons', wrong[1:])}",
            field="geometry",
            expected="Polygon or MultiPolygon features (SPA boundaries)",
        )


def _repaired(shapes: gpd.GeoDataFrame, stated: gpd.GeoSeries, path: Path) -> gpd.GeoDataFrame:
    """``shapes`` (in metres) with invalid polygons repaired where that is a mere artefact.

    Reprojection and dissolving leave tiny self-intersections that :func:`shapely.make_valid`
    mends without moving any real area; a repair that would change a polygon's area by
    :data:`REPAIR_MAX_SQ_METRES` or more (a bow-tie, a ring crossing itself) is refused,
    naming the feature and shapely's reason in the file's own coordinates (``stated``).
    """
    invalid = np.flatnonzero(~shapely.is_valid(shapes.geometry.array))
    if len(invalid) == 0:
        return shapes
    broken = shapes.geometry.array[invalid]
    fixed = shapely.make_valid(broken, method="structure", keep_collapsed=False)
    moved = np.abs(shapely.area(fixed) - shapely.area(broken))
    reasons = shapely.is_valid_reason(stated.array[invalid])  # in the file's own coordinates
    reasons = np.where(reasons == "Valid Geometry", shapely.is_valid_reason(broken), reasons)
    refused = np.flatnonzero(moved >= REPAIR_MAX_SQ_METRES)
    if len(refused):
        raise InputError(
            path,
            f"{_feature(shapes, invalid[refused[0]])} is not a valid polygon: {reasons[refused[0]]}"
            f"{_also('invalid', invalid[refused[1:]])}",
            field="geometry",
            expected="valid polygons (QGIS 'Fix geometries' or shapely make_valid repairs them)",
        )
    warnings.warn(
        f"{path}: repaired the invalid geometry of "
        f"{listing([_feature(shapes, i) for i in invalid])} ({reasons[0]}), changing the area "
        f"by {moved.sum():,.1f} square metres in all",
        EarlyHelpWarning,
        stacklevel=3,
    )
    geometry = shapes.geometry.to_numpy().copy()
    geometry[invalid] = fixed
    return shapes.set_geometry(gpd.GeoSeries(geometry, index=shapes.index, crs=shapes.crs))


def _check_overlaps(shapes: gpd.GeoDataFrame, path: Path) -> None:
    """Refuse SPAs that overlap by more than a sliver: an LSOA there would join either."""
    pairs = wide_overlaps(shapes.geometry, OVERLAP_SLIVER_METRES)
    if len(pairs) == 0:
        return
    names = [f"{_feature(shapes, a)} and {_feature(shapes, b)}"
             for a, b in zip(pairs["first"], pairs["second"], strict=True)]
    also = f" (also overlapping: {listing(names[1:], most=3)})" if len(names) > 1 else ""
    raise InputError(
        path,
        f"{names[0]} overlap by {pairs['area'].iloc[0] / 1e4:,.1f} ha{also}",
        field="geometry",
        expected=f"SPAs that meet without overlapping (overlaps nowhere wider than "
                 f"{OVERLAP_SLIVER_METRES:g} m are ignored as slivers)",
    )


def _feature(shapes: gpd.GeoDataFrame, position: int) -> str:
    """'feature 3 (SPA 'Preston 2')': features counted from 1, as a GIS lists them."""
    return f"feature {position + 1} (SPA {shapes['spa_id'].iloc[position]!r})"


def _also(what: str, positions: NDArray[np.int64]) -> str:
    """' (also invalid: features 5 and 9)', or nothing when there are no others."""
    return f" (also {what}: {feature_list(positions)})" if len(positions) else ""


def summarise_spas(
    lsoas: gpd.GeoDataFrame, high_cutoff: float, low_cutoff: float
) -> gpd.GeoDataFrame:
    """One row per SPA: district, footprint, children, need, need band, shape.

    An SPA from a user's file that crosses districts is put in the district holding most of
    its children.
    """
    frame = lsoas.assign(
        need=lsoas["population_0_19"] * lsoas["need_weight"],
        score_x_children=lsoas["imd_score"] * lsoas["population_0_19"],
    )
    by_district = frame.groupby(["spa_id", "district"])["population_0_19"].sum().reset_index()
    main = by_district.sort_values(["spa_id", "population_0_19", "district"], ascending=[True, False, True])
    district = main.drop_duplicates("spa_id").set_index("spa_id")["district"]
    sums = frame.groupby("spa_id")[
        ["pop_0_4", "pop_5_11", "pop_12_19", "population_0_19", "need", "score_x_children"]
    ].sum()
    shapes = frame[["spa_id", "geometry"]].dissolve("spa_id")
    spas = gpd.GeoDataFrame(sums.join(shapes), geometry="geometry", crs=CRS)
    spas["district"] = district
    spas["footprint"] = spas["district"].map(footprint_of)
    spas["n_lsoas"] = frame.groupby("spa_id").size()
    spas["imd_score"] = spas["score_x_children"] / spas["population_0_19"]
    spas["need_band"] = [band(s, high_cutoff, low_cutoff) for s in spas["imd_score"]]
    spas["area_km2"] = spas.area / 1e6
    spas["compactness"] = 4 * np.pi * spas.area / spas.length**2
    spas["crosses_districts"] = by_district.groupby("spa_id").size() > 1
    spas = spas.drop(columns="score_x_children").reset_index()
    order = ["footprint", "district", "spa_id"]
    return spas.sort_values(order).reset_index(drop=True)


def spa_names(lsoas: gpd.GeoDataFrame, wards: gpd.GeoDataFrame, per_spa: int = 2) -> pd.Series:
    """A readable name per SPA: its id and the wards holding most of its children.

    Each LSOA's children count in the ward (``WD25NM``) holding its population-weighted
    centroid; e.g. 'Preston 4 (St Matthew's, Fishwick & Frenchwood)'.
    """
    centroids = gpd.GeoDataFrame(
        lsoas[["spa_id", "population_0_19"]],
        geometry=gpd.points_from_xy(lsoas["pwc_x"], lsoas["pwc_y"]),
        crs=CRS,
    )
    placed = gpd.sjoin_nearest(centroids, wards[["WD25NM", "geometry"]].to_crs(CRS))
    placed = placed[~placed.index.duplicated(keep="first")]
    children = placed.groupby(["spa_id", "WD25NM"])["population_0_19"].sum().reset_index()
    children = children.sort_values(["spa_id", "population_0_19", "WD25NM"], ascending=[True, False, True])
    top = children.groupby("spa_id")["WD25NM"].apply(lambda w: ", ".join(w.iloc[:per_spa]))
    return pd.Series({spa: f"{spa} ({wards_})" for spa, wards_ in top.items()}, name="name")


def _relabel(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    """Labels renumbered 0..k-1 in order of first appearance."""
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    mapping = {old: new for new, old in enumerate(order)}
    return np.array([mapping[v] for v in labels], dtype=np.int64)


def _spa_ids(district: str, regions: NDArray[np.int64], xy: NDArray[np.float64]) -> list[str]:
    """Ids like 'Preston 1', numbered north to south by the regions' mean centroid."""
    k = int(regions.max()) + 1
    northing = [xy[regions == r, 1].mean() for r in range(k)]
    rank = {r: i + 1 for i, r in enumerate(np.argsort(-np.asarray(northing), kind="stable"))}
    return [f"{district} {rank[r]}" for r in regions]
