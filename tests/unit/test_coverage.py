"""Gap analysis (directory.core.coverage) on small hand-made data: no database, no app."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from directory.core.coverage import (
    AGE_BANDS,
    AGE_BAND_SLUGS,
    Area,
    ServiceInfo,
    OfferItem,
    PostcodePoints,
    SiteInfo,
    analyse,
    by_age_band,
    coverage_within,
    gini,
    grouped,
    parse_map_query,
    serves_band,
    to_bng,
)
from directory.core.queries import InvalidInput

AREAS = (
    Area("A", "Alpha", "north", "North", "pdu-1", "PDU One"),
    Area("B", "Beta", "north", "North", "pdu-1", "PDU One"),
    Area("C", "Gamma", None, None, "pdu-2", "PDU Two"),
)
CATS = ("accommodation", "women", "wellbeing")


def svc(
    id,
    *,
    status="commissioned",
    boroughs=(),
    cats=("accommodation",),
    pan=False,
    cohorts=(),
    min_age=None,
    max_age=None,
    sites=(),
):
    return ServiceInfo(
        id=id,
        slug=f"s{id}",
        name=f"S{id}",
        status=status,
        pan_london=pan,
        borough_codes=frozenset(boroughs),
        categories=frozenset(cats),
        cohorts=frozenset(cohorts),
        min_age=min_age,
        max_age=max_age,
        sites=tuple(sites),
    )


def CoverageService(*, id, name, status, **fields):  # noqa: N802  (reads like the value it makes)
    """A catalogue service as the gap analysis reads it: the read model's ServiceInfo."""
    return ServiceInfo(id=id, slug=f"service-{id}", name=name, status=status, **fields)


def site(service_id, borough, x, y):
    return SiteInfo(f"Site of {service_id}", None, borough, None, None, x, y)


# Three 1 km-wide strips of postcodes: A at x 0..1000, B at 1000..2000, C at 10,000..11,000
POSTCODES = PostcodePoints.from_rows(
    [("A", float(x), 0.0) for x in range(0, 1000, 100)]
    + [("B", float(x), 0.0) for x in range(1000, 2000, 100)]
    + [("C", float(x), 0.0) for x in range(10_000, 11_000, 100)]
)


def test_borough_lists_pan_london_and_sites_all_count():
    services = [
        svc(1, boroughs=["A"]),
        svc(2, pan=True, cats=["women"]),
        svc(3, sites=[site(3, "B", 1500, 0)], cats=["wellbeing"]),
    ]
    result = analyse(AREAS, services, [], categories=CATS)
    assert result.cell("A", "accommodation").service_ids == (1,)
    assert result.cell("B", "accommodation").service_ids == ()
    assert all(result.cell(code, "women").services == 1 for code in "ABC")
    assert result.cell("B", "wellbeing").service_ids == (3,)
    assert result.cell("A", "wellbeing").services == 0


@pytest.mark.parametrize(
    "status,state",
    [
        ("commissioned", "met"),
        ("pilot", "met"),
        ("unknown", "unknown"),
        ("ended", "missing"),
        ("planned", "missing"),
    ],
)
def test_three_states_by_the_status_rule(status, state):
    result = analyse(AREAS, [svc(1, boroughs=["A"], status=status)], [OfferItem("accommodation")], categories=CATS)
    cell = result.cell("A", "accommodation")
    assert cell.state == state and cell.offer_state == state
    assert (cell.services == 1) is (state == "met")
    assert (cell.unknowns == 1) is (state == "unknown")
    assert cell.missing is (state == "missing")
    gaps = result.borough("A")
    assert (gaps.met_count, gaps.unknown_count, gaps.missing_count) == (
        int(state == "met"),
        int(state == "unknown"),
        int(state == "missing"),
    )


def test_a_status_not_confirmed_since_a_date_is_unknown_not_met():
    old = CoverageService(
        id=1,
        name="Old",
        status="commissioned",
        borough_codes=frozenset({"A"}),
        categories=frozenset({"accommodation"}),
        status_as_of=date(2021, 3, 1),
    )
    result = analyse(AREAS, [old], [OfferItem("accommodation")], categories=CATS, today=date(2026, 11, 30))
    assert result.cell("A", "accommodation").state == "unknown"
    assert result.cell("B", "accommodation").state == "missing"


