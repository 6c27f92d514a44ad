"""The finder without signal: after one visit online the service worker keeps a whole copy of
the public directory; with the network cut, a postcode or a borough is answered from it, with
how old the copy is; nothing personal is ever kept; the kill switch clears everything."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from .conftest import (
    DEFAULT_TIMEOUT_MS,
    POSTCODES,
    _wait_until_up,
    assert_accessible,
    assert_no_sideways_scroll,
    in_navigation,
    live_database,
    sign_in,
)

LAMBETH = "E09000022"
PERSONAL = (
    "/login",
    "/signup",
    "/password",
    "/provider",
    "/review",
    "/offer",
    "/users",
    "/audit",
    "/imports",
    "/referrals",
    "/api/referrals",
    "/admin",
)
COMMISSIONER = ("offline.commissioner@e2e.example.org", "offline commissioner passphrase")

COPY_READY = """async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration || !registration.active || registration.active.state !== 'activated') return false;
  for (const name of await caches.keys()) {
    if (await (await caches.open(name)).match('/offline/snapshot.json')) return true;
  }
  return false;
}"""
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""
NOTHING_LEFT = """async () => (await caches.keys()).length === 0
  && (await navigator.serviceWorker.getRegistrations()).length === 0"""


@pytest.fixture(scope="module")
def server(live_server, tmp_path_factory):
    """The app on the live server's seeded database, on a port of its own, with its config at
    hand (the kill switch is a setting)."""
    from werkzeug.serving import make_server

    from directory import create_app
    from directory.config import TestConfig

    with live_database(tmp_path_factory) as session:
        url = str(session.get_bind().url)
        from directory.operations.accounts import create_user

        create_user(session, COMMISSIONER[0], "Offline Commissioner", COMMISSIONER[1], "commissioner")

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        POSTCODE_DIRECTORY = str(POSTCODES)
        RATELIMIT_ENABLED = False
        OFFLINE_FINDER = "on"

    app = create_app(Config)

    @app.before_request
    def stall():
        """A signal that comes and goes: the finder's answer does not arrive for a while."""
        from flask import request

        if request.path == "/find" and request.args and app.config.get("E2E_STALL_SECONDS"):
            time.sleep(app.config["E2E_STALL_SECONDS"])

    http = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{http.server_port}"
    thread = threading.Thread(target=http.serve_forever, name="e2e-offline-server", daemon=True)
    thread.start()
    _wait_until_up(f"{base_url}/health", thread)
    yield base_url, app
    http.shutdown()
    http.server_close()
    thread.join(timeout=5)


def _context(browser, server, **options):
    base_url, _ = server
    context = browser.new_context(base_url=base_url, **options)  # the worker allowed
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context


