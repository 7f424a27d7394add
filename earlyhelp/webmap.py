"""The interactive map of a plan (``map.html`` in every run folder): one page, opened in any
browser, with nothing fetched but the background tiles.

One layer per delivery footprint (toggled in the layer control), each holding that footprint's
open centres (enhanced ones a larger diamond), the outreach venues they run (a triangle, with a
line to the centre), each centre's walking catchment and the children the walk does not reach;
and two more layers: SPA and district boundaries, and the 2015 buildings that close (off at
first). A popup gives a place's name, id, role, sessions, the frontline staff of its SPA and the
children within the walk.

What is drawn, and why it is honest and light:

- A **catchment** is the union of 150 m discs around the postcode locations with children
  within the walk limit of that centre (catchments overlap where homes are within the walk of
  two centres), simplified to 30 m: it covers where the reached children live, not the empty
  moor between them, as a hull would.
- **Children beyond the walk** and those **reached by outreach only** are one dot per postcode
  location (the geography's demand points: a location may merge postcodes), with its children
  in the tooltip; their counts add up to the plan's ``population_beyond_walk`` and
  ``population_outreach_only``. Homes an open centre reaches are inside the catchments.

Coordinates are converted from British National Grid (EPSG:27700) to WGS84 (EPSG:4326) and
rounded to 5 decimal places (about a metre). Leaflet (BSD-2-Clause, vendored in
``earlyhelp/vendor/leaflet``) is written into the page, so the data show without a network;
OpenStreetMap tiles are the only thing loaded from outside. folium names every element with a
random id: :func:`webmap_html` renumbers them in order, so the same plan gives the same bytes.
"""

from __future__ import annotations

import html
import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.template import Template
from pyproj import Transformer

from earlyhelp import style
from earlyhelp.maps import geography_footnote
from earlyhelp.output import replacing_file
from geodata.embedded import CRS
from optimise.plan import BEYOND, REACHED_BY_CENTRE, REACHED_BY_OUTREACH, SitingPlan
from optimise.report import map_subtitle, map_title
from optimise.staffing import footprint_order

#: The CRS of the web map (folium draws longitude and latitude).
WEB_CRS = "EPSG:4326"

#: Names of the layers that are not a footprint's.
BOUNDARIES_LAYER = "SPA and district boundaries"
CLOSED_LAYER = "2015 buildings that close"

#: Decimal places of longitude and latitude (5: about a metre).
DECIMALS = 5

#: Catchment drawing: disc radius around each reached postcode, and simplification (metres).
CATCHMENT_BUFFER_M = 150.0
CATCHMENT_SIMPLIFY_M = 30.0
#: Boundaries are simplified to this tolerance (metres).
BOUNDARY_SIMPLIFY_M = 40.0

#: Colours, as on the print map (optimise.report.REACH_STYLES): Okabe-Ito, colour-blind safe.
CATCHMENT_COLOUR = style.OKABE_ITO[2]   # sky blue
OUTREACH_COLOUR = style.OKABE_ITO[1]    # orange
BEYOND_COLOUR = style.OKABE_ITO[6]      # vermillion
SPA_EDGE = "#8c8c8c"

_SVG = {
    "enhanced": ('<svg width="18" height="18" viewBox="0 0 18 18"><path d="M9 1 L17 9 L9 17 L1 9 Z"'
                 f' fill="{style.INK}" stroke="white" stroke-width="1.5"/></svg>', 18),
    "standard": ('<svg width="14" height="14" viewBox="0 0 14 14"><circle cx="7" cy="7" r="5.5"'
                 f' fill="{style.INK}" stroke="white" stroke-width="1.5"/></svg>', 14),
    "venue": ('<svg width="14" height="14" viewBox="0 0 14 14"><path d="M7 1.5 L13 12.5 L1 12.5 Z"'
              f' fill="{style.INK}" stroke="white" stroke-width="1.2"/></svg>', 14),
    "closed": ('<svg width="12" height="12" viewBox="0 0 12 12"><circle cx="6" cy="6" r="4.5"'
               f' fill="white" fill-opacity="0.6" stroke="{style.MUTED}" stroke-width="1.5"/>'
               "</svg>", 12),
}

