"""Paths of the real public data shipped with the project (sources and licences in data/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

LSOA_TABLE = DATA_DIR / "lsoa11_imd2019_population.csv"
LSOA_BOUNDARIES = DATA_DIR / "lsoa11_boundaries.geojson"
ENGLAND_IOD_SCORES = DATA_DIR / "england_iod2019_transformed_scores.csv.gz"
REGISTER_SITES = DATA_DIR / "lcc_register_sites.csv"
SCHOOLS_2015 = DATA_DIR / "schools_edubase2015.csv"
WARDS = DATA_DIR / "wards_2025.geojson"

ALL_FILES = (
    LSOA_TABLE,
    LSOA_BOUNDARIES,
    ENGLAND_IOD_SCORES,
    REGISTER_SITES,
    SCHOOLS_2015,
    WARDS,
)

#: The projected CRS everything is computed in: British National Grid, metres.
CRS = "EPSG:27700"