@pytest.fixture
def phone(browser, server):
    context = _context(
        browser,
        server,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser, server):
    context = _context(browser, server, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def _get(base_url, path):
    with urllib.request.urlopen(f"{base_url}{path}", timeout=30) as response:
        return json.load(response)


def _wait_for(page, script, seconds):
    """Until ``script`` (an async function: wait_for_function would take its promise for a
    truthy answer) gives true."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            pytest.fail(f"Still false after {seconds} s: {script}", pytrace=False)
        time.sleep(0.2)


def _visit_online_and_keep_a_copy(page):
    page.goto("/find")
    assert_accessible(page)
    _wait_for(page, COPY_READY, 60)


def _search_offline(page, place):
    page.goto("/find")  # from the copy: the network is cut
    page.get_by_label("Postcode, district or borough").fill(place)
    page.get_by_role("button", name="Find services").click()
    answer = page.locator("#offline-answer")
    expect(answer.get_by_role("heading", level=2)).to_contain_text("Offline: directory as of")
    return answer


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_the_finder_answers_a_lambeth_postcode_and_a_borough_without_network(phone, server):
    base_url, _ = server
    online = _get(base_url, f"/api/find?{urllib.parse.urlencode({'borough': LAMBETH, 'limit': 1000})}")
    expected = {r["service"]["name"] for r in online["results"]}
    assert expected, "the seeded directory has services for Lambeth"
    _visit_online_and_keep_a_copy(phone)

    phone.context.set_offline(True)
    answer = _search_offline(phone, "SE1 7TP")
    expect(answer.get_by_role("heading", level=2)).to_have_text(f"Offline: directory as of {_long_date(date.today())}")
    expect(answer.get_by_role("heading", name="Services in Lambeth")).to_be_visible()
    expect(answer).to_contain_text("a service listed here does not mean the person can use it")
    expect(answer).to_contain_text("Next step: call the service")
    expect(phone.locator("#offline-old-copy")).to_have_count(0)
    items = answer.locator(".offline-service")
    listed = {items.nth(i).get_by_role("heading", level=4).inner_text() for i in range(items.count())}
    assert expected <= listed, f"offline leaves out {expected - listed}"
    for i in range(items.count()):
        contacts = items.nth(i).locator(".offline-contacts li")
        assert contacts.count() >= 1
        assert contacts.first.inner_text().strip()
    assert answer.locator(".offline-contacts a[href^='tel:'], .offline-contacts a[href^='http']").count() >= 1
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)

    answer = _search_offline(phone, "lambeth")
    expect(answer.get_by_role("heading", name="Services in Lambeth")).to_be_visible()
    assert answer.locator(".offline-service").count() == len(listed)

    answer = _search_offline(phone, "Southwark")
    expect(answer.get_by_role("heading", name="Services in Southwark")).to_be_visible()
    assert_accessible(phone)

    # The pages kept say they are the copy, and of when.
    first = answer.locator(".offline-service h4 a").first
    name = first.inner_text()
    first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(name)
    banner = phone.get_by_role("complementary", name="Offline copy")
    expect(banner).to_contain_text(f"Offline: directory as of {_long_date(date.today())}.")
    assert_accessible(phone)
    phone.goto(f"/boroughs/{LAMBETH}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Lambeth")
    expect(banner).to_be_visible()
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)


def test_a_copy_older_than_two_weeks_says_so(phone, server):
    _visit_online_and_keep_a_copy(phone)
    phone.context.set_offline(True)
    # Twenty days on, still without signal: the device's clock moves, the copy does not.
    phone.clock.set_fixed_time(datetime.now() + timedelta(days=20))
    answer = _search_offline(phone, "Lambeth")
    expect(answer.get_by_role("heading", level=2)).to_have_text(f"Offline: directory as of {_long_date(date.today())}")
    expect(phone.locator("#offline-old-copy")).to_contain_text("This copy is 20 days old")
    assert_accessible(phone)


def test_a_disposal_is_never_assessed_offline(desktop, server):
    _visit_online_and_keep_a_copy(desktop)
    desktop.context.set_offline(True)
    desktop.goto("/")  # the start page, from the copy
    expect(desktop.get_by_role("complementary", name="Offline copy")).to_be_visible()
    desktop.goto("/find?postcode=SE1+7TP&need=accommodation&disposal=conditional_caution")
    answer = desktop.locator("#offline-answer")
    expect(answer.locator("#offline-disposal")).to_contain_text(
        "Whether conditional caution can be considered cannot be assessed offline"
    )
    expect(answer).not_to_contain_text("can be considered.")
    expect(answer.get_by_role("heading", name="For the needs ticked")).to_be_visible()
    expect(answer.get_by_role("heading", name="Other services in Lambeth")).to_be_visible()
    assert_accessible(desktop)


def test_nothing_personal_is_ever_kept(phone, server):
    base_url, _ = server
    _visit_online_and_keep_a_copy(phone)
    sign_in(phone, *COMMISSIONER)
    expect(in_navigation(phone, "button", "Sign out")).to_be_visible()
    for path in ("/review", "/imports", "/referrals/", "/find", f"/boroughs/{LAMBETH}"):
        phone.goto(path)
    phone.reload()

    urls = phone.evaluate(CACHED_URLS)
    paths = {urllib.parse.urlsplit(url).path for url in urls}
    assert not {p for p in paths if p.startswith(PERSONAL)}, paths
    manifest = _get(base_url, "/offline/manifest.json")
    assert paths == set(manifest["pages"] + manifest["data"] + manifest["assets"])
    kept_form = phone.evaluate("async () => (await (await caches.match('/find')).text())")
    assert "Sign out" not in kept_form and "csrf_token" not in kept_form

    phone.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        phone.goto("/review")


def test_the_kill_switch_clears_every_copy(phone, server):
    _, app = server
    _visit_online_and_keep_a_copy(phone)
    app.config["OFFLINE_FINDER"] = "off"
    try:
        phone.reload()
        _wait_for(phone, NOTHING_LEFT, 30)
        phone.goto("/find")  # while the switch is off, no page registers a worker again
        phone.wait_for_timeout(1000)
        assert phone.evaluate(NOTHING_LEFT)
        phone.context.set_offline(True)
        with pytest.raises(PlaywrightError):
            phone.goto("/find?postcode=SE1+7TP")
    finally:
        app.config["OFFLINE_FINDER"] = "on"


RESOLVE_IN_BROWSER = """async (inputs) => {
  const table = await (await fetch('/offline/postcodes.json')).json();
  const copy = await (await fetch('/offline/snapshot.json')).json();
  const names = Object.fromEntries(copy.boroughs.map((b) => [b.code, b.name]));
  return inputs.map(([typed, chosen]) => {
    try {
      const found = window.offlinePlaces.resolve(typed, chosen, table, names);
      return { code: found.code, choices: (found.choices || []).map((c) => c.code),
               outside: found.outside || null };
    } catch (error) {
      if (!(error instanceof window.offlinePlaces.PlaceError)) throw error;
      return { error: error.message };
    }
  });
}"""


def _places_to_try() -> list[tuple[str, str]]:
    """Real London postcodes, the ones over a sector's borough boundary, postcodes missing
    from the directory inside London's sectors, sectors, districts and borough names."""
    import random
    import sqlite3
    from collections import defaultdict

    rng = random.Random(23)
    conn = sqlite3.connect(f"file:{POSTCODES}?mode=ro", uri=True)
    try:
        london = [
            pc for (pc,) in conn.execute("SELECT postcode FROM postcodes WHERE la_code LIKE 'E09%' ORDER BY postcode")
        ]
        picked = rng.sample(london, 30)
        sectors = sorted({pc[:-2] for pc in rng.sample(london, 400)})
        by_sector = defaultdict(lambda: defaultdict(list))
        for sector in sectors:
            for pc, la in conn.execute(
                "SELECT postcode, la_code FROM postcodes WHERE postcode >= ? AND postcode < ? AND length(postcode) = ?",
                (sector, sector + "~", len(sector) + 2),
            ):
                by_sector[sector][la].append(pc)
    finally:
        conn.close()
    spaced = lambda pc: f"{pc[:-3]} {pc[-3:]}"  # noqa: E731
    places = [(spaced(pc), "") for pc in picked]
    mixed = [s for s in sectors if len(by_sector[s]) > 1]
    for sector in mixed[:15]:
        ranked = sorted(by_sector[sector].values(), key=len)
        places.append((spaced(ranked[0][0]), ""))  # in the smaller part of its sector
        places.append((f"{sector[:-1]} {sector[-1]}", ""))
        for code in sorted(by_sector[sector]):
            if code.startswith("E09"):
                places.append((f"{sector[:-1]} {sector[-1]}", code))
    existing = {pc for s in sectors for pcs in by_sector[s].values() for pc in pcs}
    for sector in sectors[:10] + mixed[:10]:
        for unit in ("ZZ", "AZ", "BZ", "XZ"):
            if sector + unit not in existing:
                places.append((spaced(sector + unit), ""))
                break
    places += [(d, "") for d in ("SE1", "SE11", "CR0", "EN5", "KT2", "BR1", "W1", "N1", "E14", "TW6")]
    places += [("SE1 7TP", ""), ("SW1A 1AA", ""), ("M1 1AE", ""), ("KT22 9AA", ""), ("SE11 5", "")]
    places += [
        (n, "")
        for n in (
            "Lambeth",
            "lambeth",
            "kensington",
            "Richmond",
            "City",
            "Hammersmith & Fulham",
            "greenwich",
            "London",
            "Narnia",
        )
    ]
    places += [("", LAMBETH), ("kensington", "E09000020"), ("SE1 7TP", "E07000111")]
    return places


def _server_answer(base_url, typed, chosen):
    query = {"postcode": typed, "limit": 1}
    if chosen:
        query["borough"] = chosen
    try:
        body = _get(base_url, f"/api/find?{urllib.parse.urlencode(query)}")
    except urllib.error.HTTPError as error:
        body = json.load(error)
        if body.get("error") == "choose_borough":
            return {"code": None, "choices": [c["code"] for c in body["choices"]], "outside": None}
        if body.get("error") == "outside_london":
            return {"code": None, "choices": [], "outside": body["local_authority"]["name"]}
        return {"error": body.get("error")}
    return {"code": body["location"]["borough"]["code"], "choices": [], "outside": None}


def test_the_offline_borough_is_the_servers_for_every_kind_of_place(page, server):
    base_url, _ = server
    places = _places_to_try()
    page.goto(f"{base_url}/find")
    offline = page.evaluate(RESOLVE_IN_BROWSER, [list(p) for p in places])
    disagree = []
    for (typed, chosen), mine in zip(places, offline, strict=True):
        theirs = _server_answer(base_url, typed, chosen)
        if "error" in mine:
            # Offline knows only the sectors that reach into London: anything else is
            # "not among London's postcodes", where the server says unknown or outside London.
            agree = "error" in theirs or bool(theirs.get("outside"))
        elif "error" in theirs:
            agree = False
        else:
            mine = {**mine, "choices": mine["choices"] if mine["code"] is None else []}
            agree = mine == theirs
        if not agree:
            disagree.append((typed, chosen, mine, theirs))
    assert not disagree, disagree
    assert len(places) > 80


CACHE_NAMES = "async () => await caches.keys()"
KEPT_SNAPSHOT = """async () => (await (await caches.match('/offline/snapshot.json')).json())"""


def test_a_change_to_the_directory_replaces_the_copy_whole(phone, server, tmp_path_factory):
    from sqlalchemy import select

    from directory.models import Service

    _visit_online_and_keep_a_copy(phone)
    [old] = phone.evaluate(CACHE_NAMES)
    with live_database(tmp_path_factory) as session:
        service = session.scalars(
            select(Service).where(Service.moderation == "published").order_by(Service.slug)
        ).first()
        slug, summary = service.slug, service.summary
        service.summary = "Changed while the officer was offline."
        session.commit()
    try:
        phone.goto("/find")
        _wait_for(
            phone,
            f"async () => {{ const n = await caches.keys(); return n.length === 1 && n[0] !== {json.dumps(old)}; }}",
            60,
        )
        [new] = phone.evaluate(CACHE_NAMES)
        kept = phone.evaluate(KEPT_SNAPSHOT)
        assert new == f"offline-finder-{kept['version']}"
        assert {s["slug"]: s["summary"] for s in kept["services"]}[slug] == "Changed while the officer was offline."
        urls = phone.evaluate(CACHED_URLS)
        manifest = _get(server[0], "/offline/manifest.json")
        assert len(urls) == len(manifest["pages"] + manifest["data"] + manifest["assets"])
    finally:
        with live_database(tmp_path_factory) as session:
            session.scalars(select(Service).where(Service.slug == slug)).one().summary = summary
            session.commit()


def test_a_page_that_does_not_arrive_is_answered_from_the_copy(phone, server):
    _, app = server
    _visit_online_and_keep_a_copy(phone)
    app.config["E2E_STALL_SECONDS"] = 25
    try:
        started = time.monotonic()
        phone.goto("/find?postcode=SE1+7TP", timeout=20_000)
        answer = phone.locator("#offline-answer")
        expect(answer.get_by_role("heading", level=2)).to_contain_text("Offline: directory as of")
        expect(answer.get_by_role("heading", name="Services in Lambeth")).to_be_visible()
        assert 7 < time.monotonic() - started < 15
    finally:
        app.config["E2E_STALL_SECONDS"] = 0
