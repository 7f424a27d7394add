"""Reading tabular and spatial files with errors that name the file and the missing field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geodata.errors import InputError


def read_csv(path: Path, required: Iterable[str], **kwargs: object) -> pd.DataFrame:
    """Read a CSV and check that it has the ``required`` columns."""
    if not Path(path).is_file():
        raise InputError(path, "file not found")
    try:
        frame = pd.read_csv(path, **kwargs)  # type: ignore[arg-type]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable CSV file ({exc})") from None
    require_columns(frame, required, path)
    return frame


def read_spatial(path: Path, required: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """Read a GeoPackage / GeoJSON / shapefile, insisting on a stated CRS."""
    if not Path(path).exists():
        raise InputError(path, "file not found")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(
            path, f"not a readable spatial file ({exc})", expected="GeoPackage, GeoJSON or shapefile"
        ) from None
    if frame.crs is None:
        raise InputError(
            path,
            "the file states no coordinate reference system",
            expected="a CRS such as EPSG:27700 (British National Grid) or EPSG:4326",
        )
    require_columns(frame, required, path)
    return frame


def require_columns(frame: pd.DataFrame, required: Iterable[str], path: Path | str) -> None:
    """Raise an :class:`InputError` naming the first missing column."""
    for column in required:
        if column not in frame.columns:
            raise InputError(
                path,
                "column is missing",
                field=column,
                expected=f"columns {', '.join(sorted(map(str, required)))}",
            )
