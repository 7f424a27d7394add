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
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class WalkTimes:
    """Point-to-site walking minutes for every pair within ``horizon_minutes``.

    ``point``, ``site`` and ``minutes`` are parallel arrays sorted by point then site, read-only;
    a pair that is absent is further than the horizon. The horizon is how far times were
    computed, not the access standard: ask any standard up to it with ``limit_minutes=``.

    Sites are addressed by row position: a ``sites`` argument is a boolean mask with one entry
    per site (``Geography.site_mask(ids)`` makes one from site ids); anything else is refused.
    """

    point: NDArray[np.int64]
    site: NDArray[np.int64]
    minutes: NDArray[np.float64]
    n_points: int
    n_sites: int
    horizon_minutes: float

    def __post_init__(self) -> None:
        n = len(self.minutes)
        if not len(self.point) == len(self.site) == n:
            raise ValueError("point, site and minutes must be parallel arrays")
        if n and (self.point.min() < 0 or self.point.max() >= self.n_points
                  or self.site.min() < 0 or self.site.max() >= self.n_sites):
            raise ValueError("a point or site index is outside n_points or n_sites")
        for array in (self.point, self.site, self.minutes):
            array.setflags(write=False)

    def site_mask(self, sites: ArrayLike | None) -> NDArray[np.bool_]:
        """``sites`` checked as a boolean mask over the sites (None: every site)."""
        if sites is None:
            return np.ones(self.n_sites, dtype=bool)
        mask = np.asarray(sites)
        if mask.dtype != np.bool_:
            raise TypeError(
                f"sites must be a boolean mask, one entry per site, not {mask.dtype} values "
                "(row numbers or ids): use Geography.site_mask(site_ids)"
            )
        if mask.shape != (self.n_sites,):
            raise ValueError(f"sites mask has shape {mask.shape}, expected ({self.n_sites},): one entry per site")
        return mask

    def _limit(self, limit_minutes: float) -> float:
        if not 0 <= limit_minutes <= self.horizon_minutes:
            raise ValueError(
                f"a {limit_minutes:g}-minute standard cannot be answered: walking times were "
                f"computed to {self.horizon_minutes:g} minutes (raise walk_horizon_minutes)"
            )
        return float(limit_minutes)

    def reach(self, limit_minutes: float) -> csr_matrix:
        """Boolean points x sites matrix: True where the walk is within ``limit_minutes``."""
        keep = self.minutes <= self._limit(limit_minutes)
        data = np.ones(int(keep.sum()), dtype=bool)
        return coo_matrix(
            (data, (self.point[keep], self.site[keep])), shape=(self.n_points, self.n_sites)
        ).tocsr()

    def covered(self, sites: ArrayLike | None = None, *, limit_minutes: float) -> NDArray[np.bool_]:
        """Whether each point is within ``limit_minutes`` of any of ``sites`` (a boolean mask;
        default: every site). The standard has no default here: the times do not know it."""
        keep = (self.minutes <= self._limit(limit_minutes)) & self.site_mask(sites)[self.site]
        covered = np.zeros(self.n_points, dtype=bool)
        covered[self.point[keep]] = True
        return covered

    def nearest_minutes(
        self, sites: ArrayLike | None = None, beyond: float = np.inf
    ) -> NDArray[np.float64]:
        """Minutes to the nearest of ``sites`` (default: all); ``beyond`` where none is within
        the horizon (pass the horizon, or a penalty, for a finite mean or capped walk)."""
        keep = self.site_mask(sites)[self.site]
        best = np.full(self.n_points, np.inf)
        np.minimum.at(best, self.point[keep], self.minutes[keep])
        best[np.isinf(best)] = beyond
        return best


    def nearest(
        self, sites: ArrayLike | None = None, *, limit_minutes: float
    ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """Each point's nearest of ``sites`` within ``limit_minutes``: its site row (-1 if none)
        and the minutes to it (inf if none); ties go to the lower site row."""
        keep = (self.minutes <= self._limit(limit_minutes)) & self.site_mask(sites)[self.site]
        point, site, minutes = self.point[keep], self.site[keep], self.minutes[keep]
        order = np.lexsort((site, minutes, point))
        first = order[np.unique(point[order], return_index=True)[1]]
        row = np.full(self.n_points, -1, dtype=np.int64)
        best = np.full(self.n_points, np.inf)
        row[point[first]] = site[first]
        best[point[first]] = minutes[first]
        return row, best


class WalkModel(Protocol):
    """Anything that can give walking times from points to sites within a horizon."""

    def walk_times(
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], horizon_minutes: float
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
        self, points_xy: NDArray[np.float64], sites_xy: NDArray[np.float64], horizon_minutes: float
    ) -> WalkTimes:
        radius = self.straight_line_reach_m(horizon_minutes)
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
            horizon_minutes=horizon_minutes,
        )
