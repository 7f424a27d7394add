"""The service a simulation runs: staff by SPA, the places sessions are held, who can walk to them.

A :class:`ServicePlan` is what the case-flow model needs of a plan and nothing more, so the
simulation never reads the programme's internals: :func:`service_from_siting` makes one from the
siting programme's :class:`~optimise.plan.SitingPlan`; :func:`service_by_need` makes the
documented default with no plan (frontline FTE shared by the caseload model, sessions at the
2015 buildings), which tests and quick checks use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geodata.geography import Geography
from optimise.plan import delivered_sessions
from optimise.staffing import StaffingConfig, staffing_plan
from sim.errors import SimulationError

if TYPE_CHECKING:
    from optimise.plan import SitingPlan

SPA_COLUMNS = ("spa_id", "district", "footprint", "fte_frontline", "sessions_per_week")
VENUE_COLUMNS = ("venue_id", "name", "kind", "spa_id", "sessions_per_week")


@dataclass(frozen=True)
class ServicePlan:
    """Staff, venues and walking access of one plan.

    - ``spas``: one row per SPA (:data:`SPA_COLUMNS`): its frontline FTE and the weekly
      sessions its team runs (in its centres and as their outreach).
    - ``venues``: where group sessions are held (:data:`VENUE_COLUMNS`), kind "centre" or
      "outreach".
    - per demand point (the geography's rows): ``point_spa`` (row of ``spas``), ``point_need``
      (need-weighted children, the weight of a request coming from there) and ``point_venue``
      (row of the nearest venue within ``walk_limit_minutes``, -1 beyond every venue).
    """

    spas: pd.DataFrame
    venues: pd.DataFrame
    point_spa: NDArray[np.int64]
    point_need: NDArray[np.float64]
    point_venue: NDArray[np.int64]
    walk_limit_minutes: float
    source: str = ""

    def __post_init__(self) -> None:
        for frame, columns, what in ((self.spas, SPA_COLUMNS, "spas"),
                                     (self.venues, VENUE_COLUMNS, "venues")):
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                raise SimulationError(f"service plan {what} lack the columns {missing}")
        n = len(self.point_spa)
        if not len(self.point_need) == len(self.point_venue) == n:
            raise SimulationError("point_spa, point_need and point_venue must have one entry per "
                                  "demand point")
        if n and (self.point_spa.min() < 0 or self.point_spa.max() >= len(self.spas)):
            raise SimulationError("a demand point names an SPA row outside the plan's SPAs")
        if n and self.point_venue.max() >= len(self.venues):
            raise SimulationError("a demand point names a venue row outside the plan's venues")
        if (self.point_need < 0).any() or not self.point_need.sum() > 0:
            raise SimulationError("need by demand point must be >= 0 with a positive total")
        fte = self.spas["fte_frontline"].to_numpy(float)
        if (fte < 0).any() or not np.isfinite(fte).all():
            raise SimulationError("frontline FTE must be finite and >= 0 in every SPA")

    @property
    def need_by_spa(self) -> NDArray[np.float64]:
        """Need-weighted children of each SPA (row order of ``spas``)."""
        return np.bincount(self.point_spa, weights=self.point_need, minlength=len(self.spas))

    def share_beyond(self) -> pd.Series:
        """Share of each SPA's need beyond every venue, by ``spa_id``."""
        beyond = np.bincount(self.point_spa, weights=self.point_need * (self.point_venue < 0),
                             minlength=len(self.spas))
        total = self.need_by_spa
        share = np.divide(beyond, total, out=np.zeros_like(total), where=total > 0)
        return pd.Series(share, index=self.spas["spa_id"].to_numpy(), name="share_beyond")


def service_from_siting(plan: SitingPlan) -> ServicePlan:
    """The service a siting plan describes: its frontline FTE by SPA, its open centres and the
    outreach venues it uses, and each home's nearest of them within the walk standard."""
    inputs = plan.inputs
    geography = inputs.geography
    cand = plan.candidates
    opened = cand["open"].to_numpy(bool)
    centres = pd.DataFrame({
        "venue_id": cand.loc[opened, "site_id"].to_numpy(), "name": cand.loc[opened, "name"].to_numpy(),
        "kind": "centre", "spa_id": cand.loc[opened, "spa_id"].to_numpy(),
        "sessions_per_week": cand.loc[opened, "sessions_centre"].to_numpy(int)})
    venues = plan.venues
    outreach = pd.DataFrame({
        "venue_id": venues["site_id"].to_numpy(), "name": venues["name"].to_numpy(),
        "kind": "outreach", "spa_id": venues["spa_id"].to_numpy(),
        "sessions_per_week": venues["sessions_outreach"].to_numpy(int)})
    limit = geography.walk_standard_minutes
    centre_row, centre_min = inputs.candidates.walk.nearest(opened, limit_minutes=limit)
    used = np.isin(inputs.venues.frame["site_id"].to_numpy(), venues["site_id"].to_numpy())
    venue_row, venue_min = inputs.venues.walk.nearest(used, limit_minutes=limit)
    # rows of the combined table: centres first (in candidate order), then the venues used
    centre_pos = np.cumsum(opened) - 1
    venue_pos = len(centres) + _positions(inputs.venues.frame["site_id"].to_numpy(),
                                          outreach["venue_id"].to_numpy())
    nearest = np.where(centre_row >= 0, centre_pos[np.maximum(centre_row, 0)], -1)
    by_venue = (venue_row >= 0) & (venue_min < centre_min)
    nearest = np.where(by_venue, venue_pos[np.maximum(venue_row, 0)], nearest)
    sessions = delivered_sessions(cand, venues)
    spas = _spa_table(geography, plan.staffing.spas["fte_frontline"], sessions)
    return _service(geography, spas, pd.concat([centres, outreach], ignore_index=True), nearest,
                    f"siting plan ({int(opened.sum())} centres, {len(outreach)} outreach "
                    f"venue{'' if len(outreach) == 1 else 's'})")


def service_by_need(geography: Geography, staffing: StaffingConfig,
                    sessions_per_building: int = 4) -> ServicePlan:
    """The default with no plan: sessions at every 2015 building, frontline FTE shared between
    SPAs by the caseload model (need-weighted cases plus the sessions' staff time)."""
    sites = geography.sites
    existing = sites["role_2015"].notna().to_numpy() if "role_2015" in sites else np.ones(len(sites), bool)
    venues = pd.DataFrame({
        "venue_id": sites.loc[existing, "site_id"].to_numpy(), "name": sites.loc[existing, "name"].to_numpy(),
        "kind": "centre", "spa_id": sites.loc[existing, "spa_id"].to_numpy(),
        "sessions_per_week": sessions_per_building})
    row, _ = geography.walk.nearest(existing, limit_minutes=geography.walk_standard_minutes)
    position = np.cumsum(existing) - 1
    nearest = np.where(row >= 0, position[np.maximum(row, 0)], -1)
    sessions = venues.groupby("spa_id")["sessions_per_week"].sum()
    spa_frame = geography.spas.set_index("spa_id")
    staff = staffing_plan(spa_frame["need"], sessions, spa_frame["footprint"], staffing)
    spas = _spa_table(geography, staff.spas["fte_frontline"], sessions)
    return _service(geography, spas, venues, nearest,
                    f"default: {len(venues)} 2015 buildings, FTE shared by need")


def _positions(ids: NDArray[np.object_], chosen: NDArray[np.object_]) -> NDArray[np.int64]:
    """For each of ``ids``, its position in ``chosen`` (-1 where absent)."""
    lookup = pd.Series(np.arange(len(chosen)), index=chosen)
    return lookup.reindex(ids).fillna(-1).to_numpy(np.int64)


def _spa_table(geography: Geography, fte: pd.Series, sessions: pd.Series) -> pd.DataFrame:
    spas = geography.spas[["spa_id", "district", "footprint"]].reset_index(drop=True).copy()
    spas["fte_frontline"] = fte.reindex(spas["spa_id"]).fillna(0.0).to_numpy(float)
    spas["sessions_per_week"] = sessions.reindex(spas["spa_id"]).fillna(0).to_numpy(int)
    return spas


def _service(geography: Geography, spas: pd.DataFrame, venues: pd.DataFrame,
             nearest: NDArray[np.int64], source: str) -> ServicePlan:
    points = geography.demand_points
    spa_row = pd.Series(np.arange(len(spas)), index=spas["spa_id"].to_numpy())
    point_spa = spa_row.reindex(points["spa_id"].to_numpy())
    if point_spa.isna().any():
        raise SimulationError(f"{int(point_spa.isna().sum())} homes lie in no SPA of the plan")
    return ServicePlan(spas=spas, venues=venues.reset_index(drop=True),
                       point_spa=point_spa.to_numpy(np.int64),
                       point_need=points["need"].to_numpy(float),
                       point_venue=np.asarray(nearest, dtype=np.int64),
                       walk_limit_minutes=geography.walk_standard_minutes, source=source)
