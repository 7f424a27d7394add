"""Parameters of the geography, each with its source or marked as an assumption.

A :class:`GeodataConfig` is frozen and refuses unknown fields, so a mistyped parameter fails
instead of being silently ignored. ``parameter_table()`` lists every value with its source,
for the README and the results manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geodata.seed003 import BUDGET_GBP, WALK_MINUTES

REPLACE_WHOLE_KEY = "replace_whole"
SOURCE_KEY = "source"

#: Fields read when the geography is queried, not when it is built: changing them never
#: changes the buildings, their ids or the walking times, so the cache ignores them.
QUERY_TIME_FIELDS = ("walk_limit_minutes",)

#: Largest believable yearly running cost of one building, in pounds: the whole new service has
#: £17.23m a year (seed 003), so one building costing more than this is a typo.
MAX_SITE_COST_GBP = 2_000_000.0


def sourced_field(default: Any, description: str, source: str, *, replace_whole: bool = False,
                  **kwargs: Any) -> Any:
    """A pydantic field that carries its source (listed by the parameter tables).

    ``replace_whole``: a mapping a scenario states whole (shares that add up to 1): a file that
    extends another replaces it rather than merging it key by key."""
    extra = {SOURCE_KEY: source, **({REPLACE_WHOLE_KEY: True} if replace_whole else {})}
    return Field(default, description=description, json_schema_extra=extra, **kwargs)


def _cost(default: float) -> Any:
    return Field(default, ge=0, le=MAX_SITE_COST_GBP)


class RunningCosts(BaseModel):
    """Annual running cost of a building by type, in pounds (all assumptions; see the field).

    Give only the types you want to change: the others keep their defaults.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    children_centre: float = _cost(60000.0)
    children_family_centre: float = _cost(45000.0)
    family_hub: float = _cost(60000.0)
    neighbourhood_centre: float = _cost(35000.0)
    young_peoples_centre: float = _cost(35000.0)
    youth_zone: float = _cost(80000.0)
    library: float = _cost(15000.0)
    school: float = _cost(10000.0)
    other: float = _cost(10000.0)

    def as_dict(self) -> dict[str, float]:
        """Cost by site type, as the readers take it."""
        return self.model_dump()


