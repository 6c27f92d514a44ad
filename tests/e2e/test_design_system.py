"""The shared page furniture on GOV.UK Frontend: the same page with scripts on and off,
at phone and desktop widths, with no accessibility faults and no inline script."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import (
    DEFAULT_TIMEOUT_MS,
    assert_accessible,
    assert_no_sideways_scroll,
    live_database,
)

OFFICER = ("officer@design.example.org", "officer design passphrase")
PAGES = ["/", "/login", "/signup", "/no-such-page"]


@pytest.fixture(scope="session")
def officer(live_server, tmp_path_factory):
    from directory.operations.accounts import create_user

    with live_database(tmp_path_factory) as session:
        create_user(session, OFFICER[0], "Olu Officer", OFFICER[1], "officer")
    return OFFICER


@pytest.fixture
def no_script(browser, live_server):
    """A phone-sized page with JavaScript turned off."""
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 375, "height": 812}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _blocked_by_policy(page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    return messages


@pytest.mark.parametrize("path", PAGES)
def test_pages_pass_axe_on_phone_and_desktop_and_run_their_scripts(page, phone, path):
    for tab in (page, phone):
        blocked = _blocked_by_policy(tab)
        tab.goto(path)
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(tab)
        assert_no_sideways_scroll(tab)
        # init.js, a module script from our own origin, marks the page and starts the components.
        expect(tab.locator("body.govuk-frontend-supported")).to_have_count(1)
        assert blocked == []
    expect(page.get_by_text("Beta", exact=True)).to_be_visible()
    expect(page.get_by_role("contentinfo")).to_contain_text("Catalogue last updated")


def test_phone_menu_opens_and_every_link_is_reachable(phone):
    phone.goto("/")
    nav = phone.get_by_role("navigation", name="Main")
    menu = nav.get_by_role("button", name="Menu")
    expect(menu).to_be_visible()
    menu.click()
    for name in ("Find", "Services", "Boroughs", "Maps", "Sign in"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    assert_accessible(phone)


def test_sign_up_errors_are_summarised_and_linked_to_their_fields(phone):
    phone.goto("/signup")
    phone.get_by_label("Email address").fill("not-an-email")
    phone.get_by_role("button", name="Create account").click()
    summary = phone.get_by_role("alert")
    expect(summary.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(phone.locator(":focus")).to_contain_text("There is a problem")  # focus moves to it
    summary.get_by_role("link", name="Enter an email address in the correct format").click()
    expect(phone.get_by_label("Email address")).to_be_focused()
    expect(phone.get_by_label("Email address")).to_have_value("not-an-email")
    expect(phone).to_have_title("Error: Register your organisation – London service directory")
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)


def test_without_javascript_an_officer_signs_in_sees_the_banner_and_signs_out(no_script, officer):
    page = no_script
    page.goto("/login")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Services")).to_be_visible()
    page.get_by_label("Email address").fill(officer[0])
    page.get_by_label("Password", exact=True).fill("not the password at all")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert").get_by_role("heading", name="There is a problem")).to_be_visible()
    page.get_by_label("Password", exact=True).fill(officer[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Signed in as {officer[0]}")
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    assert_no_sideways_scroll(page)
    nav.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("alert")).to_contain_text("You have signed out")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