_TO_WEB = Transformer.from_crs(CRS, WEB_CRS, always_xy=True)


# --- the map -------------------------------------------------------------------------------


def plan_webmap(plan: SitingPlan) -> folium.Map:
    """The plan as a folium map: a layer per footprint (centres, venues, catchments, children
    beyond the walk), the boundaries, the 2015 buildings that close, a title, legend and
    sources. Layer names: the footprints (in seed 003's order), :data:`BOUNDARIES_LAYER`,
    :data:`CLOSED_LAYER`."""
    geography = plan.inputs.geography
    west, south, east, north = _bounds(geography)
    fmap = folium.Map(location=[(south + north) / 2, (west + east) / 2], tiles=None,
                      prefer_canvas=True, control_scale=True, zoom_start=9,
                      zoomSnap=0.25)
    fmap.default_js, fmap.default_css = [], []  # Leaflet is written into the page instead
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap background", opacity=0.55).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])

    spa_footprint = geography.spas.set_index("spa_id")["footprint"]
    places = centre_table(plan)
    homes = _homes(plan, spa_footprint)
    catchments = catchment_polygons(plan)
    for footprint in footprint_order(geography.spas["footprint"].unique()):
        group = folium.FeatureGroup(name=footprint, show=True).add_to(fmap)
        _add_catchments(group, catchments[catchments["footprint"] == footprint])
        _add_homes(group, homes[(homes["footprint"] == footprint) & (homes["reach"] == BEYOND)],
                   BEYOND_COLOUR, "beyond the walk", f"Children beyond the walk, {footprint}")
        _add_homes(group, homes[(homes["footprint"] == footprint)
                                & (homes["reach"] == REACHED_BY_OUTREACH)],
                   OUTREACH_COLOUR, "reached by outreach only",
                   f"Children reached by outreach only, {footprint}")
        _add_places(group, places[places["footprint"] == footprint])
    _add_boundaries(fmap, geography)
    _add_closed(fmap, plan, spa_footprint)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)
    fmap.get_root().html.add_child(folium.Element(_panel(plan, homes)))
    return fmap


def webmap_html(plan: SitingPlan) -> str:
    """The page of :func:`plan_webmap`: Leaflet written in, element ids numbered in order (so
    the same plan gives the same bytes)."""
    page = plan_webmap(plan).get_root().render()
    page = _renumber_ids(page)
    leaflet = resources.files("earlyhelp") / "vendor" / "leaflet"
    script = _without_source_map((leaflet / "leaflet.js").read_text())
    head = (f"<style>{(leaflet / 'leaflet.css').read_text()}</style>\n{_CSS}\n"
            f"<script>{script}</script>\n<script>{_JQUERY_SHIM}</script>\n")
    meta = (f"<title>{html.escape(map_title(plan))}: interactive map</title>\n"
            '<meta name="generator" content="earlyhelp webmap">\n')
    page = page.replace("<head>", "<head>\n" + meta, 1)
    return page.replace("</head>", head + "</head>", 1)


def write_webmap(plan: SitingPlan, path: Path) -> Path:
    """Write :func:`webmap_html` at ``path`` (atomically); return the path."""
    path = Path(path)
    with replacing_file(path) as stream:
        stream.write(webmap_html(plan).encode("utf-8"))
    return path


# --- the data drawn ------------------------------------------------------------------------


