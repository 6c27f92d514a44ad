"""Maps in a browser: the map loads inside the page, the tables work, phones do not scroll sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll


def test_gaps_page_map_table_and_profile(page):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Maps").click()
    expect(page).to_have_url(re.compile(r"/maps$"))
    assert_accessible(page)

    page.get_by_role("link", name="Gaps in the minimum service offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaps in the minimum service offer")
    frame = page.frame_locator("iframe[title^='Map of London boroughs']")
    expect(frame.locator(".folium-map")).to_have_count(1)
    expect(page.get_by_role("table").first).to_contain_text("Westminster")
    assert_accessible(page, context={"exclude": [["iframe"]]})

    page.get_by_label("Distance to a delivery site, in km").fill("1.5")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"distance_km=1.5"))
    page.get_by_role("link", name="Camden").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Camden")
    expect(page.locator("body")).to_contain_text("within 1.5 km")
    assert_accessible(page)


def test_coverage_map_by_keyboard_and_bad_input(page):
    page.goto("/maps/coverage")
    page.get_by_label("Category of need").select_option("women")
    page.get_by_label("Category of need").focus()
    page.keyboard.press("Tab")  # cohort
    page.keyboard.press("Tab")  # gender
    page.keyboard.press("Tab")  # age band
    page.keyboard.press("Tab")  # distance
    page.keyboard.press("Tab")  # Show
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"category=women"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Services by borough: Women")
    expect(page.locator("body")).to_contain_text("Postcode lottery")
    assert_accessible(page, context={"exclude": [["iframe"]]})

    response = page.goto("/maps/coverage?distance_km=50")
    assert response.status == 400
    expect(page.locator("body")).to_contain_text("between 0.5 and 20")


def test_map_pages_fit_a_phone(phone):
    for url in ("/maps/gaps", "/maps/coverage?category=women", "/maps/sites", "/boroughs/E09000033/profile"):
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(phone)


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.parametrize(
    "url, legend",
    [
        ("/maps/gaps", "Minimum offer: missing and unknown"),
        ("/maps/coverage?category=women", "Women"),
    ],
)
def test_each_choropleth_draws_with_its_legend_and_tooltips(page, url, legend):
    """Leaflet is served by the app itself, so the map draws with no internet access."""
    page.goto(url)
    frame = page.frame_locator("iframe").first
    boroughs = frame.locator("path.leaflet-interactive")
    expect(boroughs.first).to_be_attached(timeout=10_000)
    assert boroughs.count() >= 33
    expect(frame.locator("body")).to_contain_text(legend)
    boroughs.nth(3).hover(force=True)
    tooltip = frame.locator(".leaflet-tooltip")
    expect(tooltip.first).to_be_visible()
    expect(tooltip.first).to_contain_text(re.compile(r"\(E09\d{6}\)"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{url.strip('/').split('?')[0].replace('/', '-')}.png"))


def test_the_sites_map_draws(page):
    page.goto("/maps/sites")
    frame = page.frame_locator("iframe").first
    expect(frame.locator(".leaflet-container")).to_have_count(1, timeout=10_000)
    expect(frame.locator(".leaflet-control-zoom-in")).to_be_visible()


@pytest.mark.parametrize("size", [(375, 812), (1280, 900)], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    "url",
    [
        "/maps/gaps",
        "/maps/gaps?gender=female&age=18-25",
        "/maps/coverage?category=accommodation",
        "/boroughs/E09000022/profile",
    ],
)
def test_gap_pages_are_accessible_at_phone_and_desktop_sizes(browser, live_server, size, url):
    """axe finds nothing, the map frame included (its scrollable tables are focusable and
    named), and a phone never scrolls sideways."""
    from .conftest import _new_page

    context, pg = _new_page(browser, live_server, viewport={"width": size[0], "height": size[1]})
    try:
        pg.goto(url)
        expect(pg.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(pg)
        assert_no_sideways_scroll(pg)
        regions = pg.locator(".table-wrap")
        for i in range(regions.count()):
            region = regions.nth(i)
            region.focus()
            assert region.evaluate("el => document.activeElement === el")
            assert region.get_attribute("aria-label")
    finally:
        context.close()


def test_the_gap_map_opens_on_all_of_london(page):
    page.goto("/maps/gaps")
    frame = page.frame_locator("iframe").first
    boroughs = frame.locator("path.leaflet-interactive")
    expect(boroughs.first).to_be_attached(timeout=10_000)
    inside = frame.locator(".leaflet-container").evaluate(
        """(box) => { const b = box.getBoundingClientRect(); let n = 0;
            for (const p of box.querySelectorAll('path.leaflet-interactive')) {
              const r = p.getBoundingClientRect();
              if (r.width && r.left >= b.left - 1 && r.right <= b.right + 1 &&
                  r.top >= b.top - 1 && r.bottom <= b.bottom + 1) { n++; } }
            return n; }"""
    )
    assert inside >= 33


def test_the_profile_prints_on_few_pages_with_its_map(page):
    page.goto("/boroughs/E09000022/profile")
    page.emulate_media(media="print")
    expect(page.locator(".profile-map svg")).to_be_visible()
    expect(page.locator(".site-header nav")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "profile-lambeth-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=False)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= 4
    (ARTIFACTS / "profile-lambeth.pdf").write_bytes(pdf)
