"""End to end on the real embedded data: the numbers of seed 003 and the rules of the SPAs."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from earlyhelp.cli import main
from geodata import EarlyHelpWarning, GeodataConfig, InputError, build_geography
from geodata.districts import DISTRICTS
from geodata.embedded import LSOA_TABLE
from geodata.seed003 import ESTATE_TOTAL, FOOTPRINTS
from geodata.spas import contiguity, is_contiguous
from geodata.summary import departures_from_seed, geography_summary

pytestmark = pytest.mark.slow


def test_children_add_up_exactly_to_the_ons_lsoa_and_district_totals(lancashire):
    table = pd.read_csv(LSOA_TABLE)
    points = lancashire.demand_points
    assert lancashire.population_0_19 == table["pop_0_19_mid2020"].sum() == 281_290
    by_lsoa = points.groupby("lsoa11cd")["population_0_19"].sum()
    assert by_lsoa.to_dict() == table.set_index("lsoa11cd")["pop_0_19_mid2020"].to_dict()
    by_district = points.groupby("district_code")["population_0_19"].sum()
    assert by_district.to_dict() == table.groupby("lad19cd")["pop_0_19_mid2020"].sum().to_dict()


def test_demand_points_are_the_residential_postcode_locations(lancashire):
    report = lancashire.report
    assert report["postcodes_in_districts"] > 45_000
    assert report["dropped_outside_lsoas"] == 0
    assert 35_000 < report["demand_points"] < 40_000
    assert report["shared_locations"] > 0


def test_there_are_34_spas_in_the_five_footprints_of_seed_003(lancashire):
    spas = lancashire.spas
    assert len(spas) == 34
    assert spas.groupby("footprint").size().to_dict() == {f: n for f, (_, n) in FOOTPRINTS.items()}
    assert set(spas["district"]) == set(DISTRICTS.values())


def test_every_spa_has_a_unique_readable_name_from_its_wards(lancashire):
    names = lancashire.spas.set_index("spa_id")["name"]
    assert names.is_unique
    assert names["Preston 4"].startswith("Preston 4 (") and names["Preston 4"].endswith(")")


def test_every_lsoa_is_in_exactly_one_spa_inside_one_district(lancashire):
    lsoas = lancashire.lsoas
    assert lsoas["spa_id"].notna().all()
    assert (lsoas.groupby("spa_id")["district"].nunique() == 1).all()
    assert not lancashire.spas["crosses_districts"].any()


def test_every_spa_is_contiguous(lancashire):
    for _, lsoas in lancashire.lsoas.groupby("district"):
        lsoas = lsoas.reset_index(drop=True)
        links = contiguity(lsoas)
        for spa in lsoas["spa_id"].unique():
            assert is_contiguous(links, (lsoas["spa_id"] == spa).to_numpy()), spa


def test_spas_are_compact(lancashire):
    # Polsby-Popper 4*pi*area/perimeter^2 on generalised LSOA edges: a circle scores 1,
    # the built SPAs 0.04-0.48 with a median of 0.22 (rural Lancaster is the long thin one)
    compactness = lancashire.spas["compactness"]
    assert compactness.median() >= 0.15
    assert compactness.min() >= 0.03


def test_spas_are_balanced_within_tolerance_of_their_district_mean(lancashire):
    tolerance = lancashire.config.spa_balance_tolerance
    spas = lancashire.spas
    mean = spas.groupby("district")["population_0_19"].transform("mean")
    gap = (spas["population_0_19"] - mean).abs() / mean
    assert gap.max() <= tolerance + 1e-9
    assert geography_summary(lancashire)["spa_largest_gap_from_district_mean"] == round(gap.max(), 4)


def test_need_bands_leave_room_for_seed_003s_56_centres(lancashire):
    """At least one access point per SPA, 3-4 in high-need SPAs, 1-2 elsewhere: 56 must fit."""
    summary = geography_summary(lancashire)
    allowed = summary["centres_allowed_by_seed_rule"]
    assert allowed["min"] <= 56 <= allowed["max"]
    assert sum(summary["need_bands"].values()) == 34


def test_the_2015_estate_has_132_buildings_with_stand_ins_flagged(lancashire):
    sites = lancashire.sites
    roles = sites["role_2015"].value_counts()
    assert roles.to_dict() == {
        "children_centre": 61, "young_peoples_centre": 43, "cc_satellite": 18, "youth_zone": 10
    }
    assert roles.sum() == ESTATE_TOTAL == 132
    stand_ins = sites[sites["stand_in"]]
    assert stand_ins["name"].str.contains("STAND-IN").all()
    assert (stand_ins["site_type"] == "school").all()
    assert (sites.loc[sites["role_2015"].isin(["children_centre", "cc_satellite"]), "owner"] != "LCC").sum() == 28


def test_every_building_has_a_place_an_owner_and_a_cost(lancashire):
    sites = lancashire.sites
    assert sites["spa_id"].notna().all() and sites["district"].notna().all()
    assert (sites["annual_cost_gbp"] > 0).all()
    assert sites["site_id"].is_unique


def test_walking_access_is_a_share_and_falls_as_the_limit_tightens(lancashire):
    share30 = lancashire.share_within_walk()
    children = lancashire.demand_points["population_0_19"].to_numpy()
    share15 = children[lancashire.walk.covered(limit_minutes=15)].sum() / children.sum()
    assert 0.5 < share30 < 1.0
    assert share15 < share30


def test_summary_json_has_what_downstream_tools_read(lancashire, cache_dir, capsys):
    assert main(["geodata", "summary", "--json", "--cache-dir", str(cache_dir)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["districts"]) == 12
    assert len(summary["spas"]) == 34
    assert {"id", "name", "district", "footprint", "population_0_19", "need_band"} <= set(summary["spas"][0])
    assert summary["footprints"] == {f: n for f, (_, n) in FOOTPRINTS.items()}
    assert summary["population_0_19"] == 281_290
    assert summary["demand_points"] == len(lancashire.demand_points)
    assert summary["candidate_sites"] == len(lancashire.sites)
    assert summary["share_within_walk"] == round(lancashire.share_within_walk(), 4)
    assert all(0 <= s["share_within_walk"] <= 1 for s in summary["spas"])


def test_the_default_geography_agrees_with_seed_003(lancashire):
    assert departures_from_seed(lancashire) == []


def test_a_users_spa_file_replaces_the_built_spas(lancashire, tmp_path, cache_dir):
    path = tmp_path / "my_spas.gpkg"
    lancashire.spas[["spa_id", "geometry"]].to_crs("EPSG:4326").to_file(path)
    with pytest.warns(EarlyHelpWarning, match=r"repaired the invalid geometry of feature \d+ .* 0\.0 square metres"):
        mine = build_geography(GeodataConfig(spa_boundaries=path), cache_dir=cache_dir)  # reprojection leaves a self-touch
    assert departures_from_seed(mine) == []
    same = mine.lsoas.set_index("lsoa11cd")["spa_id"] == lancashire.lsoas.set_index("lsoa11cd")["spa_id"]
    assert same.mean() > 0.99  # centroids on a dissolved edge may snap to a neighbour


def test_a_spa_file_in_the_wrong_crs_is_refused_with_a_hint(lancashire, tmp_path, cache_dir):
    path = tmp_path / "wrong_crs.geojson"
    lancashire.spas[["spa_id", "geometry"]].set_crs("EPSG:4326", allow_override=True).to_file(path)
    with pytest.raises(InputError, match="no Lancashire LSOA falls inside any polygon"):
        build_geography(GeodataConfig(spa_boundaries=path), cache_dir=cache_dir)


def test_a_spa_file_without_spa_id_names_the_missing_field(lancashire, tmp_path, cache_dir):
    path = tmp_path / "no_id.gpkg"
    lancashire.spas[["district", "geometry"]].to_file(path)
    with pytest.raises(InputError) as caught:
        build_geography(GeodataConfig(spa_boundaries=path), cache_dir=cache_dir)
    assert caught.value.field == "spa_id"


def test_a_users_building_outside_lancashire_is_refused_and_nothing_is_cached(tmp_path, capsys):
    path = tmp_path / "sites.csv"
    path.write_text("name,postcode,type,owner\nBlackpool Tower,FY1 4BJ,other,private\n")
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    code = main(["geodata", "summary", "--sites", str(path), "--cache-dir", str(cache_dir)])
    assert code == 2
    err = capsys.readouterr().err
    assert "Blackpool" in err and str(path) in err and "row 2" in err
    assert list(cache_dir.iterdir()) == []


def test_a_users_buildings_extend_the_candidates(lancashire, tmp_path, cache_dir):
    path = tmp_path / "sites.csv"
    path.write_text("name,postcode,type,owner,annual_cost_gbp\nSt Mary's hall,PR2 6HN,other,church,3000\n")
    mine = build_geography(GeodataConfig(sites_file=path), cache_dir=cache_dir)
    assert len(mine.sites) == len(lancashire.sites) + 1
    added = mine.sites[mine.sites["name"] == "St Mary's hall"].iloc[0]
    assert added["district"] == "Preston" and added["annual_cost_gbp"] == 3000


def test_export_writes_layers_gis_can_open_and_tables_that_join(lancashire, tmp_path, cache_dir):
    out = tmp_path / "geo"
    assert main(["geodata", "export", "--out", str(out), "--cache-dir", str(cache_dir)]) == 0
    spas = gpd.read_file(out / "geography.gpkg", layer="spas")
    assert len(spas) == 34 and spas.crs.to_epsg() == 27700
    walk = pd.read_csv(out / "walk_times.csv")
    sites = pd.read_csv(out / "sites.csv")
    assert set(walk["site_id"]) <= set(sites["site_id"])
    assert walk["minutes"].max() <= lancashire.config.walk_horizon_minutes
    assert json.loads((out / "summary.json").read_text())["population_0_19"] == 281_290
    assert (out / "map.png").stat().st_size > 50_000
    assert (out / "coverage_by_district.png").stat().st_size > 10_000


def test_the_same_inputs_build_the_same_geography_bit_for_bit(lancashire, tmp_path):
    again = build_geography(GeodataConfig(), cache_dir=tmp_path, use_cache=False)
    for name in ("lsoas", "demand_points", "spas", "sites"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(lancashire, name), check_exact=True)
    assert np.array_equal(again.walk.minutes, lancashire.walk.minutes)
    assert np.array_equal(again.walk.site, lancashire.walk.site)


def test_a_spa_file_with_no_crs_is_refused(lancashire, tmp_path, cache_dir):
    shp = tmp_path / "no_crs.shp"
    lancashire.spas[["spa_id", "geometry"]].to_file(shp)
    shp.with_suffix(".prj").unlink()  # a shapefile without its .prj states no CRS
    with pytest.raises(InputError, match="states no coordinate reference system"):
        build_geography(GeodataConfig(spa_boundaries=shp), cache_dir=cache_dir)


def test_a_malformed_spa_file_is_named_not_a_traceback(tmp_path, capsys, cache_dir):
    path = tmp_path / "spas.gpkg"
    path.write_bytes(b"this is not a geopackage")
    assert main(["geodata", "summary", "--spa-boundaries", str(path), "--cache-dir", str(cache_dir)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "not a readable spatial file" in err


def test_a_users_coarser_spas_are_used_and_their_departure_from_seed_003_is_named(lancashire, tmp_path, cache_dir):
    path = tmp_path / "districts_as_spas.gpkg"
    lancashire.districts.rename(columns={"district": "spa_id"})[["spa_id", "geometry"]].to_file(path)
    mine = build_geography(GeodataConfig(spa_boundaries=path), cache_dir=cache_dir)
    assert len(mine.spas) == 12
    notes = departures_from_seed(mine)
    assert "12 SPAs, where seed 003 has 34" in notes
    assert any(n.startswith("footprint Preston: 1 SPAs") for n in notes)


def test_a_users_buildings_can_replace_the_embedded_ones(tmp_path, cache_dir):
    path = tmp_path / "sites.csv"
    path.write_text("name,postcode,type,owner\nHall A,PR2 6HN,other,church\nHall B,BB11 1LW,other,church\n")
    mine = build_geography(GeodataConfig(sites_file=path, sites_mode="replace"), cache_dir=cache_dir)
    assert mine.sites["name"].tolist() == ["Hall A", "Hall B"]
    assert "the 2015 estate has 0 buildings, where seed 003 has 132" in departures_from_seed(mine)