def centre_table(plan: SitingPlan) -> pd.DataFrame:
    """One row per place drawn in a footprint: each open centre (``kind`` "enhanced" or
    "standard") and each outreach venue used ("venue"), with ``footprint``, longitude ``lon``
    and latitude ``lat``, ``children_within_walk`` (children 0-19 within the walk limit of it)
    and, for a centre, the frontline FTE of its SPA and how many centres share it."""
    geography = plan.inputs.geography
    limit = geography.walk_standard_minutes
    children = geography.demand_points["population_0_19"].to_numpy(float)
    spa_footprint = geography.spas.set_index("spa_id")["footprint"]
    cand = plan.candidates.reset_index(drop=True)
    reach = plan.inputs.candidates.walk.reach(limit)
    within = np.asarray(reach.T @ children).ravel()
    centres = cand[cand["open"]].assign(
        kind=lambda f: np.where(f["enhanced"], "enhanced", "standard"),
        children_within_walk=within[cand.index[cand["open"]]])
    staff = plan.staffing.spas["fte_frontline"]
    centres["spa_fte_frontline"] = centres["spa_id"].map(staff)
    centres["spa_centres"] = centres["spa_id"].map(centres.groupby("spa_id").size())
    venues = plan.venues.reset_index(drop=True)
    if len(venues):
        venue_reach = plan.inputs.venues.walk.reach(limit)
        venue_within = np.asarray(venue_reach.T @ children).ravel()
        ids = plan.inputs.venues.frame["site_id"].reset_index(drop=True)
        position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
        venues = venues.assign(kind="venue", sessions_centre=0,
                               children_within_walk=venue_within[
                                   position.reindex(venues["site_id"]).to_numpy()])
        centre_xy = cand.set_index("site_id")[["x", "y"]]
        ends = centre_xy.reindex(venues["centre_site_id"])
        venues["centre_lon"], venues["centre_lat"] = _lonlat(ends["x"], ends["y"])
        venues["centre_name"] = venues["centre_site_id"].map(cand.set_index("site_id")["name"])
    frame = pd.concat([centres, venues], ignore_index=True) if len(venues) else centres
    frame = frame.reset_index(drop=True)
    frame["footprint"] = frame["spa_id"].map(spa_footprint)
    frame["lon"], frame["lat"] = _lonlat(frame["x"], frame["y"])
    return frame


def catchment_polygons(plan: SitingPlan) -> gpd.GeoDataFrame:
    """One (multi)polygon per open centre, in WGS84: the union of
    :data:`CATCHMENT_BUFFER_M` discs around the postcode locations with children within the
    walk limit of it, simplified; with ``site_id``, ``name``, ``footprint`` and ``children``."""
    geography = plan.inputs.geography
    points = geography.demand_points
    children = points["population_0_19"].to_numpy(float)
    xy = points[["x", "y"]].to_numpy(float)
    reach = plan.inputs.candidates.walk.reach(geography.walk_standard_minutes).tocsc()
    cand = plan.candidates.reset_index(drop=True)
    spa_footprint = geography.spas.set_index("spa_id")["footprint"]
    rows, shapes = [], []
    for j in np.flatnonzero(cand["open"].to_numpy(bool)):
        homes = reach.indices[reach.indptr[j]:reach.indptr[j + 1]]
        homes = np.sort(homes[children[homes] > 0])
        if not len(homes):
            continue
        discs = shapely.buffer(shapely.points(xy[homes]), CATCHMENT_BUFFER_M, quad_segs=3)
        shapes.append(shapely.union_all(discs).simplify(CATCHMENT_SIMPLIFY_M))
        site = cand.loc[j]
        rows.append({"site_id": site["site_id"], "name": site["name"],
                     "footprint": spa_footprint.get(site["spa_id"]),
                     "children": float(children[homes].sum())})
    frame = gpd.GeoDataFrame(rows, geometry=shapes, crs=CRS,
                             columns=["site_id", "name", "footprint", "children"])
    return _rounded(frame.to_crs(WEB_CRS))


def _homes(plan: SitingPlan, spa_footprint: pd.Series) -> pd.DataFrame:
    """The demand points with children: ``reach``, ``footprint``, ``children``, ``postcodes``,
    ``lon``, ``lat``."""
    points = plan.inputs.geography.demand_points
    postcodes = (points["n_postcodes"] if "n_postcodes" in points else
                 pd.Series(1, index=points.index))
    frame = pd.DataFrame({
        "reach": plan.reach, "footprint": points["spa_id"].map(spa_footprint).to_numpy(),
        "spa_id": points["spa_id"].to_numpy(),
        "children": points["population_0_19"].to_numpy(float),
        "postcodes": postcodes.to_numpy(int)})
    frame["lon"], frame["lat"] = _lonlat(points["x"], points["y"])
    return frame[frame["children"] > 0].reset_index(drop=True)


