"""Walking times along a real path network, e.g. an OpenStreetMap extract of footways and streets.

Give it a line file (GeoPackage, GeoJSON or shapefile of LineStrings, in any stated CRS: export
the walkable ways of an OSM extract with QGIS, ogr2ogr or osmium). Every vertex is a node and
every pair of consecutive vertices an edge (long straight segments are first split every
``max_segment_m``, 25 m by default), so ways that share a vertex are joined, as OSM ways are at
junctions. A point reaches the network at its nearest node in a straight line; the walk is that
leg, the shortest path along the network (Dijkstra, bounded by the time limit, scipy) and the
leg from the network to the building.

A network that does not describe where the homes and buildings are (another place, another
CRS, a patchy or unjoined extract) would report access near 0 %; :func:`check_network` measures
those straight-line legs and the network's connected parts and refuses or warns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from geodata.config import GeodataConfig
from geodata.embedded import CRS
from geodata.errors import EarlyHelpWarning, InputError
from geodata.readers import read_spatial
from geodata.spatial import CRS_HINT, crs_mismatch, extent_text, feature_list
from geodata.walking import WalkTimes

#: Vertices closer than this (metres) are the same node (OSM exports repeat shared nodes exactly).
NODE_PRECISION_M = 0.1
#: Longest edge kept (metres; the parameter ``network_segment_metres``): longer segments are
#: split so that a building or home midway along a straight street joins a node at most half
#: this far away.
MAX_SEGMENT_M: float = GeodataConfig.model_fields["network_segment_metres"].default
#: Sites searched from at once: bounds memory to this many rows of node distances.
SITES_PER_BATCH = 16
#: A home or building further than this (metres, straight line) from every node is "off the
#: network". Assumption: in an extract of walkable ways nearly every postcode lies within
#: 100 m of a street or footway; 250 m (about 3 minutes' walk) leaves room for rural postcode
#: centroids. Further out the straight leg, not the network, decides the walk.
FAR_FROM_NETWORK_M = 250.0
#: Share of children (weighted) or of buildings off the network, or joining it outside its
#: largest connected part, above which the network is refused. Assumption: when most of them
#: are, the network does not cover the area and access figures would measure its gaps.
REFUSE_NETWORK_SHARE = 0.5
#: Share above which the same is warned about. Assumption: one child or building in twenty
#: can move a district's access figure by several points.
WARN_NETWORK_SHARE = 0.05


@dataclass(frozen=True)
class NetworkWalk:
    """Shortest walks along ``graph`` (node x node metres) at ``speed_kmh``.

    ``dropped`` counts the features of the source file that held no line (empty, or of no
    length) and were left out.
    """

    graph: csr_matrix
    nodes_xy: NDArray[np.float64]
    speed_kmh: float
    dropped: int = 0

    @classmethod
    def from_file(
        cls, path: Path, speed_kmh: float, *, max_segment_m: float = MAX_SEGMENT_M
    ) -> NetworkWalk:
        """Build the network from a line file; reprojected to EPSG:27700.

        Features with an empty geometry or a line shorter than :data:`NODE_PRECISION_M` are
        dropped with a warning; anything but lines, or coordinates that cannot be in the
        stated CRS, are refused.
        """
        frame = read_spatial(path)
        geometry = frame.geometry
        kinds = geometry.geom_type.to_numpy()
        missing = (geometry.isna() | geometry.is_empty).to_numpy()
        wrong = np.flatnonzero(~missing & ~np.isin(kinds, ["LineString", "MultiLineString"]))
        if len(wrong):
            others = f" (also not lines: {feature_list(wrong[1:])})" if len(wrong) > 1 else ""
            raise InputError(path, f"feature {wrong[0] + 1} is a {kinds[wrong[0]]}{others}",
                             field="geometry", expected="LineString features (paths and streets)")
        if (mismatch := crs_mismatch(frame)) is not None:
            raise InputError(path, mismatch, field="geometry", expected=CRS_HINT)
        lines = frame.to_crs(CRS).geometry
        useless = missing | (lines.length < NODE_PRECISION_M).to_numpy()
        if useless.all():
            raise InputError(path, f"none of its {len(frame)} features holds a line",
                             field="geometry", expected="LineString features (paths and streets)")
        if useless.any():
            warnings.warn(
                f"{path}: {int(useless.sum())} of {len(frame)} features hold no line and were "
                f"left out ({int(missing.sum())} empty, {int((useless & ~missing).sum())} "
                f"shorter than {NODE_PRECISION_M:g} m), e.g. feature {int(np.argmax(useless)) + 1}",
                EarlyHelpWarning,
                stacklevel=2,
            )
        walk = cls.from_lines(lines[~useless].to_numpy(), speed_kmh, max_segment_m=max_segment_m)
        return cls(walk.graph, walk.nodes_xy, speed_kmh, dropped=int(useless.sum()))

    @classmethod
    def from_lines(
        cls, lines: NDArray[np.object_], speed_kmh: float, *, max_segment_m: float = MAX_SEGMENT_M
    ) -> NetworkWalk:
        """Build the network from shapely (Multi)LineStrings in metres.

        Missing, empty or zero-length lines add nothing: only nodes on an edge are kept.
        """
        if not max_segment_m > 0:
            raise ValueError(f"max_segment_m must be positive, not {max_segment_m}")
        parts = shapely.get_parts(np.asarray(lines, dtype=object))
        dense = shapely.segmentize(parts[shapely.length(parts) > 0], max_segment_m)
        coords, line_of = shapely.get_coordinates(dense, return_index=True)
        keys = np.round(coords / NODE_PRECISION_M).astype(np.int64)
        unique_keys, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.ravel()
        same_line = line_of[1:] == line_of[:-1]
        a, b = node[:-1][same_line], node[1:][same_line]
        length = np.hypot(*(coords[1:][same_line] - coords[:-1][same_line]).T)
        keep = a != b
        a, b, length = a[keep], b[keep], length[keep]
        if len(length) == 0:
            raise ValueError("no line of any length: a network needs at least one segment")
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((length, hi, lo))  # shortest first, so duplicates keep the shortest
        lo, hi, length = lo[order], hi[order], length[order]
        first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
        lo, hi, length = lo[first], hi[first], length[first]
        used, ends = np.unique(np.r_[lo, hi], return_inverse=True)  # drops nodes on no edge
        lo, hi = ends[: len(lo)], ends[len(lo) :]
        n = len(used)
        graph = coo_matrix(
            (np.r_[length, length], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)
        ).tocsr()
        return cls(graph=graph, nodes_xy=unique_keys[used] * NODE_PRECISION_M, speed_kmh=speed_kmh)

    @property
    def metres_per_minute(self) -> float:
        return self.speed_kmh * 1000 / 60

    @cached_property
    def _tree(self) -> cKDTree:
        return cKDTree(self.nodes_xy)

    def join(self, xy: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Straight-line metres from each point to its nearest node, and that node."""
        leg, node = self._tree.query(np.asarray(xy, dtype=float).reshape(-1, 2))
        return leg, node.astype(np.int64)

    def walk_times(
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], horizon_minutes: float
    ) -> WalkTimes:
        budget = horizon_minutes * self.metres_per_minute
        point_leg, point_node = self.join(points_xy)
        site_leg, site_node = self.join(sites_xy)
        rows: list[NDArray[np.int64]] = []
        cols: list[NDArray[np.int64]] = []
        metres: list[NDArray[np.float64]] = []
        for start in range(0, len(site_node), SITES_PER_BATCH):
            batch = np.arange(start, min(start + SITES_PER_BATCH, len(site_node)))
            along = dijkstra(self.graph, directed=False, indices=site_node[batch], limit=budget)
            total = along[:, point_node] + point_leg[None, :] + site_leg[batch, None]
            site_i, point_i = np.nonzero(total <= budget)
            rows.append(point_i)
            cols.append(batch[site_i])
            metres.append(total[site_i, point_i])
        point = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        site = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        distance = np.concatenate(metres) if metres else np.zeros(0)
        order = np.lexsort((site, point))
        return WalkTimes(
            point=point[order].astype(np.int64),
            site=site[order].astype(np.int64),
            minutes=distance[order] / self.metres_per_minute,
            n_points=len(point_node),
            n_sites=len(site_node),
            horizon_minutes=horizon_minutes,
        )


