"""Candidate buildings: the county council's own, geocoded from their postcodes.

The embedded list is the council's published land and property register (OGL). Only the
register's own facts are used (name, address, postcode, tenure) plus the type read from the
name; children's homes are not service points, nor are rows marked former or transferred to
the community (CAT). Each building is geocoded with the ONS Postcode Directory. A user's CSV
(:func:`read_user_sites`) extends or replaces the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.districts import DISTRICTS
from geodata.embedded import REGISTER_SITES
from geodata.errors import InputError
from geodata.postcodes import postcode_directory
from geodata.readers import read_csv

#: Columns of the sites table every layer can rely on.
SITE_COLUMNS = (
    "site_id",
    "name",
    "site_type",
    "role_2015",
    "owner",
    "tenure",
    "annual_cost_gbp",
    "cost_basis",
    "stand_in",
    "source",
    "postcode",
    "x",
    "y",
    "district_code",
)

#: The four kinds of building in the 2015 estate of seed 003 section 3.
ESTATE_ROLES = ("children_centre", "cc_satellite", "youth_zone", "young_peoples_centre")

#: What each register type was in the 2015 estate (assumption; see README, 'The 2015 estate').
REGISTER_ROLE_2015 = {
    "family_hub": "children_centre",
    "children_family_centre": "children_centre",
    "young_peoples_centre": "young_peoples_centre",
    "neighbourhood_centre": "young_peoples_centre",
    "youth_zone": "youth_zone",
    "library": None,
}

USER_SITE_TYPES = tuple(REGISTER_ROLE_2015) + ("children_centre", "school", "other")


def normalise_postcode(postcode: object) -> str:
    """Upper case with no spaces, the form the postcode directory is keyed on."""
    return "".join(str(postcode).split()).upper()


def geocode(postcodes: pd.Series) -> pd.DataFrame:
    """Grid reference and district of each postcode (NaN where it does not geocode).

    Looks in the whole UK directory, so a real postcode outside Lancashire is told apart from
    one that does not exist. Returns columns x, y, district_code on the input's index.
    """
    keys = postcodes.map(normalise_postcode)
    letters = "".join({k[0] for k in keys if k[:1].isalpha()})
    table = postcode_directory(letters).drop_duplicates("key").set_index("key")
    found = table.reindex(keys.to_numpy())
    return pd.DataFrame(
        {
            "x": found["x"].to_numpy(float),
            "y": found["y"].to_numpy(float),
            "district_code": found["district_code"].astype(object).to_numpy(),
        },
        index=postcodes.index,
    )


def load_register_sites(costs: Mapping[str, float]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The council's own buildings that can host services, with a report of what was left out."""
    raw = read_csv(
        REGISTER_SITES, ["asset_id", "name", "site_type", "former_or_cat", "postcode", "ownership"],
        dtype={"asset_id": str},
    )
    report: dict[str, Any] = {"register_rows": len(raw)}
    homes = raw["site_type"] == "childrens_home"
    former = raw["former_or_cat"].astype(str).str.lower() == "true"
    report["childrens_homes_excluded"] = int(homes.sum())
    report["former_or_transferred_excluded"] = int((former & ~homes).sum())
    kept = raw[~homes & ~former].copy()
    is_zone = kept["name"].str.contains(r"\bThe Zone$|Youth Zone", regex=True)
    kept.loc[is_zone & (kept["site_type"] == "young_peoples_centre"), "site_type"] = "youth_zone"
    where = geocode(kept["postcode"])
    lost = where["x"].isna() | ~where["district_code"].isin(list(DISTRICTS))
    report["not_geocoded_in_lancashire"] = int(lost.sum())
    report["not_geocoded_names"] = sorted(f"{n} ({p})" for n, p in zip(kept.loc[lost, "name"], kept.loc[lost, "postcode"], strict=True))
    kept, where = kept[~lost], where[~lost]
    sites = pd.DataFrame(
        {
            "site_id": "LCC-" + kept["asset_id"].astype(str),
            "name": kept["name"],
            "site_type": kept["site_type"],
            "role_2015": kept["site_type"].map(REGISTER_ROLE_2015),
            "owner": "LCC",
            "tenure": kept["ownership"],
            "annual_cost_gbp": kept["site_type"].map(costs).astype(float),
            "cost_basis": "assumption: running cost by building type",
            "stand_in": False,
            "source": "LCC land and property register (OGL v3.0)",
            "postcode": kept["postcode"],
            "x": where["x"],
            "y": where["y"],
            "district_code": where["district_code"],
        }
    )
    report["register_sites"] = len(sites)
    return sites.reset_index(drop=True), report


