"""Turning gap reports into what the maps, tables and exports show.

Plain functions from :mod:`directory.operations.coverage` results to builder specs,
table rows, CSV rows and GeoJSON. No database, no request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ..core.coverage import GapAnalysis, grouped
from ..core.vocabulary import CATEGORIES
from ..operations.coverage import GapReport, SiteList
from .builder import (
    CATEGORY_COLOURS,
    GAP_COLOURS,
    NONE_COLOUR,
    COUNT_COLOURS,
    Choropleth,
    LegendEntry,
    MapArea,
    SitePin,
    colour_for_count,
    colour_for_gaps,
    count_bins,
)

CATEGORY_COLOUR = dict(zip(CATEGORIES, CATEGORY_COLOURS, strict=True))


def percent(share: float | None) -> str:
    return "no postcodes" if share is None else f"{share * 100:.0f}%"


def category_label(slug: str | None) -> str:
    return CATEGORIES.get(slug, slug) if slug else "All categories"


@dataclass(frozen=True)
class CoverageRow:
    code: str
    name: str
    bcu: str | None
    services: int
    coverage: float | None
    missing: bool


def coverage_rows(report: GapReport, category: str | None) -> list[CoverageRow]:
    analysis = report.analysis
    rows = []
    for entry in analysis.boroughs:
        code = entry.area.code
        if category:
            cell = analysis.cell(code, category)
            services, share, missing = cell.services, cell.coverage, cell.missing
        else:
            ids = {i for c in analysis.categories for i in analysis.cell(code, c).service_ids}
            services, share, missing = len(ids), None, entry.missing_count > 0
        rows.append(CoverageRow(code, entry.area.name, entry.area.bcu_name, services, share, missing))
    return rows


def count_legend(values: list[int]) -> list[LegendEntry]:
    bins = count_bins(values)
    legend = [LegendEntry(NONE_COLOUR, "None (stands out)")]
    for i, (low, high) in enumerate(bins):
        label = f"{low:g}" if low == high else f"{low:g} to {high:g}"
        legend.append(LegendEntry(COUNT_COLOURS[min(i, len(COUNT_COLOURS) - 1)], label))
    return legend


def coverage_choropleth(report: GapReport, category: str | None) -> Choropleth:
    rows = coverage_rows(report, category)
    values = [r.services for r in rows]
    bins = count_bins(values)
    km = f"{report.analysis.distance_km:g} km"
    shapes = report.snapshot.borough_shapes
    areas = [
        MapArea(
            code=r.code,
            name=r.name,
            geometry=shapes.get(r.code, ""),
            value=r.services,
            lines=(
                (("Services", str(r.services)),
                 (f"Postcodes within {km} of a site", percent(r.coverage)))
                if category
                else (("Services (any category)", str(r.services)),)
            ),
        )
        for r in rows
    ]
    return Choropleth(
        title=f"Services: {category_label(category)}",
        areas=areas,
        legend=count_legend(values),
        colour_of={r.code: colour_for_count(r.services, bins) for r in rows},
        outlines=[(name, shape) for name, shape in report.snapshot.bcu_shapes.values()],
        outlines_name="Police BCU boundaries",
    )


def gap_legend() -> list[LegendEntry]:
    labels = ["Offer met", "1 missing", "2 missing", "3 missing", "4 missing", "5 or more missing"]
    return [LegendEntry(c, label) for c, label in zip(GAP_COLOURS, labels, strict=True)]


def gaps_choropleth(report: GapReport) -> Choropleth:
    shapes = report.snapshot.borough_shapes
    areas = [
        MapArea(
            code=b.area.code,
            name=b.area.name,
            geometry=shapes.get(b.area.code, ""),
            value=len(report.analysis.offer) - b.missing_count,  # 0 only if all missing
            lines=(
                ("Minimum offer categories missing", f"{b.missing_count} of {len(report.analysis.offer)}"),
                ("Missing", ", ".join(i.describe() for i in b.missing_items) or "none"),
            ),
        )
        for b in report.analysis.boroughs
    ]
    return Choropleth(
        title="Minimum offer categories missing",
        areas=areas,
        legend=gap_legend(),
        colour_of={b.area.code: colour_for_gaps(b.missing_count) for b in report.analysis.boroughs},
        outlines=[(name, shape) for name, shape in report.snapshot.bcu_shapes.values()],
        outlines_name="Police BCU boundaries",
    )


def site_legend(sites: SiteList) -> list[LegendEntry]:
    used = []
    for marker in sites.markers:
        first = marker.categories[0] if marker.categories else None
        if first and first not in used:
            used.append(first)
    return [LegendEntry(CATEGORY_COLOUR[c], CATEGORIES[c]) for c in CATEGORIES if c in used]


def site_pins(sites: SiteList, service_url: Callable[[str], str]) -> list[SitePin]:
    pins = []
    for marker in sites.markers:
        first = marker.categories[0] if marker.categories else None
        pins.append(
            SitePin(
                lat=marker.lat,
                lon=marker.lon,
                colour=CATEGORY_COLOUR.get(first, "#505a5f"),
                title=marker.service.name,
                popup_lines=(
                    marker.name,
                    marker.address or "",
                    marker.postcode or "",
                    ", ".join(CATEGORIES[c] for c in marker.categories),
                ),
                link_url=service_url(marker.service.slug),
                link_text="About this service",
            )
        )
    return pins


# -- exports -----------------------------------------------------------------------------

BOROUGH_HEADER = [
    "borough_code", "borough_name", "bcu", "pdu", "category", "category_name", "services",
    "in_minimum_offer", "missing", "distance_km", "distance_coverage",
]
GROUP_HEADER = [
    "group", "group_code", "group_name", "borough_codes", "category", "category_name",
    "services", "in_minimum_offer", "boroughs_missing", "distance_km", "distance_coverage",
]


def _share(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def csv_rows(report: GapReport, group: str) -> list[list[str]]:
    """The header and one row per area and category."""
    analysis: GapAnalysis = report.analysis
    km = f"{analysis.distance_km:g}"
    if group == "borough":
        rows = [BOROUGH_HEADER]
        for entry in analysis.boroughs:
            area = entry.area
            for category in analysis.categories:
                cell = analysis.cell(area.code, category)
                rows.append([
                    area.code, area.name, area.bcu_name or "", area.pdu_name or "", category,
                    CATEGORIES[category], str(cell.services), _yes(cell.in_offer),
                    _yes(cell.missing), km, _share(cell.coverage),
                ])
        return rows
    rows = [GROUP_HEADER]
    for row in grouped(analysis, group, report.postcode_counts):
        rows.append([
            group, row.group_code, row.group_name, ";".join(row.boroughs), row.category,
            CATEGORIES[row.category], str(row.services), _yes(row.in_offer),
            str(row.boroughs_missing), km, _share(row.coverage),
        ])
    return rows


def geojson(report: GapReport) -> dict:
    """Borough polygons with the gap figures as flat properties (for QGIS)."""
    analysis = report.analysis
    features = []
    for entry in analysis.boroughs:
        area = entry.area
        shape = report.snapshot.borough_shapes.get(area.code)
        if not shape:
            continue
        properties: dict[str, object] = {
            "code": area.code,
            "name": area.name,
            "bcu": area.bcu_name,
            "pdu": area.pdu_name,
            "distance_km": analysis.distance_km,
            "offer_items": len(analysis.offer),
            "missing_count": entry.missing_count,
            "missing_offer": "; ".join(i.describe() for i in entry.missing_items),
            "postcodes": entry.postcodes,
        }
        for category in analysis.categories:
            cell = analysis.cell(area.code, category)
            properties[f"services_{category}"] = cell.services
            properties[f"missing_{category}"] = cell.missing
            properties[f"coverage_{category}"] = (
                None if cell.coverage is None else round(cell.coverage, 4)
            )
        features.append(
            {"type": "Feature", "id": area.code, "properties": properties,
             "geometry": json.loads(shape)}
        )
    return {
        "type": "FeatureCollection",
        "name": "london_service_gaps",
        "features": features,
    }