# --- layers --------------------------------------------------------------------------------


def _add_catchments(group: folium.FeatureGroup, catchments: gpd.GeoDataFrame) -> None:
    if not len(catchments):
        return
    folium.GeoJson(
        _geojson(catchments, ["name", "site_id", "children"]),
        name="Catchments",
        style_function=lambda _: {"color": style.shade(CATCHMENT_COLOUR, 0.35), "weight": 0.8,
                                  "fillColor": CATCHMENT_COLOUR, "fillOpacity": 0.3},
        tooltip=folium.GeoJsonTooltip(["name", "children"],
                                      aliases=["Catchment of", "Children 0-19 within the walk"],
                                      localize=True),
    ).add_to(group)


def _add_homes(group: folium.FeatureGroup, homes: pd.DataFrame, colour: str, what: str,
               name: str) -> None:
    if len(homes):
        ChildrenDots(homes, colour, what, name).add_to(group)


class ChildrenDots(folium.MacroElement):
    """Postcode locations as dots of ``colour`` in the layer they are added to, with their
    children 0-19 ("``what``") in the tooltip; area grows with the children. Written as one
    compact array (``rows``: latitude, longitude, children, postcodes, SPA number in ``spas``)
    rather than a GeoJSON feature each, a fifth of the size for the county's 12,000 dots."""

    _template = Template("""
{% macro script(this, kwargs) %}
(function () {
    const spas = {{ this.spas|tojson }};
    const rows = {{ this.rows|tojson }};
    for (const r of rows) {
        L.circleMarker([r[0], r[1]], {radius: Math.min(1.5 + Math.sqrt(r[2]) / 3, 7),
            stroke: false, fillColor: {{ this.colour|tojson }}, fillOpacity: 0.8})
         .bindTooltip(r[2].toLocaleString("en-GB") + " children 0-19 " + {{ this.what|tojson }}
            + "<br>" + r[3] + (r[3] === 1 ? " postcode" : " postcodes") + ", " + spas[r[4]])
         .addTo({{ this._parent.get_name() }});
    }
})();
{% endmacro %}
""")

    def __init__(self, homes: pd.DataFrame, colour: str, what: str, name: str) -> None:
        super().__init__()
        self._name = "ChildrenDots"
        self.layer_name, self.colour, self.what = name, colour, what
        self.spas = sorted(homes["spa_id"].unique().tolist())
        number = {spa: k for k, spa in enumerate(self.spas)}
        self.rows = [[float(lat), float(lon), _number(c), int(p), number[spa]]
                     for lat, lon, c, p, spa in homes[["lat", "lon", "children", "postcodes",
                                                       "spa_id"]].itertuples(index=False)]

    @property
    def children(self) -> float:
        """The children of every dot."""
        return float(sum(row[2] for row in self.rows))


def _add_places(group: folium.FeatureGroup, places: pd.DataFrame) -> None:
    for place in places[places["kind"] == "venue"].itertuples(index=False):
        if isinstance(place.centre_site_id, str):
            folium.PolyLine([[place.lat, place.lon], [place.centre_lat, place.centre_lon]],
                            color=style.INK, weight=1.5, dash_array="4 3",
                            tooltip=f"Outreach from {html.escape(str(place.centre_name))}"
                            ).add_to(group)
    order = {"venue": 0, "standard": 1, "enhanced": 2}
    for place in sorted(places.itertuples(index=False), key=lambda p: order[p.kind]):
        _marker(place.kind, place.lat, place.lon, html.escape(str(place.name)),
                _place_popup(place)).add_to(group)


