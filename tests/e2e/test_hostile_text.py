"""In a real browser: a provider's hostile text on the sites map stays text, runs nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, live_database

NAME = "Hostile {{ 'qz' ~ 'jx' }} <img src=x onerror=alert(1)>"
ADDRESS = "</script><script>alert(2)</script> ${alert(3)} {% raw %}"


@pytest.fixture(scope="session")
def hostile_site(live_server, tmp_path_factory):
    """A published service with a delivery site, written to the live server's database."""
    from sqlalchemy import select

    from directory.models import Borough, Category, Organisation, Service, Site

    with live_database(tmp_path_factory) as session:
        westminster = session.scalar(select(Borough).where(Borough.code == "E09000033"))
        organisation = Organisation(slug="hostile-e2e", name=NAME, moderation="published")
        service = Service(
            slug="hostile-e2e",
            name=NAME,
            status="commissioned",
            moderation="published",
            organisation=organisation,
            summary=ADDRESS,
        )
        service.categories = [session.scalar(select(Category).where(Category.slug == "accommodation"))]
        service.boroughs = [westminster]
        service.sites = [
            Site(name=NAME, address=ADDRESS, postcode="SW1A 2AA", lat=51.5034, lon=-0.1276, borough=westminster)
        ]
        session.add_all([organisation, service])
        session.commit()
    return NAME


def test_hostile_text_on_the_sites_map_is_shown_as_text(page, hostile_site):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/maps/sites?borough=E09000033")
    frame = page.frame_locator("iframe").first
    marker = frame.locator("path.leaflet-interactive").first
    expect(marker).to_be_attached(timeout=10_000)
    marker.click(force=True)
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Hostile {{ 'qz' ~ 'jx' }} <img src=x onerror=alert(1)>")
    expect(popup).to_contain_text("</script><script>alert(2)</script> ${alert(3)} {% raw %}")
    expect(popup.locator("img")).to_have_count(0)
    expect(popup.get_by_role("link")).to_have_attribute("href", "/services/hostile-e2e")
    assert dialogs == []
    assert_accessible(page, context={"exclude": [["iframe"]]})

    # The map document cannot reach the app's own pages or cookies: it has no origin of its own.
    origin = page.frames[1].evaluate("() => window.origin")
    assert origin == "null"
    page.goto("/services/hostile-e2e")
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    assert dialogs == []
