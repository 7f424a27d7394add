"""Candidate buildings: the county council's own, geocoded from their postcodes.

The embedded list is the council's published land and property register (OGL). Only the
register's own facts are used (name, address, postcode, tenure) plus the type read from the
name; children's homes are not service points, nor are rows marked former or transferred to
the community (CAT). Each building is geocoded with the ONS Postcode Directory. A user's CSV
(:func:`read_user_sites`) extends or replaces the list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geodata.config import MAX_SITE_COST_GBP
from geodata.districts import DISTRICTS
from geodata.embedded import REGISTER_SITES
from geodata.errors import GeodataError, InputError
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

#: The embedded buildings' ids start with these (register and stand-in schools); a user's may not.
RESERVED_ID_PREFIXES = ("LCC-", "EDU-")

#: Districts next to Lancashire-12, named in refusals: LAD19 codes, plus the 2023 unitary
#: councils that the directory now gives for Craven's and South Lakeland's postcodes.
NEIGHBOURS: MappingProxyType[str, str] = MappingProxyType(
    {
        "E06000008": "Blackburn with Darwen",
        "E06000009": "Blackpool",
        "E08000001": "Bolton",
        "E08000002": "Bury",
        "E08000005": "Rochdale",
        "E08000010": "Wigan",
        "E08000011": "Knowsley",
        "E08000012": "Liverpool",
        "E08000013": "St Helens",
        "E08000014": "Sefton",
        "E08000032": "Bradford",
        "E08000033": "Calderdale",
        "E07000163": "Craven",
        "E07000031": "South Lakeland",
        "E06000065": "North Yorkshire (Craven's until 2023)",
        "E06000064": "Westmorland and Furness (South Lakeland's until 2023)",
    }
)

#: A building given by easting/northing is in the district of the nearest postcode within this
#: distance. Assumption: postcodes in towns lie tens of metres apart, so a building's own or a
#: neighbour's is this close. Of the 38,422 grid references of Lancashire-12's postcodes, 48 have
#: their nearest other postcode this close in another district (a building there would be
#: refused, and can be given by its postcode instead).
NEAREST_POSTCODE_METRES = 200.0

#: First letters of every postcode area with a postcode within 2 km of Lancashire-12's extent
#: (BB, BD, BL, FY, HX, L, LA, M, OL, PR, SK, WA, WN).
NEARBY_LETTERS = "BFHLMOPSW"

#: Great Britain's national grid (EPSG:27700): easting and northing ranges, metres.
GB_GRID = ((0.0, 700_000.0), (0.0, 1_300_000.0))


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
    lost_names = zip(kept.loc[lost, "name"], kept.loc[lost, "postcode"], strict=True)
    report["not_geocoded_names"] = sorted(f"{n} ({p})" for n, p in lost_names)
    kept, where = kept[~lost], where[~lost]
    uncosted = sorted(set(kept["site_type"]) - set(costs))
    if uncosted:
        raise GeodataError(f"running_cost_gbp has no cost for building type {uncosted[0]!r}, which "
                           f"the council's register holds (expected a cost for each of "
                           f"{', '.join(USER_SITE_TYPES)})")
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


def read_user_sites(
    path: Path, costs: Mapping[str, float], *, max_cost_gbp: float = MAX_SITE_COST_GBP
) -> pd.DataFrame:
    """A user's buildings CSV: name, postcode or easting/northing, type, owner, annual_cost_gbp.

    ``type`` is one of :data:`USER_SITE_TYPES`, case, spaces and hyphens aside ("Family Hub" is
    family_hub); ``annual_cost_gbp`` is 0 to ``max_cost_gbp`` pounds a year, or blank for the
    type's cost in ``costs``; ``site_id`` is optional (without it the rows are USER-1, USER-2,
    ...). Every row must be in Lancashire-12 by the ONS Postcode Directory (see
    :func:`_districts`); the geography then places it in an LSOA. Returns :data:`SITE_COLUMNS`,
    indexed by the file's row number less 2 (blank rows are dropped).
    """
    raw = read_csv(path, ["name", "type", "owner"], what="buildings", dtype=str,
                   keep_default_na=False)
    if "postcode" not in raw.columns and not {"easting", "northing"} <= set(raw.columns):
        raise InputError(path, "no location columns", field="postcode",
                         expected="a 'postcode' column or 'easting' and 'northing' columns "
                                  "(EPSG:27700)")
    optional = ["postcode", "easting", "northing", "annual_cost_gbp", "tenure"]
    raw = raw.reindex(columns=list(dict.fromkeys([*raw.columns, *optional])), fill_value="")
    raw = raw.apply(lambda column: column.fillna("").str.strip())
    rows = raw.index.to_numpy() + 2
    _refuse_first(path, rows, raw["name"].eq(""), "name", lambda i: "empty name",
                  "the building's name")
    site_type = raw["type"].str.lower().str.replace(r"[\s_-]+", "_", regex=True)
    _refuse_first(path, rows, ~site_type.isin(USER_SITE_TYPES), "type",
                  lambda i: f"unknown type {raw['type'].iloc[i]!r}", ", ".join(USER_SITE_TYPES))
    ids = _site_ids(raw, rows, path)
    grid = _grid(raw, rows, path)
    postcodes = raw["postcode"]
    where = geocode(postcodes)
    _refuse_first(path, rows, postcodes.ne("") & where["x"].isna(), "postcode",
                  lambda i: f"postcode {postcodes.iloc[i]!r} is not in the ONS Postcode Directory",
                  "a current or terminated UK postcode")
    no_grid = np.isnan(grid[:, 0])
    _refuse_first(path, rows, no_grid & postcodes.eq(""), "postcode",
                  lambda i: "no postcode and no easting/northing",
                  "a postcode, or easting and northing")
    district = _districts(path, rows, postcodes, where["district_code"].to_numpy(object), grid)
    x = np.where(no_grid, where["x"].to_numpy(float), grid[:, 0])
    y = np.where(no_grid, where["y"].to_numpy(float), grid[:, 1])
    same = pd.DataFrame({"name": raw["name"].str.lower(), "x": x, "y": y})
    first = pd.Series(rows).groupby([same["name"].to_numpy(), x, y]).transform("first").to_numpy()
    _refuse_first(path, rows, same.duplicated().to_numpy(), "name",
                  lambda i: f"{raw['name'].iloc[i]!r} at the same place as row {first[i]}: the "
                            "same building twice", "each building once (two services in one "
                            "building are one candidate)")
    assumed = raw["annual_cost_gbp"].eq("")
    source = f"user file {Path(path).name}"
    return pd.DataFrame(
        {
            "site_id": ids,
            "name": raw["name"],
            "site_type": site_type,
            "role_2015": None,
            "owner": raw["owner"].replace("", "unknown"),
            "tenure": raw["tenure"],
            "annual_cost_gbp": _costs(raw, rows, site_type, costs, max_cost_gbp, path),
            "cost_basis": np.where(assumed, "assumption: running cost by building type", source),
            "stand_in": False,
            "source": source,
            "postcode": postcodes,
            "x": x,
            "y": y,
            "district_code": district,
        },
        index=raw.index,
    )


def _refuse_first(path: Path, rows: np.ndarray, bad: pd.Series | np.ndarray, field: str,
                  problem: Callable[[int], str], expected: str | None = None) -> None:
    """Raise an :class:`InputError` for the first row where ``bad`` holds; ``problem(i)`` words
    it for the row at position ``i``."""
    found = np.flatnonzero(np.asarray(bad, dtype=bool))
    if len(found):
        i = int(found[0])
        raise InputError(path, problem(i), row=int(rows[i]), field=field, expected=expected)


def _site_ids(raw: pd.DataFrame, rows: np.ndarray, path: Path) -> np.ndarray:
    """The user's ids (on every row, unique, not like an embedded building's), else USER-1, ..."""
    if "site_id" not in raw.columns:
        return np.array([f"USER-{i + 1}" for i in range(len(raw))], dtype=object)
    ids = raw["site_id"]
    _refuse_first(path, rows, ids.eq(""), "site_id", lambda i: "empty site_id",
                  "an id on every row, or no site_id column at all to number the rows USER-1, "
                  "USER-2, ...")
    _refuse_first(path, rows, ids.str.upper().str.startswith(RESERVED_ID_PREFIXES), "site_id",
                  lambda i: f"site_id {ids.iloc[i]!r} starts like an embedded building's",
                  f"ids not starting {' or '.join(RESERVED_ID_PREFIXES)}")
    first = pd.Series(rows).groupby(ids.to_numpy()).transform("first").to_numpy()
    _refuse_first(path, rows, ids.duplicated(), "site_id",
                  lambda i: f"site_id {ids.iloc[i]!r} appears twice "
                            f"(rows {first[i]} and {rows[i]})",
                  "unique ids")
    return ids.to_numpy(object)


def _grid(raw: pd.DataFrame, rows: np.ndarray, path: Path) -> np.ndarray:
    """Easting and northing in metres (NaN where both are blank).

    Half a pair, degrees (a longitude and latitude pasted in) or a point off Great Britain's
    grid is an input error.
    """
    grid = np.column_stack([_numbers(raw, "easting", path), _numbers(raw, "northing", path)])
    half = np.flatnonzero(np.isnan(grid).sum(axis=1) == 1)
    if len(half):
        i = int(half[0])
        given, missing = "easting", "northing"
        if np.isnan(grid[i, 0]):
            given, missing = missing, given
        raise InputError(path, f"{given} given without {missing}", row=int(rows[i]), field=missing,
                         expected="both, or neither and a postcode")
    e, n = np.abs(grid[:, 0]), np.abs(grid[:, 1])
    _refuse_first(path, rows, ((e <= 180) & (n <= 90)) | ((e <= 90) & (n <= 180)), "easting",
                  lambda i: f"easting {grid[i, 0]:g}, northing {grid[i, 1]:g} look like longitude "
                            "and latitude in degrees",
                  "British National Grid metres (EPSG:27700), e.g. easting 353000, northing 430000")
    (e_low, e_high), (n_low, n_high) = GB_GRID
    on_grid = ((grid[:, 0] >= e_low) & (grid[:, 0] <= e_high)
               & (grid[:, 1] >= n_low) & (grid[:, 1] <= n_high))
    _refuse_first(path, rows, ~np.isnan(grid[:, 0]) & ~on_grid, "easting",
                  lambda i: f"easting {grid[i, 0]:,.0f}, northing {grid[i, 1]:,.0f} is off Great "
                            "Britain's national grid",
                  f"easting {e_low:,.0f} to {e_high:,.0f} and northing {n_low:,.0f} to "
                  f"{n_high:,.0f} metres")
    return grid


def _districts(path: Path, rows: np.ndarray, postcodes: pd.Series, postcode_district: np.ndarray,
               grid: np.ndarray) -> np.ndarray:
    """Each row's district by the postcode directory; one outside Lancashire-12 is an input error.

    A postcode must be one of Lancashire-12's. A grid reference takes the district of the nearest
    postcode within :data:`NEAREST_POSTCODE_METRES`, or none (then the LSOA polygons alone
    decide). The polygons do not suffice: being generalised, they are allowed a snap distance,
    and hundreds of Blackpool, Blackburn and Sefton postcodes lie within it.
    """
    district = postcode_district.copy()
    outside = postcodes.ne("").to_numpy() & ~np.isin(district, list(DISTRICTS))
    _refuse_first(path, rows, outside, "postcode",
                  lambda i: f"postcode {postcodes.iloc[i]!r} is in {_district_name(district[i])}, "
                            "outside Lancashire-12",
                  "a building in one of the 12 districts")
    by_grid = np.flatnonzero(~np.isnan(grid[:, 0]))
    if len(by_grid):
        tree, keys, codes = _nearby_postcodes()
        metres, nearest = tree.query(grid[by_grid], distance_upper_bound=NEAREST_POSTCODE_METRES)
        near = np.isfinite(metres)
        by_grid, metres, nearest = by_grid[near], metres[near], nearest[near]
        district[by_grid] = codes[nearest]
        _refuse_first(path, rows[by_grid], ~np.isin(codes[nearest], list(DISTRICTS)), "easting",
                      lambda j: f"({grid[by_grid[j], 0]:.0f}, {grid[by_grid[j], 1]:.0f}) is "
                                f"{metres[j]:.0f} m from postcode {keys[nearest[j]]}, in "
                                f"{_district_name(codes[nearest[j]])}, outside Lancashire-12",
                      "a building in one of the 12 districts; if it is in one, give its postcode "
                      "and no easting/northing")
    return district


def _district_name(code: str) -> str:
    """'Blackpool (E06000009)' for a neighbour, else 'district E09000033'."""
    return f"{NEIGHBOURS[code]} ({code})" if code in NEIGHBOURS else f"district {code}"


@lru_cache(maxsize=1)
def _nearby_postcodes() -> tuple[cKDTree, np.ndarray, np.ndarray]:
    """A search tree over the directory's postcodes in and around Lancashire-12, with each one's
    postcode and district. Northern Ireland's are left out: their grid is the Irish one."""
    table = postcode_directory(NEARBY_LETTERS)
    table = table[table["x"].notna() & ~table["district_code"].str.startswith("N")]
    tree = cKDTree(table[["x", "y"]].to_numpy(float))
    return tree, table["postcode"].to_numpy(object), table["district_code"].to_numpy(object)


