"""An officer on a phone: postcode, needs, a disposal, the results, and a list for the person."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll

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
    expect(page.locator(".results")).to_contain_text("Lambeth")
    expect(page.locator("#disposal-assessment .notification-title")).to_contain_text("Conditional caution")

    results = page.locator("ol.results-list > li.card")
    excluded = page.locator("details.excluded")
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
    expect(first.locator(".small-heading").first).to_have_text("Why it matches")
    reasons = first.locator("ul.reasons").first.locator("li")
    assert reasons.count() >= 1
    expect(reasons.first).not_to_be_empty()
    expect(first.locator("ul.reasons").first).to_contain_text("Helps with")

    # Open a service, then come back: the results are still there because the URL keeps the inputs.
    results_url = page.url
    name = first.locator(".card-title a").inner_text().strip()
    first.locator(".card-title a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert_no_sideways_scroll(page)
    assert_accessible(page)
    page.go_back()
    expect(page).to_have_url(results_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
    assert results.count() >= 2

    picked = []
    for card in (results.nth(0), results.nth(1)):
        picked.append(card.locator(".card-title a").inner_text().strip())
        card.get_by_role("checkbox").check()
    page.get_by_role("button", name="Make a list for the person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Services you can contact")
    titles = [t.strip() for t in page.locator(".takeaway-list .card-title").all_inner_texts()]
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

    summary = page.locator(".error-summary")
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
    expect(page.locator(".error-summary")).to_contain_text("outside London")
    assert_accessible(page)


def _check_excluded_list(page, excluded) -> None:
    """The "Not available for this person" list starts closed, opens, and gives reasons."""
    expect(excluded).to_have_count(1)
    summary = excluded.locator("summary")
    expect(summary).to_contain_text("Not available for this person")
    assert excluded.get_attribute("open") is None, "the excluded list starts collapsed"
    first_excluded = excluded.locator(".excluded-item").first
    expect(first_excluded).to_be_hidden()
    summary.click()
    expect(excluded).to_have_attribute("open", "")
    expect(first_excluded).to_be_visible()
    expect(first_excluded.locator("a")).not_to_be_empty()
    expect(first_excluded.locator("ul.reasons li").first).not_to_be_empty()
