"""The public catalogue in a browser: search, a service, a borough; keyboard and phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll


def test_search_to_service_to_borough(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find rehabilitative")
    assert_accessible(page)

    page.get_by_label("Search services").fill("accommodation")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/services\?q=accommodation"))
    heading = page.locator("#results-heading")
    expect(heading).to_have_text(re.compile(r"^[1-9]\d* services?$"))
    cards = _results(page)
    assert cards.count() >= 1
    expect(page.get_by_label("Search")).to_have_value("accommodation")
    assert_accessible(page)

    first = cards.first.get_by_role("heading").get_by_role("link")
    name = first.inner_text().strip()
    first.click()
    expect(page).to_have_url(re.compile(r"/services/[a-z0-9-]+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    sources = page.locator("h2#sources")
    expect(sources).to_have_text("Sources")
    citations = page.locator("h2#sources + ol").get_by_role("listitem")
    assert citations.count() >= 1, "a seeded service cites at least one board note"
    expect(citations.first.locator("blockquote")).not_to_be_empty()
    expect(citations.first).to_contain_text("Reducing Reoffending Board note of")
    assert_accessible(page)

    # To a borough: by the Services page's borough filter ...
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    expect(page).to_have_url(re.compile(r"/services$"))
    page.get_by_label("Borough").select_option(label="Lambeth")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"borough=E09000022"))
    expect(page.get_by_label("Borough")).to_have_value("E09000022")
    filtered = _results(page)
    assert filtered.count() >= 1
    assert_accessible(page)

    # ... and by the boroughs list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Boroughs").click()
    expect(page).to_have_url(re.compile(r"/boroughs$"))
    expect(page.get_by_role("table").get_by_role("row")).to_have_count(34)  # a heading row and 33 authorities
    assert_accessible(page)
    page.get_by_role("link", name="Lambeth", exact=True).click()
    expect(page).to_have_url(re.compile(r"/boroughs/E09000022$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Lambeth")
    expect(page.get_by_role("heading", name="Services by need")).to_be_visible()
    assert_accessible(page)

    # The borough's service count links back to the filtered list.
    page.get_by_role("link", name=re.compile(r"^\d+ services?$")).click()
    expect(page).to_have_url(re.compile(r"/services\?borough=E09000022"))
    assert_accessible(page)


def test_keyboard_skip_link_moves_focus_to_main(page):
    page.goto("/")
    assert_accessible(page)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 1, "skip link is on screen when focused"

    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab goes into the page's content, not back to the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    expect(page.locator(":focus")).to_have_attribute("id", "finder-postcode")  # the home page leads with the finder


def _results(page):
    """The services listed on /services: a list named by the results heading ("12 services")."""
    return page.get_by_role("list", name=re.compile(r"^\d+ services?$")).locator("> li")


def _service_links(page):
    return _results(page).get_by_role("heading").get_by_role("link")


def _first_service_path(page) -> str:
    page.goto("/services")
    return _service_links(page).first.get_attribute("href")


@pytest.mark.parametrize(
    "path",
    ["/", "/services", "service", "/boroughs", "/boroughs/E09000022", "/find"],
)
def test_phone_pages_do_not_scroll_sideways(phone, path):
    if path == "service":
        path = _first_service_path(phone)
    response = phone.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    assert phone.evaluate("window.innerWidth") == 375
    assert_no_sideways_scroll(phone)
    assert_accessible(phone)


def test_phone_every_seeded_service_page_fits(phone):
    """Long words (URLs, emails, codes) in any seeded record must not push the page wide."""
    phone.goto("/services?per_page=100")
    hrefs = _service_links(phone).evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs
    for href in hrefs:
        phone.goto(href)
        assert_no_sideways_scroll(phone)
    assert_accessible(phone)
