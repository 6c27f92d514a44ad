"""Maps in a browser: the map loads inside the page, the tables work, phones do not scroll sideways."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll


def test_gaps_page_map_table_and_profile(page):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Maps").click()
    expect(page).to_have_url(re.compile(r"/maps$"))
    assert_accessible(page)

    page.get_by_role("link", name="Gaps in the minimum service offer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gaps in the minimum service offer")
    # The map document is in the iframe. Leaflet itself comes from folium's CDNs, which a
    # machine without internet access cannot reach, so only the map's own element is checked.
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
    page.keyboard.press("Tab")  # age band
    page.keyboard.press("Tab")  # distance
    page.keyboard.press("Tab")  # Show
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"category=women"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Services by borough: Women")
    expect(page.locator("body")).to_contain_text("Postcode-lottery index")
    assert_accessible(page, context={"exclude": [["iframe"]]})

    response = page.goto("/maps/coverage?distance_km=50")
    assert response.status == 400
    expect(page.locator("body")).to_contain_text("between 0.5 and 20")


def test_map_pages_fit_a_phone(phone):
    for url in ("/maps/gaps", "/maps/coverage?category=women", "/maps/sites",
                "/boroughs/E09000033/profile"):
        phone.goto(url)
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert_no_sideways_scroll(phone)
