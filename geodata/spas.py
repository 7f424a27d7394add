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
   contiguous, until every SPA is within ``tolerance`` of its district mean (or no move helps).

A user's own boundary file replaces all of this (:func:`spas_from_file`).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, lil_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geodata.apportion import largest_remainder
from geodata.districts import DISTRICTS, FOOTPRINTS, footprint_of
from geodata.embedded import CRS
from geodata.errors import InputError
from geodata.need import band
from geodata.readers import read_spatial
from geodata.spatial import polygon_of

#: How far (metres) an LSOA centroid may lie outside every polygon of a user's SPA file and
#: still join the nearest SPA.
USER_SPA_SNAP_METRES = 1000.0


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
) -> NDArray[np.int64]:
    """Move edge LSOAs between neighbouring regions until populations are within ``tolerance``.

    A move must lower the sum of squared gaps to the mean and leave both regions contiguous;
    among such moves the one with the lowest resulting spread wins, then the LSOA closest to
    the receiving region's centre (for compactness), then the lowest index (determinism).
    """
    labels = labels.copy()
    k = int(labels.max()) + 1
    target = population.sum() / k
    for _ in range(max_moves):
        totals = np.bincount(labels, weights=population, minlength=k)
        if np.abs(totals - target).max() <= tolerance * target:
            break
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
        if best is None:
            break
        labels[best[2]] = best[3]
    return labels


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
            regions, links, subset["population_0_19"].to_numpy(float), xy, tolerance
        )
        labels[mask] = _spa_ids(district, regions, xy)
    return labels


def spas_from_file(path: Path, lsoas: gpd.GeoDataFrame) -> pd.Series:
    """SPA id of every LSOA from a user's boundary file, by where its centroid falls.

    The file needs a ``spa_id`` field and a stated CRS; it is reprojected to EPSG:27700.
    """
    shapes = read_spatial(path, ["spa_id"]).to_crs(CRS)
    nulls = shapes["spa_id"].isna()
    if nulls.any():
        raise InputError(path, "empty SPA id", row=int(nulls.idxmax()) + 1, field="spa_id",
                         expected="an identifier on every polygon")
    centroids = gpd.GeoDataFrame(
        {"lsoa11cd": lsoas["lsoa11cd"].to_numpy()},
        geometry=gpd.points_from_xy(lsoas["pwc_x"], lsoas["pwc_y"]),
        crs=CRS,
    )
    spa = polygon_of(centroids, shapes, ["spa_id"], USER_SPA_SNAP_METRES)["spa_id"]
    if spa.isna().all():
        raise InputError(
            path,
            "no Lancashire LSOA falls inside any polygon",
            field="geometry",
            expected=f"polygons covering Lancashire-12 (is the stated CRS {shapes.crs} right?)",
        )
    if spa.isna().any():
        first = centroids.loc[spa.isna(), "lsoa11cd"].iloc[0]
        raise InputError(
            path,
            f"{int(spa.isna().sum())} LSOAs lie in no SPA polygon, e.g. {first}",
            field="geometry",
            expected="polygons that cover all of Lancashire-12",
        )
    return spa.astype(str).set_axis(lsoas.index)


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
