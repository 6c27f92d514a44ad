"""Open Referral UK feeds in: from a file or a URL (a local server), both envelopes, every
page; bad input is a clear message and nothing half-applied; our own feed round-trips."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from directory.imports import ImportProblem, openreferral
from directory.models import Service, StagedRecord, UnresolvedValue
from directory.operations import imports
from directory.operations.geocoding import Geocoder
from directory.operations.records import service_values

ROOT = Path(__file__).resolve().parents[2]


class Feed:
    """A local HTTP server on 127.0.0.1 answering from a dict of path -> JSON."""

    def __init__(self):
        self.pages: dict[str, object] = {}
        self.delay = 0.0
        self.requests: list[str] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                feed.requests.append(self.path)
                if feed.delay:
                    time.sleep(feed.delay)
                body = feed.pages.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def feed():
    server = Feed()
    yield server
    server.close()


def _service(n: int, **extra) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "name": f"Service {n}",
        "status": "active",
        "description": "Help",
        "service_areas": [{"id": f"a{n}", "name": "Lambeth", "extent": "E09000022"}],
        "attributes": [],
        "organization": {"id": "11111111-1111-4111-8111-111111111111", "name": "Feed Org", "description": ""},
        **extra,
    }


def test_every_page_of_a_v3_feed_is_read(feed):
    feed.pages["/services?page=1&per_page=100"] = {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
        "contents": [_service(1), _service(2)],
    }
    feed.pages["/services?page=2&per_page=100"] = {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 2,
        "size": 1,
        "first_page": False,
        "last_page": True,
        "empty": False,
        "contents": [_service(3)],
    }
    batch = openreferral.read_url(feed.url + "/")
    assert [r.payload["name"] for r in batch.records] == ["Service 1", "Service 2", "Service 3"]


def test_the_older_envelope_and_list_items_fetched_whole(feed):
    brief = {"id": _service(1)["id"], "name": "Service 1", "status": "active"}
    feed.pages["/services?page=1&per_page=100"] = {
        "content": [brief],
        "totalElements": 2,
        "totalPages": 2,
        "number": 0,
        "last": False,
    }
    feed.pages["/services?page=2&per_page=100"] = {
        "content": [_service(2)],
        "totalElements": 2,
        "totalPages": 2,
        "number": 1,
        "last": True,
    }
    feed.pages[f"/services/{brief['id']}"] = _service(1, description="The whole record")
    batch = openreferral.read_url(feed.url + "/services")
    assert [r.payload.get("description") for r in batch.records] == ["The whole record", "Help"]


def test_a_feed_that_does_not_answer_in_time_is_a_clear_message(feed):
    feed.delay = 2
    feed.pages["/services?page=1&per_page=100"] = {"contents": [], "last_page": True}
    with pytest.raises(ImportProblem, match="did not answer within 0.5 seconds"):
        openreferral.read_url(feed.url, timeout=0.5)


@pytest.mark.parametrize(
    "body, message",
    [
        (b"{not json", "is not valid JSON (line 1, column 2"),
        (b'{"items": []}', "neither 'contents' (HSDS 3.0) nor 'content'"),
        ("caf\u00e9".encode("cp1252"), "not UTF-8 text"),
    ],
)
def test_malformed_feeds_are_clear_messages(feed, tmp_path, body, message):
    feed.pages["/services?page=1&per_page=100"] = body
    with pytest.raises(ImportProblem, match=re.escape(message)):
        openreferral.read_url(feed.url)
    path = tmp_path / "feed.json"
    path.write_bytes(body)
    with pytest.raises(ImportProblem, match=re.escape(message)):
        openreferral.read_file(path)


def test_http_errors_and_other_schemes(feed):
    with pytest.raises(ImportProblem, match="answered 404"):
        openreferral.read_url(feed.url + "/missing")
    with pytest.raises(ImportProblem, match="must start with http"):
        openreferral.read_url("file:///etc/passwd")


def test_a_file_over_the_limit(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * (9 * 1024 * 1024) + b"]")
    with pytest.raises(ImportProblem, match="larger than 8 MB"):
        openreferral.read_file(path)


def test_duplicate_ids_and_unknown_terms_are_reported_per_record(session, postcode_directory, tmp_path):
    foreign = {"id": "t1", "taxonomy_term": {"code": "XYZ", "name": "Benefits advice", "taxonomy": "LGA services"}}
    path = tmp_path / "feed.json"
    path.write_text(
        json.dumps(
            {"contents": [_service(1, attributes=[foreign]), _service(1, name="Again"), _service(3)], "last_page": True}
        )
    )
    batch = openreferral.read_file(path)
    previewed = imports.preview(session, batch, openreferral.map_record, Geocoder(postcode_directory, session))
    by_row = {i.row: i for i in previewed.items}
    assert by_row[2].action == "error" and "is used again (first at record 1)" in by_row[2].errors[0]
    assert "Taxonomy term 'LGA services: Benefits advice' is not one of ours" in by_row[1].warnings[0]
    summary = imports.apply(session, batch, previewed, "test")
    assert summary.counts == {"add": 2, "error": 1}
    assert (
        session.scalar(select(UnresolvedValue).where(UnresolvedValue.field == "taxonomy_term")).value
        == "LGA services: Benefits advice"
    )


def test_nothing_is_half_applied(session, postcode_directory, tmp_path, monkeypatch):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps([_service(1), _service(2), _service(3)]))
    batch = openreferral.read_file(path)
    previewed = imports.preview(session, batch, openreferral.map_record, None)
    before = session.scalar(select(func.count(Service.id)))
    calls = []
    real_cite = imports.cite

    def failing_cite(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_cite(*args, **kwargs)

    monkeypatch.setattr(imports, "cite", failing_cite)
    with pytest.raises(RuntimeError):
        imports.apply(session, batch, previewed, "test")
    assert session.scalar(select(func.count(Service.id))) == before
    assert session.scalar(select(func.count(StagedRecord.id))) == 0


COMPARED = (
    "name",
    "summary",
    "description",
    "status",
    "starts_on",
    "ends_on",
    "pan_london",
    "boroughs",
    "categories",
    "cohorts",
    "min_age",
    "max_age",
    "genders",
    "risk_levels",
    "offences_accepted",
    "offences_excluded",
    "veterans_only",
    "neurodivergent_only",
    "eligibility_notes",
    "oocd_disposals",
    "oocd_condition_kinds",
    "oocd_hours",
    "oocd_completion_weeks",
    "oocd_notes",
    "referral_routes",
    "how_to_refer",
    "capacity",
    "cost",
    "funder",
    "website",
    "email",
    "phone",
    "languages",
    "coverage_note",
)


def _fingerprint(service: Service) -> dict:
    values = service_values(service)
    out = {k: values[k] for k in COMPARED}
    out["sites"] = sorted((s.name, s.postcode) for s in service.sites if s.lat is not None)
    out["organisation"] = service.organisation.name if service.organisation else None
    out["precision"] = (service.starts_on_precision, service.ends_on_precision)
    return out


def test_our_feed_imported_into_an_empty_database_gives_the_same_services(
    app, client, session, postcode_directory, feed, tmp_path
):
    imports.import_hmpps(session, ROOT / "seed" / "hmpps", Geocoder(postcode_directory, session))
    published = session.scalars(select(Service).where(Service.moderation == "published")).all()
    expected = {s.uuid: _fingerprint(s) for s in published}
    page = 1
    while True:
        path = f"/services?page={page}&per_page=100"
        body = client.get("/openreferral" + path).get_json()
        feed.pages[path] = body
        for item in body["contents"]:
            feed.pages[f"/services/{item['id']}"] = client.get(f"/openreferral/services/{item['id']}").get_json()
        if body["last_page"]:
            break
        page += 1

    from directory import create_app
    from directory.config import TestConfig
    from directory.operations.seeding import SeedSummary, seed_areas, seed_vocabularies

    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"

    class Empty(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        POSTCODE_DIRECTORY = app.config["POSTCODE_DIRECTORY"]

    with create_app(Empty).app_context():
        flask_migrate.upgrade()
    engine = create_engine(url)
    try:
        with Session(engine) as other:
            seed_vocabularies(other, SeedSummary())
            seed_areas(other, ROOT / "seed", SeedSummary())
            other.commit()
            assert other.scalar(select(func.count(Service.id))) == 0
            batch = openreferral.read_url(feed.url)
            _, summary = imports.import_batch(
                other, batch, openreferral.map_record, Geocoder(postcode_directory, other), "test"
            )
            assert summary.counts == {"add": len(expected)}
            imported = {s.uuid: _fingerprint(s) for s in other.scalars(select(Service))}
            assert imported.keys() == expected.keys()
            for key, fingerprint in expected.items():
                assert imported[key] == fingerprint, fingerprint["name"]
    finally:
        engine.dispose()