def _add_boundaries(fmap: folium.Map, geography: Any) -> None:
    group = folium.FeatureGroup(name=BOUNDARIES_LAYER, show=True).add_to(fmap)
    spas = geography.spas[["spa_id", "name", "district", "footprint", "geometry"]].copy()
    spas["geometry"] = spas.geometry.simplify(BOUNDARY_SIMPLIFY_M)
    folium.GeoJson(
        _geojson(_rounded(spas.to_crs(WEB_CRS)), ["spa_id", "name", "district", "footprint"]),
        name="Service planning areas",
        style_function=lambda _: {"color": SPA_EDGE, "weight": 1, "fill": True,
                                  "fillOpacity": 0.0, "dashArray": "3 2"},
        tooltip=folium.GeoJsonTooltip(["name", "district", "footprint"],
                                      aliases=["Service planning area", "District", "Footprint"]),
    ).add_to(group)
    districts = geography.districts[["district", "geometry"]].copy()
    districts["geometry"] = districts.geometry.simplify(BOUNDARY_SIMPLIFY_M)
    folium.GeoJson(
        _geojson(_rounded(districts.to_crs(WEB_CRS)), ["district"]),
        name="Districts", interactive=False,
        style_function=lambda _: {"color": style.INK, "weight": 2, "fill": False},
    ).add_to(group)


def _add_closed(fmap: folium.Map, plan: SitingPlan, spa_footprint: pd.Series) -> None:
    sites = plan.inputs.geography.sites
    closed = sites[sites["role_2015"].notna() & ~sites["site_id"].isin(plan.open_ids)]
    group = folium.FeatureGroup(name=CLOSED_LAYER, show=False).add_to(fmap)
    reasons = plan.candidates.set_index("site_id")["closure_reason"]
    lon, lat = _lonlat(closed["x"], closed["y"])
    for (_, site), x, y in zip(closed.iterrows(), lon, lat, strict=True):
        reason = reasons.get(site["site_id"])
        rows = [("Id", site["site_id"]), ("2015 role", _words(site["role_2015"])),
                ("Building", _words(site["site_type"])), ("SPA", site["spa_id"]),
                ("Footprint", spa_footprint.get(site["spa_id"], "")),
                ("Why it closes", reason if isinstance(reason, str) else "not chosen")]
        _marker("closed", y, x, html.escape(str(site["name"])),
                _popup(str(site["name"]), "2015 building that closes", rows)).add_to(group)


def _marker(kind: str, lat: float, lon: float, tooltip: str, popup: str) -> folium.Marker:
    svg, size = _SVG[kind]
    return folium.Marker(
        [lat, lon], tooltip=tooltip, popup=folium.Popup(popup, max_width=320),
        icon=folium.DivIcon(html=svg, icon_size=(size, size), icon_anchor=(size / 2, size / 2),
                            class_name=f"eh-{kind}"),
        z_index_offset={"closed": 0, "venue": 100, "standard": 200, "enhanced": 300}[kind])


def _place_popup(place: Any) -> str:
    if place.kind == "venue":
        rows = [("Id", place.site_id), ("Building", _words(place.site_type)),
                ("2015 role", _words(place.role_2015) or "none"),
                ("Outreach sessions a week", f"{place.sessions_outreach:.0f}"),
                ("Run by", f"{place.centre_name} ({place.centre_site_id})"
                 if isinstance(place.centre_site_id, str) else "no centre"),
                ("SPA", place.spa_id),
                ("Children 0-19 within the walk", f"{place.children_within_walk:,.0f}")]
        return _popup(str(place.name), "Outreach venue (partner building)", rows)
    role = "Enhanced centre" if place.kind == "enhanced" else "Standard centre"
    fte = place.spa_fte_frontline
    share = (f"{fte:,.1f}, shared by its {place.spa_centres:.0f} centres"
             if place.spa_centres > 1 else f"{fte:,.1f}") if not _missing(fte) else "not known"
    rows = [("Id", place.site_id), ("Building", _words(place.site_type)),
            ("2015 role", _words(place.role_2015) or "none (not a 2015 building)"),
            ("Sessions a week", f"{place.sessions_centre + place.sessions_outreach:.0f} "
             f"({place.sessions_centre:.0f} here, {place.sessions_outreach:.0f} as outreach)"),
            (f"Frontline FTE of its SPA ({place.spa_id})", share),
            ("Children 0-19 within the walk", f"{place.children_within_walk:,.0f}")]
    return _popup(str(place.name), role, rows)


