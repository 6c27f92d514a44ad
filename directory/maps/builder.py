"""Folium maps from plain figures: borough choropleths and clustered delivery sites.

The builder knows nothing of the database or the request: the views pass it areas,
numbers and links, and get back a complete HTML document (``m.get_root().render()``)
that a page embeds in an ``<iframe srcdoc>``.

Escaping: everything shown in a tooltip or popup goes through :func:`safe`, because
folium writes popup and tooltip content into JavaScript template literals and sets it as
HTML. ``safe`` escapes HTML (``<>&"'``) and the characters that mean something inside a
template literal (`````, ``$``, ``\\``), so a provider's text always shows as text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import folium
from folium.plugins import FastMarkerCluster

LONDON = (51.4893, -0.1441)
ZOOM = 10
TILES = "OpenStreetMap"
ATTRIBUTION_NOTE = "Boundaries derived from ONS Postcode Directory points (OGL v3.0)"

# Sequential blues for "how many"; a strong orange-red for "none", so it stands out.
COUNT_COLOURS = ("#d2e2f1", "#9ecae1", "#4292c6", "#08519c", "#08306b")
NONE_COLOUR = "#d4351c"
# Gaps: green for "offer met", then darker reds for more missing categories.
GAP_COLOURS = ("#cce2d8", "#fcd6c3", "#f4a582", "#d6604d", "#b2182b", "#67001f")

# Fifteen distinguishable colours, one per category (in vocabulary order).
CATEGORY_COLOURS = (
    "#1d70b8", "#d4351c", "#00703c", "#f47738", "#4c2c92", "#b58840", "#d53880",
    "#28a197", "#505a5f", "#85994b", "#912b88", "#003078", "#6f72af", "#5694ca", "#0b0c0c",
)


def safe(value: object) -> str:
    """Text made safe for folium's HTML-in-JavaScript-template-literal popups and tooltips."""
    text = html.escape("" if value is None else str(value), quote=True)
    return text.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")


@lru_cache(maxsize=256)
def simplified(geometry_json: str, tolerance: float = 0.0004) -> dict:
    """A boundary simplified for display (about 30 m) with coordinates to 5 places."""
    import shapely
    from shapely.geometry import mapping, shape

    geometry = shape(json.loads(geometry_json))
    geometry = shapely.set_precision(
        geometry.simplify(tolerance, preserve_topology=True), 0.00001
    )
    return json.loads(json.dumps(mapping(geometry)))


@dataclass(frozen=True)
class MapArea:
    """One area for a choropleth: its shape, the value that colours it and tooltip lines."""

    code: str
    name: str
    geometry: str  # GeoJSON geometry text
    value: float
    lines: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    label: str


@dataclass(frozen=True)
class Choropleth:
    title: str
    areas: Sequence[MapArea]
    legend: Sequence[LegendEntry]
    colour_of: dict[str, str] = field(default_factory=dict)  # code -> colour
    outlines: Sequence[tuple[str, str]] = ()  # (name, geometry text), e.g. BCUs
    outlines_name: str = "BCU boundaries"


LEAFLET_JS = (("leaflet", "leaflet/leaflet.js"),)
LEAFLET_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
CLUSTER_JS = (("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js"),)
CLUSTER_CSS = (
    ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
)


def _self_hosted(element, assets: str, js, css) -> None:
    """Load scripts from the app's own static/vendor, not folium's CDNs (which may be unreachable).

    Only Leaflet (and the cluster plugin) are needed: the jQuery, Bootstrap and icon fonts
    folium adds by default serve features these maps do not use.
    """
    element.default_js = [(name, f"{assets}/{path}") for name, path in js]
    element.default_css = [(name, f"{assets}/{path}") for name, path in css]


def _base_map(assets: str) -> folium.Map:
    m = folium.Map(location=LONDON, zoom_start=ZOOM, tiles=TILES, control_scale=True,
                   prefer_canvas=False)
    _self_hosted(m, assets, LEAFLET_JS, LEAFLET_CSS)
    return m


def _tooltip_html(area: MapArea) -> str:
    rows = "".join(f"<br>{safe(label)}: {safe(value)}" for label, value in area.lines)
    return f"<strong>{safe(area.name)}</strong> ({safe(area.code)}){rows}"


def _legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    items = "".join(
        f'<li><span style="display:inline-block;width:14px;height:14px;margin-right:6px;'
        f'border:1px solid #0b0c0c;background:{safe(e.colour)}"></span>{safe(e.label)}</li>'
        for e in entries
    )
    return (
        '<div style="position:fixed;bottom:24px;left:10px;z-index:9999;background:#fff;'
        'padding:8px 10px;border:2px solid #0b0c0c;font:14px Arial,sans-serif;max-width:60%">'
        f'<strong>{safe(title)}</strong><ul style="list-style:none;margin:4px 0 0;padding:0">'
        f"{items}</ul></div>"
    )


