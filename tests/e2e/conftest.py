"""Browser tests: the real app on a real port, driven by Playwright and Debian's Chromium.

Every test in this folder is marked ``e2e``. The app runs on its own migrated, seeded
SQLite file (not the shared ``app`` fixture's), served by werkzeug in a daemon thread.
Chromium is /usr/bin/chromium (``make browser``); nothing is downloaded.

Every test calls :func:`assert_accessible` on every page it visits. When a test fails a
screenshot of each open page is saved to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
POSTCODES = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 20.0
DEFAULT_TIMEOUT_MS = 15_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when in ("setup", "call") and report.failed:
        pages = [item.funcargs.get(name) for name in ("page", "phone")]
        for name, pg in zip(("page", "phone"), pages, strict=True):
            if pg is None:
                continue
            try:
                ARTIFACTS.mkdir(exist_ok=True)
                safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)[-150:]
                target = ARTIFACTS / f"{safe}-{name}.png"
                pg.screenshot(path=str(target), full_page=True)
                report.sections.append(("e2e screenshot", f"{target} ({pg.url})"))
            except Exception as error:  # the page may already be closed
                report.sections.append(("e2e screenshot", f"not saved: {error}"))
    return report


# -- the app ------------------------------------------------------------------------------


def _wait_until_up(url: str, thread: threading.Thread) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last: Exception | None = None
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"The e2e server thread died before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            last = error
        time.sleep(0.1)
    raise RuntimeError(f"The e2e server did not answer {url} within {SERVER_START_TIMEOUT:.0f} s (last error: {last})")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, postcode_directory, smtp_server):
    """The base URL of the app, seeded, on 127.0.0.1 and a free port."""
    import flask_migrate
    from werkzeug.serving import make_server

    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.operations.geocoding import Geocoder
    from directory.operations.seeding import seed_all

    database = tmp_path_factory.mktemp("e2e-db") / "e2e.sqlite"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"
        POSTCODE_DIRECTORY = str(POSTCODES)
        RATELIMIT_ENABLED = False
        MAIL_SERVER, MAIL_PORT = smtp_server.host, smtp_server.port

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        seed_all(db.session, ROOT / "seed", Geocoder(postcode_directory, db.session))
        db.session.remove()

    try:
        server = make_server("127.0.0.1", 0, app, threaded=True)
    except OSError as error:
        pytest.fail(f"Could not start the e2e server on 127.0.0.1: {error}", pytrace=False)
    base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        _wait_until_up(f"{base_url}/health", thread)
    except RuntimeError as error:
        server.shutdown()
        pytest.fail(str(error), pytrace=False)
    yield base_url
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@contextmanager
def live_database(tmp_path_factory):
    """A session on the live server's own database, for fixtures that add to it (as the
    CLI would): what they commit, the server serves."""
    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db

    databases = sorted(tmp_path_factory.getbasetemp().glob("e2e-db*/e2e.sqlite"))
    assert databases, "the live server's database was not found"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{databases[-1]}"

    app = create_app(Config)
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()
            db.engine.dispose()


# -- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: the browser tests need Debian's chromium "
            "(`make browser`, or `apt-get install chromium`). Skip them with `-m 'not e2e'`.",
            pytrace=False,
        )
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=30_000)
        except PlaywrightError as error:
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
        yield browser
        browser.close()


def _new_page(browser, live_server, **context_options):
    # The offline finder's worker would copy the whole directory in the background of every
    # test; test_offline_finder.py opens its own contexts with it.
    context_options.setdefault("service_workers", "block")
    context = browser.new_context(base_url=live_server, **context_options)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def page(browser, live_server):
    """A desktop page (1280 x 900) whose relative URLs go to the live server."""
    context, pg = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield pg
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized touch page (375 x 812)."""
    context, pg = _new_page(
        browser,
        live_server,
        viewport={"width": 375, "height": 812},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    yield pg
    context.close()


# -- checks -------------------------------------------------------------------------------


def in_navigation(page, role: str, name: str):
    """An item of the main navigation, opening the phone-width "Menu" when it is shut.

    Waits (up to the default timeout) for the item, since a page may still be loading.
    """
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Menu")
    item = nav.get_by_role(role, name=name)
    page.wait_for_load_state("load")
    deadline = time.monotonic() + DEFAULT_TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        if item.count() and item.first.is_visible():
            break
        if menu.is_visible() and menu.get_attribute("aria-expanded") != "true":
            menu.click()
            # On a busy machine the menu's script may take a while to answer the click; a
            # second click before it has would shut the menu again.
            settle = time.monotonic() + 3
            while time.monotonic() < settle and menu.get_attribute("aria-expanded") != "true":
                page.wait_for_timeout(100)
        page.wait_for_timeout(100)
    return item


def sign_in(page, email: str, password: str) -> None:
    """Sign in through the form and wait for the banner that says so."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Signed in as")


def sign_out(page) -> None:
    from playwright.sync_api import expect

    in_navigation(page, "button", "Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed out")
    expect(in_navigation(page, "link", "Sign in")).to_be_visible()


_axe = None


def assert_accessible(page, context=None) -> None:
    """Fail, listing each fault, if axe-core finds accessibility violations on ``page``."""
    global _axe
    from axe_playwright_python.sync_playwright import Axe

    if _axe is None:
        _axe = Axe()
    results = _axe.run(page, context=context)
    violations = results.response.get("violations", [])
    if not violations:
        return
    lines = [f"{len(violations)} accessibility violation(s) on {page.url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} [{v.get('helpUrl', '')}]")
        for node in v.get("nodes", [])[:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    at {target}: {summary[:300]}")
        if len(v.get("nodes", [])) > 10:
            lines.append(f"    ... and {len(v['nodes']) - 10} more")
    pytest.fail("\n".join(lines), pytrace=False)


def assert_no_sideways_scroll(page) -> None:
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > viewport:
        wide = page.evaluate(
            """() => { const w = window.innerWidth; const out = [];
                for (const el of document.querySelectorAll('body *')) {
                  const r = el.getBoundingClientRect();
                  if (r.right > w + 0.5 && r.width > 0) {
                    out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                             (el.className && typeof el.className === 'string' ? '.' + el.className.trim().replace(/\\s+/g, '.') : '') +
                             ' right=' + Math.round(r.right));
                  }
                  if (out.length >= 8) break;
                } return out; }"""
        )
        pytest.fail(
            f"{page.url} scrolls sideways at {viewport}px: scrollWidth {width}px. Elements past the edge: {wide}",
            pytrace=False,
        )