def _popup(title: str, role: str, rows: list[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                   for k, v in rows)
    return (f'<div class="eh-popup"><b>{html.escape(title)}</b><br><i>{html.escape(role)}</i>'
            f"<table>{body}</table></div>")


def _panel(plan: SitingPlan, homes: pd.DataFrame) -> str:
    """The title (the finding), the legend and the sources, as two boxes over the map."""
    summary = plan.summary()
    limit = f"{summary['walk_limit_minutes']:g}"
    beyond = homes.loc[homes["reach"] == BEYOND, "children"].sum()
    outreach = homes.loc[homes["reach"] == REACHED_BY_OUTREACH, "children"].sum()
    reached = homes.loc[homes["reach"] == REACHED_BY_CENTRE, "children"].sum()

    def swatch(svg: str) -> str:
        return f'<span class="eh-key">{svg}</span>'

    def dot(colour: str) -> str:
        return swatch(f'<svg width="12" height="12"><circle cx="6" cy="6" r="4" fill="{colour}"'
                      ' stroke="white"/></svg>')

    rows = [
        (swatch(_SVG["enhanced"][0]), f"Enhanced centre: {summary['enhanced_centres']}"),
        (swatch(_SVG["standard"][0]),
         f"Standard centre: {summary['centres_open'] - summary['enhanced_centres']}"),
        (swatch(_SVG["venue"][0]),
         f"Outreach venue, dashed line to its centre: {summary['outreach_venues']}"),
        (swatch(f'<svg width="16" height="12"><rect x="1" y="1" width="14" height="10" '
                f'fill="{CATCHMENT_COLOUR}" fill-opacity="0.4" '
                f'stroke="{style.shade(CATCHMENT_COLOUR, 0.35)}"/></svg>'),
         f"Catchment: homes within {limit} minutes' walk of the centre "
         f"({reached:,.0f} children)"),
        (dot(OUTREACH_COLOUR), f"Postcode reached by outreach only ({outreach:,.0f} children)"),
        (dot(BEYOND_COLOUR), f"Postcode beyond the walk ({beyond:,.0f} children)"),
        (swatch(_SVG["closed"][0]), f"2015 building that closes: "
         f"{summary['existing_buildings_closed']} (layer off at first)"),
        (swatch(f'<svg width="16" height="12"><line x1="0" y1="6" x2="16" y2="6" '
                f'stroke="{style.INK}" stroke-width="2"/></svg>'), "District boundary"),
        (swatch(f'<svg width="16" height="12"><line x1="0" y1="6" x2="16" y2="6" '
                f'stroke="{SPA_EDGE}" stroke-dasharray="3 2"/></svg>'), "Service planning area"),
    ]
    legend = "".join(f"<div>{key} {html.escape(text)}</div>" for key, text in rows)
    how = ("fixed by the scenario (not optimised)" if plan.breaches is not None else
           f"the siting programme under the scenario's rules, {summary['solver']['status']} "
           f"({summary['solver']['name']})")
    sources = (f"{geography_footnote(plan.inputs.geography)} Plan: {how}. A catchment is drawn "
               f"as {CATCHMENT_BUFFER_M:g} m around each postcode with children within the walk "
               "of the centre; catchments overlap where two centres are within the walk. A home "
               "is reached by outreach only when a venue with outreach sessions is within the "
               "walk and no open centre is. Background: \u00a9 OpenStreetMap contributors.")
    return (
        '<div class="eh-box eh-title">'
        f"<h1>{html.escape(map_title(plan))}</h1>"
        f"<p>{html.escape(map_subtitle(plan))}. One layer per footprint: tick or untick them "
        "on the right; click a place for its details.</p></div>"
        f'<div class="eh-box eh-legend"><b>Legend</b>{legend}'
        f'<p class="eh-sources">{html.escape(sources)}</p></div>'
    )


# --- helpers -------------------------------------------------------------------------------


def _bounds(geography: Any) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the SPAs, in degrees."""
    west, south, east, north = geography.spas.to_crs(WEB_CRS).total_bounds
    return (round(float(west), DECIMALS), round(float(south), DECIMALS),
            round(float(east), DECIMALS), round(float(north), DECIMALS))


def _lonlat(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _TO_WEB.transform(np.asarray(x, float), np.asarray(y, float))
    return np.round(lon, DECIMALS), np.round(lat, DECIMALS)


def _rounded(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with coordinates rounded to :data:`DECIMALS` places (valid, non-empty)."""
    geometry = shapely.set_precision(frame.geometry.array, 10 ** -DECIMALS)
    return frame.set_geometry(gpd.GeoSeries(geometry, index=frame.index, crs=frame.crs))


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, Any]:
    """A FeatureCollection of ``frame`` with only ``columns`` as properties (no ids, no bbox)."""
    features = []
    for record, geometry in zip(frame[columns].to_dict("records"), frame.geometry, strict=True):
        if geometry is None or geometry.is_empty:
            continue
        properties = {k: _number(v) if isinstance(v, float) else v for k, v in record.items()}
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geometry),
                         "properties": properties})
    return json.loads(json.dumps({"type": "FeatureCollection", "features": features}))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 1)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _words(value: Any) -> str:
    return "" if _missing(value) else str(value).replace("_", " ")


