"""The geography as a planner reads it: the summary figures and what departs from seed 003.

Presentation lives here, beside the :class:`~geodata.geography.Geography` data object and not
in it: rounding, ordering and the wording of departures are for people; the numbers they come
from are the geography's.
"""

from __future__ import annotations

from typing import Any

from geodata.districts import DISTRICTS, footprint_of
from geodata.estate import estate_counts
from geodata.geography import Geography
from geodata.seed003 import CENTRES, ESTATE_TOTAL, FOOTPRINTS, SPA_COUNT, access_point_range
from geodata.spas import spa_balance_gaps


def departures_from_seed(geography: Geography) -> list[str]:
    """Where this geography differs from what seed 003 fixes (empty when it agrees).

    The embedded default always agrees; a user's SPA file or building list may not, and the
    siting programme needs to know.
    """
    notes = []
    spas = geography.spas
    if len(spas) != SPA_COUNT:
        notes.append(f"{len(spas)} SPAs, where seed 003 has {SPA_COUNT}")
    for footprint, found in geography.spas_per_footprint().items():
        expected = FOOTPRINTS[footprint][1]
        if found != expected:
            notes.append(f"footprint {footprint}: {found} SPAs, where seed 003 has {expected}")
    crossing = spas.loc[spas["crosses_districts"], "spa_id"].tolist()
    if crossing:
        notes.append("SPAs crossing a district boundary (put in the district with most "
                     f"children): {', '.join(map(str, crossing))}")
    estate = sum(estate_counts(geography.sites).values())
    if estate != ESTATE_TOTAL:
        notes.append(f"the 2015 estate has {estate} buildings, where seed 003 has {ESTATE_TOTAL}")
    low, high = access_point_range(geography.spas_per_need_band())
    if not low <= CENTRES <= high:
        notes.append(f"the need bands allow {low} to {high} centres under seed 003's rule, not {CENTRES}")
    return notes


def geography_summary(geography: Geography, limit_minutes: float | None = None) -> dict[str, Any]:
    """The figures a planner checks first, as plain data (what ``geodata summary`` prints).

    Walking access is to any candidate building within ``limit_minutes`` (default: the
    geography's standard, ``config.walk_limit_minutes``).
    """
    geo = geography
    limit = geo.walk_standard_minutes if limit_minutes is None else limit_minutes
    children = geo.demand_points.groupby("district")["population_0_19"].sum()
    district_access = geo.coverage_by("district", limit_minutes=limit)
    spa_access = geo.coverage_by("spa_id", limit_minutes=limit)
    sites_by_district = geo.sites.groupby("district").size()
    sites_by_spa = geo.sites.groupby("spa_id").size()
    districts = [
        {
            "code": code,
            "name": name,
            "footprint": footprint_of(name),
            "population_0_19": int(children.get(name, 0)),
            "spas": int((geo.spas["district"] == name).sum()),
            "candidate_sites": int(sites_by_district.get(name, 0)),
            "share_within_walk": round(float(district_access.get(name, 0.0)), 4),
        }
        for code, name in DISTRICTS.items()
    ]
    spas = [
        {
            "id": row.spa_id,
            "name": row.name,
            "district": row.district,
            "footprint": row.footprint,
            "population_0_19": int(row.population_0_19),
            "need_index": round(float(row.need / row.population_0_19), 3) if row.population_0_19 else 0.0,
            "imd_score": round(float(row.imd_score), 2),
            "need_band": row.need_band,
            "lsoas": int(row.n_lsoas),
            "area_km2": round(float(row.area_km2), 1),
            "candidate_sites": int(sites_by_spa.get(row.spa_id, 0)),
            "share_within_walk": round(float(spa_access.get(row.spa_id, 0.0)), 4),
        }
        for row in geo.spas.itertuples()
    ]
    bands = geo.spas_per_need_band()
    low, high = access_point_range(bands)
    gap = max(spa_balance_gaps(geo.spas).values())
    return {
        "districts": districts,
        "footprints": geo.spas_per_footprint(),
        "spas": spas,
        "need_bands": bands,
        "need_cutoffs_imd_score": {"high_at_or_above": round(geo.need_cutoffs[0], 2),
                                   "low_below": round(geo.need_cutoffs[1], 2)},
        "centres_allowed_by_seed_rule": {"min": low, "max": high},
        "spa_largest_gap_from_district_mean": round(float(gap), 4),
        "demand_points": len(geo.demand_points),
        "population_0_19": geo.population_0_19,
        "candidate_sites": len(geo.sites),
        "stand_in_sites": int(geo.sites["stand_in"].sum()),
        "estate_2015": estate_counts(geo.sites),
        "walk_limit_minutes": limit,
        "walk_horizon_minutes": geo.walk.horizon_minutes,
        "share_within_walk": round(geo.share_within_walk(limit_minutes=limit), 4),
        "cleaning": geo.report,
        "warnings": list(geo.warnings),
        "departures_from_seed_003": departures_from_seed(geo),
    }
