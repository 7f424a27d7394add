"""Parameters of the geography, each with its source or marked as an assumption.

A :class:`GeodataConfig` is frozen and refuses unknown fields, so a mistyped parameter fails
instead of being silently ignored. ``parameter_table()`` lists every value with its source,
for the README and the results manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SOURCE_KEY = "source"


def _param(default: Any, description: str, source: str, **kwargs: Any) -> Any:
    return Field(default, description=description, json_schema_extra={SOURCE_KEY: source}, **kwargs)


class GeodataConfig(BaseModel):
    """Everything that decides how the geography is built; the cache is keyed on it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    walk_limit_minutes: float = _param(
        30.0,
        "Walking time within which a family counts as having access to a building.",
        "Seed 003 section 9: 'good practice for access within 30 minutes reasonable travel "
        "distance (walking)'.",
        gt=0,
        le=120,
    )
    walk_speed_kmh: float = _param(
        4.8,
        "Walking speed used to turn distance into time.",
        "DfT Journey Time Statistics, notes and definitions: walking speed 4.8 km/h.",
        gt=0,
        le=10,
    )
    circuity: float = _param(
        1.3,
        "Ratio of walking-route distance to straight-line distance.",
        "Assumption: detour indices for walking in English towns are typically 1.2-1.4; 1.3 "
        "is the middle. Replace with network times from an OpenStreetMap extract where one "
        "is available.",
        ge=1,
        le=3,
    )
    shared_location_threshold: int = _param(
        10,
        "A grid reference shared by this many postcodes or more is treated as a PO box, large "
        "user or low-precision placement, and gets no resident population.",
        "Assumption: in Lancashire-12 36,789 of 38,422 grid references hold one postcode and "
        "the count falls steeply to 8 at 9 postcodes; the 55 points holding 20 to 593 "
        "postcodes are sorting offices, PO boxes and large users.",
        ge=2,
    )
    need_gradient: float = _param(
        1.0,
        "Exponent on the LSOA's IMD score relative to the county mean when weighting children "
        "by need: 0 counts every child equally, 1 makes need proportional to the score.",
        "Assumption, after the steep deprivation gradient in child welfare interventions "
        "(Bywaters et al. 2016, 'The relationship between poverty, child abuse and neglect', "
        "Joseph Rowntree Foundation).",
        ge=0,
        le=3,
    )
    need_high_percentile: float = _param(
        80.0,
        "An SPA whose child-weighted IMD score is at or above this national percentile of LSOA "
        "scores is banded 'high' need.",
        "Assumption: the national most-deprived fifth (IMD 2019 quintile 1), the band the "
        "council's own deprivation reporting uses for 'high'.",
        gt=50,
        lt=100,
    )
    need_low_percentile: float = _param(
        50.0,
        "An SPA whose child-weighted IMD score is below this national percentile is banded "
        "'low' need; between the two it is 'middle'.",
        "Assumption: less deprived than the median LSOA in England.",
        gt=0,
        lt=100,
    )
    spa_balance_tolerance: float = _param(
        0.15,
        "Largest allowed gap between an SPA's population 0-19 and its district's mean SPA "
        "population, as a share of that mean.",
        "Assumption: planning areas are usually kept within +-15 % of their target size.",
        gt=0,
        le=1,
    )
    running_cost_gbp: dict[str, float] = _param(
        {
            "children_centre": 60000.0,
            "children_family_centre": 45000.0,
            "family_hub": 60000.0,
            "neighbourhood_centre": 35000.0,
            "young_peoples_centre": 35000.0,
            "youth_zone": 80000.0,
            "library": 15000.0,
            "school": 10000.0,
        },
        "Annual running cost (premises, utilities, caretaking) of a building by its type, in "
        "pounds; for a library or school it is the early-help share or room hire.",
        "Assumption: seed 003 gives no premises costs. Order of magnitude from council "
        "community buildings of 200-700 m2 (the register's median EPC floor area is 377 m2) at "
        "roughly 100-150 pounds per m2 a year. A user's CSV can state each building's cost.",
    )
    spa_boundaries: Path | None = _param(
        None,
        "A user's own SPA boundary file (GeoPackage, GeoJSON or shapefile) with a 'spa_id' "
        "field; it replaces the built SPAs.",
        "User input.",
    )
    sites_file: Path | None = _param(
        None,
        "A user's CSV of buildings: name, postcode or easting/northing, type, owner, "
        "annual_cost_gbp.",
        "User input.",
    )
    walk_network: Path | None = _param(
        None,
        "A line file (GeoPackage, GeoJSON or shapefile) of walkable paths and streets, e.g. an "
        "OpenStreetMap extract; walking times then follow it instead of straight lines x "
        "circuity.",
        "User input.",
    )
    sites_mode: Literal["extend", "replace"] = _param(
        "extend",
        "Whether the user's buildings are added to the embedded ones or replace them.",
        "User choice.",
    )

    def parameter_table(self) -> list[dict[str, Any]]:
        """Every parameter with its value, meaning and source."""
        rows = []
        for name, field in type(self).model_fields.items():
            extra = field.json_schema_extra or {}
            value = getattr(self, name)
            rows.append(
                {
                    "parameter": name,
                    "value": str(value) if isinstance(value, Path) else value,
                    "description": field.description,
                    "source": extra.get(SOURCE_KEY, ""),
                }
            )
        return rows
