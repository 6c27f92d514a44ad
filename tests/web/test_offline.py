"""The offline finder's files: the worker, the list of what it keeps, the copy, the kill switch."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date

import pytest
from sqlalchemy import select

from directory.models import Borough, Service

PERSONAL = (
    "/login",
    "/logout",
    "/signup",
    "/password",
    "/provider",
    "/review",
    "/offer",
    "/users",
    "/audit",
    "/imports",
    "/referrals",
    "/api/",
    "/admin",
)


@pytest.fixture
def kill_switch(app):
    app.config["OFFLINE_FINDER"] = "off"
    yield
    app.config["OFFLINE_FINDER"] = "on"


def _version(worker_text: str) -> str:
    match = re.match(r"const OFFLINE = (\{.*?\});\n", worker_text)
    assert match, worker_text[:200]
    return json.loads(match.group(1))["version"]


def test_the_worker_is_served_at_the_root_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    text = response.get_data(as_text=True)
    assert _version(text).startswith(f"{date.today():%Y%m%d}-")
    assert "addEventListener('fetch'" in text


def test_pages_allow_only_their_own_worker_and_register_it_from_a_file(client):
    page = client.get("/services")
    policy = page.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    html = page.get_data(as_text=True)
    assert re.search(r'<script src="/static/js/offline-register.js" data-worker="/sw.js" defer>', html)


def test_a_change_to_the_catalogue_makes_a_new_copy(client, session):
    before = _version(client.get("/sw.js").get_data(as_text=True))
    service = session.scalars(select(Service).where(Service.moderation == "published")).first()
    service.summary = (service.summary or "") + " Updated."
    session.commit()
    after = _version(client.get("/sw.js").get_data(as_text=True))
    assert after != before
    assert client.get("/offline/manifest.json").get_json()["version"] == after
    assert client.get("/offline/snapshot.json").get_json()["version"] == after


def test_the_manifest_keeps_the_public_pages_only_and_each_answers(client, session):
    manifest = client.get("/offline/manifest.json").get_json()
    slugs = session.scalars(select(Service.slug).where(Service.moderation == "published")).all()
    codes = session.scalars(select(Borough.code)).all()
    assert len(codes) == 33
    assert set(manifest["pages"]) == (
        {"/", "/find", "/boroughs"} | {f"/boroughs/{c}" for c in codes} | {f"/services/{s}" for s in slugs}
    )
    assert manifest["data"] == ["/offline/snapshot.json", "/offline/postcodes.json"]
    assert "/static/css/app.css" in manifest["assets"]
    assert "/static/js/offline-finder.js" in manifest["assets"]
    urls = manifest["pages"] + manifest["data"] + manifest["assets"]
    assert not [u for u in urls if u.startswith(PERSONAL) or "worker" in u]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_snapshot_holds_every_published_service_as_the_api_shows_it(client, session):
    copy = client.get("/offline/snapshot.json").get_json()
    assert copy["taken_on"] == date.today().isoformat()
    assert [b["name"] for b in copy["boroughs"]] == sorted(b["name"] for b in copy["boroughs"])
    assert len(copy["boroughs"]) == 33
    published = session.scalars(select(Service).where(Service.moderation == "published")).all()
    by_slug = {s["slug"]: s for s in copy["services"]}
    assert set(by_slug) == {s.slug for s in published}
    for service in published:
        kept = by_slug[service.slug]
        api = client.get(f"/api/services/{service.slug}").get_json()
        for key in ("name", "status_reading", "pan_london", "boroughs", "categories"):
            assert kept[key] == api[key], (service.slug, key)
        assert kept["contact"]["website"] == api["contact"]["website"]
        assert kept["status_readings"][0] == {"from": copy["taken_on"], "reading": api["status_reading"]}
        assert kept["eligibility"]["min_age"] == api["eligibility"]["min_age"]
        assert kept["url"] == f"/services/{service.slug}"
        assert kept["contact"]["known"] or kept["contact"]["who_can_tell"]


def test_the_copy_and_the_postcode_table_travel_compressed(client):
    for url in ("/offline/snapshot.json", "/offline/postcodes.json"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert json.loads(gzip.decompress(packed.data)) == plain.get_json()
    assert len(client.get("/offline/postcodes.json", headers={"Accept-Encoding": "gzip"}).data) < 1_000_000


def test_the_kill_switch_serves_a_worker_that_clears_everything(client, kill_switch):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    text = response.get_data(as_text=True)
    assert "caches.delete" in text and "registration.unregister()" in text
    assert "OFFLINE" not in text.split("*/", 1)[1]
    for url in ("/offline/manifest.json", "/offline/snapshot.json", "/offline/postcodes.json"):
        assert client.get(url).status_code == 404, url
    page = client.get("/find").get_data(as_text=True)
    assert re.search(
        r'<script src="/static/js/offline-register.js" data-worker="/sw.js" data-switched-off defer>', page
    )
