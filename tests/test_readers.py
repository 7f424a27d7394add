"""The one CSV reader and the spatial reader: what they take from spreadsheets, what they refuse."""

import gzip
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geodata.embedded import ENGLAND_IOD_SCORES, LSOA_TABLE, REGISTER_SITES, SCHOOLS_2015
from geodata.errors import EarlyHelpWarning, InputError
from geodata.readers import read_csv, read_spatial


def _file(tmp_path: Path, data: bytes | str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def _refusal(path: Path, **kwargs: object) -> InputError:
    with pytest.raises(InputError) as caught:
        read_csv(path, ["name"], **kwargs)
    return caught.value


@pytest.mark.parametrize("path", [REGISTER_SITES, LSOA_TABLE, ENGLAND_IOD_SCORES, SCHOOLS_2015],
                         ids=lambda p: p.name)
def test_the_embedded_tables_read_exactly_as_pandas_reads_them(path):
    pd.testing.assert_frame_equal(read_csv(path, []), pd.read_csv(path), check_exact=True)


def test_a_row_with_more_fields_than_the_header_is_refused_with_both_counts(tmp_path):
    path = _file(tmp_path, "name,a,b,c,d\nx,1,2,3,4\ny,1,2,3,4,5\n")
    error = _refusal(path)
    assert str(error) == (f"{path}, row 3: has 6 fields, the header has 5 (expected one value "
                          "per column, comma-separated, with a value that holds a separator in "
                          "double quotes)")


def test_rows_that_all_have_one_field_too_many_are_refused_not_read_with_a_name_as_index(tmp_path):
    error = _refusal(_file(tmp_path, "name,a\nx,1,2\ny,1,2\n"))
    assert (error.row, error.problem) == (2, "has 3 fields, the header has 2")


def test_a_short_row_is_refused_not_filled_with_blanks(tmp_path):
    error = _refusal(_file(tmp_path, "name,a,b\nx,1,2\ny,1\n"))
    assert (error.row, error.problem) == (3, "has 2 fields, the header has 3")


def test_a_separator_inside_double_quotes_is_part_of_the_value(tmp_path):
    frame = read_csv(_file(tmp_path, 'name,a\n"Hall, the",1\n'), ["name"])
    assert frame["name"].tolist() == ["Hall, the"]


def test_a_windows_1252_file_is_read_with_its_accents_and_said_so(tmp_path):
    path = _file(tmp_path, "name,a\nCafé Noël,1\n".encode("cp1252"))
    with pytest.warns(EarlyHelpWarning, match="read as Windows-1252") as warned:
        frame = read_csv(path, ["name"])
    assert frame["name"].tolist() == ["Café Noël"]
    assert str(path) in str(warned[0].message)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be"])
def test_utf8_with_or_without_a_bom_and_utf16_by_its_bom_are_read_silently(
    tmp_path, recwarn, encoding
):
    data = "name,a\nCafé Noël,1\n".encode(encoding)
    if encoding == "utf-16-be":
        data = "\ufeff".encode(encoding) + data
    frame = read_csv(_file(tmp_path, data), ["name"])
    assert frame.columns.tolist() == ["name", "a"] and frame["name"].tolist() == ["Café Noël"]
    assert not [w for w in recwarn if issubclass(w.category, EarlyHelpWarning)]


def test_utf16_without_its_byte_order_mark_is_refused_as_not_text(tmp_path):
    error = _refusal(_file(tmp_path, "name,a\nx,1\n".encode("utf-16-le")))
    assert error.problem == "holds NUL bytes, so is not a text CSV"
    assert "UTF-16 with a byte-order mark" in str(error)


@pytest.mark.parametrize(("text", "kind"), [("name;a;b\nx;1;2,5\n", "semicolon"),
                                            ("name\ta\tb\nx\t1\t\n", "tab")])
def test_a_semicolon_or_tab_separated_file_is_read_and_said_so(tmp_path, text, kind):
    path = _file(tmp_path, text)
    with pytest.warns(EarlyHelpWarning, match=f"{path}: read as {kind}-separated"):
        frame = read_csv(path, ["name"], dtype=str, keep_default_na=False)
    last = "2,5" if kind == "semicolon" else ""
    assert frame.to_dict("records") == [{"name": "x", "a": "1", "b": last}]


def test_a_header_that_splits_as_well_on_two_separators_is_refused(tmp_path):
    error = _refusal(_file(tmp_path, "name,a;b\nx,1;2\n"))
    assert error.row == 1
    assert error.problem == "the header line splits into 2 columns on commas and on semicolons"


@pytest.mark.parametrize(("data", "problem"), [
    (b"", "the file is empty, so holds no buildings"),
    (b"\r\n \n", "the file is empty, so holds no buildings"),
    (b"name,a\n", "holds no buildings: a header line and no data rows"),
    (b"name,a\r\n,\r\n\r\n", "holds no buildings: a header line and no data rows"),
])
def test_an_empty_file_or_one_with_only_a_header_holds_no_rows(tmp_path, data, problem):
    assert _refusal(_file(tmp_path, data), what="buildings").problem == problem


def test_blank_rows_are_dropped_and_each_row_keeps_its_spreadsheet_number(tmp_path):
    frame = read_csv(_file(tmp_path, "name,a\nx,1\n\n,\ny,2\n\n\n"), ["name"])
    assert frame["name"].tolist() == ["x", "y"]
    assert (frame.index + 2).tolist() == [2, 5]


def test_a_blank_first_line_is_refused_as_a_missing_header(tmp_path):
    error = _refusal(_file(tmp_path, "\nname,a\nx,1\n"))
    assert (error.row, error.problem) == (1, "the first line is blank")


def test_a_quote_that_never_closes_is_refused_at_its_row(tmp_path):
    error = _refusal(_file(tmp_path, 'name,a\nx,1\n"y,2\nz,3\n'))
    assert error.row == 3 and "a value cannot be read" in error.problem


def test_a_column_named_twice_is_refused(tmp_path):
    error = _refusal(_file(tmp_path, "name,a,a\nx,1,2\n"))
    assert (error.row, error.field) == (1, "a")
    assert error.problem == "column 'a' appears twice in the header"


def test_a_missing_column_that_differs_only_in_case_is_pointed_out(tmp_path):
    error = _refusal(_file(tmp_path, "Name,a\nx,1\n"))
    assert error.field == "name"
    assert error.problem == "column is missing; there is a 'Name', and names are case-sensitive"


def test_a_gzipped_csv_is_read_like_the_plain_one(tmp_path):
    text = "name,a\nx,1\n"
    plain = read_csv(_file(tmp_path, text), ["name"])
    zipped = read_csv(_file(tmp_path, gzip.compress(text.encode()), "table.csv.gz"), ["name"])
    pd.testing.assert_frame_equal(zipped, plain)


def test_a_csv_passed_as_a_spatial_file_is_refused_naming_the_formats_read(tmp_path):
    path = _file(tmp_path, "spa_id,x,y\nA,353000,430000\n")
    with pytest.raises(InputError) as caught:
        read_spatial(path, ["spa_id"])
    assert str(caught.value) == (
        f"{path}: holds no geometry: it reads as a plain table (a CSV or spreadsheet is not a "
        "spatial file) (expected a GeoPackage (.gpkg), GeoJSON (.geojson) or shapefile (.shp) "
        "with geometries)")


@pytest.mark.parametrize(("features", "problem"), [
    ('{"type": "Feature", "properties": {"spa_id": "A"}, "geometry": null}',
     "none of its features (1) has a geometry"),
    ("", "holds no features"),
])
def test_a_spatial_file_without_any_geometry_is_refused(tmp_path, features, problem):
    text = '{"type": "FeatureCollection", "features": [' + features + "]}"
    path = _file(tmp_path, text, "spas.geojson")
    with pytest.raises(InputError) as caught:
        read_spatial(path, ["spa_id"])
    assert caught.value.problem == problem


def test_an_unreadable_spatial_file_is_named_in_one_plain_sentence(tmp_path):
    path = _file(tmp_path, "hello", "spas.txt")
    with pytest.raises(InputError) as caught:
        read_spatial(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not a readable spatial file (") and "DRIVER" not in message


def test_a_good_spatial_file_is_read(tmp_path):
    path = tmp_path / "spas.gpkg"
    gpd.GeoDataFrame({"spa_id": ["A"]}, geometry=[Point(353000, 430000)], crs=27700).to_file(path)
    assert read_spatial(path, ["spa_id"])["spa_id"].tolist() == ["A"]