def choropleth_map(spec: Choropleth, assets: str = "/static/vendor") -> str:
    """A borough choropleth (with an optional toggleable outline layer) as an HTML document."""
    m = _base_map(assets)
    features = [
        {
            "type": "Feature",
            "id": area.code,
            "properties": {
                "code": area.code,
                "fill": spec.colour_of.get(area.code, "#ffffff"),
                "none": area.value == 0,
                "tooltip": _tooltip_html(area),
            },
            "geometry": simplified(area.geometry),
        }
        for area in spec.areas
        if area.geometry
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=spec.title,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.75,
            "color": "#0b0c0c",
            "weight": 3 if f["properties"]["none"] else 1,
            "dashArray": "6 4" if f["properties"]["none"] else None,
        },
        highlight_function=lambda f: {"weight": 4, "color": "#ffdd00"},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
        zoom_on_click=False,
    ).add_to(m)
    if spec.outlines:
        outline_features = [
            {
                "type": "Feature",
                "properties": {"name": safe(name)},
                "geometry": simplified(geometry),
            }
            for name, geometry in spec.outlines
            if geometry
        ]
        folium.GeoJson(
            {"type": "FeatureCollection", "features": outline_features},
            name=spec.outlines_name,
            style_function=lambda f: {"fill": False, "color": "#4c2c92", "weight": 3},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
            show=True,
        ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.get_root().html.add_child(folium.Element(_legend_html(spec.title, spec.legend)))
    return m.get_root().render()


@dataclass(frozen=True)
class SitePin:
    lat: float
    lon: float
    colour: str
    title: str  # tooltip: service name
    popup_lines: tuple[str, ...]  # plain text lines
    link_url: str
    link_text: str


# Each row is [lat, lon, fill colour, popup HTML, tooltip HTML], all text already escaped
# by ``safe`` in Python; the callback only hands the strings to Leaflet.
_SITE_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 8, color: '#0b0c0c', weight: 1, fill: true, fillColor: row[2], fillOpacity: 0.9
    });
    marker.bindPopup(row[3], {maxWidth: 300});
    marker.bindTooltip(row[4]);
    return marker;
}"""


def sites_map(
    pins: Sequence[SitePin],
    legend: Sequence[LegendEntry],
    title: str,
    assets: str = "/static/vendor",
) -> str:
    """Delivery sites as clustered circle markers, coloured by category, with popups.

    Uses folium's ``FastMarkerCluster`` (a ``MarkerCluster`` that builds its markers in the
    browser from one data array): about 250 bytes a site instead of about 2 kB, so a map
    of 1,000 sites stays under half a megabyte.
    """
    m = _base_map(assets)
    rows = []
    for pin in pins:
        body = "<br>".join(safe(line) for line in pin.popup_lines if line)
        popup = (
            f"<div><strong>{safe(pin.title)}</strong><br>{body}<br>"
            f'<a href="{safe(pin.link_url)}" target="_top">{safe(pin.link_text)}</a></div>'
        )
        rows.append([round(pin.lat, 6), round(pin.lon, 6), pin.colour, popup, safe(pin.title)])
    cluster = FastMarkerCluster(rows, callback=_SITE_CALLBACK, name=title, control=False)
    _self_hosted(cluster, assets, CLUSTER_JS, CLUSTER_CSS)
    cluster.add_to(m)
    m.get_root().html.add_child(folium.Element(_legend_html(title, legend)))
    return m.get_root().render()


def count_bins(values: Sequence[float]) -> list[tuple[float, float]]:
    """Up to five equal-count ranges over the non-zero values (for the count legend)."""
    positive = sorted({v for v in values if v > 0})
    if not positive:
        return []
    if len(positive) <= len(COUNT_COLOURS):
        return [(v, v) for v in positive]
    step = len(positive) / len(COUNT_COLOURS)
    bins = []
    for i in range(len(COUNT_COLOURS)):
        chunk = positive[int(round(i * step)): int(round((i + 1) * step))]
        if chunk:
            bins.append((chunk[0], chunk[-1]))
    return bins


def colour_for_count(value: float, bins: Sequence[tuple[float, float]]) -> str:
    if value <= 0:
        return NONE_COLOUR
    for i, (_low, high) in enumerate(bins):
        if value <= high:
            return COUNT_COLOURS[min(i, len(COUNT_COLOURS) - 1)]
    return COUNT_COLOURS[-1]


def colour_for_gaps(missing: int) -> str:
    return GAP_COLOURS[min(max(missing, 0), len(GAP_COLOURS) - 1)]


__all__ = [
    "Choropleth",
    "LegendEntry",
    "MapArea",
    "SitePin",
    "choropleth_map",
    "colour_for_count",
    "colour_for_gaps",
    "count_bins",
    "safe",
    "sites_map",
]
