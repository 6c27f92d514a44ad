"""JSON responses through orjson write what Flask's own provider writes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask.json.provider import DefaultJSONProvider


@dataclass
class Point:
    lat: float
    lon: float


VALUE = {
    "zeta": 1,
    "alpha": [1.5, None, True, "Lambeth’s café"],
    "when": date(2025, 3, 1),
    "at": datetime(2025, 3, 1, 12, 30, tzinfo=UTC),
    "point": Point(51.5, -0.12),
}


def test_the_same_document_as_flasks_provider_in_the_same_key_order(app):
    flask_own = DefaultJSONProvider(app)
    flask_own.sort_keys = False
    ours = app.json.dumps(VALUE, separators=(",", ":"))
    assert json.loads(ours) == json.loads(flask_own.dumps(VALUE))
    assert list(json.loads(ours)) == ["zeta", "alpha", "when", "at", "point"]
    assert json.loads(ours)["when"] == "Sat, 01 Mar 2025 00:00:00 GMT"


def test_pretty_printing_and_what_orjson_cannot_write_fall_back(app):
    assert "\n  " in app.json.dumps({"a": 1}, indent=2)
    assert app.json.dumps({"n": 2**70}) == '{"n": 1180591620717411303424}'


def test_responses_carry_it(client):
    response = client.get("/api/boroughs")
    assert response.status_code == 200 and response.is_json
    assert response.get_json()