def test_unnamed_coverage_makes_other_boroughs_unknown_never_met():
    services = [
        CoverageService(
            id=1,
            name="Six",
            status="commissioned",
            borough_codes=frozenset({"A"}),
            unnamed_borough_count=5,
            categories=frozenset({"accommodation"}),
        ),
        svc(2, cats=["wellbeing"]),  # no coverage recorded at all
    ]
    result = analyse(AREAS, services, [], categories=CATS)
    assert result.cell("A", "accommodation").state == "met"
    assert result.cell("B", "accommodation").state == "unknown"
    assert {result.cell(c, "wellbeing").state for c in "ABC"} == {"unknown"}


def test_a_service_counts_only_for_the_people_it_serves():
    women_only = CoverageService(
        id=1,
        name="Drop-in",
        status="commissioned",
        borough_codes=frozenset({"A"}),
        categories=frozenset({"accommodation"}),
        genders=frozenset({"female"}),
    )
    offer = [OfferItem("accommodation")]
    everyone = analyse(AREAS, [women_only], offer, categories=CATS)
    assert everyone.cell("A", "accommodation").state == "missing"
    assert everyone.population_label.startswith("Everyone")
    women = analyse(AREAS, [women_only], offer, categories=CATS, gender="female")
    assert women.cell("A", "accommodation").state == "met"
    assert women.population_label.startswith("Women")
    men = analyse(AREAS, [women_only], offer, categories=CATS, gender="male")
    assert men.cell("A", "accommodation").state == "missing"
    # a men's service beside it, and one for another gender, meet it for everyone
    others = [
        CoverageService(
            id=2,
            name="Men",
            status="commissioned",
            borough_codes=frozenset({"A"}),
            categories=frozenset({"accommodation"}),
            genders=frozenset({"male"}),
        ),
        CoverageService(
            id=3,
            name="Other",
            status="commissioned",
            borough_codes=frozenset({"A"}),
            categories=frozenset({"accommodation"}),
            genders=frozenset({"other"}),
        ),
    ]
    assert analyse(AREAS, [women_only, *others], offer, categories=CATS).cell("A", "accommodation").state == "met"
    # an 18 to 25 service does not meet it for all ages
    young = svc(4, boroughs=["A"], min_age=18, max_age=25)
    assert analyse(AREAS, [young], offer, categories=CATS).cell("A", "accommodation").state == "missing"
    assert (
        analyse(AREAS, [young], offer, categories=CATS, band=AGE_BAND_SLUGS["18-25"]).cell("A", "accommodation").state
        == "met"
    )


def test_womens_services_are_asked_about_women_only():
    women_only = CoverageService(
        id=1,
        name="Women's centre",
        status="commissioned",
        borough_codes=frozenset({"A"}),
        categories=frozenset({"women"}),
        genders=frozenset({"female"}),
    )
    offer = [OfferItem("women")]
    assert analyse(AREAS, [women_only], offer, categories=CATS).cell("A", "women").state == "met"
    men = analyse(AREAS, [women_only], offer, categories=CATS, gender="male")
    assert men.offer == () and men.cell("A", "women").state is None


def test_population_weighted_lottery_and_residents_without():
    services = [svc(1, boroughs=["A"]), svc(2, boroughs=["B"], status="unknown")]
    populations = {"A": 100_000, "B": 300_000, "C": 600_000}
    result = analyse(AREAS, services, [], categories=CATS, populations=populations)
    acc = result.lottery["accommodation"]
    assert acc.residents_without == 600_000 and acc.residents_unknown == 300_000
    assert acc.residents_total == 1_000_000 and acc.share_without == pytest.approx(0.6)
    # one service per 100,000 for a tenth of residents, none for the rest: 1 - 0.1
    assert acc.gini_services == pytest.approx(0.9)
    women = result.lottery["women"]
    assert women.no_provision and women.gini_services is None


