"""Whatever a provider types is only ever text: never template source, markup or script.

A template payload in a site address once ran as server code on /maps/sites (the map
library renders its own output as a Jinja template). These tests put template, markup and
script payloads in every free-text field of an organisation, a service and its site, then
read every page, map document and JSON answer that shows them.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import String, Text, select

from directory.models import Borough, Category, Organisation, Service, Site
from tests.conftest import csrf_from, post_form, service_form_data, sign_in

# If "qzjx" ever appears, a template engine joined the two halves: it evaluated provider text.
PAYLOADS = (
    "{{ 'qz' ~ 'jx' }}",
    "{{ lipsum.__globals__.os.popen(dict(id=1)|first).read() }}",
    "{% raw %}",
    "{#",
    "${alert(1)}`",
    "</script><script>alert(2)</script>",
    "<img src=x onerror=alert(3)>",
)
HOSTILE = " ".join(PAYLOADS)
# Columns whose values are codes or formats, not free text.
CODED = {
    "slug",
    "status",
    "moderation",
    "starts_on_precision",
    "ends_on_precision",
    "postcode",
    "uuid",
    "website",
    "email",
    "phone",
}


def _free_text_columns(model) -> list[str]:
    return [
        column.key
        for column in model.__table__.columns
        if isinstance(column.type, (String, Text)) and column.key not in CODED
    ]


def _fill(record, model) -> None:
    for name in _free_text_columns(model):
        limit = getattr(model.__table__.columns[name].type, "length", None)
        setattr(record, name, HOSTILE[:limit] if limit else HOSTILE)


@pytest.fixture
def hostile_service(session):
    westminster = session.scalar(select(Borough).where(Borough.code == "E09000033"))
    organisation = Organisation(slug="hostile-org", name="x", moderation="published")
    _fill(organisation, Organisation)
    service = Service(
        slug="hostile-service", name="x", status="commissioned", moderation="published", organisation=organisation
    )
    _fill(service, Service)
    service.categories = [session.scalar(select(Category).where(Category.slug == "accommodation"))]
    service.boroughs = [westminster]
    site = Site(name="x", postcode="SW1A 2AA", lat=51.5034, lon=-0.1276, borough=westminster)
    _fill(site, Site)
    service.sites = [site]
    session.add_all([organisation, service])
    session.flush()
    return service


PAGES = (
    "/services/hostile-service",
    "/services?q=lipsum",
    "/services?borough=E09000033",
    "/boroughs/E09000033",
    "/find?borough=E09000033&need=accommodation",
    "/find?postcode=SW1A+2AA",
    "/maps/sites",
    "/maps/sites?borough=E09000033",
    "/maps/coverage?category=accommodation",
    "/maps/gaps",
    "/boroughs/E09000033/profile",
    "/api/services/hostile-service",
    "/api/services?borough=E09000033",
    "/api/find?borough=E09000033&need=accommodation",
)


def _frame_of(page: str) -> str | None:
    match = re.search(r'<iframe[^>]*\ssrc="([^"]*)"', page)
    return match.group(1).replace("&amp;", "&") if match else None


def _assert_inert(body: str, url: str) -> None:
    assert "qzjx" not in body, f"{url}: provider text was evaluated as a template"
    assert "uid=" not in body, f"{url}: provider text ran a command"
    if url.startswith("/api/"):
        return  # JSON (sent with nosniff) carries the text as it was typed
    assert "<script>alert(2)</script>" not in body, f"{url}: a script tag got through"
    assert "<img src=x onerror" not in body, f"{url}: markup got through"


@pytest.mark.parametrize("url", PAGES)
def test_every_page_and_map_shows_provider_text_as_text(client, hostile_service, url):
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    body = response.get_data(as_text=True)
    _assert_inert(body, url)
    frame = _frame_of(body)
    if frame:
        document = client.get(frame)
        assert document.status_code == 200, f"{frame}: {document.status_code}"
        _assert_inert(document.get_data(as_text=True), frame)


def test_map_documents_carry_the_text_unchanged_for_the_layer_script(client, hostile_service):
    document = client.get("/maps/sites/frame").get_data(as_text=True)
    # The text arrives whole (to be set with textContent), with "<" written as \u003c.
    assert "{{ 'qz' ~ 'jx' }}" in document and "{% raw %}" in document
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert(2)" in document


def test_through_the_provider_form_and_review_a_template_address_stays_text(client, make_user, session):
    """The finding as it was met: a provider's site address, approved by a commissioner."""
    organisation = Organisation(slug="form-org", name="Form Org", moderation="published")
    session.add(organisation)
    session.flush()
    provider = make_user("provider", organisation=organisation)
    sign_in(client, provider.email)
    data = service_form_data(
        **{
            "name": "Hostile {{ 'qz' ~ 'jx' }}",
            "summary": PAYLOADS[1],
            "sites-0-name": "{% raw %}",
            "sites-0-address": PAYLOADS[1],
            "sites-0-opening_details": "{# {{ 'qz' ~ 'jx' }}",
        }
    )
    assert post_form(client, "/provider/services/new", data).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/provider/").get_data(as_text=True))})
    service = session.scalar(select(Service).where(Service.name == "Hostile {{ 'qz' ~ 'jx' }}"))
    sign_in(client, make_user("commissioner").email)
    from directory.models import Revision

    revision = session.scalar(select(Revision).where(Revision.service_id == service.id))
    review = client.get(f"/review/{revision.id}").get_data(as_text=True)
    _assert_inert(review, "/review")
    assert post_form(client, f"/review/{revision.id}", {"decision": "approve", "reason": ""}).status_code == 303
    for url in ("/maps/sites", "/maps/sites/frame", f"/services/{service.slug}", "/maps/sites/frame?borough=E09000022"):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_inert(response.get_data(as_text=True), url)


def test_pages_send_security_headers(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["Referrer-Policy"] == "same-origin"
