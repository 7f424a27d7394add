"""The contracts the siting and simulation layers read from a Geography.

- the walk horizon (how far times are computed) is not the access standard (who counts as
  reached): the standard is asked at query time and never changes the buildings or their ids;
- sites are addressed safely: by a boolean mask of the right length, or by site id;
- the row-position contract between frames and walking times is checked when a Geography is made;
- what a build worked around is kept and said again whenever the geography is loaded.
"""

import dataclasses
import warnings

import numpy as np
import pytest

from geodata import EarlyHelpWarning, GeodataConfig, build_geography, cache
from geodata.geography import Geography, UnknownSiteError
from tests.fixtures import tiny_geography


@pytest.fixture(scope="module")
def tiny() -> Geography:
    return tiny_geography()


def test_site_ids_make_a_mask_and_unknown_ids_are_named(tiny):
    assert tiny.site_mask(["LCC-2", "EDU-1"]).tolist() == [False, True, False, True]
    assert tiny.site_mask([]).tolist() == [False] * 4
    with pytest.raises(UnknownSiteError, match="'LCC-9'"):
        tiny.site_mask(["LCC-1", "LCC-9"])


def test_coverage_uses_the_standard_by_default_and_any_standard_within_the_horizon(tiny):
    # homes: 40 beside the library (LCC-1), 20 beside the school (EDU-1), 40 far from all
    assert tiny.walk_standard_minutes == 30
    assert tiny.share_within_walk() == pytest.approx(0.6)
    assert tiny.share_within_walk(tiny.site_mask(["LCC-1"])) == pytest.approx(0.4)
    assert tiny.share_within_walk(tiny.site_mask(["LCC-2", "LCC-3"])) == 0.0
    by_district = tiny.coverage_by("district", tiny.site_mask(["EDU-1"]))
    assert by_district.to_dict() == {"Burnley": pytest.approx(20 / 60), "Preston": 0.0}
    with pytest.raises(ValueError, match="computed to"):
        tiny.share_within_walk(limit_minutes=tiny.walk.horizon_minutes + 1)


def test_a_geography_whose_walk_times_do_not_match_its_frames_is_refused(tiny):
    with pytest.raises(ValueError, match="walk times are for 3 points x 4 sites"):
        dataclasses.replace(tiny, sites=tiny.sites.iloc[:3])
    shuffled = tiny.sites.iloc[[1, 0, 2, 3]]
    with pytest.raises(ValueError, match="indexed 0..n-1"):
        dataclasses.replace(tiny, sites=shuffled)
    twice = tiny.sites.assign(site_id=["A", "A", "B", "C"])
    with pytest.raises(ValueError, match="site_id must be unique"):
        dataclasses.replace(tiny, sites=twice)


def test_the_standard_must_lie_within_the_horizon_and_a_longer_standard_raises_the_horizon():
    assert GeodataConfig(walk_limit_minutes=90).walk_horizon_minutes == 90
    with pytest.raises(ValueError, match="beyond walk_horizon_minutes"):
        GeodataConfig(walk_limit_minutes=45, walk_horizon_minutes=40)


def test_the_standard_is_not_part_of_what_is_built_or_cached():
    assert GeodataConfig(walk_limit_minutes=20).for_build() == GeodataConfig()
    assert cache.cache_key(GeodataConfig(walk_limit_minutes=20).for_build()) == cache.cache_key(
        GeodataConfig().for_build())
    assert cache.cache_key(GeodataConfig(walk_horizon_minutes=45).for_build()) != cache.cache_key(
        GeodataConfig().for_build())


def test_the_config_is_hashable_and_partial_costs_keep_the_other_defaults():
    config = GeodataConfig(running_cost_gbp={"library": 20000})
    assert hash(config) == hash(GeodataConfig(running_cost_gbp={"library": 20000.0}))
    costs = config.running_cost_gbp.as_dict()
    assert costs["library"] == 20000 and costs["youth_zone"] == 80000 and costs["other"] == 10000
    for bad in ({"library": -1}, {"library": 5e9}, {"castle": 1}):
        with pytest.raises(ValueError, match="running_cost_gbp"):
            GeodataConfig(running_cost_gbp=bad)


