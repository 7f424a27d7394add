"""The siting rules of a scenario, each a parameter with its source; seed 003's as the defaults.

A :class:`SitingConfig` is frozen and refuses unknown fields, like the geography's config, so a
mistyped rule fails instead of being silently ignored. The scenario file's ``siting:`` section is
one of these.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from geodata.config import parameter_rows, sourced_field
from geodata.seed003 import (
    ACCESS_POINTS_BY_BAND,
    BUDGET_GBP,
    CENTRES,
    ENHANCED_CENTRES_PER_DISTRICT,
    SESSIONS_ENHANCED,
    SESSIONS_STANDARD,
)

#: Where centres may go, and where outreach may be delivered (see optimise/places.py).
CandidateSet = Literal["buildings", "buildings_and_schools", "lsoa_centroids"]
VenueSet = Literal["schools_and_buildings", "schools", "buildings", "none"]


class AccessPoints(BaseModel):
    """Fewest and most centres in an SPA of each need band (seed 003 section 9)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    high: tuple[int, int] = ACCESS_POINTS_BY_BAND["high"]
    middle: tuple[int, int] = ACCESS_POINTS_BY_BAND["middle"]
    low: tuple[int, int] = ACCESS_POINTS_BY_BAND["low"]

    @model_validator(mode="after")
    def _ranges(self) -> AccessPoints:
        for band, (fewest, most) in self.model_dump().items():
            if not 0 <= fewest <= most:
                raise ValueError(f"{band}: ({fewest}, {most}) must be (fewest, most) with "
                                 "0 <= fewest <= most")
        return self

    def as_dict(self) -> dict[str, tuple[int, int]]:
        return {band: tuple(limits) for band, limits in self.model_dump().items()}


