"""The providers', commissioners' and administrators' pages on the design system: each passes axe at
375 px and 1280 px without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll, live_database

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


def _sign_in(page, who):
    page.goto("/login")
    page.get_by_label("Email address").fill(who[0])
    page.get_by_label("Password", exact=True).fill(who[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Signed in as")


def _check_both(page, phone, paths):
    for path in paths:
        for tab in (page, phone):
            tab.goto(path)
            expect(tab.get_by_role("heading", level=1)).to_be_visible()
            assert_accessible(tab)
            assert_no_sideways_scroll(tab)


def test_provider_pages(page, phone, staff):
    _sign_in(page, PROVIDER)
    _sign_in(phone, PROVIDER)
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
    _sign_in(page, COMMISSIONER)
    _sign_in(phone, COMMISSIONER)
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
    _sign_in(page, ADMIN)
    _sign_in(phone, ADMIN)
    _check_both(page, phone, ["/users", "/audit"])
