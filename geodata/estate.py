"""The 2015 estate of seed 003 (132 buildings), completed with marked stand-ins.

Seed 003 section 3 counts 61 children's centres and 18 satellites (51 council-managed, 28
externally commissioned, often in schools), 10 youth zones and 43 young people's centres. The
council's register today holds fewer (see :mod:`geodata.sites`), and no list of the 2015
buildings with addresses survives in open data. The gap is filled by **stand-ins**: real
schools open in spring 2015 (DfE EduBase), the partner sites seed 003 names, chosen by a
reproducible rule and flagged ``stand_in`` in every output.

Rule, for children's centres (primary and nursery schools, weighted by children 0-4) and then
youth buildings (secondary and all-through schools, weighted by young people 12-19):
one stand-in at a time goes to the district with the most children per building of that kind
(D'Hondt, counting real buildings), at the school there that brings the most children not yet
within the walk limit of such a building (ties: larger catchment, then lower URN). Then, in
order of that gain: the first children's-centre stand-ins make up the 51 council-managed
centres, the next the 28 commissioned ones; the 18 with least gain are the satellites; the
youth stand-ins with most gain are the youth zones, the rest young people's centres.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.districts import DISTRICTS
from geodata.embedded import CRS, SCHOOLS_2015
from geodata.errors import GeodataError
from geodata.readers import read_csv
from geodata.seed003 import (
    COMMISSIONED_CC,
    COUNCIL_MANAGED_CC,
    SATELLITES,
    YOUNG_PEOPLES_CENTRES,
    YOUTH_ZONES,
)
from geodata.walking import WalkModel

#: School groups that can host a service (not independent schools, colleges, universities).
PARTNER_GROUPS = ("LA maintained schools", "Academies", "Free Schools", "Special schools")

STAND_IN_NOTE = "STAND-IN for an unlisted 2015 building"


@dataclass(frozen=True)
class _Kind:
    roles: tuple[str, ...]
    phases: tuple[str, ...]
    age_band: str


_CHILDREN = _Kind(("children_centre", "cc_satellite"), ("primary", "nursery"), "pop_0_4")
_YOUTH = _Kind(("youth_zone", "young_peoples_centre"), ("secondary", "all_through"), "pop_12_19")


def load_partner_schools() -> pd.DataFrame:
    """Schools open in spring 2015 that could host a centre: urn, name, phase, x, y, district_code."""
    raw = read_csv(
        SCHOOLS_2015,
        ["urn", "name", "phase_derived", "open_in_edubase_2015", "establishment_group_2016",
         "postcode", "latitude", "longitude", "lad19cd"],
    )
    keep = (raw["open_in_edubase_2015"] == "Y") & raw["establishment_group_2016"].isin(PARTNER_GROUPS)
    schools = raw[keep & raw["lad19cd"].isin(list(DISTRICTS))].sort_values("urn")
    where = gpd.GeoSeries(
        gpd.points_from_xy(schools["longitude"], schools["latitude"]), crs="EPSG:4326"
    ).to_crs(CRS)
    return pd.DataFrame(
        {
            "urn": schools["urn"].to_numpy(),
            "name": schools["name"].to_numpy(),
            "phase": schools["phase_derived"].to_numpy(),
            "postcode": schools["postcode"].to_numpy(),
            "x": where.x.to_numpy(),
            "y": where.y.to_numpy(),
            "district_code": schools["lad19cd"].to_numpy(),
        }
    )


def complete_estate(
    register: pd.DataFrame,
    schools: pd.DataFrame,
    points: pd.DataFrame,
    walk: WalkModel,
    limit_minutes: float,
    costs: Mapping[str, float],
) -> pd.DataFrame:
    """Stand-in buildings that bring the register's 2015 roles up to seed 003's counts."""
    real = register["role_2015"].value_counts()
    real_cc = int(real.get("children_centre", 0))
    real_youth_zones = int(real.get("youth_zone", 0))
    real_ypc = int(real.get("young_peoples_centre", 0))
    if real_cc > COUNCIL_MANAGED_CC or real_youth_zones > YOUTH_ZONES or real_ypc > YOUNG_PEOPLES_CENTRES:
        raise GeodataError(
            f"the register already holds {real_cc} children's centres, {real_youth_zones} youth "
            f"zones and {real_ypc} young people's centres, more than the 2015 estate of seed 003 "
            f"({COUNCIL_MANAGED_CC} council-managed, {YOUTH_ZONES}, {YOUNG_PEOPLES_CENTRES})"
        )
    used: set[int] = set()
    children = _pick(
        _CHILDREN, COUNCIL_MANAGED_CC + COMMISSIONED_CC - real_cc, register, schools, points, walk, limit_minutes, used
    )
    youth = _pick(
        _YOUTH, YOUTH_ZONES + YOUNG_PEOPLES_CENTRES - real_youth_zones - real_ypc,
        register, schools, points, walk, limit_minutes, used,
    )
    n_cc = len(children)
    children["role_2015"] = np.where(np.arange(n_cc) < n_cc - SATELLITES, "children_centre", "cc_satellite")
    children["owner"] = np.where(
        np.arange(n_cc) < COUNCIL_MANAGED_CC - real_cc, "LCC", "commissioned (school or VCFS)"
    )
    youth["role_2015"] = np.where(
        np.arange(len(youth)) < YOUTH_ZONES - real_youth_zones, "youth_zone", "young_peoples_centre"
    )
    youth["owner"] = "LCC"
    stand_ins = pd.concat([children, youth], ignore_index=True)
    role_cost = {
        "children_centre": costs["children_centre"],
        "cc_satellite": costs["children_family_centre"],
        "youth_zone": costs["youth_zone"],
        "young_peoples_centre": costs["young_peoples_centre"],
    }
    return pd.DataFrame(
        {
            "site_id": "EDU-" + stand_ins["urn"].astype(str),
            "name": stand_ins["name"] + f" [{STAND_IN_NOTE}]",
            "site_type": "school",
            "role_2015": stand_ins["role_2015"],
            "owner": stand_ins["owner"],
            "tenure": "partner site",
            "annual_cost_gbp": stand_ins["role_2015"].map(role_cost).astype(float),
            "cost_basis": "assumption: running cost by 2015 role",
            "stand_in": True,
            "source": "stand-in: DfE EduBase school open spring 2015 (OGL v3.0), rule in geodata/estate.py",
            "postcode": stand_ins["postcode"],
            "x": stand_ins["x"],
            "y": stand_ins["y"],
            "district_code": stand_ins["district_code"],
        }
    )


def _pick(
    kind: _Kind,
    count: int,
    register: pd.DataFrame,
    schools: pd.DataFrame,
    points: pd.DataFrame,
    walk: WalkModel,
    limit_minutes: float,
    used: set[int],
) -> pd.DataFrame:
    """``count`` schools for one kind of building, in order of coverage gain (see module doc)."""
    if count <= 0:
        return schools.iloc[0:0].assign(gain=[])
    pool = schools[schools["phase"].isin(kind.phases) & ~schools["urn"].isin(used)].reset_index(drop=True)
    existing = register[register["role_2015"].isin(kind.roles)]
    people = points[kind.age_band].to_numpy(float)
    pts_xy = points[["x", "y"]].to_numpy()
    covered = np.zeros(len(points), bool)
    if len(existing):
        covered = walk.walk_times(pts_xy, existing[["x", "y"]].to_numpy(), limit_minutes).covered(
            limit_minutes=limit_minutes)
    reach = walk.walk_times(pts_xy, pool[["x", "y"]].to_numpy(), limit_minutes).reach(limit_minutes)
    reach = reach.T.tocsr().astype(float)
    catchment = reach @ people
    by_district = points.groupby("district_code")[kind.age_band].sum()
    held = existing["district_code"].value_counts().reindex(by_district.index, fill_value=0)
    added = pd.Series(0, index=by_district.index)
    free = np.ones(len(pool), bool)
    chosen: list[tuple[int, float]] = []
    for _ in range(count):
        open_districts = pool.loc[free, "district_code"].unique()
        if len(open_districts) == 0:
            raise GeodataError(f"not enough {'/'.join(kind.phases)} schools to stand in for {count} buildings")
        quotient = (by_district / (held + added + 1)).reindex(open_districts)
        district = quotient.sort_values(ascending=False, kind="stable").index[0]
        candidates = np.flatnonzero(free & (pool["district_code"] == district).to_numpy())
        gain = reach[candidates] @ (people * ~covered)
        order = np.lexsort((pool["urn"].to_numpy()[candidates], -catchment[candidates], -gain))
        best = candidates[order[0]]
        chosen.append((best, float(gain[order[0]])))
        free[best] = False
        added[district] += 1
        covered |= np.asarray(reach[best].todense()).ravel() > 0
    picks = pool.iloc[[i for i, _ in chosen]].assign(gain=[g for _, g in chosen])
    used.update(picks["urn"].tolist())
    # highest gain first; stable, so ties keep the order they were picked in
    return picks.sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)


def estate_counts(sites: pd.DataFrame) -> dict[str, int]:
    """Buildings of the 2015 estate by role (a check against seed 003)."""
    roles = sites["role_2015"].dropna()
    return {role: int((roles == role).sum()) for role in _CHILDREN.roles + _YOUTH.roles}


