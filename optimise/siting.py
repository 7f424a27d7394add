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
from optimise.config import ROLE_2015, PlanConfig, SitingConfig
from optimise.costs import CostConfig, CostModel, budget_bridge, cost_model
from optimise.diagnose import outreach_to_meet_standard
from optimise.errors import InfeasiblePlan, RuleError
from optimise.places import Places, centre_candidates, outreach_venues
from optimise.plan import SitingPlan, build_plan
from optimise.programme import Rules, SitingProblem, SitingSolution, Tier, group_points, solve_siting
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
    footprint_of = geography.spas.set_index("spa_id")["footprint"]
    footprints = np.sort(footprint_of.unique())
    footprint_index = pd.Series(np.arange(len(footprints)), index=footprints)
    if siting.enhanced_area == "footprint":
        districts, enhanced_area = footprints, footprint_of.reindex(candidates.frame["spa_id"])
    else:
        districts, enhanced_area = (np.sort(geography.spas["district"].unique()),
                                    candidates.frame["district"])
    district_index = pd.Series(np.arange(len(districts)), index=districts)
    limits = siting.access_points.as_dict()
    spa_limits = np.array([limits[b] for b in bands.reindex(spa_ids)], dtype=np.int64)

    cand, ven = candidates.frame, venues.frame
    limit = geography.walk_standard_minutes
    points = geography.demand_points
    std, enh = siting.sessions_standard, siting.sessions_enhanced
    out = _outreach_allowance(siting)
    least = _least_outreach(siting, out)
    problem = SitingProblem(
        centre_reach=candidates.walk.reach(limit),
        venue_reach=venues.walk.reach(limit),
        need=points["need"].to_numpy(dtype=float),
        point_spa=spa_index.reindex(points["spa_id"]).to_numpy(dtype=np.int64),
        candidate_spa=spa_index.reindex(cand["spa_id"]).to_numpy(dtype=np.int64),
        candidate_district=district_index.reindex(enhanced_area).to_numpy(dtype=np.int64),
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
        **({} if siting.outreach_area == "spa" else {
            "candidate_area": _index_of(footprint_index, footprint_of, cand["spa_id"]),
            "venue_area": _index_of(footprint_index, footprint_of, ven["spa_id"]),
            "area_names": tuple(footprints)}),
    )
    rules = Rules(
        centres=siting.centres, budget=siting.budget_gbp,
        enhanced_per_district=siting.enhanced_per_district,
        outreach_standard=out[0], outreach_enhanced=out[1],
        outreach_least_standard=least[0], outreach_least_enhanced=least[1],
        walk_standard=siting.walk_standard, objective=siting.objective,
        coverage_target=siting.coverage_target, prefer_existing=siting.prefer_existing,
        prefer_cheaper=siting.prefer_cheaper,
        lock_open=_locks(geography, cand, siting.lock_open, "siting.lock_open"),
        lock_closed=_locks(geography, cand, siting.lock_closed, "siting.lock_closed"),
        time_limit=siting.time_limit_seconds, mip_gap=siting.mip_gap, solver=siting.solver,
        enhanced_area=siting.enhanced_area)
    return SitingInputs(geography, candidates, venues, siting, staffing, costs, model, bands,
                        problem, rules)


def _index_of(index: pd.Series, area_of_spa: pd.Series, spa_ids: pd.Series) -> np.ndarray:
    """The number of each place's area (``index`` numbers areas, ``area_of_spa`` maps SPAs)."""
    return index.reindex(area_of_spa.reindex(spa_ids).to_numpy()).to_numpy(dtype=np.int64)


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


def _least_outreach(siting: SitingConfig, allowance: tuple[int, int]) -> tuple[int, int]:
    """Sessions a standard and an enhanced centre must send out: those beyond
    ``max_home_sessions`` (refused when more than the home share lets go out)."""
    if siting.max_home_sessions is None:
        return 0, 0
    least = tuple(max(0, sessions - siting.max_home_sessions)
                  for sessions in (siting.sessions_standard, siting.sessions_enhanced))
    if least[0] > allowance[0] or least[1] > allowance[1]:
        raise RuleError("siting.max_home_sessions",
                        f"{siting.max_home_sessions} at home leaves {least[0]} and {least[1]} "
                        f"sessions to send out but min_home_share {siting.min_home_share:g} "
                        f"lets {allowance[0]} and {allowance[1]} go",
                        "at least as many sessions at home as min_home_share keeps there")
    return least


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
    problem = inputs.problem
    areas = [problem.area_name(a) for a in range(problem.outreach_areas[2])]
    gap = None if extra is None else pd.Series(extra, index=areas)
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



#: The status of a plan the scenario states (no solver ran).
FIXED = "fixed"


