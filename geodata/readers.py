"""Reading tabular and spatial files with errors that name the file, the row and the field.

CSV files come from spreadsheets on many machines, so :func:`read_csv` takes what Excel and
text editors write: UTF-8 (with or without a byte-order mark), UTF-16 by its byte-order mark,
else Windows-1252 (said so with a warning); values separated by commas, semicolons or tabs, told
from the header line. It refuses, naming the row, what pandas would otherwise guess at: a row
with more or fewer fields than the header, a quote that never closes, a column named twice, an
empty file or one with no data rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import EarlyHelpWarning, InputError

#: Separators :func:`read_csv` recognises, in the order they are tried.
DELIMITERS = (",", ";", "\t")

#: What :func:`read_spatial` reads.
SPATIAL_FORMATS = "a GeoPackage (.gpkg), GeoJSON (.geojson) or shapefile (.shp) with geometries"

_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_ENCODINGS = "text saved as UTF-8, UTF-16 with a byte-order mark, or Windows-1252"


def read_csv(
    path: Path, required: Iterable[str], *, what: str = "rows", **kwargs: object
) -> pd.DataFrame:
    """Read a CSV (gzip-compressed or not) and check that it has the ``required`` columns.

    Encoding and delimiter are decided here (see the module docstring); ``kwargs`` go to
    :func:`pandas.read_csv`. ``what`` names the rows in messages ("holds no buildings"). Blank
    rows are dropped but the index is kept, so row label ``i`` is row ``i + 2`` of the file as a
    spreadsheet shows it (the header is row 1).
    """
    path = Path(path)
    text = _decode(path, _raw_bytes(path), what)
    delimiter = _delimiter(path, text)
    records = _records(path, text, delimiter)
    _check_records(path, records, delimiter)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, skip_blank_lines=False,
                            **kwargs)  # type: ignore[arg-type]
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(path, f"not a readable CSV file ({exc})") from None
    frame = frame.rename(columns=lambda name: str(name).strip())
    blank = np.array([not "".join(record).strip() for record in records[1:]], dtype=bool)
    frame = frame[~blank]
    if frame.empty:
        raise InputError(path, f"holds no {what}: a header line and no data rows",
                         expected=f"{what}, one per row, under the header")
    require_columns(frame, required, path)
    return frame


def read_spatial(path: Path, required: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """Read a GeoPackage / GeoJSON / shapefile, insisting on geometries and a stated CRS."""
    if not Path(path).exists():
        raise InputError(path, "file not found")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio raises several types for unreadable files
        reason = str(exc).split("; ")[0].rstrip(".")  # GDAL goes on to suggest driver prefixes
        raise InputError(path, f"not a readable spatial file ({reason})",
                         expected=SPATIAL_FORMATS) from None
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(path, "holds no geometry: it reads as a plain table (a CSV or "
                         "spreadsheet is not a spatial file)", expected=SPATIAL_FORMATS)
    shapes = frame.geometry.to_numpy()
    if not (~pd.isna(shapes) & ~frame.geometry.is_empty.to_numpy()).any():
        problem = (f"none of its features ({len(frame)}) has a geometry" if len(frame)
                   else "holds no features")
        raise InputError(path, problem, expected=SPATIAL_FORMATS)
    if frame.crs is None:
        raise InputError(
            path,
            "the file states no coordinate reference system",
            expected="a CRS such as EPSG:27700 (British National Grid) or EPSG:4326",
        )
    require_columns(frame, required, path)
    return frame


def require_columns(frame: pd.DataFrame, required: Iterable[str], path: Path | str) -> None:
    """Raise an :class:`InputError` naming the first missing column (and a near miss in case)."""
    required = list(required)
    by_case = {str(c).lower(): str(c) for c in frame.columns}
    for column in required:
        if column not in frame.columns:
            near = by_case.get(column.lower())
            hint = f"; there is a {near!r}, and names are case-sensitive" if near else ""
            raise InputError(
                path,
                "column is missing" + hint,
                field=column,
                expected=f"columns {', '.join(sorted(map(str, required)))}",
            )


def _raw_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed if it is gzip."""
    if not path.is_file():
        raise InputError(path, "file not found")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise InputError(path, f"not a readable gzip file ({exc})") from None
    return data


