"""CSV and GeoJSON exports through the Flask test client."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select

from directory.core.vocabulary import CATEGORIES
from directory.models import Borough, Category, Service, Site


def read_csv(response):
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_borough_csv_has_a_row_per_borough_and_category(client):
    rows = read_csv(client.get("/gaps.csv"))
    assert len(rows) == 33 * len(CATEGORIES)
    assert list(rows[0]) == [
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
    westminster = [r for r in rows if r["borough_code"] == "E09000033"]
    assert {r["bcu"] for r in westminster} == {"Central West"}
    assert all(r["distance_km"] == "3" for r in rows)
    for row in rows:
        assert row["in_minimum_offer"] in ("yes", "no") and row["missing"] in ("yes", "no")
        if row["missing"] == "yes":
            assert row["in_minimum_offer"] == "yes"
        assert row["state"] in ("met", "unknown", "missing", "not for this population")
        assert row["population"].startswith("Everyone")
        if row["distance_coverage"] == "no delivery sites recorded":
            continue
        share = float(row["distance_coverage"])
        assert 0.0 <= share <= 1.0


@pytest.mark.parametrize("group,groups", [("bcu", 13), ("pdu", None)])
def test_grouped_csv(client, group, groups):
    rows = read_csv(client.get(f"/gaps.csv?group={group}"))
    codes = {r["group_code"] for r in rows}
    if groups:
        assert len(codes) == groups  # 12 BCUs and the City of London
    assert len(rows) == len(codes) * len(CATEGORIES)
    assert all(r["group"] == group for r in rows)
    every = sorted(c for r in rows if r["category"] == "women" for c in r["borough_codes"].split(";"))
    assert len(every) == 33 and len(set(every)) == 33


def test_distance_changes_coverage_and_is_in_the_filename(client, session):
    borough = session.scalar(select(Borough).where(Borough.code == "E09000033"))
    service = Service(slug="export-site-test", name="Export site test", status="pilot", moderation="published")
    service.categories = [session.scalar(select(Category).where(Category.slug == "hate_crime"))]
    service.sites = [Site(name="Site", postcode="SW1A 2AA", lat=51.5034, lon=-0.1276, borough=borough)]
    session.add(service)
    session.flush()
    near = client.get("/gaps.csv?distance_km=0.5")
    far = client.get("/gaps.csv?distance_km=5")
    assert "0.5km" in near.headers["Content-Disposition"]
    share = {}
    for label, response in (("near", near), ("far", far)):
        rows = read_csv(response)
        row = next(r for r in rows if r["borough_code"] == "E09000033" and r["category"] == "hate_crime")
        share[label] = float(row["distance_coverage"])
        assert row["services"] == "1"
    assert 0 < share["near"] < share["far"] <= 1


def test_geojson_has_polygons_with_gap_properties(client):
    response = client.get("/gaps.geojson?distance_km=2")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 33
    feature = data["features"][0]
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    props = feature["properties"]
    for key in (
        "code",
        "name",
        "bcu",
        "pdu",
        "missing_count",
        "missing_offer",
        "services_accommodation",
        "coverage_accommodation",
        "missing_accommodation",
    ):
        assert key in props
    assert props["distance_km"] == 2


def test_exports_follow_the_minimum_offer(client, session):
    from directory.models import MinimumOfferItem

    before = read_csv(client.get("/gaps.csv"))
    for item in session.scalars(select(MinimumOfferItem)).all():
        session.delete(item)
    session.flush()
    after = read_csv(client.get("/gaps.csv"))
    assert any(r["in_minimum_offer"] == "yes" for r in before)
    assert all(r["in_minimum_offer"] == "no" and r["missing"] == "no" for r in after)


def test_cohort_and_age_filters_are_accepted(client):
    assert client.get("/gaps.csv?cohort=probation&age=30-plus").status_code == 200
    assert client.get("/gaps.geojson?cohort=oocd&age=18-25").status_code == 200
