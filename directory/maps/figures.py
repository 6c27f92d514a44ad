"""Turning gap reports into what the maps, tables and exports show.

Plain functions from :mod:`directory.operations.coverage` results to builder specs,
table rows, CSV rows and GeoJSON. No database, no request.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from ..core.coverage import (
    MET,
    MISSING,
    NO_SITES,
    STATE_LABELS,
    UNKNOWN,
    UNKNOWN_CAVEAT,
    GapAnalysis,
    GapCell,
    grouped,
)
from ..core.vocabulary import CATEGORIES
from ..operations.coverage import GapReport, SiteList
from .builder import (
    CATEGORY_COLOURS,
    NONE_COLOUR,
    COUNT_COLOURS,
    GAP_SEQUENCE,
    MET_COLOUR,
    UNKNOWN_COLOUR,
    Choropleth,
    LegendEntry,
    MapArea,
    SitePin,
    colour_for_count,
    count_bins,
)

CATEGORY_COLOUR = dict(zip(CATEGORIES, CATEGORY_COLOURS, strict=True))


def percent(share: float | None, has_sites: bool = True) -> str:
    if not has_sites:
        return NO_SITES
    return "no postcodes" if share is None else f"{share * 100:.0f}%"


def residents(count: int | None) -> str:
    return "not known" if count is None else f"{count:,}"


def cell_coverage(cell: GapCell) -> str:
    return percent(cell.coverage, cell.has_sites)


def state_label(state: str | None) -> str:
    return STATE_LABELS.get(state, "Not for this population") if state else "Not for this population"


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
    unknowns: int = 0
    state: str | None = None
    has_sites: bool = True
    state_text: str = ""
    offer_text: str = ""


def coverage_rows(report: GapReport, category: str | None) -> list[CoverageRow]:
    analysis = report.analysis
    rows = []
    for entry in analysis.boroughs:
        code = entry.area.code
        if category:
            cell = analysis.cell(code, category)
            rows.append(
                CoverageRow(
                    code,
                    entry.area.name,
                    entry.area.bcu_name,
                    cell.services,
                    cell.coverage,
                    cell.missing,
                    cell.unknowns,
                    cell.state,
                    cell.has_sites,
                    cell_state(cell),
                    state_label(cell.offer_state) if cell.in_offer else "Not in the offer",
                )
            )
            continue
        ids = {i for c in analysis.categories for i in analysis.cell(code, c).service_ids}
        unknown = {i for c in analysis.categories for i in analysis.cell(code, c).unknown_ids}
        state = MET if ids else (UNKNOWN if unknown else MISSING)
        rows.append(
            CoverageRow(
                code,
                entry.area.name,
                entry.area.bcu_name,
                len(ids),
                None,
                entry.missing_count > 0,
                len(unknown - ids),
                state,
                True,
                state_label(state),
                f"{entry.met_count} met, {entry.unknown_count} unknown, {entry.missing_count} missing",
            )
        )
    return rows


def count_legend(values: list[int], with_unknown: bool = True) -> list[LegendEntry]:
    bins = count_bins(values)
    legend = [LegendEntry(NONE_COLOUR, "None, confirmed or not (stands out)")]
    if with_unknown:
        legend.append(LegendEntry(UNKNOWN_COLOUR, "Unknown: only unconfirmed services"))
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
            value=r.services + r.unknowns,
            lines=(
                ("For", report.analysis.population_label),
                ("State", r.state_text),
                ("Confirmed running services", str(r.services)),
                ("Unconfirmed services", str(r.unknowns)),
            )
            + (((f"Postcodes within {km} of a site", percent(r.coverage, r.has_sites)),) if category else ()),
        )
        for r in rows
    ]
    return Choropleth(
        title=f"Confirmed running services: {category_label(category)}",
        areas=areas,
        legend=count_legend(values),
        colour_of={r.code: UNKNOWN_COLOUR if r.state == UNKNOWN else colour_for_count(r.services, bins) for r in rows},
        outlines=[(name, shape) for name, shape in report.snapshot.bcu_shapes.values()],
        outlines_name="Police BCU boundaries",
        fit=True,
    )


def gap_scale(analysis: GapAnalysis) -> dict[tuple[int, int], str]:
    """A sequential colour for each (missing, unknown) pair that occurs among boroughs with
    something missing, fewest missing (then fewest unknown) lightest: the scheme is spread
    over the real range, so that differences between boroughs show."""
    pairs = sorted({(b.missing_count, b.unknown_count) for b in analysis.boroughs if b.missing_count})
    if not pairs:
        return {}
    last = len(GAP_SEQUENCE) - 1
    if len(pairs) == 1:
        return {pairs[0]: GAP_SEQUENCE[last // 2 + 1]}
    if len(pairs) > len(GAP_SEQUENCE):  # more pairs than shades: by missing count alone
        counts = sorted({m for m, _ in pairs})
        shade = {m: GAP_SEQUENCE[round(i * last / max(len(counts) - 1, 1))] for i, m in enumerate(counts)}
        return {pair: shade[pair[0]] for pair in pairs}
    return {pair: GAP_SEQUENCE[round(i * last / (len(pairs) - 1))] for i, pair in enumerate(pairs)}


def gap_colour(analysis: GapAnalysis, missing: int, unknown: int) -> str:
    if missing:
        return gap_scale(analysis)[(missing, unknown)]
    return UNKNOWN_COLOUR if unknown else MET_COLOUR


def gap_legend(analysis: GapAnalysis) -> list[LegendEntry]:
    total = len(analysis.offer)
    entries = [
        LegendEntry(MET_COLOUR, "All met (confirmed running)"),
        LegendEntry(UNKNOWN_COLOUR, "None missing, some unknown"),
    ]
    seen: dict[str, list[tuple[int, int]]] = {}
    for pair, colour in gap_scale(analysis).items():
        seen.setdefault(colour, []).append(pair)
    for colour, pairs in seen.items():
        if len({m for m, _ in pairs}) == 1 and len(pairs) > 1:
            label = f"{pairs[0][0]} of {total} missing"
        else:
            label = "; ".join(f"{m} of {total} missing, {u} unknown" for m, u in pairs)
        entries.append(LegendEntry(colour, label))
    return entries


def gaps_choropleth(report: GapReport) -> Choropleth:
    shapes = report.snapshot.borough_shapes
    areas = [
        MapArea(
            code=b.area.code,
            name=b.area.name,
            geometry=shapes.get(b.area.code, ""),
            value=len(report.analysis.offer) - b.missing_count,  # 0 only if all missing
            lines=(
                ("For", report.analysis.population_label),
                ("Met", f"{b.met_count} of {len(report.analysis.offer)}"),
                ("Unknown", f"{b.unknown_count} of {len(report.analysis.offer)}"),
                ("Missing", f"{b.missing_count} of {len(report.analysis.offer)}"),
                ("Missing items", ", ".join(i.describe() for i in b.missing_items) or "none"),
                ("Unknown items", ", ".join(i.describe() for i in b.unknown_items) or "none"),
            ),
        )
        for b in report.analysis.boroughs
    ]
    return Choropleth(
        title="Minimum offer: missing and unknown",
        areas=areas,
        legend=gap_legend(report.analysis),
        colour_of={
            b.area.code: gap_colour(report.analysis, b.missing_count, b.unknown_count) for b in report.analysis.boroughs
        },
        fit=True,
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
    "borough_code",
    "borough_name",
    "bcu",
    "pdu",
    "category",
    "category_name",
    "services",
    "in_minimum_offer",
    "missing",
    "distance_km",
    "distance_coverage",
    "state",
    "unconfirmed_services",
    "offer_state",
    "population",
]
GROUP_HEADER = [
    "group",
    "group_code",
    "group_name",
    "borough_codes",
    "category",
    "category_name",
    "services",
    "in_minimum_offer",
    "boroughs_missing",
    "distance_km",
    "distance_coverage",
    "boroughs_unknown",
    "population",
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
                rows.append(
                    [
                        area.code,
                        area.name,
                        area.bcu_name or "",
                        area.pdu_name or "",
                        category,
                        CATEGORIES[category],
                        str(cell.services),
                        _yes(cell.in_offer),
                        _yes(cell.missing),
                        km,
                        _share(cell.coverage) if cell.has_sites else NO_SITES,
                        cell.state or "not for this population",
                        str(cell.unknowns),
                        cell.offer_state or "",
                        analysis.population_label,
                    ]
                )
        return rows
    rows = [GROUP_HEADER]
    for row in grouped(analysis, group, report.postcode_counts):
        rows.append(
            [
                group,
                row.group_code,
                row.group_name,
                ";".join(row.boroughs),
                row.category,
                CATEGORIES[row.category],
                str(row.services),
                _yes(row.in_offer),
                str(row.boroughs_missing),
                km,
                _share(row.coverage),
                str(row.boroughs_unknown),
                analysis.population_label,
            ]
        )
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
            "population": analysis.population_label,
            "residents": entry.population,
            "met_count": entry.met_count,
            "unknown_count": entry.unknown_count,
            "missing_count": entry.missing_count,
            "missing_offer": "; ".join(i.describe() for i in entry.missing_items),
            "unknown_offer": "; ".join(i.describe() for i in entry.unknown_items),
            "postcodes": entry.postcodes,
        }
        for category in analysis.categories:
            cell = analysis.cell(area.code, category)
            properties[f"services_{category}"] = cell.services
            properties[f"missing_{category}"] = cell.missing
            properties[f"state_{category}"] = cell.state
            properties[f"unconfirmed_{category}"] = cell.unknowns
            properties[f"coverage_{category}"] = None if cell.coverage is None else round(cell.coverage, 4)
        features.append({"type": "Feature", "id": area.code, "properties": properties, "geometry": json.loads(shape)})
    return {
        "type": "FeatureCollection",
        "name": "london_service_gaps",
        "features": features,
    }


# -- the table for papers: one row per borough -------------------------------------------


@dataclass(frozen=True)
class PaperTable:
    """A one-row-per-borough table with what a reader needs to trust it, in the file."""

    title: str
    about: list[tuple[str, str]]  # (label, text): population, filters, dates, sources, caveat
    header: list[str]
    rows: list[list[object]]  # str, int, or float shares (0..1) in the percentage columns
    percent_columns: frozenset[int]


def describe_filters(analysis: GapAnalysis, gender_label: str | None, cohort_label: str | None) -> str:
    return "; ".join(
        (
            f"Gender: {gender_label or 'everyone'}",
            f"Age band: {analysis.band.label if analysis.band else 'all ages'}",
            f"Cohort: {cohort_label or 'everyone'}",
            f"Distance to a delivery site: {analysis.distance_km:g} km",
        )
    )


def paper_table(
    report: GapReport, filters: str, sources: list[str], catalogue_updated: str, data_day: str
) -> PaperTable:
    analysis = report.analysis
    offer = analysis.offer
    km = f"{analysis.distance_km:g} km"
    header = [
        "Borough",
        "ONS code",
        "Police BCU",
        "Probation delivery unit",
        "Residents (Census 2021)",
        "Offer items",
        "Met",
        "Unknown",
        "Missing",
        "Share of offer met",
    ]
    for category in analysis.categories:
        header.append(CATEGORIES[category])
    offer_categories = [c for c in analysis.categories if c in analysis.offer_categories]
    for category in offer_categories:
        header.append(f"{CATEGORIES[category]}: postcodes within {km} of a site")
    percent_columns = {9} | {10 + len(analysis.categories) + i for i in range(len(offer_categories))}
    rows: list[list[object]] = []
    for entry in analysis.boroughs:
        area = entry.area
        row: list[object] = [
            area.name,
            area.code,
            area.bcu_name or "City of London Police",
            area.pdu_name or "Not known",
            entry.population if entry.population is not None else "Not known",
            len(offer),
            entry.met_count,
            entry.unknown_count,
            entry.missing_count,
            (entry.met_count / len(offer)) if offer else "No offer items",
        ]
        for category in analysis.categories:
            cell = analysis.cell(area.code, category)
            row.append(cell_text(cell))
        for category in offer_categories:
            cell = analysis.cell(area.code, category)
            row.append(
                cell.coverage if cell.has_sites and cell.coverage is not None else cell_coverage(cell).capitalize()
            )
        rows.append(row)
    about = [
        ("For", analysis.population_label),
        ("Filters", filters),
        ("Statuses read on", data_day),
        ("Catalogue last updated", catalogue_updated),
        ("Minimum offer", "; ".join(i.describe() for i in offer) or "No items for this population"),
        (
            "Met",
            "A service confirmed running (by the directory's status rule) that these people "
            "can use, delivered in the borough by name, pan-London or at a site there.",
        ),
        ("Unknown", UNKNOWN_CAVEAT),
        ("Missing", "No service recorded at all, confirmed or not, for these people."),
        (
            "Categories",
            "Each category column reads Met (with the number of confirmed services), "
            "Unknown (with the number of unconfirmed ones) or Missing.",
        ),
    ] + [("Source", source) for source in sources]
    return PaperTable(
        title="London reducing-reoffending services: the minimum offer by borough",
        about=about,
        header=header,
        rows=rows,
        percent_columns=frozenset(percent_columns),
    )


def cell_state(cell: GapCell) -> str:
    """The state in words; "for some" when it holds for some of the people and not others
    (a women's service where men have none)."""
    if cell.state == UNKNOWN and cell.services:
        return "Unknown for some (met for others)"
    if cell.state == MISSING and (cell.services or cell.unknowns):
        return "Missing for some"
    return state_label(cell.state)


def cell_text(cell: GapCell) -> str:
    if cell.state is None:
        return "Not for these people"
    counts = [f"{cell.services} confirmed"] if cell.services else []
    if cell.unknowns:
        counts.append(f"{cell.unknowns} unconfirmed")
    return cell_state(cell) + (f" ({', '.join(counts)})" if counts else "")


def paper_csv_rows(table: PaperTable) -> list[list[str]]:
    def text(index: int, value: object) -> str:
        if index in table.percent_columns and isinstance(value, float):
            return f"{value * 100:.0f}%"
        return str(value)

    out = [[table.title]] + [[label, value] for label, value in table.about] + [[]]
    out.append(list(table.header))
    out.extend([text(i, v) for i, v in enumerate(row)] for row in table.rows)
    return out


def paper_xlsx(table: PaperTable) -> bytes:
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "By borough"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True, size=14)
    for label, value in table.about:
        sheet.append([label, value])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.append([])
    sheet.append(list(table.header))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in table.rows:
        sheet.append(row)
        for index in table.percent_columns:
            cell = sheet.cell(sheet.max_row, index + 1)
            if isinstance(cell.value, float):
                cell.number_format = "0%"
    sheet.freeze_panes = sheet.cell(header_row + 1, 2)
    for index in range(1, len(table.header) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 24 if index > 1 else 26
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- the profile's map: an inline SVG drawn here, so it prints without JavaScript ----------


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def borough_svg(shapes: dict[str, str], code: str, width: int = 480) -> dict | None:
    """All of London's authorities in outline with ``code`` filled: path data in a viewBox
    (equirectangular, longitudes scaled by cos 51.5 degrees). None without boundaries."""
    import math

    from .builder import simplified

    if code not in shapes:
        return None
    scale = math.cos(math.radians(51.5))
    outlines: dict[str, list[list[tuple[float, float]]]] = {}
    for area_code, text in shapes.items():
        if not text:
            continue
        outlines[area_code] = [
            [(lon * scale, -lat) for lon, lat, *_ in ring] for ring in _rings(simplified(text, 0.001))
        ]
    xs = [x for rings in outlines.values() for ring in rings for x, _ in ring]
    ys = [y for rings in outlines.values() for ring in rings for _, y in ring]
    if not xs:
        return None
    left, top = min(xs), min(ys)
    span = max(max(xs) - left, max(ys) - top)
    factor = width / span
    height = round((max(ys) - top) * factor)

    def path(rings) -> str:
        return " ".join(
            "M" + " L".join(f"{(x - left) * factor:.1f},{(y - top) * factor:.1f}" for x, y in ring) + " Z"
            for ring in rings
        )

    return {
        "width": width,
        "height": height,
        "others": [path(r) for c, r in outlines.items() if c != code],
        "this": path(outlines[code]),
    }
