"""Postcodes and boundaries over the API."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("raw", ["SW1A 1AA", "sw1a1aa", " SW1A  1AA ", "Sw1A1aA"])
def test_a_london_postcode_in_any_form(client, raw):
    response = client.get(f"/api/postcodes/{raw}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["postcode"] == "SW1A 1AA"
    assert body["in_london"] is True
    assert body["borough"] == {"code": "E09000033", "name": "Westminster"}
    assert body["bcu"] == {"code": "central-west", "name": "Central West"}
    assert 51.49 < body["lat"] < 51.51 and -0.15 < body["lon"] < -0.13


def test_the_city_has_no_met_bcu(client):
    body = client.get("/api/postcodes/EC2V7HH").get_json()
    assert body["borough"]["code"] == "E09000001"
    assert body["bcu"] is None


def test_outside_london_is_named(client):
    body = client.get("/api/postcodes/M1 1AE").get_json()
    assert body["in_london"] is False and body["borough"] is None
    assert body["local_authority"] == {"code": "E08000003", "name": "Manchester"}


def test_unknown_and_malformed_postcodes(client):
    unknown = client.get("/api/postcodes/SW1A9ZZ")
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "unknown_postcode"
    malformed = client.get("/api/postcodes/not-a-postcode")
    assert malformed.status_code == 400 and malformed.get_json()["error"] == "invalid_postcode"


def test_boundaries_as_geojson(client):
    boroughs = client.get("/api/boroughs.geojson")
    assert boroughs.mimetype == "application/geo+json"
    features = boroughs.get_json()["features"]
    assert len(features) == 33
    assert {f["properties"]["code"] for f in features} == {f"E09{n:06d}" for n in range(1, 34)}
    bcus = client.get("/api/bcus.geojson").get_json()["features"]
    assert len(bcus) == 12