def read_user_sites(path: Path, costs: Mapping[str, float]) -> pd.DataFrame:
    """A user's buildings CSV: name, postcode or easting/northing, type, owner, annual_cost_gbp.

    ``type`` is one of :data:`USER_SITE_TYPES`; ``annual_cost_gbp`` may be blank, and then the
    type's assumed cost is used. Every row must land in Lancashire-12.
    """
    raw = read_csv(path, ["name", "type", "owner"], dtype=str, keep_default_na=False)
    has_postcode = "postcode" in raw.columns
    has_grid = {"easting", "northing"} <= set(raw.columns)
    if not (has_postcode or has_grid):
        raise InputError(path, "no location columns", field="postcode",
                         expected="a 'postcode' column or 'easting' and 'northing' columns (EPSG:27700)")
    for i, row in raw.iterrows():
        line = int(i) + 2
        if not row["name"].strip():
            raise InputError(path, "empty name", row=line, field="name")
        if row["type"] not in USER_SITE_TYPES:
            raise InputError(path, f"unknown type {row['type']!r}", row=line, field="type",
                             expected=", ".join(USER_SITE_TYPES))
    x = np.full(len(raw), np.nan)
    y = np.full(len(raw), np.nan)
    if has_grid:
        x = _numbers(raw, "easting", path)
        y = _numbers(raw, "northing", path)
    postcodes = raw["postcode"] if has_postcode else pd.Series([""] * len(raw))
    needs_lookup = np.isnan(x) | np.isnan(y)
    where = geocode(postcodes.where(needs_lookup, ""))  # only rows without a grid reference
    for i in np.flatnonzero(needs_lookup):
        if not str(postcodes.iloc[i]).strip():
            raise InputError(path, "no postcode and no easting/northing", row=int(i) + 2, field="postcode")
        if np.isnan(where["x"].iloc[i]):
            raise InputError(path, f"postcode {postcodes.iloc[i]!r} is not in the ONS Postcode Directory",
                             row=int(i) + 2, field="postcode", expected="a current or terminated UK postcode")
    x = np.where(needs_lookup, where["x"].to_numpy(), x)
    y = np.where(needs_lookup, where["y"].to_numpy(), y)
    cost = _numbers(raw, "annual_cost_gbp", path) if "annual_cost_gbp" in raw.columns else np.full(len(raw), np.nan)
    default_cost = raw["type"].map(lambda t: costs.get(t, np.nan)).to_numpy(float)
    ids = raw["site_id"] if "site_id" in raw.columns else pd.Series([f"USER-{i + 1}" for i in range(len(raw))])
    sites = pd.DataFrame(
        {
            "site_id": ids.to_numpy(),
            "name": raw["name"].str.strip(),
            "site_type": raw["type"],
            "role_2015": None,
            "owner": raw["owner"].replace("", "unknown"),
            "tenure": raw["tenure"] if "tenure" in raw.columns else "",
            "annual_cost_gbp": np.where(np.isnan(cost), default_cost, cost),
            "cost_basis": np.where(np.isnan(cost), "assumption: running cost by building type", f"user file {Path(path).name}"),
            "stand_in": False,
            "source": f"user file {Path(path).name}",
            "postcode": postcodes.to_numpy(),
            "x": x,
            "y": y,
            "district_code": where["district_code"].to_numpy(),
        }
    )
    duplicated = sites["site_id"].duplicated()
    if duplicated.any():
        raise InputError(path, f"site_id {sites['site_id'][duplicated].iloc[0]!r} appears twice",
                         row=int(np.flatnonzero(duplicated)[0]) + 2, field="site_id", expected="unique ids")
    return sites


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """A column as floats, blanks as NaN; anything else not a number is an input error."""
    values = pd.to_numeric(frame[column].replace("", np.nan), errors="coerce")
    bad = values.isna() & frame[column].str.strip().ne("")
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(path, f"{frame[column].iloc[i]!r} is not a number", row=i + 2, field=column)
    return values.to_numpy(float)