def test_missing_offer_items_per_borough():
    offer = [OfferItem("accommodation"), OfferItem("women")]
    services = [svc(1, boroughs=["A"]), svc(2, boroughs=["A", "B"], cats=["women"])]
    result = analyse(AREAS, services, offer, categories=CATS)
    assert result.borough("A").missing_items == ()
    assert result.borough("B").missing_items == (OfferItem("accommodation"),)
    assert result.borough("C").missing_count == 2
    cell = result.cell("B", "accommodation")
    assert cell.in_offer and cell.missing
    assert not result.cell("B", "wellbeing").in_offer
    assert not result.cell("B", "wellbeing").missing


def test_cohort_specific_offer_item_needs_a_service_for_that_cohort():
    offer = [OfferItem("accommodation", "prison_leaver")]
    services = [
        svc(1, boroughs=["A"], cohorts=["probation"]),
        svc(2, boroughs=["B"], cohorts=["prison_leaver", "probation"]),
        svc(3, boroughs=["C"]),  # cohorts not stated: counts for every cohort
    ]
    result = analyse(AREAS, services, offer, categories=CATS)
    assert [b.missing_count for b in result.boroughs] == [1, 0, 0]


def test_cohort_filter_drops_other_cohorts_items_and_services():
    offer = [OfferItem("accommodation", "prison_leaver"), OfferItem("women")]
    services = [svc(1, boroughs=["A"], cohorts=["probation"])]
    result = analyse(AREAS, services, offer, cohort="oocd", categories=CATS)
    assert result.offer == (OfferItem("women"),)
    assert result.cell("A", "accommodation").services == 0


def test_distance_coverage_shares_and_cross_border_sites():
    services = [svc(1, sites=[site(1, "A", 950, 0)])]
    result = analyse(AREAS, services, [], POSTCODES, distance_km=0.5, categories=CATS)
    # A's points 500..900 are within 500 m of x=950 (450 m away at most): 5 of 10
    assert result.cell("A", "accommodation").coverage == pytest.approx(0.5)
    # B's points 1000..1400 are within 500 m: 5 of 10, though the site is in A
    assert result.cell("B", "accommodation").coverage == pytest.approx(0.5)
    assert result.cell("C", "accommodation").coverage == 0.0
    cell = result.cell("A", "women")
    assert cell.coverage is None and not cell.has_sites  # no sites: not measured, never 0%
    assert result.sites_counted == 1


def test_distance_coverage_without_postcodes_is_none():
    result = analyse(AREAS, [svc(1, boroughs=["A"])], [], None, categories=CATS)
    assert result.cell("A", "accommodation").coverage is None
    points = PostcodePoints.from_rows([("A", 0.0, 0.0)])
    shares = coverage_within(points, np.array([[0.0, 0.0]]), 100)
    assert shares == {"A": 1.0}


def test_coverage_ignores_sites_of_ended_services():
    services = [svc(1, status="ended", sites=[site(1, "A", 500, 0)])]
    result = analyse(AREAS, services, [], POSTCODES, distance_km=20, categories=CATS)
    assert result.cell("A", "accommodation").coverage is None


def test_gini_known_values():
    assert gini([1, 1, 1, 1]) == 0.0
    assert gini([0, 0, 0]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n-1)/n: all in one of four
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)
    with pytest.raises(ValueError):
        gini([-1, 1])


def test_lottery_index_per_category():
    services = [svc(1, boroughs=["A"]), svc(2, boroughs=["A"]), svc(3, pan=True, cats=["women"])]
    result = analyse(AREAS, services, [], categories=CATS)
    acc = result.lottery["accommodation"]
    assert acc.gini_services == pytest.approx(gini([2, 0, 0]))
    assert acc.authorities_without == 2 and acc.max_services == 2
    assert result.lottery["women"].gini_services == 0.0
    assert result.lottery["wellbeing"].authorities_without == 3
    assert acc.gini_coverage is None  # no sites recorded


