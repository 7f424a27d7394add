"""A user's buildings file: what it must hold, and the messages when it does not."""

from pathlib import Path

import pandas as pd
import pytest

from geodata.config import MAX_SITE_COST_GBP, GeodataConfig
from geodata.errors import EarlyHelpWarning, GeodataError, InputError
from geodata.postcodes import postcode_directory
from geodata.sites import SITE_COLUMNS, load_register_sites, read_user_sites

COSTS = GeodataConfig().running_cost_gbp.as_dict()
HEADER = "name,postcode,type,owner,annual_cost_gbp\n"


def _csv(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "sites.csv"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _refusal(tmp_path: Path, text: str | bytes, **kwargs: object) -> InputError:
    path = _csv(tmp_path, text)
    with pytest.raises(InputError) as caught:
        read_user_sites(path, COSTS, **kwargs)
    assert caught.value.file == str(path) and str(path) in str(caught.value)
    return caught.value


def test_a_good_file_is_geocoded_from_postcodes_or_taken_from_easting_northing(tmp_path):
    path = _csv(tmp_path, "name,postcode,easting,northing,type,owner,annual_cost_gbp\n"
                          "Moor Nook hall,PR2 6HN,,,other,partner,1200\n"
                          "Church room,,353000,430000,other,church,\n")
    sites = read_user_sites(path, COSTS)
    assert list(sites.columns) == list(SITE_COLUMNS)
    assert sites["district_code"].tolist() == ["E07000123", "E07000123"]  # Preston
    assert (sites.loc[0, "x"], sites.loc[0, "y"]) == (357350, 430976)
    assert (sites.loc[1, "x"], sites.loc[1, "y"]) == (353000, 430000)
    assert sites["annual_cost_gbp"].tolist() == [1200, COSTS["other"]]
    assert sites["site_id"].tolist() == ["USER-1", "USER-2"]


def test_a_blank_cost_takes_the_assumed_cost_of_the_type_and_says_so(tmp_path):
    sites = read_user_sites(_csv(tmp_path, HEADER + "X,PR2 6HN,library,LCC,\n"), COSTS)
    assert sites.loc[0, "annual_cost_gbp"] == COSTS["library"]
    assert sites.loc[0, "cost_basis"].startswith("assumption")


@pytest.mark.parametrize(
    ("text", "row", "field", "words"),
    [
        ("name,postcode,owner\nA,PR2 6HN,LCC\n", None, "type", "column is missing"),
        ("name,type,owner\nA,library,LCC\n", None, "postcode", "no location columns"),
        ("name,postcode,type,owner\nA,PR2 6HN,castle,LCC\n", 2, "type", "unknown type 'castle'"),
        ("name,postcode,type,owner\nA,ZZ99 9ZZ,library,LCC\n", 2, "postcode",
         "not in the ONS Postcode Directory"),
        ("name,postcode,type,owner\nA,,library,LCC\n", 2, "postcode",
         "no postcode and no easting/northing"),
        (HEADER + "A,PR2 6HN,library,LCC,lots\n", 2, "annual_cost_gbp", "'lots' is not a number"),
        ("name,postcode,type,owner\n,PR2 6HN,library,LCC\n", 2, "name", "empty name"),
    ],
)
def test_bad_rows_are_reported_by_file_row_and_field(tmp_path, text, row, field, words):
    error = _refusal(tmp_path, text)
    assert error.row == row and error.field == field and words in str(error)


# One example of each refusal the hardening issue asked for: the file's text, and the whole
# message after the file's name.
REFUSALS = {
    "extra field": (
        HEADER + "A,PR2 6HN,library,LCC,1\nB,PR2 6HN,library,LCC,1,2\n",
        (", row 3: has 6 fields, the header has 5 (expected one value per column, "
         "comma-separated, with a value that holds a separator in double quotes)"),
    ),
    "header only": (
        HEADER,
        (": holds no buildings: a header line and no data rows "
         "(expected buildings, one per row, under the header)"),
    ),
    "empty file": (
        "",
        (": the file is empty, so holds no buildings (expected a header line naming "
         "the columns, then buildings, one per row)"),
    ),
    "negative cost": (
        HEADER + "A,PR2 6HN,library,LCC,-5000\n",
        (", row 2, field 'annual_cost_gbp': -5000 is outside the accepted range (expected "
         "pounds a year from 0 to 2,000,000, or blank for the type's assumed cost)"),
    ),
    "absurd cost": (
        HEADER + "A,PR2 6HN,library,LCC,5e9\n",
        (", row 2, field 'annual_cost_gbp': 5e9 is outside the accepted range (expected "
         "pounds a year from 0 to 2,000,000, or blank for the type's assumed cost)"),
    ),
    "infinite cost": (
        HEADER + "A,PR2 6HN,library,LCC,inf\n",
        (", row 2, field 'annual_cost_gbp': inf is outside the accepted range (expected "
         "pounds a year from 0 to 2,000,000, or blank for the type's assumed cost)"),
    ),
    "nan cost": (
        HEADER + "A,PR2 6HN,library,LCC,nan\n",
        (", row 2, field 'annual_cost_gbp': 'nan' is not a number (expected a plain number "
         "such as 1200.50, with a decimal point and no currency sign or thousands separator)"),
    ),
    "decimal comma": (
        "name;postcode;type;owner;annual_cost_gbp\nA;PR2 6HN;library;LCC;1200,50\n",
        (", row 2, field 'annual_cost_gbp': '1200,50' is not a number; a comma is neither "
         "a decimal point nor allowed between thousands (expected a plain number such "
         "as 1200.50, with a decimal point and no currency sign or thousands separator)"),
    ),
    "Blackpool postcode": (
        HEADER + "A,PR2 6HN,library,LCC,\nB,FY4 5EP,library,LCC,\n",
        (", row 3, field 'postcode': postcode 'FY4 5EP' is in Blackpool (E06000009), "
         "outside Lancashire-12 (expected a building in one of the 12 districts)"),
    ),
    "Blackburn postcode": (
        HEADER + "A,BB1 7DR,library,LCC,\n",
        (", row 2, field 'postcode': postcode 'BB1 7DR' is in Blackburn with Darwen "
         "(E06000008), outside Lancashire-12 (expected a building in one of the 12 "
         "districts)"),
    ),
    "Southport postcode": (
        HEADER + "A,PR8 6XJ,library,LCC,\n",
        (", row 2, field 'postcode': postcode 'PR8 6XJ' is in Sefton (E08000014), "
         "outside Lancashire-12 (expected a building in one of the 12 districts)"),
    ),
    "London postcode": (
        HEADER + "A,SW1A 1AA,library,LCC,\n",
        (", row 2, field 'postcode': postcode 'SW1A 1AA' is in district E09000033, "
         "outside Lancashire-12 (expected a building in one of the 12 districts)"),
    ),
    "grid in Blackpool": (
        "name,easting,northing,type,owner\nA,333880,432470,library,LCC\n",
        (", row 2, field 'easting': (333880, 432470) is 9 m from postcode FY4 5EP, in "
         "Blackpool (E06000009), outside Lancashire-12 (expected a building in one of "
         "the 12 districts; if it is in one, give its postcode and no easting/northing)"),
    ),
    "degrees": (
        "name,easting,northing,type,owner\nA,-2.7,53.76,library,LCC\n",
        (", row 2, field 'easting': easting -2.7, northing 53.76 look like longitude and latitude "
         "in degrees (expected British National Grid metres (EPSG:27700), e.g. easting 353000, "
         "northing 430000)"),
    ),
    "off the grid": (
        "name,easting,northing,type,owner\nA,9000000,430000,library,LCC\n",
        (", row 2, field 'easting': easting 9,000,000, northing 430,000 is off Great "
         "Britain's national grid (expected easting 0 to 700,000 and northing 0 to "
         "1,300,000 metres)"),
    ),
    "half a grid reference": (
        "name,easting,northing,type,owner\nA,353000,,library,LCC\n",
        (", row 2, field 'northing': easting given without northing (expected "
         "both, or neither and a postcode)"),
    ),
    "blank site_id": (
        "site_id,name,postcode,type,owner\nS1,A,PR2 6HN,library,LCC\n,B,PR2 6HN,library,LCC\n",
        (", row 3, field 'site_id': empty site_id (expected an id on every row, or no "
         "site_id column at all to number the rows USER-1, USER-2, ...)"),
    ),
    "LCC- site_id": (
        "site_id,name,postcode,type,owner\nLCC-42,A,PR2 6HN,library,LCC\n",
        (", row 2, field 'site_id': site_id 'LCC-42' starts like an embedded building's "
         "(expected ids not starting LCC- or EDU-)"),
    ),
    "edu- site_id": (
        "site_id,name,postcode,type,owner\nedu-1,A,PR2 6HN,library,LCC\n",
        (", row 2, field 'site_id': site_id 'edu-1' starts like an embedded building's "
         "(expected ids not starting LCC- or EDU-)"),
    ),
    "duplicate site_id": (
        ("site_id,name,postcode,type,owner\nS1,A,PR2 6HN,library,LCC\n"
         "S2,B,PR2 6HN,library,LCC\nS1,C,PR2 6HN,library,LCC\n"),
        (", row 4, field 'site_id': site_id 'S1' appears twice (rows 2 and 4) "
         "(expected unique ids)"),
    ),
}


@pytest.mark.filterwarnings("ignore::geodata.errors.EarlyHelpWarning")
@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_bad_file_is_refused_in_one_line_naming_file_row_and_field(tmp_path, case):
    text, message = REFUSALS[case]
    error = _refusal(tmp_path, text)
    assert str(error) == error.file + message


def test_the_neighbours_postcodes_used_here_are_real_and_in_those_districts():
    table = postcode_directory("BFP").set_index("key")
    assert table.loc[["FY45EP", "BB17DR", "PR86XJ"], "district_code"].tolist() == [
        "E06000009", "E06000008", "E08000014"]


def test_a_cost_above_max_cost_gbp_is_refused_and_the_limit_is_a_parameter(tmp_path):
    path = _csv(tmp_path, HEADER + f"A,PR2 6HN,library,LCC,{MAX_SITE_COST_GBP:.0f}\n")
    assert read_user_sites(path, COSTS).loc[0, "annual_cost_gbp"] == 2_000_000
    with pytest.raises(InputError, match="from 0 to 1,000,000") as caught:
        read_user_sites(path, COSTS, max_cost_gbp=1_000_000)
    assert caught.value.field == "annual_cost_gbp"


def test_a_cost_of_zero_is_kept_not_replaced_by_the_assumed_cost(tmp_path):
    sites = read_user_sites(_csv(tmp_path, HEADER + "A,PR2 6HN,library,LCC,0\n"), COSTS)
    assert sites.loc[0, "annual_cost_gbp"] == 0
    assert sites.loc[0, "cost_basis"] == "user file sites.csv"


def test_a_blank_cost_for_a_type_without_an_assumed_cost_is_refused(tmp_path):
    path = _csv(tmp_path, HEADER + "A,PR2 6HN,other,LCC,\n")
    with pytest.raises(InputError) as caught:
        read_user_sites(path, {"library": 1.0})
    assert caught.value.row == 2 and "no assumed running cost for type 'other'" in str(caught.value)


def test_a_type_is_read_whatever_its_case_spaces_or_hyphens(tmp_path):
    path = _csv(tmp_path, HEADER + "A,PR2 6HN,Library ,LCC,\nB,PR2 6HN,Family Hub,LCC,\n"
                                   "C,PR2 6HN,youth-zone,LCC,\n")
    sites = read_user_sites(path, COSTS)
    assert sites["site_type"].tolist() == ["library", "family_hub", "youth_zone"]
    assert sites["annual_cost_gbp"].tolist() == [COSTS[kind] for kind in sites["site_type"]]


def test_a_windows_1252_file_from_excel_keeps_its_names(tmp_path):
    path = _csv(tmp_path, (HEADER + "Café Noël,PR2 6HN,other,church,\n").encode("cp1252"))
    with pytest.warns(EarlyHelpWarning, match="Windows-1252"):
        sites = read_user_sites(path, COSTS)
    assert sites["name"].tolist() == ["Café Noël"]


def test_a_utf16_file_keeps_its_names(tmp_path):
    path = _csv(tmp_path, (HEADER + "Café Noël,PR2 6HN,other,church,\n").encode("utf-16"))
    sites = read_user_sites(path, COSTS)
    assert sites["name"].tolist() == ["Café Noël"]


def test_a_semicolon_separated_file_with_decimal_points_is_read_and_said_so(tmp_path):
    path = _csv(tmp_path, "name;postcode;type;owner;annual_cost_gbp\n"
                          "Hall, the;PR2 6HN;other;church;1200.50\n")
    with pytest.warns(EarlyHelpWarning, match="read as semicolon-separated"):
        sites = read_user_sites(path, COSTS)
    assert (sites.loc[0, "name"], sites.loc[0, "annual_cost_gbp"]) == ("Hall, the", 1200.5)


def test_a_grid_reference_takes_the_district_of_its_nearest_postcode_or_none_if_far(tmp_path):
    path = _csv(tmp_path, "name,easting,northing,type,owner\n"
                          "A,357360,430980,library,LCC\nB,300000,430000,library,LCC\n")
    sites = read_user_sites(path, COSTS)
    assert sites["district_code"].tolist()[0] == "E07000123"  # beside PR2 6HN, Preston
    assert pd.isna(sites.loc[1, "district_code"])  # in the sea: the LSOA polygons decide


def test_a_grid_reference_in_blackpool_is_refused_even_with_a_lancashire_postcode(tmp_path):
    error = _refusal(tmp_path, "name,postcode,easting,northing,type,owner\n"
                               "A,PR2 6HN,333880,432470,library,LCC\n")
    assert error.field == "easting" and "in Blackpool (E06000009)" in error.problem


def test_blank_rows_are_skipped_and_rows_keep_their_numbers(tmp_path):
    path = _csv(tmp_path, HEADER + "A,PR2 6HN,library,LCC,\n,,,,\nB,PR2 6HN,library,LCC,\n\n")
    sites = read_user_sites(path, COSTS)
    assert sites["name"].tolist() == ["A", "B"] and (sites.index + 2).tolist() == [2, 4]
    bad = _refusal(tmp_path, HEADER + "A,PR2 6HN,library,LCC,\n,,,,\nB,PR2 6HN,castle,LCC,\n")
    assert bad.row == 4


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_user_sites(tmp_path / "nope.csv", COSTS)


def test_a_file_that_is_not_text_is_named(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputError) as caught:
        read_user_sites(path, COSTS)
    assert str(path) in str(caught.value)


def test_the_register_keeps_service_buildings_and_drops_homes_and_former_sites():
    sites, report = load_register_sites(COSTS)
    assert report["register_rows"] == 131
    assert report["childrens_homes_excluded"] == 9
    assert report["former_or_transferred_excluded"] == 10
    assert len(sites) == 131 - 9 - 10 - report["not_geocoded_in_lancashire"]
    assert not sites["name"].str.contains("Children's Home|Former|\\(CAT\\)").any()
    assert sites["x"].notna().all() and sites["district_code"].str.startswith("E0700012").any()
    assert report["not_geocoded_in_lancashire"] == 1
    assert report["not_geocoded_names"] == ["Burnley Pike Hill Library (BB10)"]
    assert report["register_sites"] == len(sites) == 111
    assert list(sites.columns) == list(SITE_COLUMNS)
    assert sites["site_id"].str.startswith("LCC-").all() and sites["site_id"].is_unique
    assert (sites["owner"] == "LCC").all() and not sites["stand_in"].any()
    assert sites.index.equals(pd.RangeIndex(len(sites)))


def test_the_register_youth_zones_are_exactly_the_zone_buildings_not_the_family_hubs_sharing_one():
    sites, _ = load_register_sites(COSTS)
    zones = sites[sites["site_type"] == "youth_zone"]
    assert sorted(zones["name"]) == ["Chorley The Zone", "Preston Youth Zone Building"]
    assert (zones["role_2015"] == "youth_zone").all()
    hubs = sites[sites["name"].str.contains("Zone", case=False) & ~sites.index.isin(zones.index)]
    assert len(hubs) == 11 and (hubs["site_type"] == "family_hub").all()  # "... and The Zone"


def test_each_register_building_costs_exactly_its_types_running_cost():
    costs = {kind: 1000.0 * (i + 1) for i, kind in enumerate(sorted(COSTS))}
    sites, _ = load_register_sites(costs)
    assert sites["annual_cost_gbp"].tolist() == [costs[kind] for kind in sites["site_type"]]
    assert set(sites["site_type"]) == {"family_hub", "children_family_centre", "library",
                                       "neighbourhood_centre", "young_peoples_centre", "youth_zone"}


def test_a_register_type_without_a_running_cost_is_refused():
    costs = {kind: cost for kind, cost in COSTS.items() if kind != "library"}
    with pytest.raises(GeodataError, match="no cost for building type 'library'"):
        load_register_sites(costs)


def test_the_same_building_pasted_twice_is_refused_naming_both_rows(tmp_path):
    path = _csv(tmp_path, "name,postcode,type,owner\nHall,PR2 6HN,other,church\n"
                          "Library,PR2 6HN,library,LCC\nhall,PR2 6HN,other,church\n")
    with pytest.raises(InputError) as caught:
        read_user_sites(path, COSTS)
    assert (caught.value.row, caught.value.field) == (4, "name")
    assert "'hall' at the same place as row 2: the same building twice" in str(caught.value)
