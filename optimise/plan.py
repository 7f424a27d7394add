"""A siting plan: which buildings are centres, where the sessions go, who is reached, the staff
and the cost. Data only; the files and charts that show it are in :mod:`optimise.report`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from optimise.costs import CostBreakdown, baseline_2015, budget_bridge, plan_cost
from optimise.programme import SitingSolution, gap_of
from optimise.staffing import StaffingPlan, staffing_plan

if TYPE_CHECKING:
    from optimise.siting import SitingInputs

REACHED_BY_CENTRE = "centre"
REACHED_BY_OUTREACH = "outreach only"
BEYOND = "beyond"


@dataclass(frozen=True)
class SitingPlan:
    """One plan.

    - ``candidates``: every candidate with ``open``, ``enhanced``, ``sessions_centre``,
      ``sessions_outreach``, ``spa_id``, ``district``, ``band`` and, for a 2015 building
      that is not a centre, ``closure_reason``.
    - ``venues``: the outreach venues used, each with its sessions and the centre that runs them.
    - ``reach``: per demand point, "centre", "outreach only" or "beyond".
    - ``staffing``, ``cost`` (a year), ``baseline`` (the 2015 service), ``bridge`` (2015 to plan).
    - ``solution``: the solver's tiers, statuses and model size.
    - ``breaches``: for a plan the scenario states, the programme's rules it breaks (None for
      an optimised plan).
    """

    inputs: SitingInputs
    candidates: pd.DataFrame
    venues: pd.DataFrame
    reach: NDArray[np.object_]
    staffing: StaffingPlan
    cost: CostBreakdown
    baseline: CostBreakdown
    bridge: pd.DataFrame
    solution: SitingSolution
    sessions_to_meet_standard: pd.Series | None = None
    #: For a plan the scenario states (not optimised): the programme's rules it breaks.
    breaches: tuple[str, ...] | None = None

    @property
    def open_ids(self) -> list[str]:
        return self.candidates.loc[self.candidates["open"], "site_id"].tolist()

    def coverage_by(self, column: str) -> pd.DataFrame:
        """Children 0-19 and need by ``column`` of the demand points ("spa_id", "district"):
        reached by a centre, by outreach only, beyond both; shares of children and of need."""
        points = self.inputs.geography.demand_points
        frame = pd.DataFrame({
            column: points[column].to_numpy(),
            "children": points["population_0_19"].to_numpy(float),
            "need": points["need"].to_numpy(float), "reach": self.reach})
        every = self.inputs.geography.spas[column].unique()  # SPAs and districts without homes too
        out = frame.groupby(column)[["children", "need"]].sum().reindex(sorted(every),
                                                                          fill_value=0.0)
        out.index.name = column
        for label, name in ((REACHED_BY_CENTRE, "by_centre"), (REACHED_BY_OUTREACH, "outreach_only"),
                            (BEYOND, "beyond")):
            part = frame[frame["reach"] == label].groupby(column)[["children", "need"]].sum()
            out[f"children_{name}"] = part["children"].reindex(out.index, fill_value=0.0)
            out[f"need_{name}"] = part["need"].reindex(out.index, fill_value=0.0)
        out["share_children_by_centre"] = out["children_by_centre"] / out["children"]
        out["share_children_within_walk"] = 1 - out["children_beyond"] / out["children"]
        out["share_need_within_walk"] = 1 - out["need_beyond"] / out["need"]
        out["centres"] = self.candidates[self.candidates["open"]].groupby(column).size() \
            .reindex(out.index, fill_value=0)
        out["outreach_venues"] = self.venues.groupby(column).size().reindex(out.index, fill_value=0)
        return out.reset_index()

    def mean_walk_minutes(self) -> float:
        """Children's mean walk to their nearest open centre, home by home (homes beyond the
        walk horizon counted at the horizon)."""
        horizon = self.inputs.geography.config.walk_horizon_minutes
        minutes = self.inputs.candidates.walk.nearest_minutes(
            self.candidates["open"].to_numpy(bool), beyond=horizon)
        children = self.inputs.geography.demand_points["population_0_19"].to_numpy(float)
        return float(np.average(np.minimum(minutes, horizon), weights=children))

    def standard_summary(self) -> dict[str, Any]:
        """The walk standard: met or not, who misses it, the sessions that would close it."""
        return _standard_summary(self)

    def summary(self) -> dict[str, Any]:
        """The headline figures (summary.json's keys)."""
        points = self.inputs.geography.demand_points
        children = points["population_0_19"].to_numpy(float)
        need = points["need"].to_numpy(float)
        by = {label: self.reach == label for label in (REACHED_BY_CENTRE, REACHED_BY_OUTREACH,
                                                        BEYOND)}
        cand = self.candidates
        existing = cand["existing"].to_numpy(bool)
        opened = cand["open"].to_numpy(bool)
        primary = self.solution.primary
        staff = self.staffing.summary()
        siting = self.inputs.siting
        return {
            "plan_mode": "optimised" if self.breaches is None else "fixed",
            "rules_broken": None if self.breaches is None else list(self.breaches),
            "centres_open": int(opened.sum()),
            "enhanced_centres": int(cand["enhanced"].sum()),
            "sessions_per_week": int(cand["sessions_centre"].sum() + cand["sessions_outreach"].sum()),
            "outreach_sessions": int(cand["sessions_outreach"].sum()),
            "outreach_venues": len(self.venues),
            **{k: staff[k] for k in ("fte_total", "fte_frontline", "fte_management", "fte_support")},
            "frontline_demand_fte": staff["demand_fte"],
            "annual_cost_gbp": self.cost.total_gbp,
            "budget_gbp": siting.budget_gbp,
            "headroom_gbp": None if siting.budget_gbp is None else siting.budget_gbp - self.cost.total_gbp,
            "baseline_cost_gbp": self.baseline.total_gbp,
            "saving_gbp": self.baseline.total_gbp - self.cost.total_gbp,
            "cost_items_gbp": dict(self.cost.items),
            "walk_limit_minutes": self.inputs.geography.walk_standard_minutes,
            "mean_walk_minutes": self.mean_walk_minutes(),
            "coverage_share": float(need[~by[BEYOND]].sum() / need.sum()),
            "coverage_share_by_centre": float(need[by[REACHED_BY_CENTRE]].sum() / need.sum()),
            "population_0_19": float(children.sum()),
            "population_within_walk": float(children[by[REACHED_BY_CENTRE]].sum()),
            "population_outreach_only": float(children[by[REACHED_BY_OUTREACH]].sum()),
            "population_beyond_walk": float(children[by[BEYOND]].sum()),
            "existing_buildings": int(existing.sum()),
            "existing_buildings_kept": int((existing & opened).sum()),
            "existing_buildings_closed": int((existing & ~opened).sum()),
            "walk_standard": self.standard_summary(),
        "need_bands": self.inputs.bands.value_counts().to_dict(),
            "solver": {
                "name": self.solution.solver,
                "status": self.solution.status,
                "objective": primary.value,
                "objective_name": primary.name,
                "best_bound": primary.best_bound,
                "gap": gap_of(primary),
                "seconds": self.solution.seconds,
                "tiers": [{"name": t.name, "value": t.value, "status": t.status,
                           "best_bound": t.best_bound, "seconds": t.seconds}
                          for t in self.solution.tiers],
                "face": _face_summary(self.solution),
                "model": {"rows": self.solution.model_rows,
                          "columns": self.solution.model_columns,
                          "nonzeros": self.solution.model_nonzeros,
                          "demand_points": self.solution.points_before,
                          "demand_groups": self.solution.points_after},
            },
        }


def _face_summary(solution: SitingSolution) -> dict[str, Any] | None:
    """The centres every best plan of the first objective shares (fixed for the later
    objectives, see optimise.face): how many candidates stayed free, in how many solves."""
    face = solution.face
    if face is None:
        return None
    return {"candidates_fixed": int(face.fixed.sum()), "candidates_free": face.n_free,
            "solves": face.solves, "seconds": face.seconds}


def _standard_summary(plan: SitingPlan) -> dict[str, Any]:
    """Whether every child some centre or venue could reach within the walk is reached, who
    misses it by SPA, and the outreach sessions that would close the gap."""
    problem = plan.inputs.problem
    reachable = (np.diff(problem.centre_reach.indptr) > 0) | (np.diff(problem.venue_reach.indptr) > 0)
    points = plan.inputs.geography.demand_points
    children = points["population_0_19"].to_numpy(float)
    missed = reachable & (plan.reach == BEYOND)
    by_spa = pd.Series(children[missed]).groupby(points["spa_id"].to_numpy()[missed]).sum()
    extra = plan.sessions_to_meet_standard
    return {
        "mode": plan.inputs.siting.walk_standard,
        "met": not missed.any(),
        "children_reachable": float(children[reachable].sum()),
        "children_reachable_missed": float(children[missed].sum()),
        "children_missed_by_spa": {k: float(v) for k, v in by_spa.sort_values(ascending=False).items()},
        "children_beyond_every_place": float(children[~reachable].sum()),
        "outreach_sessions_to_meet": None if extra is None else float(extra.sum()),
        "outreach_sessions_to_meet_by_spa": None if extra is None else
        {k: float(v) for k, v in extra[extra > 0].sort_values(ascending=False).items()},
    }


def build_plan(inputs: SitingInputs, solution: SitingSolution) -> SitingPlan:
    """The plan the solution describes: sessions placed, venues tied to centres, children
    classed by how they are reached, staff shared, cost priced."""
    geography, siting = inputs.geography, inputs.siting
    cand = inputs.candidates.frame.copy()
    cand["band"] = cand["spa_id"].map(inputs.bands)
    cand["open"] = solution.open
    cand["enhanced"] = solution.enhanced
    sessions = np.where(solution.enhanced, siting.sessions_enhanced,
                        np.where(solution.open, siting.sessions_standard, 0))
    allowance = np.where(solution.enhanced, inputs.rules.outreach_enhanced,
                         np.where(solution.open, inputs.rules.outreach_standard, 0))
    candidate_area, venue_area, _ = inputs.problem.outreach_areas
    venues, sent = _venues_to_centres(inputs.venues.frame[solution.venues], cand, allowance,
                                      venue_area[solution.venues], candidate_area)
    cand["sessions_outreach"] = sent
    cand["sessions_centre"] = sessions - sent

    limit = geography.walk_standard_minutes
    by_centre = inputs.candidates.walk.covered(solution.open, limit_minutes=limit)
    by_venue = inputs.venues.walk.covered(solution.venues, limit_minutes=limit)
    reach = np.where(by_centre, REACHED_BY_CENTRE,
                     np.where(by_venue, REACHED_BY_OUTREACH, BEYOND)).astype(object)
    cand["closure_reason"] = _closure_reasons(inputs, cand, venues, by_centre)

    spas = geography.spas.set_index("spa_id")
    sessions_by_spa = delivered_sessions(cand, venues)
    staff = staffing_plan(spas["need"], sessions_by_spa, spas["footprint"], inputs.staffing)
    model = inputs.cost_model
    cost = plan_cost(model, fte_frontline=staff.fte_frontline, fte_management=staff.fte_management,
                     fte_support=staff.fte_support,
                     building_costs=cand.loc[cand["open"], "annual_cost_gbp"].to_numpy(float),
                     sessions=sessions.sum(), outreach_sessions=sent.sum())
    baseline = baseline_2015(model, geography.sites)
    return SitingPlan(inputs, cand, venues, reach, staff, cost, baseline,
                      budget_bridge(baseline, cost), solution)


def delivered_sessions(cand: pd.DataFrame, venues: pd.DataFrame) -> pd.Series:
    """Weekly sessions by the SPA where they are delivered (``spa_id``): each centre's home
    sessions in its SPA, each venue's in the venue's (a hub's outreach is staff time where the
    families are, not at the hub)."""
    home = pd.Series(cand["sessions_centre"].to_numpy(), index=cand["spa_id"].to_numpy())
    away = pd.Series(venues["sessions_outreach"].to_numpy(), index=venues["spa_id"].to_numpy())
    return pd.concat([home, away]).groupby(level=0).sum()


def _venues_to_centres(venues: pd.DataFrame, cand: pd.DataFrame, allowance: NDArray[np.int64],
                       venue_area: NDArray[np.int64], candidate_area: NDArray[np.int64]
                       ) -> tuple[pd.DataFrame, NDArray[np.int64]]:
    """Each venue used gets one session from the nearest open centre of its outreach area (its
    SPA, or a hub's footprint) that still has outreach sessions to give (the programme
    guarantees there is one); returns the venues with ``sessions_outreach`` and
    ``centre_site_id``, and the sessions each candidate sends."""
    venues = venues.reset_index(drop=True).copy()
    left = np.asarray(allowance, dtype=np.int64).copy()
    centre_of = np.full(len(venues), -1, dtype=np.int64)
    xy = cand[["x", "y"]].to_numpy(float)
    for v, (area, x, y) in enumerate(zip(venue_area, venues["x"], venues["y"], strict=True)):
        able = np.flatnonzero((candidate_area == area) & (left > 0))
        if len(able):
            nearest = able[np.argmin(np.hypot(xy[able, 0] - x, xy[able, 1] - y))]
            centre_of[v] = nearest
            left[nearest] -= 1
    venues["sessions_outreach"] = 1
    venues["centre_site_id"] = np.where(centre_of >= 0,
                                        cand["site_id"].to_numpy()[np.maximum(centre_of, 0)], None)
    sent = np.bincount(centre_of[centre_of >= 0], minlength=len(cand)).astype(np.int64)
    return venues, sent


def _closure_reasons(inputs: SitingInputs, cand: pd.DataFrame, venues: pd.DataFrame,
                     by_centre: NDArray[np.bool_]) -> pd.Series:
    """Why each 2015 building that is not a centre closes, in words a consultation can use."""
    reasons = pd.Series(None, index=cand.index, dtype=object)
    closing = cand["existing"].to_numpy(bool) & ~cand["open"].to_numpy(bool)
    points = inputs.geography.demand_points
    reach = inputs.candidates.walk.reach(inputs.geography.walk_standard_minutes)
    children = points["population_0_19"].to_numpy(float)
    # children within the walk of each candidate that no open centre reaches
    adds = np.asarray(reach.T.astype(float) @ (children * ~by_centre)).reshape(-1)
    open_per_spa = cand[cand["open"]].groupby("spa_id").size()
    limits = inputs.siting.access_points.as_dict()
    locked = set(inputs.siting.lock_closed)
    hosts = set(venues["site_id"])
    for j in np.flatnonzero(closing):
        row = cand.iloc[j]
        spa, band = row["spa_id"], row["band"]
        if row["site_id"] in locked:
            text = "locked closed by the scenario"
        elif adds[j] < 0.5:
            text = "every child within the walk limit of it is within reach of an open centre"
        elif open_per_spa.get(spa, 0) >= limits[band][1]:
            text = (f"{spa} has {open_per_spa.get(spa, 0)} centres, the most its {band}-need "
                    f"band allows, and they reach more need; it would add {adds[j]:,.0f} "
                    "children")
        else:
            text = (f"other centres reach more need within the rules and the budget; it would "
                    f"add {adds[j]:,.0f} children not reached by a centre at a running cost of "
                    f"£{row['annual_cost_gbp']:,.0f} a year")
        if row["site_id"] in hosts:
            text += " (it hosts outreach sessions)"
        reasons.iloc[j] = text
    return reasons