class GeodataConfig(BaseModel):
    """Everything that decides how the geography is built; the cache is keyed on it."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    walk_limit_minutes: float = sourced_field(
        WALK_MINUTES,
        "Access standard: a family within this walk of a building counts as reached. It is "
        "asked of the walking times when they are used, so it never changes the buildings, "
        "their ids or the times; it must not exceed walk_horizon_minutes.",
        "Seed 003 section 9: 'good practice for access within 30 minutes reasonable travel "
        "distance (walking)'.",
        gt=0,
        le=120,
    )
    walk_horizon_minutes: float = sourced_field(
        60.0,
        "How far walking times are computed: every home-building pair within this walk is "
        "kept, so any standard up to it can be asked, and a mean or capped walk can be "
        "measured; a pair beyond it is 'further than the horizon'.",
        "Assumption: an hour's walk, twice seed 003's standard; at 60 minutes the default "
        "geography keeps about 276,000 pairs (0.03 s to compute).",
        gt=0,
        le=120,
    )
    walk_speed_kmh: float = sourced_field(
        4.8,
        "Walking speed used to turn distance into time.",
        "DfT Journey Time Statistics, notes and definitions: walking speed 4.8 km/h.",
        gt=0,
        le=10,
    )
    circuity: float = sourced_field(
        1.3,
        "Ratio of walking-route distance to straight-line distance.",
        "Assumption: detour indices for walking in English towns are typically 1.2-1.4; 1.3 "
        "is the middle. Replace with network times from an OpenStreetMap extract where one "
        "is available.",
        ge=1,
        le=3,
    )
    shared_location_threshold: int = sourced_field(
        10,
        "A grid reference shared by this many postcodes or more is treated as a PO box, large "
        "user or low-precision placement, and gets no resident population.",
        "Assumption: in Lancashire-12 36,789 of 38,422 grid references hold one postcode and "
        "the count falls steeply to 8 at 9 postcodes; the 55 points holding 20 to 593 "
        "postcodes are sorting offices, PO boxes and large users.",
        ge=2,
    )
    need_gradient: float = sourced_field(
        1.0,
        "Exponent on the LSOA's IMD score relative to the county mean when weighting children "
        "by need: 0 counts every child equally, 1 makes need proportional to the score.",
        "Assumption, after the steep deprivation gradient in child welfare interventions "
        "(Bywaters et al. 2016, 'The relationship between poverty, child abuse and neglect', "
        "Joseph Rowntree Foundation).",
        ge=0,
        le=3,
    )
    need_high_percentile: float = sourced_field(
        80.0,
        "An SPA whose child-weighted IMD score is at or above this national percentile of LSOA "
        "scores is banded 'high' need.",
        "Assumption: the national most-deprived fifth (IMD 2019 quintile 1), the band the "
        "council's own deprivation reporting uses for 'high'.",
        gt=50,
        lt=100,
    )
    need_low_percentile: float = sourced_field(
        50.0,
        "An SPA whose child-weighted IMD score is below this national percentile is banded "
        "'low' need; between the two it is 'middle'.",
        "Assumption: less deprived than the median LSOA in England.",
        gt=0,
        lt=100,
    )
    spa_balance_tolerance: float = sourced_field(
        0.15,
        "Largest allowed gap between an SPA's population 0-19 and its district's mean SPA "
        "population, as a share of that mean.",
        "Assumption: planning areas are usually kept within +-15 % of their target size.",
        gt=0,
        le=1,
    )
    running_cost_gbp: RunningCosts = sourced_field(
        RunningCosts(),
        "Annual running cost (premises, utilities, caretaking) of a building by its type, in "
        "pounds; for a library, school or other partner building it is the early-help share "
        "or room hire. Give only the types to change; each must be 0 to 2,000,000.",
        "Assumption: seed 003 gives no premises costs. Order of magnitude from council "
        "community buildings of 200-700 m2 (the register's median EPC floor area is 377 m2) at "
        "roughly 100-150 pounds per m2 a year. A user's CSV can state each building's cost. The "
        f"upper bound: the whole new service has {BUDGET_GBP:,} pounds a year (seed 003).",
    )
    postcode_snap_metres: float = sourced_field(
        500.0,
        "A postcode this close to an LSOA polygon but outside every one (a coast or estuary "
        "clipped by the generalised boundaries) joins the nearest LSOA; further out it is "
        "dropped and counted.",
        "Assumption: the ONS generalised (20 m) boundaries clip the coast by up to a few hundred "
        "metres; with 500 m 12 Lancashire postcodes are snapped and none dropped.",
        ge=0,
        le=5000,
    )
    site_snap_metres: float = sourced_field(
        500.0,
        "A building this close to Lancashire-12 but outside every LSOA polygon joins the "
        "nearest LSOA; further out it is refused as outside the county.",
        "Assumption: as postcode_snap_metres (the same generalised coastline).",
        ge=0,
        le=5000,
    )
    spa_file_snap_metres: float = sourced_field(
        1000.0,
        "With a user's SPA file, an LSOA whose population-weighted centroid lies outside every "
        "SPA polygon joins the nearest SPA within this distance.",
        "Assumption: user boundaries are often generalised more coarsely than ONS ones.",
        ge=0,
        le=10000,
    )
    network_segment_metres: float = sourced_field(
        25.0,
        "With a walk network, straight segments longer than this are split, so that a home or "
        "building midway along a street joins the network at most half this far away.",
        "Assumption: half of 25 m is within the precision of a postcode's grid reference.",
        gt=0,
        le=500,
    )
    spa_boundaries: Path | None = sourced_field(
        None,
        "A user's own SPA boundary file (GeoPackage, GeoJSON or shapefile) with a 'spa_id' "
        "field; it replaces the built SPAs.",
        "User input.",
    )
    sites_file: Path | None = sourced_field(
        None,
        "A user's CSV of buildings: name, postcode or easting/northing, type, owner, "
        "annual_cost_gbp.",
        "User input.",
    )
    walk_network: Path | None = sourced_field(
        None,
        "A line file (GeoPackage, GeoJSON or shapefile) of walkable paths and streets, e.g. an "
        "OpenStreetMap extract; walking times then follow it instead of straight lines x "
        "circuity.",
        "User input.",
    )
    sites_mode: Literal["extend", "replace"] = sourced_field(
        "extend",
        "Whether the user's buildings are added to the embedded ones or replace them.",
        "User choice.",
    )

    @model_validator(mode="before")
    @classmethod
    def _horizon_follows_a_longer_standard(cls, data: Any) -> Any:
        """A standard beyond the default horizon raises the horizon, unless one is given."""
        if isinstance(data, dict) and "walk_horizon_minutes" not in data:
            default = cls.model_fields["walk_horizon_minutes"].default
            limit = data.get("walk_limit_minutes")
            if isinstance(limit, int | float) and limit > default:
                data = {**data, "walk_horizon_minutes": limit}
        return data

    @model_validator(mode="after")
    def _standard_within_horizon(self) -> GeodataConfig:
        if self.walk_limit_minutes > self.walk_horizon_minutes:
            raise ValueError(
                f"walk_limit_minutes ({self.walk_limit_minutes:g}) is beyond walk_horizon_minutes "
                f"({self.walk_horizon_minutes:g}): walking times are computed only to the horizon"
            )
        return self

    def for_build(self) -> GeodataConfig:
        """This configuration with the query-time fields at their defaults: what the build
        depends on, and so what the cache is keyed on."""
        defaults = {name: type(self).model_fields[name].default for name in QUERY_TIME_FIELDS}
        return self.model_copy(update=defaults)

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every parameter with its value, meaning and source."""
        return parameter_rows(self)


def parameter_rows(config: BaseModel) -> list[dict[str, Any]]:
    """Rows (parameter, value, description, source) of any config built with
    :func:`sourced_field`; values as JSON-ready plain data (paths as text, nested configs as
    mappings, tuples as lists)."""
    rows = []
    for name, field in type(config).model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        rows.append({"parameter": name, "value": _plain(getattr(config, name)),
                     "description": field.description, "source": extra.get(SOURCE_KEY, "")})
    return rows


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value
