"""Map pages through the Flask test client."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import select

from directory.models import Borough, Category, Service, Site

XSS = "<img src=x onerror=alert(1)>"
TEMPLATE_XSS = "${alert(2)}`"


def frame_url(page: str) -> str:
    match = re.search(r'<iframe[^>]*\ssrc="([^"]*)"', page)
    assert match, "the map is embedded in an iframe"
    return html.unescape(match.group(1))


def map_document(client, page: str) -> str:
    """The map document the page's iframe loads."""
    response = client.get(frame_url(page))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def map_data(document: str) -> dict:
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', document, re.S)
    assert match, "the map's data travels as JSON"
    return json.loads(match.group(1))


def add_service(
    session,
    name,
    *,
    borough="E09000033",
    category="accommodation",
    status="commissioned",
    site=True,
    slug="test-map-service",
):
    borough_row = session.scalar(select(Borough).where(Borough.code == borough))
    service = Service(slug=slug, name=name, status=status, moderation="published")
    service.categories = [session.scalar(select(Category).where(Category.slug == category))]
    service.boroughs = [borough_row]
    if site:
        service.sites = [
            Site(
                name=f"{name} site",
                address=f"1 {name} Street",
                postcode="SW1A 2AA",
                lat=51.5034,
                lon=-0.1276,
                borough=borough_row,
            )
        ]
    session.add(service)
    session.flush()
    return service


@pytest.mark.parametrize(
    "url", ["/maps", "/maps/coverage", "/maps/coverage?category=accommodation", "/maps/gaps", "/maps/sites"]
)
def test_map_pages_render_inside_the_app(client, url):
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r'<nav aria-label="Main"[ >]', page) and re.search(r"<h1[ >]", page)
    assert 'href="/maps"' in page  # the Maps entry in the navigation
    assert "Office for National Statistics" in page  # ONS credit
    assert "Where this data comes from" in page
    assert "Catalogue last updated" in page


@pytest.mark.parametrize("url", ["/maps/coverage?category=women", "/maps/gaps", "/maps/sites"])
def test_maps_are_folium_documents_in_a_sandboxed_iframe_with_a_title(client, url):
    page = client.get(url).get_data(as_text=True)
    iframe = re.search(r'<iframe title="[^"]+" src="[^"]+"[^>]*>', page).group(0)
    assert 'sandbox="allow-scripts' in iframe and "allow-same-origin" not in iframe
    response = client.get(frame_url(page))
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox allow-scripts") and "allow-same-origin" not in policy
    doc = response.get_data(as_text=True)
    assert "L.map(" in doc and "leaflet" in doc.lower()
    assert '<script src="/static/js/map-layers.js">' in doc


def test_coverage_map_has_table_bcu_layer_tooltips_and_lottery_index(client):
    page = client.get("/maps/coverage?category=women").get_data(as_text=True)
    assert "<table" in page and "Westminster" in page
    assert "Postcode lottery" in page and "Gini" in page and "residents" in page
    data = map_data(map_document(client, page))
    assert [layer["name"] for layer in data["layers"]] == ["Confirmed running services: Women", "Police BCU boundaries"]
    assert data["layer_control"] is True
    westminster = next(f for f in data["layers"][0]["features"] if f["id"] == "E09000033")
    assert westminster["properties"]["tooltip"]["title"] == "Westminster"
    lines = dict(westminster["properties"]["tooltip"]["lines"])
    assert lines["For"].startswith("Everyone") and lines["State"].startswith(("Met", "Unknown", "Missing"))
    assert "Confirmed running services" in lines and "Unconfirmed services" in lines


def test_boroughs_with_none_stand_out(client, session):
    page = client.get("/maps/coverage?category=hate_crime").get_data(as_text=True)
    assert page.count('class="row--none"') == 33
    assert "None, confirmed or not (stands out)" in page
    assert "#d4351c" in map_document(client, page)


def test_gaps_page_lists_missing_categories_and_legend(client):
    page = client.get("/maps/gaps").get_data(as_text=True)
    assert "Minimum offer by borough" in page
    assert "Minimum offer: missing and unknown" in page  # legend
    assert "None missing, some unknown" in page and "All met (confirmed running)" in page
    assert 'class="swatch"' in page
    assert "gaps in what the directory knows, not necessarily gaps in provision" in page
    assert "For:</strong> Everyone" in page
    # every scrollable table can be reached by keyboard and is named
    assert page.count('class="table-wrap" tabindex="0" role="region" aria-label=') == 3
    assert "missing middle" in page