@pytest.mark.parametrize(
    "min_age,max_age,bands",
    [
        (None, None, {"18-25", "26-29", "30-plus"}),
        (18, 25, {"18-25"}),
        (17, 25, {"18-25"}),
        (21, None, {"18-25", "26-29", "30-plus"}),
        (None, 29, {"18-25", "26-29"}),
        (25, 26, {"18-25", "26-29"}),
        (30, 65, {"30-plus"}),
    ],
)
def test_age_band_overlap(min_age, max_age, bands):
    service = svc(1, min_age=min_age, max_age=max_age)
    assert {b.slug for b in AGE_BANDS if serves_band(service, b)} == bands


def test_missing_middle_shows_when_only_young_adult_services_exist():
    services = [svc(1, boroughs=["A"], min_age=18, max_age=25), svc(2, boroughs=["B"])]
    report = by_age_band(AREAS, services, categories=CATS)
    young, middle, older = report.bands
    assert young.rows[0].boroughs_with == 2 and older.rows[0].boroughs_with == 1
    assert report.worse_for_over_30s == ("accommodation",)
    assert report.closed_to_over_30s == ("S1",)
    assert report.with_age_range == 1 and report.gap_in_data


def test_band_filter_in_analysis():
    services = [svc(1, boroughs=["A"], min_age=18, max_age=25)]
    older = analyse(AREAS, services, [], band=AGE_BAND_SLUGS["30-plus"], categories=CATS)
    younger = analyse(AREAS, services, [], band=AGE_BAND_SLUGS["18-25"], categories=CATS)
    assert older.cell("A", "accommodation").services == 0
    assert younger.cell("A", "accommodation").services == 1


def test_grouping_by_bcu_and_pdu():
    services = [svc(1, boroughs=["A"]), svc(2, boroughs=["A", "B"])]
    result = analyse(AREAS, services, [OfferItem("accommodation")], POSTCODES, distance_km=1, categories=CATS)
    rows = {(r.group_code, r.category): r for r in grouped(result, "bcu", {"A": 10, "B": 10, "C": 10})}
    north = rows[("north", "accommodation")]
    assert north.boroughs == ("A", "B") and north.services == 2 and north.boroughs_missing == 0
    assert rows[("no-bcu", "accommodation")].boroughs_missing == 1
    pdus = {(r.group_code, r.category) for r in grouped(result, "pdu", {})}
    assert ("pdu-2", "women") in pdus
    assert len(grouped(result, "borough", {})) == len(AREAS) * len(CATS)


def test_to_bng_round_trip_is_near_known_point():
    # Trafalgar Square, about 530,000 E 180,400 N
    x, y = to_bng([-0.1281], [51.5080])
    assert abs(x[0] - 530_000) < 300 and abs(y[0] - 180_400) < 300


@pytest.mark.parametrize(
    "args,field",
    [
        ({"distance_km": ["0.1"]}, "distance_km"),
        ({"distance_km": ["21"]}, "distance_km"),
        ({"distance_km": ["far"]}, "distance_km"),
        ({"distance_km": ["nan"]}, "distance_km"),
        ({"category": ["nope"]}, "category"),
        ({"cohort": ["<b>"]}, "cohort"),
        ({"age": ["40"]}, "age"),
        ({"group": ["ward"]}, "group"),
    ],
)
def test_bad_query_values_say_which(args, field):
    with pytest.raises(InvalidInput) as raised:
        parse_map_query(args)
    assert raised.value.field == field


def test_query_defaults_and_values():
    query = parse_map_query({})
    assert query.distance_km == 3.0 and query.group == "borough" and query.age_band is None
    query = parse_map_query({"distance_km": ["0.5"], "group": ["pdu"], "age": ["30-plus"]})
    assert query.distance_km == 0.5 and query.group == "pdu" and query.age_band.low == 30


def test_core_coverage_is_pure():
    source = Path(__file__).resolve().parents[2] / "directory" / "core" / "coverage.py"
    tree = ast.parse(source.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level >= 2:
            imported.add("directory." + (node.module or ""))
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "folium"}
    assert not any(name.startswith("directory.") for name in imported)
