"""Map documents from plain figures: borough choropleths and clustered delivery sites.

The builder knows nothing of the database or the request: the views pass it areas,
numbers and links, and get back a complete HTML document that a page shows in a
sandboxed ``<iframe>`` served from its own address (``/maps/.../frame``).

Safety: folium renders its own output a second time as a Jinja template, so any text in
a folium element is template source. Nothing shown on a map is therefore given to folium:
folium draws only the empty base map, and everything the map shows (areas, tooltips,
sites, popups, the legend) travels as one JSON document that :func:`_with_data` writes
into the finished page after folium is done, escaped once for a ``<script>`` element.
``static/js/map-layers.js`` builds the layers from it and puts all text in with
``textContent``, so a provider's words are only ever text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import folium

LONDON = (51.4893, -0.1441)
ZOOM = 10
TILES = "OpenStreetMap"
ATTRIBUTION_NOTE = "Boundaries derived from ONS Postcode Directory points (OGL v3.0)"

# Sequential blues for "how many"; a strong orange-red for "none", so it stands out.
COUNT_COLOURS = ("#d2e2f1", "#9ecae1", "#4292c6", "#08519c", "#08306b")
NONE_COLOUR = "#d4351c"
# Gaps: a sequential red scheme spread over the numbers of missing items that occur;
# green for "all met"; a grey-violet, outside both schemes, for "unknown".
GAP_SEQUENCE = ("#fee0d2", "#fcbba1", "#fc9272", "#ef3b2c", "#cb181d", "#67000d")
MET_COLOUR = "#85c1a0"
UNKNOWN_COLOUR = "#a59cc9"

# Fifteen distinguishable colours, one per category (in vocabulary order).
CATEGORY_COLOURS = (
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#f47738",
    "#4c2c92",
    "#b58840",
    "#d53880",
    "#28a197",
    "#505a5f",
    "#85994b",
    "#912b88",
    "#003078",
    "#6f72af",
    "#5694ca",
    "#0b0c0c",
)
LAYERS_SCRIPT = "js/map-layers.js"


def script_json(value: object) -> str:
    """JSON that is inert inside an HTML ``<script>`` element (the one escaping boundary)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@lru_cache(maxsize=256)
def simplified(geometry_json: str, tolerance: float = 0.0004) -> dict:
    """A boundary simplified for display (about 30 m) with coordinates to 5 places."""
    import shapely
    from shapely.geometry import mapping, shape

    geometry = shape(json.loads(geometry_json))
    geometry = shapely.set_precision(geometry.simplify(tolerance, preserve_topology=True), 0.00001)
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
    fit: bool = False  # open the map on the areas' bounds (all of London)


LEAFLET_JS = (("leaflet", "leaflet/leaflet.js"),)
LEAFLET_CSS = (("leaflet_css", "leaflet/leaflet.css"),)
CLUSTER_JS = (("markerclusterjs", "leaflet.markercluster/leaflet.markercluster.js"),)
CLUSTER_CSS = (
    ("markerclustercss", "leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "leaflet.markercluster/MarkerCluster.Default.css"),
)


def _base_map(assets: str, *, clusters: bool = False) -> folium.Map:
    """The empty base map, loading Leaflet from the app's own static/vendor (not a CDN).

    Only Leaflet (and the cluster plugin) are needed: the jQuery, Bootstrap and icon fonts
    folium adds by default serve features these maps do not use.
    """
    m = folium.Map(location=LONDON, zoom_start=ZOOM, tiles=TILES, control_scale=True, prefer_canvas=False)
    js, css = LEAFLET_JS + (CLUSTER_JS if clusters else ()), LEAFLET_CSS + (CLUSTER_CSS if clusters else ())
    m.default_js = [(name, f"{assets}/{path}") for name, path in js]
    m.default_css = [(name, f"{assets}/{path}") for name, path in css]
    return m


def _with_data(m: folium.Map, data: dict, script_url: str) -> str:
    """Folium's document for the empty map, with the map's data and layer script added."""
    document = m.get_root().render()
    payload = {"map": m.get_name(), **data}
    tail = (
        f'<script type="application/json" id="map-data">{script_json(payload)}</script>\n'
        f'<script src="{script_url}"></script>\n'
    )
    at = document.rfind("</html>")  # after folium's own script, which makes the map
    if at < 0:
        return document + tail
    return document[:at] + tail + document[at:]


def _legend(title: str, entries: Sequence[LegendEntry]) -> dict:
    return {"title": title, "entries": [[e.colour, e.label] for e in entries]}


def choropleth_map(
    spec: Choropleth, assets: str = "/static/vendor", script_url: str = "/static/" + LAYERS_SCRIPT
) -> str:
    """A borough choropleth (with an optional toggleable outline layer) as an HTML document."""
    features = [
        {
            "type": "Feature",
            "id": area.code,
            "properties": {
                "fill": spec.colour_of.get(area.code, "#ffffff"),
                "none": area.value == 0,
                "tooltip": {
                    "title": area.name,
                    "code": area.code,
                    "lines": [[label, str(value)] for label, value in area.lines],
                },
            },
            "geometry": simplified(area.geometry),
        }
        for area in spec.areas
        if area.geometry
    ]
    layers: list[dict] = [{"kind": "areas", "name": spec.title, "features": features}]
    if spec.outlines:
        layers.append(
            {
                "kind": "outlines",
                "name": spec.outlines_name,
                "features": [
                    {"type": "Feature", "properties": {"name": name}, "geometry": simplified(geometry)}
                    for name, geometry in spec.outlines
                    if geometry
                ],
            }
        )
    data = {"layers": layers, "layer_control": True, "legend": _legend(spec.title, spec.legend), "fit": spec.fit}
    return _with_data(_base_map(assets), data, script_url)


@dataclass(frozen=True)
class SitePin:
    lat: float
    lon: float
    colour: str
    title: str  # tooltip: service name
    popup_lines: tuple[str, ...]  # plain text lines
    link_url: str  # an address on this site, starting with "/"
    link_text: str


def sites_map(
    pins: Sequence[SitePin],
    legend: Sequence[LegendEntry],
    title: str,
    assets: str = "/static/vendor",
    script_url: str = "/static/" + LAYERS_SCRIPT,
) -> str:
    """Delivery sites as clustered circle markers, coloured by category, with popups.

    Each site is one short row of plain values, and the markers are made in the browser:
    about 250 bytes a site, so a map of 1,000 sites stays under half a megabyte.
    """
    rows = [
        [
            round(pin.lat, 6),
            round(pin.lon, 6),
            pin.colour,
            pin.title,
            [line for line in pin.popup_lines if line],
            pin.link_url,
            pin.link_text,
        ]
        for pin in pins
    ]
    data = {
        "layers": [{"kind": "sites", "name": title, "rows": rows}],
        "layer_control": False,
        "legend": _legend(title, legend),
    }
    return _with_data(_base_map(assets, clusters=True), data, script_url)


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
        chunk = positive[int(round(i * step)) : int(round((i + 1) * step))]
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


__all__ = [
    "Choropleth",
    "LegendEntry",
    "MapArea",
    "SitePin",
    "choropleth_map",
    "colour_for_count",
    "count_bins",
    "script_json",
    "sites_map",
]