def _without_source_map(script: str) -> str:
    """The script without its ``sourceMappingURL`` line (the map file is not shipped)."""
    return re.sub(r"\n//# sourceMappingURL=\S+\s*$", "\n", script)


def _renumber_ids(page: str) -> str:
    """folium's random 32-hex element ids replaced by 1, 2, ... in order of first use."""
    numbers: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        return numbers.setdefault(match.group(0), f"{len(numbers) + 1:04d}")

    return re.sub(r"(?<=_)[0-9a-f]{32}(?![0-9a-zA-Z])", number, page)


#: folium's popups build their content with jQuery, ``$(html)[0]``: the one use, made without it.
_JQUERY_SHIM = ("window.$ = window.$ || function (markup) { const t = document.createElement("
                "'template'); t.innerHTML = markup.trim(); return [t.content.firstChild]; };")

_CSS = f"""<style>
.eh-box {{ position: absolute; z-index: 1000; background: rgba(255,255,255,0.93);
  border: 1px solid #999; padding: 6px 9px; font: 12px/1.35 'DejaVu Sans', Arial, sans-serif;
  color: {style.INK}; box-shadow: 0 1px 4px rgba(0,0,0,0.25); }}
.eh-title {{ top: 10px; left: 56px; max-width: min(34em, 45%); }}
.eh-title h1 {{ font-size: 14px; margin: 0 0 3px; }}
.eh-title p {{ margin: 0; color: {style.MUTED}; }}
.eh-legend {{ bottom: 28px; left: 10px; max-width: 23em; }}
.eh-legend div {{ margin: 2px 0; }}
.eh-key {{ display: inline-block; width: 18px; text-align: center; vertical-align: middle; }}
.eh-sources {{ font-size: 10px; color: {style.MUTED}; margin: 5px 0 0; }}
.eh-popup table {{ border-collapse: collapse; margin-top: 4px; font-size: 11px; }}
.eh-popup th {{ text-align: left; font-weight: normal; color: {style.MUTED}; padding: 1px 6px 1px 0;
  vertical-align: top; }}
.eh-popup td {{ padding: 1px 0; }}
.eh-enhanced, .eh-standard, .eh-venue, .eh-closed {{ background: none; border: none; }}
</style>"""
