"""The siting programme on the real geography: from a scenario's rules to a plan.

:func:`siting_problem` turns a :class:`~geodata.geography.Geography`, the candidate centres and
outreach venues and the scenario's sections into the arrays of
:class:`~optimise.programme.SitingProblem`; :func:`plan_siting` solves it and returns a
:class:`~optimise.plan.SitingPlan` with sessions, outreach, staff and cost; :func:`plan_options`
returns several plans that differ by a stated number of centres.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from geodata.geography import Geography
from optimise.config import SitingConfig
from optimise.costs import CostConfig, CostModel, cost_model
from optimise.diagnose import outreach_to_meet_standard
from optimise.errors import InfeasiblePlan, RuleError
from optimise.places import Places, centre_candidates, outreach_venues
from optimise.plan import SitingPlan, build_plan
from optimise.programme import Rules, SitingProblem, SitingSolution, group_points, solve_siting
from optimise.staffing import StaffingConfig

#: Progress callback: called with a short description of the step that starts.
Progress = Callable[[str], None]


@dataclass(frozen=True)
class SitingInputs:
    """Everything a plan is made from: the geography, the places, the scenario's sections and
    the arrays the programme reads."""

    geography: Geography
    candidates: Places
    venues: Places
    siting: SitingConfig
    staffing: StaffingConfig
    costs: CostConfig
    cost_model: CostModel
    bands: pd.Series
    problem: SitingProblem
    rules: Rules


def siting_bands(spas: pd.DataFrame, siting: SitingConfig) -> pd.Series:
    """Need band of each SPA for the access-point rule, indexed by ``spa_id``.

    "county_rank": the ``high_need_spas`` SPAs with the highest child-weighted IMD score are
    high (ties by spa_id), the rest keep the geography's low band or are middle; "national":
    the geography's bands against England's LSOAs.
    """
    national = pd.Series(spas["need_band"].to_numpy(), index=spas["spa_id"].to_numpy())
    if siting.need_bands == "national":
        return national.rename("band")
    if siting.high_need_spas > len(spas):
        raise RuleError("siting.high_need_spas", f"{siting.high_need_spas} given but the "
                        f"geography has {len(spas)} SPAs", f"0 to {len(spas)}")
    ranked = spas.sort_values(["imd_score", "spa_id"], ascending=[False, True])["spa_id"]
    bands = national.where(national == "low", "middle")
    bands[ranked.iloc[: siting.high_need_spas].to_numpy()] = "high"
    return bands.rename("band")


def siting_inputs(geography: Geography, siting: SitingConfig, staffing: StaffingConfig,
                  costs: CostConfig, *, candidates: Places | None = None) -> SitingInputs:
    """The programme's arrays for this geography and these rules (candidates: those
    ``siting.candidates`` names unless given)."""
    candidates = candidates or centre_candidates(geography, siting.candidates)
    venues, venue_candidate = outreach_venues(geography, candidates, siting.outreach_venues)
    model = cost_model(costs, geography.sites)
    bands = siting_bands(geography.spas, siting)
    spa_ids = geography.spas["spa_id"].to_numpy()
    spa_index = pd.Series(np.arange(len(spa_ids)), index=spa_ids)
    districts = np.sort(geography.spas["district"].unique())
    district_index = pd.Series(np.arange(len(districts)), index=districts)
    limits = siting.access_points.as_dict()
    spa_limits = np.array([limits[b] for b in bands.reindex(spa_ids)], dtype=np.int64)

    cand, ven = candidates.frame, venues.frame
    limit = geography.walk_standard_minutes
    points = geography.demand_points
    std, enh = siting.sessions_standard, siting.sessions_enhanced
    out = _outreach_allowance(siting)
    problem = SitingProblem(
        centre_reach=candidates.walk.reach(limit),
        venue_reach=venues.walk.reach(limit),
        need=points["need"].to_numpy(dtype=float),
        point_spa=spa_index.reindex(points["spa_id"]).to_numpy(dtype=np.int64),
        candidate_spa=spa_index.reindex(cand["spa_id"]).to_numpy(dtype=np.int64),
        candidate_district=district_index.reindex(cand["district"]).to_numpy(dtype=np.int64),
        candidate_existing=cand["existing"].to_numpy(dtype=bool),
        candidate_cost=model.centre_cost_gbp(cand["annual_cost_gbp"].to_numpy(float),
                                             np.full(len(cand), float(std))),
        venue_spa=spa_index.reindex(ven["spa_id"]).to_numpy(dtype=np.int64),
        venue_candidate=venue_candidate,
        venue_cost=np.full(len(ven), model.outreach_session_gbp),
        spa_limits=spa_limits,
        n_districts=len(districts),
        enhanced_cost=model.per_session_gbp * (enh - std),
        fixed_cost=model.staff_cost_gbp(staffing.fte_frontline, staffing.fte_management,
                                        staffing.fte_support) + model.fixed_gbp,
        spa_names=tuple(spa_ids),
        district_names=tuple(districts),
        children=points["population_0_19"].to_numpy(dtype=float),
        **(_walking_units(geography, candidates) if siting.objective == "mean_walk" else {}),
    )
    rules = Rules(
        centres=siting.centres, budget=siting.budget_gbp,
        enhanced_per_district=siting.enhanced_per_district,
        outreach_standard=out[0], outreach_enhanced=out[1],
        walk_standard=siting.walk_standard, objective=siting.objective,
        coverage_target=siting.coverage_target, prefer_existing=siting.prefer_existing,
        prefer_cheaper=siting.prefer_cheaper,
        lock_open=_locks(geography, cand, siting.lock_open, "siting.lock_open"),
        lock_closed=_locks(geography, cand, siting.lock_closed, "siting.lock_closed"),
        time_limit=siting.time_limit_seconds, mip_gap=siting.mip_gap, solver=siting.solver)
    return SitingInputs(geography, candidates, venues, siting, staffing, costs, model, bands,
                        problem, rules)


def _walking_units(geography: Geography, candidates: Places) -> dict[str, object]:
    """The mean-walk objective's units: LSOAs, each with its children's mean walk to every
    candidate that some of its homes reach within the horizon (homes beyond it counted at the
    horizon). An LSOA's children go to one centre, so the model stays small (756 units)."""
    points = geography.demand_points
    horizon = geography.config.walk_horizon_minutes
    walk = candidates.walk
    children = points["population_0_19"].to_numpy(float)
    unit = pd.factorize(points["lsoa11cd"], sort=True)[0]
    unit_children = np.bincount(unit, weights=children)
    share = children[walk.point] / unit_children[unit[walk.point]]
    saved = csr_matrix((share * (horizon - walk.minutes), (unit[walk.point], walk.site)),
                       shape=(len(unit_children), walk.n_sites)).tocoo()
    return {"walk_unit": saved.row.astype(np.int64), "walk_candidate": saved.col.astype(np.int64),
            "walk_minutes": horizon - saved.data, "unit_children": unit_children,
            "walk_horizon": horizon}


