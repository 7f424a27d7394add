"""Walking times from demand points to buildings, kept only within a limit (sparse).

The default :class:`CrowFlyWalk` turns straight-line distance into time with a circuity factor
and a walking speed, finding the pairs within reach with a k-d tree (scipy ``cKDTree``), never
an all-pairs loop. Anything with the same ``walk_times`` method (:class:`WalkModel`), such as
network times from an OpenStreetMap extract, can take its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class WalkTimes:
    """Point-to-site walking minutes for every pair within ``limit_minutes``.

    ``point``, ``site`` and ``minutes`` are parallel arrays sorted by point then site; a pair
    that is absent is beyond the limit.
    """

    point: NDArray[np.int64]
    site: NDArray[np.int64]
    minutes: NDArray[np.float64]
    n_points: int
    n_sites: int
    limit_minutes: float

    def reach(self, limit_minutes: float | None = None) -> csr_matrix:
        """Boolean points x sites matrix: True where the walk is within the limit."""
        limit = self.limit_minutes if limit_minutes is None else limit_minutes
        keep = self.minutes <= limit
        data = np.ones(int(keep.sum()), dtype=bool)
        return coo_matrix(
            (data, (self.point[keep], self.site[keep])), shape=(self.n_points, self.n_sites)
        ).tocsr()

    def covered(
        self, sites: NDArray[np.bool_] | None = None, limit_minutes: float | None = None
    ) -> NDArray[np.bool_]:
        """Whether each point is within the limit of any of ``sites`` (default: all)."""
        reach = self.reach(limit_minutes)
        if sites is not None:
            reach = reach[:, np.flatnonzero(sites)]
        return np.asarray(reach.sum(axis=1)).ravel() > 0

    def nearest_minutes(self, sites: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
        """Minutes to the nearest of ``sites`` (default: all); ``inf`` beyond the limit."""
        keep = np.ones(len(self.site), bool) if sites is None else np.asarray(sites)[self.site]
        best = np.full(self.n_points, np.inf)
        np.minimum.at(best, self.point[keep], self.minutes[keep])
        return best


class WalkModel(Protocol):
    """Anything that can give walking times from points to sites within a limit."""

    def walk_times(
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], limit_minutes: float
    ) -> WalkTimes: ...


@dataclass(frozen=True)
class CrowFlyWalk:
    """Straight-line distance x ``circuity``, walked at ``speed_kmh``."""

    speed_kmh: float
    circuity: float

    @property
    def metres_per_minute(self) -> float:
        return self.speed_kmh * 1000 / 60

    def straight_line_reach_m(self, limit_minutes: float) -> float:
        """Straight-line radius (metres) that a walk of ``limit_minutes`` covers."""
        return limit_minutes * self.metres_per_minute / self.circuity

    def minutes(self, straight_line_m: NDArray[np.float64]) -> NDArray[np.float64]:
        """Walking minutes for straight-line distances in metres."""
        return np.asarray(straight_line_m) * self.circuity / self.metres_per_minute

    def walk_times(
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], limit_minutes: float
    ) -> WalkTimes:
        radius = self.straight_line_reach_m(limit_minutes)
        pairs = cKDTree(points_xy).sparse_distance_matrix(
            cKDTree(sites_xy), radius, output_type="ndarray"
        )
        order = np.lexsort((pairs["j"], pairs["i"]))
        pairs = pairs[order]
        return WalkTimes(
            point=pairs["i"].astype(np.int64),
            site=pairs["j"].astype(np.int64),
            minutes=self.minutes(pairs["v"]),
            n_points=len(points_xy),
            n_sites=len(sites_xy),
            limit_minutes=limit_minutes,
        )
