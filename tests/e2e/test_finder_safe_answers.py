"""The officer's finder on a phone (375 px): a safe answer and a next step, every time."""

from __future__ import annotations

from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll


def _checked(page) -> None:
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def test_high_risk_domestic_abuse_is_not_offered_a_conditional_caution(phone):
    page = phone
    page.goto("/find")
    page.get_by_label("Postcode, district or borough", exact=True).fill("SE1 7TP")
    page.get_by_label("Age", exact=True).fill("35")
    page.get_by_label("Disposal being considered").select_option("conditional_caution")
    page.get_by_label("Offence type").select_option("domestic_abuse")
    # The DASH level sits next to the offence, visible without opening anything.
    dash = page.get_by_label("DASH risk level (domestic abuse)")
    expect(dash).to_be_visible()
    dash.select_option("high")
    page.get_by_role("button", name="Find services").click()

    box = page.locator("#disposal-assessment")
    expect(box.get_by_role("heading")).to_have_text("Conditional caution: not suitable for this person")
    expect(box).to_contain_text("Not suitable at high DASH risk")
    expect(box).to_contain_text("What you can do instead")
    expect(box).to_contain_text("MARAC")
    expect(page.locator("#without-disposal")).to_contain_text("not as a condition of conditional caution")
    assert "can be considered" not in page.locator("main").inner_text().split("What you can do instead")[0]
    _checked(page)


def test_a_disposal_not_in_force_is_labelled_and_points_to_the_one_in_force(phone):
    page = phone
    page.goto("/find")
    options = page.locator("#disposal option").all_inner_texts()
    assert options[1:] == [
        "Community resolution",
        "Conditional caution",
        "Diversionary caution (not yet in force)",
        "Community caution (not yet in force)",
    ]
    page.get_by_label("Postcode, district or borough", exact=True).fill("SE1 7TP")
    page.get_by_label("Age", exact=True).fill("30")
    page.get_by_label("Offence type").select_option("theft")
    page.get_by_label("Disposal being considered").select_option("diversionary_caution")
    page.get_by_role("button", name="Find services").click()
    box = page.locator("#disposal-assessment")
    expect(box.get_by_role("heading")).to_have_text("Diversionary caution: not yet in force")
    _checked(page)
    box.get_by_role("link", name="Check conditional caution for this person").click()
    expect(page.locator("#disposal-assessment").get_by_role("heading")).to_have_text(
        "Conditional caution: can be considered"
    )
    _checked(page)


def test_a_17_year_old_gets_the_youth_route_and_who_to_contact(phone):
    page = phone
    page.goto("/find?postcode=SW18+2QE&age=17&disposal=conditional_caution&offence=theft")
    youth = page.locator("#youth-route")
    expect(youth.get_by_role("heading")).to_have_text("Under 18: the youth route")
    expect(youth).to_contain_text("020 8871 6222")
    expect(page.locator("#disposal-assessment")).to_contain_text("Check community resolution for this person")
    _checked(page)
    page.goto("/find?borough=E09000017&age=17")
    expect(page.locator("#youth-route")).to_contain_text("The directory holds no contact for it")
    _checked(page)


def test_a_veteran_with_no_need_sees_veterans_services_first(phone):
    page = phone
    page.goto("/find")
    page.get_by_label("Postcode, district or borough", exact=True).fill("SE1 7TP")
    page.get_by_label("Has served in the UK Armed Forces").check()
    page.get_by_role("button", name="Find services").click()
    expect(page.locator("#results-order")).to_contain_text("Services built for veterans first")
    expect(page.locator("ol.results-list > li.card").first).to_contain_text("Built for veterans")
    _checked(page)


def test_places_resolve_or_offer_a_short_choice(phone):
    page = phone
    page.goto("/")
    page.get_by_label("Find services for a person: postcode, district or borough").fill("SE11 5HE")
    page.get_by_role("button", name="Find services").click()
    expect(page.locator("#place-explanation")).to_contain_text("SE11 5HE is not in the ONS Postcode Directory")
    expect(page.locator(".results")).to_contain_text("Lambeth")
    _checked(page)

    page.goto("/find?postcode=SE11+5")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which borough?")
    _checked(page)
    page.locator("#choose-borough").get_by_role("link", name="Southwark").click()
    expect(page.locator("#place-explanation")).to_contain_text("you chose Southwark")
    _checked(page)


def test_no_local_service_names_the_nearest_elsewhere(phone):
    page = phone
    page.goto("/find?postcode=UB8+1PQ&need=employment_education_training")
    steps = page.locator("#next-steps")
    expect(steps).to_contain_text("No service for this person is recorded as delivered in Hillingdon")
    expect(steps).to_contain_text("Nearest in other boroughs")
    _checked(page)
