"""Walking times along a real path network, e.g. an OpenStreetMap extract of footways and streets.

Give it a line file (GeoPackage, GeoJSON or shapefile of LineStrings, in any stated CRS: export
the walkable ways of an OSM extract with QGIS, ogr2ogr or osmium). Every vertex is a node and
every pair of consecutive vertices an edge (long straight segments are first split every 25 m),
so ways that share a vertex are joined, as OSM ways are at junctions. A point reaches the network at its nearest node in a straight line; the walk
is that leg, the shortest path along the network (Dijkstra, bounded by the time limit, scipy)
and the leg from the network to the building.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geodata.embedded import CRS
from geodata.errors import InputError
from geodata.readers import read_spatial
from geodata.walking import WalkTimes

#: Vertices closer than this (metres) are the same node (OSM exports repeat shared nodes exactly).
NODE_PRECISION_M = 0.1
#: Longest edge kept (metres): longer segments are split so that a building or home midway
#: along a straight street snaps to a node at most half this far away.
MAX_SEGMENT_M = 25.0
#: Sites searched from at once: bounds memory to this many rows of node distances.
SITES_PER_BATCH = 16


@dataclass(frozen=True)
class NetworkWalk:
    """Shortest walks along ``graph`` (node x node metres) at ``speed_kmh``."""

    graph: csr_matrix
    nodes_xy: NDArray[np.float64]
    speed_kmh: float

    @classmethod
    def from_file(cls, path: Path, speed_kmh: float) -> NetworkWalk:
        """Build the network from a line file; reprojected to EPSG:27700."""
        lines = read_spatial(path).to_crs(CRS)
        kinds = set(lines.geometry.geom_type.dropna())
        if not kinds or not kinds <= {"LineString", "MultiLineString"}:
            raise InputError(path, f"geometries are {', '.join(sorted(kinds)) or 'missing'}",
                             field="geometry", expected="LineString features (paths and streets)")
        return cls.from_lines(lines.geometry.explode(index_parts=False).to_numpy(), speed_kmh)

    @classmethod
    def from_lines(cls, lines: NDArray[np.object_], speed_kmh: float) -> NetworkWalk:
        """Build the network from shapely LineStrings in metres."""
        dense = shapely.segmentize(np.asarray(lines, dtype=object), MAX_SEGMENT_M)
        coords, line_of = shapely.get_coordinates(dense, return_index=True)
        keys = np.round(coords / NODE_PRECISION_M).astype(np.int64)
        unique_keys, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.ravel()
        same_line = line_of[1:] == line_of[:-1]
        a, b = node[:-1][same_line], node[1:][same_line]
        length = np.hypot(*(coords[1:][same_line] - coords[:-1][same_line]).T)
        keep = a != b
        a, b, length = a[keep], b[keep], length[keep]
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((length, hi, lo))  # shortest first, so duplicates keep the shortest
        lo, hi, length = lo[order], hi[order], length[order]
        first = np.r_[True, (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])]
        lo, hi, length = lo[first], hi[first], length[first]
        n = len(unique_keys)
        graph = coo_matrix(
            (np.r_[length, length], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n)
        ).tocsr()
        return cls(graph=graph, nodes_xy=unique_keys * NODE_PRECISION_M, speed_kmh=speed_kmh)

    @property
    def metres_per_minute(self) -> float:
        return self.speed_kmh * 1000 / 60

    def walk_times(
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], limit_minutes: float
    ) -> WalkTimes:
        budget = limit_minutes * self.metres_per_minute
        tree = cKDTree(self.nodes_xy)
        point_leg, point_node = tree.query(points_xy)
        site_leg, site_node = tree.query(sites_xy)
        rows: list[NDArray[np.int64]] = []
        cols: list[NDArray[np.int64]] = []
        metres: list[NDArray[np.float64]] = []
        for start in range(0, len(sites_xy), SITES_PER_BATCH):
            batch = np.arange(start, min(start + SITES_PER_BATCH, len(sites_xy)))
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
            n_points=len(points_xy),
            n_sites=len(sites_xy),
            limit_minutes=limit_minutes,
        )
