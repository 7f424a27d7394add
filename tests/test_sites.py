"""A user's buildings file: what it must hold, and the messages when it does not."""

from pathlib import Path

import pytest

from geodata.config import GeodataConfig
from geodata.errors import InputError
from geodata.sites import load_register_sites, read_user_sites

COSTS = GeodataConfig().running_cost_gbp


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sites.csv"
    path.write_text(text)
    return path


def test_a_good_file_is_geocoded_from_postcodes_or_taken_from_easting_northing(tmp_path):
    path = _csv(tmp_path, "name,postcode,easting,northing,type,owner,annual_cost_gbp\n"
                          "Moor Nook hall,PR2 6HN,,,other,partner,1200\n"
                          "Church room,,353000,430000,other,church,\n")
    sites = read_user_sites(path, COSTS)
    assert sites.loc[0, "district_code"] == "E07000123"  # Preston
    assert 350000 < sites.loc[0, "x"] < 360000
    assert (sites.loc[1, "x"], sites.loc[1, "y"]) == (353000, 430000)
    assert sites.loc[0, "annual_cost_gbp"] == 1200


def test_a_blank_cost_takes_the_assumed_cost_of_the_type_and_says_so(tmp_path):
    sites = read_user_sites(_csv(tmp_path, "name,postcode,type,owner,annual_cost_gbp\nX,PR2 6HN,library,LCC,\n"), COSTS)
    assert sites.loc[0, "annual_cost_gbp"] == COSTS["library"]
    assert sites.loc[0, "cost_basis"].startswith("assumption")


@pytest.mark.parametrize(
    ("text", "row", "field", "words"),
    [
        ("name,postcode,owner\nA,PR2 6HN,LCC\n", None, "type", "column is missing"),
        ("name,type,owner\nA,library,LCC\n", None, "postcode", "no location columns"),
        ("name,postcode,type,owner\nA,PR2 6HN,castle,LCC\n", 2, "type", "unknown type"),
        ("name,postcode,type,owner\nA,ZZ99 9ZZ,library,LCC\n", 2, "postcode", "not in the ONS Postcode Directory"),
        ("name,postcode,type,owner\nA,,library,LCC\n", 2, "postcode", "no postcode"),
        ("name,postcode,type,owner,annual_cost_gbp\nA,PR2 6HN,library,LCC,lots\n", 2, "annual_cost_gbp", "not a number"),
        ("name,postcode,type,owner\n,PR2 6HN,library,LCC\n", 2, "name", "empty name"),
        ("site_id,name,postcode,type,owner\nS1,A,PR2 6HN,library,LCC\nS1,B,PR2 6HN,library,LCC\n", 3, "site_id", "appears twice"),
    ],
)
def test_bad_rows_are_reported_by_file_row_and_field(tmp_path, text, row, field, words):
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_user_sites(path, COSTS)
    error = caught.value
    assert error.file == str(path) and error.row == row and error.field == field
    assert words in str(error) and str(path) in str(error)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_user_sites(tmp_path / "nope.csv", COSTS)


def test_the_register_keeps_service_buildings_and_drops_homes_and_former_sites():
    sites, report = load_register_sites(COSTS)
    assert report["register_rows"] == 131
    assert report["childrens_homes_excluded"] == 9
    assert report["former_or_transferred_excluded"] == 10
    assert len(sites) == 131 - 9 - 10 - report["not_geocoded_in_lancashire"]
    assert not sites["name"].str.contains("Children's Home|Former|\\(CAT\\)").any()
    assert sites["x"].notna().all() and sites["district_code"].str.startswith("E0700012").any()


def test_a_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError) as caught:
        read_user_sites(path, COSTS)
    assert str(path) in str(caught.value)