class SitingConfig(BaseModel):
    """Which buildings become centres, and under which rules (the programme of optimise/)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    candidates: CandidateSet = sourced_field(
        "buildings",
        "Which places may become centres: the geography's buildings (the council's register "
        "and the 2015 estate), those plus every 2015 partner school, or greenfield sites at the "
        "population-weighted centroid of every LSOA (where would centres go with no estate?).",
        "Seed 003 section 9 (centres in existing buildings); the others are planners' options.",
    )
    centres: int | None = sourced_field(
        CENTRES,
        "How many neighbourhood centres open; null: any number the budget allows.",
        "Seed 003 section 9: '56 neighbourhood centres distributed across the 34 service "
        "planning areas'.",
        ge=0,
    )
    budget_gbp: float | None = sourced_field(
        float(BUDGET_GBP),
        "The annual envelope the plan's cost (staff, buildings, sessions, outreach) must fit; "
        "null: no budget rule.",
        "Seed 003 section 7: 'a revised financial envelope of £17,230,000'.",
        gt=0,
    )
    need_bands: Literal["county_rank", "national"] = sourced_field(
        "county_rank",
        "How SPAs are banded for the access-point rule: 'county_rank' ranks the 34 SPAs against "
        "each other by child-weighted IMD score and bands the top high_need_spas 'high'; "
        "'national' keeps the geography's bands against England's LSOAs.",
        "Decision of this model: with national quintiles 11 SPAs are high need and the rule "
        "makes 56 centres exactly its floor (3 x 11 + 1 x 23), leaving the programme no choice "
        "of how many centres each SPA gets. Seed 003 speaks of 'higher need areas' within "
        "Lancashire, so the bands are relative to the county.",
    )
    high_need_spas: int = sourced_field(
        9,
        "With need_bands 'county_rank': how many SPAs, the most deprived first, are high need "
        "(the rest are middle, as the rule treats middle and low alike).",
        "Assumption: the most deprived quarter of the 34 SPAs (8.5, rounded up). The rule then "
        "needs 52 to 86 centres, so 56 leaves 4 to place by need; the sensitivity table in the "
        "README shows coverage for 0 to 11 high-need SPAs.",
        ge=0,
    )
    access_points: AccessPoints = sourced_field(
        AccessPoints(),
        "Fewest and most centres in an SPA by need band.",
        "Seed 003 section 9: 'higher need areas having three or four points of access and the "
        "middle and lower need areas having two or one'.",
    )
    enhanced_per_district: int = sourced_field(
        ENHANCED_CENTRES_PER_DISTRICT,
        "Centres per district (per footprint with enhanced_area 'footprint') that offer the "
        "enhanced number of sessions.",
        "Seed 003 section 9: 'one identified neighbourhood centre in each district area will "
        "provide an enhanced level of access'.",
        ge=0,
    )
    enhanced_area: Literal["district", "footprint"] = sourced_field(
        "district",
        "Where enhanced_per_district counts: that many enhanced centres in each of the 12 "
        "districts, or in each of the 5 footprints (with siting.centres 5, one hub per "
        "footprint, as seed 004's county chose: 'five, district based, Early Help Hubs').",
        "Seed 003 section 9 (per district); seed 004 section 8 for 'footprint'.",
    )
    sessions_enhanced: int = sourced_field(
        SESSIONS_ENHANCED,
        "Delivery sessions a week at an enhanced centre.",
        "Seed 003 section 9: '12 delivery sessions per week'.",
        ge=1,
    )
    sessions_standard: int = sourced_field(
        SESSIONS_STANDARD,
        "Delivery sessions a week at every other centre.",
        "Seed 003 section 9: 'the remainder will deliver 7 sessions per week'.",
        ge=1,
    )
    outreach_venues: VenueSet = sourced_field(
        "schools_and_buildings",
        "Where a centre may deliver outreach sessions (within its outreach_area): the 2015 "
        "partner schools, council buildings that are not centres, both, or nowhere.",
        "Seed 003 section 9: sessions offered 'either through the neighbourhood centres or "
        "through outreach and detached delivery', including in schools.",
    )
    outreach_area: Literal["spa", "footprint"] = sourced_field(
        "spa",
        "How far a centre's outreach goes: to venues of its own SPA, or of its whole footprint "
        "(a hub that runs sessions across its footprint). Either way, a venue's sessions count "
        "as staff time in the SPA where they are delivered.",
        "Seed 003 section 9 (neighbourhood centres serve their SPA); seed 004 section 8 "
        "(district hubs with outreach) for 'footprint'.",
    )
    min_home_share: float = sourced_field(
        0.5,
        "Least share of each centre's weekly sessions delivered in the centre itself; the rest "
        "(rounded down) may go to outreach venues, one session or more at each venue used.",
        "Assumption: a neighbourhood centre is a centre first; half its sessions at home keeps "
        "it open most of the week (3 of 7 and 6 of 12 sessions may go out).",
        ge=0,
        le=1,
    )
    max_home_sessions: int | None = sourced_field(
        None,
        "Most sessions a week a centre runs in its own building; the rest of its sessions go "
        "out, one to each venue it uses in its outreach_area. null: no most (outreach sessions "
        "no venue needs stay at home).",
        "Assumption, for hubs: a building's rooms have so many session slots a week; seed 003's "
        "7 and 12 fit any building, so the proposal sets none.",
        ge=0,
    )
    walk_standard: Literal["required", "objective"] = sourced_field(
        "objective",
        "'objective': first reach as many children (need-weighted) within the walk limit as "
        "possible, by a centre or by outreach, and report those who miss it and the outreach "
        "sessions that would close the gap; 'required': every child whom some candidate "
        "centre or venue could reach must be reached, or the run stops with that diagnosis.",
        "Seed 003 section 9 calls 30 minutes' walk 'good practice', a goal rather than a rule; "
        "under the proposal's 452 sessions the strict rule cannot be met (the summary says by "
        "how much), so the proposal takes it as the first objective.",
    )
    objective: Literal["coverage", "existing", "mean_walk", "min_cost", "fairness"] = sourced_field(
        "coverage",
        "What the plan is best at: 'coverage' (need-weighted children reached by a centre, "
        "then by outreach), 'existing' (the most 2015 buildings kept open, then coverage), "
        "'mean_walk' (the shortest mean walk of children to their nearest "
        "centre, homes beyond the walk horizon counted at the horizon, each LSOA's children "
        "going to one centre), 'min_cost' (cheapest plan whose centres reach coverage_target "
        "of the need), 'fairness' (raise the worst-served SPA's share reached by a centre).",
        "Issue 11; seed 003 section 9 (access by need).",
    )
    coverage_target: float = sourced_field(
        0.9,
        "With objective 'min_cost': the need-weighted share of children a centre must reach.",
        "Assumption.",
        gt=0,
        le=1,
    )
    prefer_existing: bool = sourced_field(
        True,
        "Among plans equally good on the objective, keep the most 2015 buildings open.",
        "Closures are what consultations contest (seed 003 section 10, the consultation).",
    )
    prefer_cheaper: bool = sourced_field(
        True,
        "Then, among those, the cheapest.",
        "Seed 003 section 7 (the saving).",
    )
    lock_open: tuple[str, ...] = sourced_field(
        (), "site_ids that must be centres.", "User choice.")
    lock_closed: tuple[str, ...] = sourced_field(
        (), "site_ids that must not be centres (nor outreach venues).", "User choice.")
    options: int = sourced_field(
        1,
        "How many alternative plans to return.",
        "User choice.",
        ge=1,
        le=50,
    )
    options_min_difference: int = sourced_field(
        3,
        "Each option differs from every earlier one by at least this many centres.",
        "Assumption: a consultation compares real alternatives, not one-building swaps.",
        ge=1,
    )
    options_tolerance: float = sourced_field(
        0.01,
        "Each option's objective is within this share of the best plan's.",
        "Assumption.",
        ge=0,
        lt=1,
    )
    time_limit_seconds: float | None = sourced_field(
        300.0,
        "Stop each solve after this many seconds and report incumbent, bound and gap; null: "
        "no limit.",
        "Assumption: the proposal solves to optimality in a few seconds.",
        gt=0,
    )
    mip_gap: float = sourced_field(
        0.0,
        "Stop when the plan is proven within this share of the optimum (0: prove optimality).",
        "Issue 11: the proposal is solved to proven optimality.",
        ge=0,
        lt=1,
    )
    solver: Literal["highs", "cbc"] | None = sourced_field(
        None,
        "The MIP solver; null: HiGHS, or CBC when highspy is missing.",
        "HiGHS (Huangfu & Hall 2018) is the default; CBC ships with PuLP.",
    )

    @model_validator(mode="after")
    def _locks_do_not_clash(self) -> SitingConfig:
        both = sorted(set(self.lock_open) & set(self.lock_closed))
        if both:
            raise ValueError(f"{', '.join(both)} locked both open and closed")
        return self

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every rule with its value, meaning and source."""
        return parameter_rows(self)