def _decode(path: Path, data: bytes, what: str) -> str:
    """The text of a CSV, without trailing blank lines (see the module docstring for encodings)."""
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = data.decode("utf-16")
        else:
            text = _utf8_or_windows_1252(path, data)
    except UnicodeDecodeError:
        raise InputError(path, "is not text in an encoding spreadsheets save",
                         expected=_ENCODINGS) from None
    if "\x00" in text:
        raise InputError(path, "holds NUL bytes, so is not a text CSV", expected=_ENCODINGS)
    text = re.sub(r"(\r?\n[ \t]*)+\Z", "", text)  # trailing blank lines hold no rows
    if not text.strip():
        raise InputError(path, f"the file is empty, so holds no {what}",
                         expected=f"a header line naming the columns, then {what}, one per row")
    return text


def _utf8_or_windows_1252(path: Path, data: bytes) -> str:
    """UTF-8 (a byte-order mark dropped), else Windows-1252 with a warning saying so."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if "\x00" not in text:  # else refused as not text
        warnings.warn(f"{path}: not UTF-8, so read as Windows-1252 (what Excel saves as 'CSV'); "
                      "check that accented names came through", EarlyHelpWarning, stacklevel=4)
    return text


def _delimiter(path: Path, text: str) -> str:
    """The separator that splits the header line into the most fields; a comma if none does."""
    header = text.splitlines()[0]
    fields = {d: len(next(csv.reader([header], delimiter=d))) for d in DELIMITERS}
    most = max(fields.values())
    best = [d for d in DELIMITERS if fields[d] == most]
    if most <= 1:
        return ","
    if len(best) > 1:
        names = " and on ".join(_NAMES[d] + "s" for d in best)
        raise InputError(path, f"the header line splits into {most} columns on {names}", row=1,
                         expected="one kind of separator between column names")
    if best[0] != ",":
        warnings.warn(f"{path}: read as {_NAMES[best[0]]}-separated (from its header line)",
                      EarlyHelpWarning, stacklevel=3)
    return best[0]


def _records(path: Path, text: str, delimiter: str) -> list[list[str]]:
    """The file's records as the csv module splits them (record ``i`` is spreadsheet row i + 1)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)
    except csv.Error as exc:
        raise InputError(path, f"a value cannot be read ({exc})", row=len(records) + 1,
                         expected='a closing double quote for every opening one, and "" for a '
                                  "quote inside a quoted value") from None
    return records


def _check_records(path: Path, records: list[list[str]], delimiter: str) -> None:
    """Refuse a blank header, a column named twice, and a row with more or fewer fields than it.

    pandas would otherwise fill a short row with blanks, and when every row has one field too
    many, quietly make the first column the index.
    """
    header = [name.strip() for name in records[0]]
    if not "".join(header):
        raise InputError(path, "the first line is blank", row=1,
                         expected="a header line naming the columns")
    named = [name for name in header if name]
    twice = next((name for i, name in enumerate(named) if name in named[:i]), None)
    if twice is not None:
        raise InputError(path, f"column {twice!r} appears twice in the header", row=1,
                         field=twice, expected="each column named once")
    lengths = np.array([len(record) if "".join(record).strip() else len(header)
                        for record in records])
    bad = np.flatnonzero(lengths != len(header))
    if len(bad):
        i = int(bad[0])
        raise InputError(
            path, f"has {lengths[i]} fields, the header has {len(header)}", row=i + 1,
            expected=f"one value per column, {_NAMES[delimiter]}-separated, "
                     "with a value that holds a separator in double quotes",
        )
