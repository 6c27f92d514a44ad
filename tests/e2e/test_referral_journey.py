"""An officer on a phone refers from a finder result; the provider is emailed (through the real
SMTP server) and accepts; the officer sees it by code; the commissioner's counts move."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll, in_navigation, live_database, sign_in, sign_out

POSTCODE = "SE1 7TP"  # Lambeth
OFFICER = ("officer@referrals.e2e.example.org", "officer referral passphrase")
PROVIDER = ("intake@referrals.e2e.example.org", "provider referral passphrase")
COMMISSIONER = ("counts@referrals.e2e.example.org", "commissioner referral passphrase")


@pytest.fixture(scope="session")
def journey(live_server, tmp_path_factory):
    """The first finder result for the postcode whose provider the directory names, and accounts
    for an officer, that provider and a commissioner in the live server's database."""
    from sqlalchemy import select

    from directory.models import Service
    from directory.operations.accounts import create_user

    query = urllib.parse.urlencode({"postcode": POSTCODE, "limit": 20})
    with urllib.request.urlopen(f"{live_server}/api/find?{query}", timeout=20) as response:
        results = json.load(response)["results"]
    with live_database(tmp_path_factory) as session:
        slugs = [r["service"]["slug"] if "service" in r else r["slug"] for r in results]
        service = next(
            s
            for s in (session.scalar(select(Service).where(Service.slug == slug)) for slug in slugs)
            if s.organisation_id is not None
        )
        name = service.name
        create_user(session, OFFICER[0], "Olu Officer", OFFICER[1], "officer")
        create_user(session, PROVIDER[0], "Pat Provider", PROVIDER[1], "provider", service.organisation_id)
        create_user(session, COMMISSIONER[0], "Cam Commissioner", COMMISSIONER[1], "commissioner")
    return name


def _sign_in(page, who):
    sign_in(page, *who)
    expect(in_navigation(page, "button", "Sign out")).to_be_visible()


def _check(page):
    assert_no_sideways_scroll(page)
    assert_accessible(page)


def _wait_for_mail(smtp_server, address, code, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in smtp_server.to(address):
            if code in message.subject:
                return message
        time.sleep(0.1)
    pytest.fail(f"No email about {code} reached {address}")


def test_refer_from_the_finder_provider_accepts_officer_sees_it(phone, journey, smtp_server):
    page, service = phone, journey

    # The commissioner's counts before.
    _sign_in(page, COMMISSIONER)
    page.goto("/referrals/counts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral counts")
    expect(page.locator("main")).not_to_contain_text(service)
    _check(page)
    sign_out(page)

    # The officer finds services for a postcode and refers from a result.
    _sign_in(page, OFFICER)
    page.goto("/find")
    page.get_by_label("Postcode, district or borough").fill(POSTCODE)
    page.get_by_role("button", name="Find services").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Services for this person")
    page.get_by_role("link", name=f"Refer to {service}", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Refer to {service}")
    expect(page.get_by_label("Borough the person lives in")).to_have_value("E09000022")
    for personal in ("Name", "Date of birth", "Address", "Phone"):
        expect(page.get_by_label(personal, exact=True)).to_have_count(0)
    _check(page)

    page.get_by_role("button", name="Send referral").click()  # nothing ticked: explained, kept
    expect(page.get_by_role("alert")).to_contain_text("The person must agree")
    _check(page)
    page.get_by_label("You are referring from").select_option("police")
    page.get_by_label("Age band").select_option("30_39")
    page.get_by_label("Accommodation").check()
    page.get_by_label("The person has agreed to this referral").check()
    confirm = page.get_by_label("I have read the warnings above")
    if confirm.count():
        confirm.check()
    page.get_by_role("button", name="Send referral").click()
    expect(page.get_by_role("alert")).to_contain_text("Referral sent. Its code is")
    shown = re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page.get_by_role("alert").inner_text()).group(0)
    expect(page.get_by_role("heading", level=1)).to_contain_text(shown)
    _check(page)
    sign_out(page)

    # The provider is emailed: the code, the service's name and a link, nothing else.
    email = _wait_for_mail(smtp_server, PROVIDER[0], shown)
    assert service in email.subject
    link = re.search(r"http://\S+/referrals/\w+", email.body).group(0)
    # The link's port and the code are random, so they are taken out before looking for the
    # borough and the age band.
    rest = email.body.replace(link, "").replace(shown, "")
    for detail in ("Lambeth", "E09000022", "30", "39", "Accommodation", "police"):
        assert detail not in rest, detail

    # They sign in, follow the link and accept.
    _sign_in(page, PROVIDER)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(shown)
    _check(page)
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("is now accepted")
    _check(page)
    sign_out(page)
    _wait_for_mail(smtp_server, OFFICER[0], shown)

    # The officer looks it up by its code.
    _sign_in(page, OFFICER)
    in_navigation(page, "link", "Referrals").click()
    _check(page)
    page.get_by_label("Look up a referral by its code").fill(shown.lower())
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", level=1).locator("xpath=following-sibling::p[1]")).to_have_text("Accepted")
    expect(page.get_by_role("heading", name="Accepted", level=3)).to_be_visible()  # the history
    expect(page.get_by_text("by Pat Provider").first).to_be_visible()
    _check(page)
    sign_out(page)

    # The commissioner's counts moved: one referral, shown as "fewer than 5".
    _sign_in(page, COMMISSIONER)
    page.goto("/referrals/counts")
    row = page.locator("tr", has_text=service)
    expect(row).to_contain_text("fewer than 5")
    _check(page)