def plan_fixed(inputs: SitingInputs, plan: PlanConfig) -> SitingPlan:
    """The plan ``plan`` states, evaluated as an optimised one is: its centres run
    ``sessions_standard`` sessions a week (``sessions_enhanced`` those listed as enhanced), no
    outreach, staff shared by the allocation model, cost by the cost model. ``role_2015`` opens
    the whole 2015 estate and prices it as the cost model's calibrated 2015 service (its
    commissioned centres by their contracts), so it costs ``budget_2015_gbp`` exactly.
    :func:`fixed_plan_breaches` says which of the programme's rules the plan breaks."""
    cand = inputs.candidates.frame
    geography = inputs.geography
    if plan.centres == ROLE_2015:
        opened = cand["role_2015"].notna().to_numpy()
    else:
        opened = _locks(geography, cand, plan.centres, "plan.centres")
        if opened is None:
            raise RuleError("plan.centres", "no buildings listed",
                            "'role_2015' or a list of site_ids")
    enhanced = _locks(geography, cand, plan.enhanced, "plan.enhanced")
    enhanced = np.zeros(len(cand), bool) if enhanced is None else enhanced
    if (enhanced & ~opened).any():
        outside = cand.loc[enhanced & ~opened, "site_id"].tolist()
        raise RuleError("plan.enhanced", f"{', '.join(map(repr, outside[:5]))} not among the "
                        "plan's centres", "site_ids that plan.centres also opens")
    solution = _stated_solution(inputs, opened, enhanced)
    built = build_plan(inputs, solution)
    if plan.centres == ROLE_2015:
        built = replace(built, cost=built.baseline, bridge=budget_bridge(built.baseline, built.baseline))
    return replace(built, breaches=tuple(fixed_plan_breaches(built)))


def _stated_solution(inputs: SitingInputs, opened: np.ndarray, enhanced: np.ndarray) -> SitingSolution:
    """A solution no solver found: the stated centres, each objective's value for them."""
    problem = inputs.problem
    reached = np.asarray((problem.centre_reach[:, opened].sum(axis=1) > 0)).ravel()
    sessions = np.where(enhanced, inputs.siting.sessions_enhanced, inputs.siting.sessions_standard)
    values = (("need_reached_by_centre", True, float(problem.need[reached].sum())),
              ("existing_kept", True, float((opened & problem.candidate_existing).sum())),
              ("cost_gbp", False, float(inputs.cost_model.centre_cost_gbp(
                  inputs.candidates.frame["annual_cost_gbp"].to_numpy(float)[opened],
                  sessions[opened]).sum())))
    tiers = tuple(Tier(name, up, value, value, FIXED, 0.0) for name, up, value in values)
    return SitingSolution(open=opened, enhanced=enhanced & opened,
                          venues=np.zeros(len(inputs.venues.frame), bool), tiers=tiers,
                          solver="none", model_rows=0, model_columns=0, model_nonzeros=0,
                          points_before=len(problem.need), points_after=len(problem.need),
                          seconds=0.0)


def fixed_plan_breaches(plan: SitingPlan) -> list[str]:
    """The programme's rules a stated plan breaks, each as a sentence with the numbers."""
    inputs, rules = plan.inputs, plan.inputs.rules
    cand = plan.candidates
    opened = cand[cand["open"]]
    breaches = []
    if rules.centres is not None and len(opened) != rules.centres:
        breaches.append(f"{len(opened)} centres where siting.centres asks {rules.centres}")
    counts = opened.groupby("spa_id").size().reindex(list(inputs.problem.spa_names), fill_value=0)
    limits = inputs.problem.spa_limits
    outside = [f"{spa} has {n} (its band allows {lo}-{hi})" for (spa, n), (lo, hi)
               in zip(counts.items(), limits) if not lo <= n <= hi]
    if outside:
        breaches.append(f"{len(outside)} SPAs outside their band's centre range: "
                        f"{', '.join(outside[:5])}{' ...' if len(outside) > 5 else ''}")
    problem = inputs.problem
    enhanced = np.bincount(problem.candidate_district[cand["enhanced"].to_numpy(bool)],
                           minlength=problem.n_districts)
    wrong = int((enhanced != rules.enhanced_per_district).sum())
    if wrong:
        breaches.append(f"{wrong} {rules.enhanced_area}s without exactly "
                        f"{rules.enhanced_per_district} enhanced centre(s)")
    if rules.budget is not None and plan.cost.total_gbp > rules.budget + 0.5:
        breaches.append(f"costs £{plan.cost.total_gbp - rules.budget:,.0f} more than the "
                        f"£{rules.budget:,.0f} envelope")
    return breaches