def test_missing_middle_section_states_the_finding(client):
    page = client.get("/maps/gaps").get_data(as_text=True)
    assert "What the data shows" in page
    assert "30 and over" in page


def test_sites_map_shows_a_site_added_in_the_test(client, session):
    service = add_service(session, "Map Test Service")
    page = client.get("/maps/sites").get_data(as_text=True)
    assert "Map Test Service" in page
    doc = map_document(client, page)
    assert "leaflet.markercluster.js" in doc
    rows = map_data(doc)["layers"][0]["rows"]
    assert any(row[3] == "Map Test Service" and row[5] == f"/services/{service.slug}" for row in rows)


@pytest.mark.parametrize("url", ["/maps/sites", "/maps/coverage?category=accommodation", "/boroughs/E09000033/profile"])
def test_provider_text_is_escaped_everywhere(client, session, url):
    add_service(session, XSS + TEMPLATE_XSS)
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert XSS not in page
    if url == "/maps/sites" or "profile" in url:
        assert html.escape(XSS) in page
    if "<iframe" in page:
        doc = map_document(client, page)
        assert XSS not in doc
        # JSON in a script: "<" travels as "\u003c", so no tag can close the script or start
        # a new one; the text stays text for the layer script, which sets textContent.
        if url == "/maps/sites":
            assert "\\u003cimg src=x onerror=alert(1)\\u003e" in doc
            assert XSS + TEMPLATE_XSS in json.dumps(map_data(doc))


def test_a_new_service_changes_the_coverage_map(client, session):
    before = client.get("/maps/coverage?category=hate_crime").get_data(as_text=True)
    add_service(session, "Veterans Test", category="hate_crime", site=False)
    after = client.get("/maps/coverage?category=hate_crime").get_data(as_text=True)
    assert before.count('class="row--none"') == 33
    assert after.count('class="row--none"') == 32  # the cache saw the change


def test_ended_and_planned_services_do_not_count(client, session):
    add_service(session, "Ended Test", category="hate_crime", status="ended", site=False, slug="ended-test")
    add_service(session, "Planned Test", category="hate_crime", status="planned", site=False, slug="planned-test")
    page = client.get("/maps/coverage?category=hate_crime").get_data(as_text=True)
    assert page.count('class="row--none"') == 33


@pytest.mark.parametrize(
    "url,message",
    [
        ("/maps/coverage?category=nope", "is not a known category"),
        ("/maps/coverage?cohort=%3Cb%3E", "is not a known cohort"),
        ("/maps/gaps?distance_km=0.1", "between 0.5 and 20"),
        ("/maps/gaps?distance_km=abc", "must be a number"),
        ("/maps/gaps?age=40", "is not a known age band"),
        ("/maps/sites?borough=E0900", "is not a London borough code"),
        ("/gaps.csv?group=ward", "is not a known grouping"),
        ("/gaps.geojson?distance_km=100", "between 0.5 and 20"),
    ],
)
def test_invalid_values_get_a_400_page(client, url, message):
    response = client.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    assert "<b>" not in page


def test_profile_is_printable_and_unknown_borough_is_404(client):
    response = client.get("/boroughs/E09000007/profile?distance_km=1.5")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Camden" in page and "print.css" in page and "within 1.5 km" in page
    assert client.get("/boroughs/E09999999/profile").status_code == 404


def test_map_page_forms_have_labels(client):
    page = client.get("/maps/coverage").get_data(as_text=True)
    for field in ("category", "cohort", "age", "distance_km"):
        assert f'<label class="label" for="{field}">' in page
        assert f'id="{field}"' in page


@pytest.mark.parametrize("url", ["/maps/gaps", "/maps/coverage?category=women", "/maps/sites"])
def test_maps_load_leaflet_from_the_app_not_a_cdn(client, url):
    page = map_document(client, client.get(url).get_data(as_text=True))
    assert "/static/vendor/leaflet/leaflet.js" in page
    for host in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "netdna.bootstrapcdn.com"):
        assert host not in page
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
