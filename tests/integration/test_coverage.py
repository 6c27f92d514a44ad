"""Coverage operations against the seeded database and the real ONS postcode directory."""

from __future__ import annotations

from directory.core.status import Standing

import pytest
from sqlalchemy import select

from directory.core.coverage import MapQuery
from directory.core.vocabulary import CATEGORIES
from directory.models import Borough, Category, MinimumOfferItem, Service, Site
from directory.operations import catalogue, coverage


@pytest.fixture
def report(session, postcode_directory):
    return coverage.gap_report(session, postcode_directory, MapQuery())


def test_every_borough_and_category_is_analysed(report, session):
    a = report.analysis
    assert len(a.areas) == 33 and len(a.cells) == 33 * len(CATEGORIES)
    offer = session.scalars(select(MinimumOfferItem)).all()
    assert len(a.offer) == len(offer) > 0
    # every authority has tens of thousands of postcodes at most, thousands at least
    assert all(b.postcodes > 1000 for b in a.boroughs if b.area.code != "E09000001")


def test_seeded_counts_match_the_one_status_rule(report, session):
    """Met counts only services the status rule confirms running; unconfirmed ones are
    unknown, never met; ended and planned ones are neither."""
    readings = {
        s.id: (s, catalogue.status_reading(s))
        for s in session.scalars(select(Service).where(Service.moderation == "published"))
    }
    cells = report.analysis.cells.values()
    met_ids = {i for cell in cells for i in cell.service_ids}
    unknown_ids = {i for cell in cells for i in cell.unknown_ids}
    assert met_ids and report.analysis.services_counted == len(met_ids)
    assert all(readings[i][1].standing is Standing.CONFIRMED for i in met_ids)
    assert all(not readings[i][1].excludes for i in unknown_ids)
    assert any(readings[i][1].standing is not Standing.CONFIRMED for i in unknown_ids)
    for service, reading in readings.values():
        open_to_all = not (service.genders or service.min_age or service.max_age or service.cohorts)
        if reading.standing is Standing.CONFIRMED and service.pan_london and open_to_all:
            for category in service.categories:
                for code in ("E09000001", "E09000033"):
                    assert report.analysis.cell(code, category.slug).state == "met"


def test_distance_coverage_from_a_real_site(session, postcode_directory):
    westminster = session.scalar(select(Borough).where(Borough.code == "E09000033"))
    record = postcode_directory.lookup("SW1A 2AA")
    service = Service(slug="int-coverage", name="Integration coverage", status="commissioned", moderation="published")
    service.categories = [session.scalar(select(Category).where(Category.slug == "hate_crime"))]
    service.sites = [Site(name="Downing St", postcode="SW1A 2AA", lat=record.lat, lon=record.lon, borough=westminster)]
    session.add(service)
    session.flush()
    shares = {}
    for km in (0.5, 3, 20):
        report = coverage.gap_report(session, postcode_directory, MapQuery(distance_km=km))
        shares[km] = {
            code: report.analysis.cell(code, "hate_crime").coverage
            for code in ("E09000033", "E09000022", "E09000016")  # Westminster, Lambeth, Havering
        }
    assert 0 < shares[0.5]["E09000033"] < shares[3]["E09000033"] <= shares[20]["E09000033"]
    assert shares[3]["E09000022"] > 0  # across the river
    assert shares[3]["E09000016"] == 0  # Havering is far away
    assert shares[20]["E09000033"] == 1.0
    report = coverage.gap_report(session, postcode_directory, MapQuery())
    assert report.analysis.cell("E09000033", "hate_crime").services == 1
    assert report.analysis.lottery["hate_crime"].gini_coverage is not None


def test_cache_is_keyed_on_the_data_version(session, postcode_directory):
    first = coverage.gap_report(session, postcode_directory, MapQuery())
    again = coverage.gap_report(session, postcode_directory, MapQuery())
    assert again.analysis is first.analysis  # served from the cache
    service = session.scalars(select(Service).order_by(Service.id)).first()
    service.status = "ended" if service.status != "ended" else "commissioned"
    session.flush()
    changed = coverage.gap_report(session, postcode_directory, MapQuery())
    assert changed.version != first.version
    assert changed.analysis is not first.analysis


def test_missing_middle_on_the_seeded_catalogue(session):
    middle = coverage.missing_middle(session)
    assert [b.band.slug for b in middle.bands] == ["18-25", "26-29", "30-plus"]
    # services without an age range count for every band, so over-30s can never have
    # more boroughs than the young adults only because of unknowns
    for young, older in zip(middle.bands[0].rows, middle.bands[-1].rows):
        if not middle.closed_to_over_30s:
            assert older.boroughs_with >= young.boroughs_with


def test_site_markers_and_profile(session, postcode_directory):
    sites = coverage.site_markers(session)
    assert sites.total == len(sites.markers) or len(sites.markers) == 1000
    profile = coverage.borough_gap_profile(session, postcode_directory, "e09000007", MapQuery())
    assert profile.area.name == "Camden"
    with pytest.raises(coverage.NotFound):
        coverage.borough_gap_profile(session, postcode_directory, "E09999999", MapQuery())


def test_offer_cli(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["offer", "list"])
    assert result.exit_code == 0 and "accommodation" in result.output
    result = runner.invoke(args=["offer", "add", "nope"])
    assert result.exit_code != 0 and "'nope' is not a category" in result.output
    result = runner.invoke(args=["offer", "add", "veterans", "--cohort", "nobody"])
    assert result.exit_code != 0 and "'nobody' is not a cohort" in result.output
    result = runner.invoke(args=["offer", "add", "veterans", "--cohort", "prison_leaver"])
    assert result.exit_code == 0, result.output
    assert "Added Veterans" in result.output
    result = runner.invoke(args=["offer", "add", "veterans", "--cohort", "prison_leaver"])
    assert result.exit_code != 0 and "already in the minimum offer" in result.output
    result = runner.invoke(args=["offer", "remove", "veterans"])
    assert result.exit_code != 0 and "not in the minimum offer" in result.output
    result = runner.invoke(args=["offer", "remove", "veterans", "--cohort", "prison_leaver"])
    assert result.exit_code == 0 and "Removed Veterans" in result.output
