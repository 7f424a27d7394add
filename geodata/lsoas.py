"""The 756 LSOAs (2011) of Lancashire-12: polygons, children, deprivation and need."""

from __future__ import annotations

import geopandas as gpd

from geodata.districts import DISTRICTS
from geodata.embedded import CRS, LSOA_BOUNDARIES, LSOA_TABLE
from geodata.errors import InputError
from geodata.need import need_weights
from geodata.readers import read_csv, read_spatial

AGE_BANDS = ("pop_0_4", "pop_5_11", "pop_12_19")

_TABLE_COLUMNS = {
    "lsoa11cd": "lsoa11cd",
    "lsoa11nm": "name",
    "lad19cd": "district_code",
    "imd_score_derived": "imd_score",
    "imd_rank": "imd_rank",
    "imd_decile": "imd_decile",
    "idaci_rank": "idaci_rank",
    "idaci_decile": "idaci_decile",
    "pwc_lon": "pwc_lon",
    "pwc_lat": "pwc_lat",
    "pop_0_4_mid2020": "pop_0_4",
    "pop_5_11_mid2020": "pop_5_11",
    "pop_12_19_mid2020": "pop_12_19",
    "pop_0_19_mid2020": "population_0_19",
}


def load_lsoas(need_gradient: float) -> gpd.GeoDataFrame:
    """LSOAs in EPSG:27700 with population by age band, IMD score and need weight.

    Columns: lsoa11cd, name, district_code, district, imd_score, imd_rank, imd_decile,
    idaci_rank, idaci_decile, pop_0_4, pop_5_11, pop_12_19, population_0_19, need_weight,
    pwc_x, pwc_y (population-weighted centroid, metres), geometry.
    """
    table = read_csv(LSOA_TABLE, _TABLE_COLUMNS).rename(columns=_TABLE_COLUMNS)
    table = table[list(_TABLE_COLUMNS.values())]
    bands = table[list(AGE_BANDS)].sum(axis=1)
    bad = table.index[bands != table["population_0_19"]]
    if len(bad):
        raise InputError(
            LSOA_TABLE, "age bands do not add up to the 0-19 total", row=int(bad[0]) + 2,
            field="pop_0_19_mid2020",
        )
    outside = ~table["district_code"].isin(list(DISTRICTS))
    if outside.any():
        raise InputError(
            LSOA_TABLE, "LSOA outside Lancashire-12", row=int(outside.idxmax()) + 2,
            field="lad19cd", expected="E07000117 to E07000128",
        )
    table["district"] = table["district_code"].map(DISTRICTS)

    shapes = read_spatial(LSOA_BOUNDARIES, ["LSOA11CD"])[["LSOA11CD", "geometry"]]
    shapes = shapes.rename(columns={"LSOA11CD": "lsoa11cd"}).to_crs(CRS)
    missing = set(table["lsoa11cd"]) ^ set(shapes["lsoa11cd"])
    if missing:
        raise InputError(
            LSOA_BOUNDARIES, f"{len(missing)} LSOAs do not join the table, e.g. {sorted(missing)[0]}",
            field="LSOA11CD",
        )
    lsoas = shapes.merge(table, on="lsoa11cd").sort_values("lsoa11cd").reset_index(drop=True)
    pwc = gpd.GeoSeries(
        gpd.points_from_xy(lsoas["pwc_lon"], lsoas["pwc_lat"]), crs="EPSG:4326"
    ).to_crs(CRS)
    lsoas["pwc_x"], lsoas["pwc_y"] = pwc.x.to_numpy(), pwc.y.to_numpy()
    lsoas = lsoas.drop(columns=["pwc_lon", "pwc_lat"])
    lsoas["need_weight"] = need_weights(
        lsoas["imd_score"], lsoas["population_0_19"], need_gradient
    )
    return gpd.GeoDataFrame(lsoas, geometry="geometry", crs=CRS)