#: A fixed plan's centres: every building of the 2015 estate, or the site_ids listed.
ROLE_2015 = "role_2015"


class PlanConfig(BaseModel):
    """Whether the scenario's plan is optimised or stated (``plan:`` in a scenario file).

    A fixed plan opens the buildings it names, runs ``siting.sessions_standard`` sessions a week
    in each (``sessions_enhanced`` in those listed as enhanced) and is evaluated under the same
    model as an optimised one: coverage, staff, cost and the simulation. The programme's rules
    are not imposed on it; the summary says which it breaks.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["optimise", "fixed"] = sourced_field(
        "optimise",
        "'optimise': the siting programme chooses the centres; 'fixed': the centres are the "
        "buildings `centres` names (e.g. the 2015 service, to evaluate it under the same model).",
        "Issue 13 (a fixed-plan baseline).",
    )
    centres: Literal["role_2015"] | tuple[str, ...] = sourced_field(
        ROLE_2015,
        "With mode 'fixed': 'role_2015' (every building of the 2015 estate, priced as the "
        "cost model's calibrated 2015 service) or a list of site_ids.",
        "Seed 003 section 3 (the 2015 estate); a list is the user's choice.",
    )
    enhanced: tuple[str, ...] = sourced_field(
        (),
        "With mode 'fixed': site_ids of the centres that run siting.sessions_enhanced sessions.",
        "User choice.",
    )
