"""The catalogue's JSON API."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from directory.models import Service


def test_services_are_paginated_with_links(client):
    body = client.get("/api/services?per_page=5").get_json()
    assert body["per_page"] == 5 and len(body["items"]) == 5
    assert body["total"] >= 20
    assert body["next"].endswith("page=2") or "page=2" in body["next"]
    assert body["previous"] is None
    item = body["items"][0]
    assert {"id", "uuid", "slug", "name", "status", "boroughs", "categories", "last_modified"} <= set(item)


def test_service_filters_match_the_html(client, session):
    body = client.get("/api/services?category=accommodation&per_page=100").get_json()
    assert body["total"] >= 1
    assert all("accommodation" in item["categories"] for item in body["items"])


def test_service_detail_by_id_slug_and_uuid(client, session):
    service = session.scalars(select(Service).order_by(Service.id)).first()
    by_id = client.get(f"/api/services/{service.id}").get_json()
    by_slug = client.get(f"/api/services/{service.slug}").get_json()
    by_uuid = client.get(f"/api/services/{service.uuid}").get_json()
    assert by_id == by_slug == by_uuid
    assert by_id["citations"] and by_id["citations"][0]["note"].endswith(".txt")


def test_boroughs_and_one_borough(client):
    boroughs = client.get("/api/boroughs").get_json()["items"]
    assert len(boroughs) == 33
    croydon = client.get("/api/boroughs/E09000008").get_json()
    assert croydon["name"] == "Croydon"
    assert croydon["bcu"] == {"code": "south-area", "name": "South Area"}
    assert croydon["pdu"]["name"] == "Croydon"
    assert isinstance(croydon["missing_categories"], list)


def test_health(client):
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["schema"] and isinstance(body["data_version"], int)


@pytest.mark.parametrize(
    "table, url", [("borough", "/api/boroughs"), ("borough", "/boroughs"), ("alembic_version", "/health")]
)
def test_a_missing_table_is_a_503_not_a_500(client, session, table, url):
    """On any database: pages, API and health say the service is unavailable, and come back."""
    session.execute(text(f"ALTER TABLE {table} RENAME TO {table}_aside"))
    response = client.get(url)
    assert response.status_code == 503
    if url.startswith("/api/") or url == "/health":
        assert response.get_json()["message"]
    else:
        assert "Try again in a few minutes" in response.get_data(as_text=True)
    # the failed request rolled its transaction back, renaming included
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url, status, error",
    [
        ("/api/boroughs/E09000099", 404, "not_found"),
        ("/api/services/999999", 404, "not_found"),
        ("/api/services?borough=nope", 400, "invalid_borough"),
        ("/api/services?category=nope", 400, "invalid_category"),
        ("/api/services?page=-1", 400, "invalid_page"),
        ("/api/services?page=9999", 400, "invalid_page"),
        ("/api/nothing-here", 404, "not_found"),
    ],
)
def test_bad_input_is_a_json_error(client, url, status, error):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == error and body["message"]


def test_unknown_category_lists_the_allowed_values(client):
    body = client.get("/api/services?category=nope").get_json()
    assert "accommodation" in body["allowed"]


@pytest.mark.parametrize("key", ["%C2%B2", "99999999999999999999999", "%00"])
def test_odd_identifiers_are_not_found_not_a_crash(client, key):
    assert client.get(f"/api/services/{key}").status_code == 404