def check_network(
    walk: NetworkWalk,
    points_xy: NDArray[np.float64],
    children: NDArray[np.float64],
    sites_xy: NDArray[np.float64],
    path: Path | str,
    *,
    far_metres: float = FAR_FROM_NETWORK_M,
    refuse_share: float = REFUSE_NETWORK_SHARE,
    warn_share: float = WARN_NETWORK_SHARE,
) -> dict[str, Any]:
    """Refuse (or warn about) a network that does not reach the homes and buildings.

    Each home (weighted by its ``children``) and building joins the network at its nearest
    node by a straight leg. More than ``refuse_share`` of children or of buildings further
    than ``far_metres`` from it, or joining it outside its largest connected part, is an
    :class:`InputError` naming ``path``; more than ``warn_share`` is an
    :class:`EarlyHelpWarning`. Returns the figures for the geography's report.
    """
    children = np.asarray(children, dtype=float)
    homes_xy = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    point_leg, point_node = walk.join(homes_xy)
    site_leg, site_node = walk.join(sites_xy)
    _, part = connected_components(walk.graph, directed=False)
    main = part == np.argmax(np.bincount(part))
    n_sites = len(site_node)
    # (share of children, number of buildings) off the network / outside its main part
    far = _share(children, point_leg > far_metres), int((site_leg > far_metres).sum())
    apart = _share(children, ~main[point_node]), int((~main[site_node]).sum())

    def worst(figures: tuple[float, int]) -> float:
        return max(figures[0], figures[1] / max(n_sites, 1))

    far_text = (f"{_percent(far[0])} of children and {far[1]} of {n_sites} buildings are more than "
                f"{far_metres:g} m from the network")
    apart_text = (f"{_percent(apart[0])} of children and {apart[1]} of {n_sites} buildings join "
                  f"the network outside its largest connected part ({_percent(main.mean())} of its "
                  f"{len(main):,} nodes)")
    if worst(far) > refuse_share:
        network_box, homes_box = _bounds(walk.nodes_xy), _bounds(homes_xy)
        elsewhere = "the network lies elsewhere: " if not _overlap(network_box, homes_box) else ""
        raise InputError(
            path,
            f"{elsewhere}{far_text}: the network spans {extent_text(network_box)} and the homes "
            f"{extent_text(homes_box)} (EPSG:27700 metres)",
            field="geometry",
            expected="walkable ways covering the homes and buildings, in the stated CRS",
        )
    if worst(apart) > refuse_share:
        raise InputError(path, apart_text, field="geometry",
                         expected="connected ways (lines that meet or cross must share a vertex)")
    if worst(far) > warn_share:
        warnings.warn(f"{path}: {far_text}, so their walks are partly guessed as straight lines",
                      EarlyHelpWarning, stacklevel=2)
    if worst(apart) > warn_share:
        warnings.warn(f"{path}: {apart_text}, so they reach only buildings on their own part",
                      EarlyHelpWarning, stacklevel=2)
    return {
        "network_nodes": len(main),
        "network_features_dropped": walk.dropped,
        "network_share_of_children_far": round(far[0], 4),
        "network_buildings_far": far[1],
        "network_share_of_children_outside_main_part": round(apart[0], 4),
        "network_buildings_outside_main_part": apart[1],
    }


def _percent(share: float) -> str:
    """'61%', with a decimal near the ends so that 99.6% never reads as all (or 0.4% as none)."""
    return f"{share:.1%}" if 0 < share < 0.01 or 0.99 < share < 1 else f"{share:.0%}"


def _share(weights: NDArray[np.float64], flagged: NDArray[np.bool_]) -> float:
    total = weights.sum()
    return float(weights[flagged].sum() / total) if total > 0 else 0.0


def _bounds(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.r_[xy.min(axis=0), xy.max(axis=0)] if len(xy) else np.full(4, np.nan)


def _overlap(a: NDArray[np.float64], b: NDArray[np.float64]) -> bool:
    """Whether two (xmin, ymin, xmax, ymax) boxes overlap."""
    return bool(a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3])