def _costs(raw: pd.DataFrame, rows: np.ndarray, site_type: pd.Series, costs: Mapping[str, float],
           max_cost_gbp: float, path: Path) -> np.ndarray:
    """Each row's yearly cost: the user's (0 to ``max_cost_gbp``), else its type's in ``costs``."""
    given = _numbers(raw, "annual_cost_gbp", path)
    out_of_range = ~np.isnan(given) & ~((given >= 0) & (given <= max_cost_gbp))
    _refuse_first(path, rows, out_of_range, "annual_cost_gbp",
                  lambda i: f"{raw['annual_cost_gbp'].iloc[i]} is outside the accepted range",
                  f"pounds a year from 0 to {max_cost_gbp:,.0f}, or blank for the type's assumed "
                  "cost")
    assumed = site_type.map(lambda kind: costs.get(kind, np.nan)).to_numpy(float)
    _refuse_first(path, rows, np.isnan(given) & np.isnan(assumed), "annual_cost_gbp",
                  lambda i: "blank, and there is no assumed running cost for type "
                            f"{site_type.iloc[i]!r}",
                  "pounds a year")
    return np.where(np.isnan(given), assumed, given)


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    """A column as floats, blanks as NaN; anything else not a number is an input error."""
    text = frame[column]
    values = pd.to_numeric(text.replace("", np.nan), errors="coerce")
    comma = "; a comma is neither a decimal point nor allowed between thousands"
    _refuse_first(path, frame.index.to_numpy() + 2, values.isna() & text.ne(""), column,
                  lambda i: f"{text.iloc[i]!r} is not a number"
                            + (comma if "," in text.iloc[i] else ""),
                  "a plain number such as 1200.50, with a decimal point and no currency sign or "
                  "thousands separator")
    return values.to_numpy(float)
