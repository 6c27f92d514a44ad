"""An officer on a phone: postcode, needs, a disposal, the results, and a list for the person."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from .conftest import DEFAULT_TIMEOUT_MS, assert_accessible, assert_no_sideways_scroll

POSTCODE = "SE1 7TP"  # Lambeth (County Hall)


def test_officer_finds_services_and_makes_a_list(phone):
    page = phone
    page.goto("/find")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find services for a person")
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    page.get_by_label("Postcode, district or borough", exact=True).fill(POSTCODE)
    page.get_by_label("Accommodation").check()
    page.get_by_label("Personal wellbeing").check()
    page.get_by_label("Age", exact=True).fill("34")
    page.get_by_label("Gender", exact=True).select_option("male")
    page.get_by_label("Disposal being considered").select_option("conditional_caution")
    page.get_by_role("button", name="Find services").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
    query = parse_qs(urlsplit(page.url).query)
    assert query["postcode"] == [POSTCODE]
    assert sorted(query["need"]) == ["accommodation", "wellbeing"]
    assert query["disposal"] == ["conditional_caution"]
    expect(_results_region(page)).to_contain_text("Lambeth")
    expect(page.locator("#disposal-assessment").get_by_role("heading", level=3)).to_contain_text("Conditional caution")

    results = _results(page)
    excluded = page.locator("details").filter(has_text="Not available for this person")
    _check_excluded_list(page, excluded)
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    if results.count() < 2:
        # The seed records no service as a condition of any out-of-court disposal, so the
        # disposal rules everything out (each with its reason, checked above). The officer
        # changes the search, as the page invites, and looks without the disposal.
        expect(excluded).to_contain_text("Not recorded as a condition of a conditional caution")
        page.get_by_role("link", name="Change the search").click()
        expect(page.get_by_label("Postcode, district or borough", exact=True)).to_have_value(POSTCODE)
        page.get_by_label("Disposal being considered").select_option("")
        page.get_by_role("button", name="Find services").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
        assert "disposal=conditional_caution" not in page.url
        _check_excluded_list(page, excluded)
        assert_no_sideways_scroll(page)
        assert_accessible(page)

    assert results.count() >= 2, "the seed has at least two services for this person"
    first = results.first
    expect(first.get_by_role("heading", level=4).first).to_have_text("Why it matches")
    reasons = first.get_by_role("list").first.get_by_role("listitem")
    assert reasons.count() >= 1
    expect(reasons.first).not_to_be_empty()
    expect(first.get_by_role("list").first).to_contain_text("Helps with")

    # Open a service, then come back: the results are still there because the URL keeps the inputs.
    results_url = page.url
    name = _title(first).inner_text().strip()
    _title(first).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(results_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
    assert results.count() >= 2

    picked = []
    for card in (results.nth(0), results.nth(1)):
        picked.append(_title(card).inner_text().strip())
        card.get_by_role("checkbox").check()
    page.get_by_role("button", name="Make a list for the person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Services you can contact")
    listed = page.get_by_role("list", name="Services you can contact").get_by_role("heading", level=2)
    titles = [t.strip() for t in listed.all_inner_texts()]
    assert titles == picked
    split = urlsplit(page.url)
    assert split.path == "/find/list"
    keys = set(parse_qs(split.query))
    assert keys == {"item"}, f"the list URL holds only the items, not {keys - {'item'}}"
    lowered = page.url.lower()
    for personal in ("postcode", "age", "gender", "se1", "7tp", "male", "disposal", "need"):
        assert personal not in lowered, f"{personal!r} leaked into the list URL {page.url}"
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_bad_postcode_error_summary_focuses_the_field(phone):
    page = phone
    page.goto("/find")
    page.get_by_label("Postcode, district or borough", exact=True).fill("NOT A POSTCODE")
    page.get_by_label("Accommodation").check()
    page.get_by_role("button", name="Find services").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    field_error = page.locator("#postcode-error")
    expect(field_error).to_be_visible()
    expect(page.get_by_label("Postcode, district or borough", exact=True)).to_have_attribute(
        "aria-describedby", re.compile(r"postcode-error")
    )
    expect(page.get_by_label("Postcode, district or borough", exact=True)).to_have_value("NOT A POSTCODE")
    assert_no_sideways_scroll(page)
    assert_accessible(page)

    link = summary.get_by_role("link")
    expect(link).to_have_attribute("href", "#postcode")
    link.click()
    expect(page.get_by_label("Postcode, district or borough", exact=True)).to_be_focused()


def test_postcode_outside_london_is_explained(phone):
    page = phone
    page.goto("/find?postcode=M1+1AE")
    expect(page.get_by_role("alert")).to_contain_text("outside London")
    assert_accessible(page)


def _results_region(page):
    return page.get_by_role("region", name=re.compile(r"services? for this person$"))


def _results(page):
    return page.get_by_role("list", name="Services for this person").locator("> li")


def _title(card):
    return card.get_by_role("heading", level=3).get_by_role("link")


def _check_excluded_list(page, excluded) -> None:
    """The "Not available for this person" list starts closed, opens, and gives reasons."""
    expect(excluded).to_have_count(1)
    summary = excluded.locator("summary")
    expect(summary).to_contain_text("Not available for this person")
    assert excluded.get_attribute("open") is None, "the excluded list starts collapsed"
    first_excluded = excluded.get_by_role("listitem").first
    expect(first_excluded).to_be_hidden()
    summary.click()
    expect(excluded).to_have_attribute("open", "")
    expect(first_excluded).to_be_visible()
    expect(first_excluded.get_by_role("link").first).not_to_be_empty()
    expect(first_excluded.get_by_role("listitem").first).not_to_be_empty()


def test_the_finder_works_with_javascript_off(browser, live_server):
    """Postcode and a need, the results with a way to reach each service, and the list for the person."""
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 375, "height": 812}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto("/find")
        page.get_by_label("Postcode, district or borough", exact=True).fill(POSTCODE)
        page.get_by_label("Accommodation").check()
        page.get_by_role("button", name="Find services").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
        expect(_results_region(page)).to_contain_text("Lambeth")
        results = _results(page)
        assert results.count() >= 2
        expect(results.first).to_contain_text("How to refer:")
        expect(_results_region(page).get_by_text("Contact:").first).to_be_visible()
        expect(page.get_by_label("Postcode, district or borough", exact=True)).to_have_value(POSTCODE)
        assert_no_sideways_scroll(page)  # axe needs scripts: the same pages are checked with them on

        name = _title(results.first).inner_text().strip()
        results.first.get_by_role("checkbox").check()
        page.get_by_role("button", name="Make a list for the person").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Services you can contact")
        expect(page.get_by_role("list", name="Services you can contact").get_by_role("heading", level=2)).to_have_text(
            [name]
        )
        expect(page.get_by_role("button", name="Print this list")).to_be_hidden()  # it needs the script
        assert_no_sideways_scroll(page)
    finally:
        context.close()


def test_finder_pages_pass_axe_on_a_desktop(page):
    page.goto("/find")
    assert_accessible(page)
    page.goto(f"/find?postcode={POSTCODE}&need=accommodation&age=30")
    expect(_results(page).first).to_be_visible()
    assert_accessible(page)
    _results(page).first.get_by_role("checkbox").check()
    page.get_by_role("button", name="Make a list for the person").click()
    expect(page.get_by_role("button", name="Print this list")).to_be_visible()
    assert_accessible(page)
    page.goto("/find?postcode=NOT+A+POSTCODE")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)
