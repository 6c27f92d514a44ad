"""A provider registers and submits a service; a commissioner approves it; the finder shows it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, live_database, sign_out

COMMISSIONER = ("commissioner@e2e.example.org", "commissioner e2e passphrase")
SERVICE = "Riverside Stalking Perpetrator Programme"


@pytest.fixture(scope="session")
def commissioner(live_server, tmp_path_factory):
    """A commissioner account in the live server's database (made as the CLI would)."""
    from directory.operations.accounts import create_user

    with live_database(tmp_path_factory) as session:
        create_user(session, COMMISSIONER[0], "Casey Commissioner", COMMISSIONER[1], "commissioner")
    return COMMISSIONER


def test_provider_registers_commissioner_approves_finder_shows(page, commissioner):
    # A provider registers with their organisation.
    page.goto("/signup")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Robin Provider")
    page.get_by_label("Email address").fill("robin@riverside.example.org")
    page.get_by_label("Create a password").fill("riverside provider passphrase")
    page.get_by_label("Confirm your password").fill("riverside provider passphrase")
    page.get_by_label("Organisation name").fill("Riverside Community Trust")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your services")
    expect(page.locator("main")).to_contain_text("Waiting for review")
    assert_accessible(page)

    # They add a service with a delivery site; a bad postcode first, kept and explained.
    page.get_by_role("link", name="Add a service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a service")
    assert_accessible(page)
    page.get_by_label("Service name").fill(SERVICE)
    page.get_by_label("Summary").fill("A programme for people who stalk, to stop it.")
    page.get_by_label("Lambeth").check()
    page.get_by_label("Stalking", exact=True).check()
    page.get_by_label("How to refer").fill("Email referrals@riverside.example.org.")
    page.locator("#sites-0-name").fill("Riverside Centre")
    page.locator("#sites-0-postcode").fill("M1 1AE")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert")).to_contain_text("outside London")
    expect(page.get_by_label("Service name")).to_have_value(SERVICE)
    assert_accessible(page)
    page.locator("#sites-0-postcode").fill("SE1 7TP")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert")).to_contain_text("Service submitted")
    expect(page.locator("main")).to_contain_text(SERVICE)
    sign_out(page)

    # Not public yet.
    page.goto("/find?borough=E09000022")
    expect(page.locator("main")).not_to_contain_text(SERVICE)

    # A commissioner reviews: the organisation first, then the service.
    page.goto("/login")
    assert_accessible(page)
    page.get_by_label("Email address").fill(commissioner[0])
    page.get_by_label("Password", exact=True).fill(commissioner[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review")
    assert_accessible(page)
    page.get_by_role("link", name="Riverside Community Trust").click()
    assert_accessible(page)
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text("Approved")
    page.get_by_role("link", name=SERVICE).click()
    submitted = page.get_by_role("region", name="What was submitted")
    expect(submitted.get_by_role("row", name="Boroughs")).to_contain_text("Lambeth")
    expect(submitted).to_contain_text("SE1 7TP")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("alert")).to_contain_text(SERVICE)
    sign_out(page)

    # Live: the finder lists it for Lambeth.
    page.goto("/find?borough=E09000022")
    expect(page.locator("main")).to_contain_text(SERVICE)
    assert_accessible(page)
