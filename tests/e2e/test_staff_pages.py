"""The providers', commissioners' and administrators' pages on the design system: each passes axe at
375 px and 1280 px without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import DEFAULT_TIMEOUT_MS, assert_accessible, assert_no_sideways_scroll, live_database, sign_in

PROVIDER = ("provider@staff-pages.example.org", "provider staff pages passphrase")
COMMISSIONER = ("commissioner@staff-pages.example.org", "commissioner staff pages passphrase")
ADMIN = ("admin@staff-pages.example.org", "admin staff pages passphrase")


@pytest.fixture(scope="session")
def staff(live_server, tmp_path_factory):
    """A provider of a live service with a named organisation, a commissioner and an administrator."""
    from sqlalchemy import select

    from directory.models import Service
    from directory.operations.accounts import create_user

    with live_database(tmp_path_factory) as session:
        service = session.scalars(
            select(Service)
            .where(Service.organisation_id.is_not(None), Service.moderation == "published")
            .order_by(Service.id)
        ).first()
        facts = {"id": service.id, "slug": service.slug, "name": service.name}
        create_user(session, PROVIDER[0], "Pia Provider", PROVIDER[1], "provider", service.organisation_id)
        create_user(session, COMMISSIONER[0], "Cleo Commissioner", COMMISSIONER[1], "commissioner")
        create_user(session, ADMIN[0], "Ade Admin", ADMIN[1], "admin")
    return facts


def _check_both(page, phone, paths):
    for path in paths:
        for tab in (page, phone):
            tab.goto(path)
            expect(tab.get_by_role("heading", level=1)).to_be_visible()
            assert_accessible(tab)
            assert_no_sideways_scroll(tab)


def test_provider_pages(page, phone, staff):
    sign_in(page, *PROVIDER)
    sign_in(phone, *PROVIDER)
    _check_both(
        page,
        phone,
        [
            "/provider/",
            "/provider/organisation",
            "/provider/services/new",
            f"/provider/services/{staff['id']}/edit",
            f"/provider/services/{staff['id']}/history",
            "/referrals/",
        ],
    )


def test_commissioner_pages(page, phone, staff):
    sign_in(page, *COMMISSIONER)
    sign_in(phone, *COMMISSIONER)
    _check_both(
        page,
        phone,
        [
            "/review",
            "/offer",
            "/audit",
            f"/review/services/{staff['id']}/history",
            "/imports",
            "/imports/unresolved",
            "/referrals/",
            "/referrals/counts",
            f"/referrals/new?service={staff['slug']}",
        ],
    )


def test_administrator_pages(page, phone, staff):
    sign_in(page, *ADMIN)
    sign_in(phone, *ADMIN)
    _check_both(page, phone, ["/users", "/audit"])


@pytest.fixture
def no_script(browser, live_server):
    """A phone-sized page with JavaScript turned off."""
    context = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 375, "height": 812}
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_staff_forms_work_without_javascript_and_their_pages_pass_axe(no_script, page, phone, staff):
    """A provider proposes a change and a commissioner asks for changes, both with JavaScript off;
    then the commissioner sends a referral the same way. The review item and the referral pages
    pass axe at both sizes. Nothing here is published, so other tests' data stays as it was."""
    wording = "A summary proposed without JavaScript."
    sign_in(no_script, *PROVIDER)
    no_script.goto(f"/provider/services/{staff['id']}/edit")
    no_script.get_by_label("Summary").fill(wording)
    no_script.get_by_label("How to refer").fill("")
    no_script.get_by_role("button", name="Send changes for review").click()
    expect(no_script.get_by_role("alert")).to_contain_text("Say how to refer someone.")
    expect(no_script.get_by_label("Summary")).to_have_value(wording)
    no_script.get_by_label("How to refer").fill("Email the intake team.")
    no_script.get_by_role("button", name="Send changes for review").click()
    expect(no_script.get_by_role("alert")).to_be_visible()
    expect(no_script.get_by_role("alert")).not_to_contain_text("There is a problem")
    no_script.context.clear_cookies()

    sign_in(no_script, *COMMISSIONER)
    no_script.goto("/review")
    no_script.get_by_role("link", name=staff["name"]).first.click()
    expect(no_script.get_by_role("region", name="What would change")).to_contain_text(wording)
    item = no_script.url
    for tab in (page, phone):
        sign_in(tab, *COMMISSIONER)
        tab.goto(item)
        expect(tab.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(tab)
        assert_no_sideways_scroll(tab)
    no_script.get_by_label("Reason for asking for changes").fill("Say who the summary is for.")
    no_script.get_by_role("button", name="Ask for changes").click()
    expect(no_script.get_by_role("alert")).to_contain_text(f"Sent back to the provider: {staff['name']}")

    no_script.goto(f"/referrals/new?service={staff['slug']}")
    no_script.get_by_label("Borough the person lives in").select_option("E09000022")
    no_script.get_by_label("You are referring from").select_option("probation")
    no_script.get_by_label("Age band").select_option("26_29")
    no_script.get_by_label("Accommodation").check()
    no_script.get_by_label("The person has agreed to this referral").check()
    confirm = no_script.get_by_label("I have read the warnings above")
    if confirm.count():
        confirm.check()
    no_script.get_by_role("button", name="Send referral").click()
    expect(no_script.get_by_role("alert")).to_contain_text("Referral sent. Its code is")
    referral = no_script.url
    for tab in (page, phone):
        tab.goto(referral)
        expect(tab.get_by_role("heading", level=1)).to_contain_text("Referral")
        assert_accessible(tab)
        assert_no_sideways_scroll(tab)