def test_warnings_of_a_build_are_kept_and_said_again_when_it_comes_from_the_cache(tmp_path, monkeypatch):
    def build(config, walk):
        warnings.warn("Testshire's SPAs are within 22 % of their mean, not 15 %", EarlyHelpWarning,
                      stacklevel=1)
        return tiny_geography(config)

    monkeypatch.setattr("geodata.geography._build", build)
    said = []
    for _ in range(2):  # first built, then loaded from the cache
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            geography = build_geography(GeodataConfig(), cache_dir=tmp_path)
        said.append([str(w.message) for w in caught if w.category is EarlyHelpWarning])
        monkeypatch.setattr("geodata.geography._build", None)  # the second must not build
    assert said == [["Testshire's SPAs are within 22 % of their mean, not 15 %"]] * 2
    assert geography.warnings == ("Testshire's SPAs are within 22 % of their mean, not 15 %",)


@pytest.mark.slow
def test_the_access_standard_never_changes_the_buildings_or_their_ids(lancashire, tmp_path):
    twenty = build_geography(GeodataConfig(walk_limit_minutes=20), cache_dir=tmp_path, use_cache=False)
    assert twenty.sites["site_id"].tolist() == lancashire.sites["site_id"].tolist()
    assert np.array_equal(twenty.walk.minutes, lancashire.walk.minutes)
    assert twenty.share_within_walk() == lancashire.share_within_walk(limit_minutes=20)
    assert twenty.share_within_walk() < lancashire.share_within_walk()


def test_warnings_of_a_build_that_then_fails_are_said_before_the_error(tmp_path, monkeypatch):
    from geodata import InputError

    def build(config, walk):
        warnings.warn("sites.csv: not UTF-8, so read as Windows-1252", EarlyHelpWarning, stacklevel=1)
        raise InputError("sites.csv", "postcode 'FY4 5EP' is in Blackpool", row=3, field="postcode")

    monkeypatch.setattr("geodata.geography._build", build)
    with warnings.catch_warnings(record=True) as caught, pytest.raises(InputError, match="Blackpool"):
        warnings.simplefilter("always")
        build_geography(GeodataConfig(), cache_dir=tmp_path)
    assert [str(w.message) for w in caught] == ["sites.csv: not UTF-8, so read as Windows-1252"]


def test_a_building_outside_the_county_is_named_by_its_line_in_the_file(tmp_path):
    from geodata import InputError
    from geodata.geography import _locate_sites
    from geodata.lsoas import load_lsoas
    from geodata.sites import read_user_sites

    path = tmp_path / "sites.csv"
    path.write_text("name,easting,northing,type,owner\nHall,353000,430000,other,church\n\n"
                    "Boat,320000,430000,other,sailing club\n")  # line 4: in the Irish Sea
    costs = GeodataConfig().running_cost_gbp.as_dict()
    with pytest.raises(InputError) as caught:
        _locate_sites(read_user_sites(path, costs), load_lsoas(1.0), path, 500.0)
    assert (caught.value.row, caught.value.field) == (4, "easting")
    assert "'Boat' at (320000, 430000) is outside Lancashire-12" in str(caught.value)


def test_frames_in_another_crs_or_points_out_of_order_are_refused(tiny):
    with pytest.raises(ValueError, match="sites must be in EPSG:27700"):
        dataclasses.replace(tiny, sites=tiny.sites.to_crs("EPSG:4326"))
    renumbered = tiny.demand_points.assign(point_id=[0, 2, 1])
    with pytest.raises(ValueError, match="point_id must equal the row position"):
        dataclasses.replace(tiny, demand_points=renumbered)
    with pytest.raises(ValueError, match="walk times stop short of the access standard"):
        dataclasses.replace(tiny, config=GeodataConfig(walk_limit_minutes=90))


def test_warnings_from_reading_the_walk_network_are_kept_too(tmp_path, monkeypatch):
    def read_network(config):
        warnings.warn("streets.gpkg: 2 of 5 features hold no line and were left out", EarlyHelpWarning,
                      stacklevel=1)
        return None

    monkeypatch.setattr("geodata.geography._walk_model", read_network)
    monkeypatch.setattr("geodata.geography._build", lambda config, walk: tiny_geography(config))
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        geography = build_geography(GeodataConfig(), cache_dir=tmp_path, use_cache=False)
    assert geography.warnings == ("streets.gpkg: 2 of 5 features hold no line and were left out",)