def _outreach_allowance(siting: SitingConfig) -> tuple[int, int]:
    """Sessions a standard and an enhanced centre may send out: the share above the home
    minimum, rounded down (whole sessions)."""
    if siting.outreach_venues == "none":
        return 0, 0
    away = 1.0 - siting.min_home_share
    return (math.floor(away * siting.sessions_standard + 1e-9),
            math.floor(away * siting.sessions_enhanced + 1e-9))


def _locks(geography: Geography, candidates: pd.DataFrame, site_ids: tuple[str, ...],
           field: str) -> np.ndarray | None:
    if not site_ids:
        return None
    known = set(candidates["site_id"])
    unknown = [s for s in site_ids if s not in known]
    if unknown:
        raise RuleError(field, f"{', '.join(map(repr, unknown[:5]))} "
                        f"{'is' if len(unknown) == 1 else 'are'} not among the "
                        f"{len(candidates)} candidate buildings",
                        "site_ids as in the geography's sites, e.g. from `earlyhelp geodata "
                        "export`")
    return candidates["site_id"].isin(site_ids).to_numpy()


def plan_siting(inputs: SitingInputs, progress: Progress | None = None) -> SitingPlan:
    """The best plan under the scenario's rules (raises InfeasiblePlan with a diagnosis)."""
    solution = solve_siting(inputs.problem, inputs.rules, progress=progress)
    plan = build_plan(inputs, solution)
    if plan.standard_summary()["met"]:
        return plan
    if progress:
        progress("counting the outreach sessions that would meet the walk standard")
    extra = outreach_to_meet_standard(inputs.problem, inputs.rules, group_points(inputs.problem))
    gap = None if extra is None else pd.Series(extra, index=list(inputs.problem.spa_names))
    return replace(plan, sessions_to_meet_standard=gap)


def plan_options(inputs: SitingInputs, progress: Progress | None = None) -> list[SitingPlan]:
    """``siting.options`` plans: the best, then each the best that closes at least
    ``options_min_difference`` of every earlier plan's centres, with its first objective
    within ``options_tolerance`` of the best plan's. Fewer come back when no more exist."""
    siting = inputs.siting
    plans = [plan_siting(inputs, progress)]
    best = plans[0].solution.primary
    hold = best.value - siting.options_tolerance * abs(best.value) if best.maximise \
        else best.value + siting.options_tolerance * abs(best.value)
    while len(plans) < siting.options:
        if progress:
            progress(f"solving option {len(plans) + 1} of {siting.options}")
        try:
            solution: SitingSolution = solve_siting(
                inputs.problem, inputs.rules,
                exclude=tuple(p.solution.open for p in plans),
                min_difference=siting.options_min_difference, hold_primary=hold,
                progress=progress)
        except InfeasiblePlan:
            break
        plans.append(build_plan(inputs, solution))
    return plans

