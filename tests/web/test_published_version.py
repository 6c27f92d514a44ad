"""Only changes to what the public sees move the published catalogue's data version.

A provider's draft or proposed change awaiting review leaves every worker's cached
snapshot (finder, maps, API) in place; the approval that publishes it moves the version,
and the finder shows the new text on the next request.
"""

from __future__ import annotations

from sqlalchemy import select

from directory.models import Organisation, Revision, Service
from directory.operations import read_model
from directory.operations.catalogue import catalogue_last_updated
from directory.operations.versioning import data_version
from tests.conftest import post_form, service_form_data, sign_in

LAMBETH = "E09000022"


def _finder_text(client) -> str:
    return client.get(f"/find?borough={LAMBETH}").get_data(as_text=True)


def _publish_new_service(client, make_user, session, **overrides):
    provider = make_user("provider")
    assert sign_in(client, provider.email).status_code == 302
    assert post_form(client, "/provider/services/new", service_form_data(**overrides)).status_code == 302
    service = session.scalar(select(Service).where(Service.name == overrides.get("name", "Test Mentoring Service")))
    commissioner = make_user("commissioner")
    assert sign_in(client, commissioner.email).status_code == 302
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id, Revision.state == "pending"))
    assert post_form(client, f"/review/{revision.id}", {"decision": "approve"}).status_code == 303
    return provider, commissioner, service


def _propose(client, session, provider, service, summary: str) -> None:
    """``provider`` proposes a new summary for their published ``service`` (awaiting review)."""
    sign_in(client, provider.email)
    session.expire_all()
    form = service_form_data(name=service.name, summary=summary, version=str(session.get(Service, service.id).version))
    assert post_form(client, f"/provider/services/{service.id}/edit", form).status_code == 302


def test_a_new_service_and_its_edits_before_review_leave_the_published_snapshot_alone(client, make_user, session):
    provider = make_user("provider")
    assert sign_in(client, provider.email).status_code == 302
    before, snapshot = data_version(session), read_model.published(session)

    assert post_form(client, "/provider/services/new", service_form_data(name="Draft Bench Service")).status_code == 302
    service = session.scalar(select(Service).where(Service.name == "Draft Bench Service"))
    assert service.moderation == "pending"
    for n in range(3):  # the provider keeps editing the draft: its sites, boroughs and text
        session.expire_all()
        form = service_form_data(
            name="Draft Bench Service",
            summary=f"Draft text {n}.",
            version=str(service.version),
            boroughs=[LAMBETH, "E09000028"] if n % 2 else [LAMBETH],
            **{"sites-0-name": f"Hub {n}"},
        )
        assert post_form(client, f"/provider/services/{service.id}/edit", form).status_code == 302

    session.expire_all()
    assert session.get(Service, service.id).summary == "Draft text 2."  # the draft was saved
    assert data_version(session) == before
    assert read_model.published(session) is snapshot  # every reader keeps the cached snapshot
    assert "Draft Bench Service" not in _finder_text(client)


def test_a_proposed_change_waits_for_approval_and_then_shows_at_once(client, make_user, session):
    provider, commissioner, service = _publish_new_service(client, make_user, session, name="Versioned Mentoring")
    assert "Mentoring for young adults leaving prison." in _finder_text(client)

    sign_in(client, provider.email)
    session.expire_all()
    before, snapshot = data_version(session), read_model.published(session)
    last_updated = catalogue_last_updated(session)
    form = service_form_data(
        name="Versioned Mentoring",
        summary="Now also for women leaving prison.",
        version=str(session.get(Service, service.id).version),
    )
    assert post_form(client, f"/provider/services/{service.id}/edit", form).status_code == 302
    assert data_version(session) == before
    assert read_model.published(session) is snapshot
    assert catalogue_last_updated(session) == last_updated
    finder = _finder_text(client)
    assert "Mentoring for young adults leaving prison." in finder
    assert "Now also for women leaving prison." not in finder

    sign_in(client, commissioner.email)
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id, Revision.state == "pending"))
    assert post_form(client, f"/review/{revision.id}", {"decision": "approve"}).status_code == 303
    assert data_version(session) != before
    session.expire_all()
    approved_at = session.get(Service, service.id).updated_at
    assert catalogue_last_updated(session) == approved_at and approved_at != last_updated
    finder = _finder_text(client)
    assert "Now also for women leaving prison." in finder
    assert "Mentoring for young adults leaving prison." not in finder
    assert "Now also for women leaving prison." in client.get(f"/services/{service.slug}").get_data(as_text=True)


def test_confirming_a_live_service_current_moves_the_version(client, make_user, session):
    provider, _, service = _publish_new_service(client, make_user, session, name="Confirmed Mentoring")
    sign_in(client, provider.email)
    before = data_version(session)
    assert post_form(client, f"/provider/services/{service.id}/confirm", {}, form_url="/provider/").status_code in (
        302,
        303,
    )
    session.expire_all()
    assert session.get(Service, service.id).last_confirmed_at is not None
    assert data_version(session) != before


def test_rejecting_a_draft_leaves_the_version_alone(client, make_user, session):
    provider = make_user("provider")
    sign_in(client, provider.email)
    post_form(client, "/provider/services/new", service_form_data(name="Rejected Draft"))
    service = session.scalar(select(Service).where(Service.name == "Rejected Draft"))
    sign_in(client, make_user("commissioner").email)
    before = data_version(session)
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id))
    assert (
        post_form(client, f"/review/{revision.id}", {"decision": "reject", "reason": "Name a site."}).status_code == 303
    )
    session.expire_all()
    assert session.get(Service, service.id).moderation == "rejected"
    assert data_version(session) == before


def test_an_unpublished_organisations_own_edits_leave_the_version_alone(client, make_user, session):
    org = Organisation(slug="draft-org", name="Draft Organisation", moderation="pending")
    session.add(org)
    session.flush()
    provider = make_user("provider", organisation=org)
    sign_in(client, provider.email)
    before = data_version(session)
    page = client.get("/provider/organisation")
    assert page.status_code == 200
    response = post_form(
        client,
        "/provider/organisation",
        {
            "name": "Draft Organisation",
            "description": "We mentor.",
            "website": "",
            "email": "",
            "phone": "",
            "version": _hidden(page.get_data(as_text=True), "version"),
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    session.expire_all()
    assert session.get(Organisation, org.id).description == "We mentor."
    assert data_version(session) == before


def _hidden(html: str, name: str) -> str:
    import re

    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    return match.group(1) if match else ""


def test_the_borough_page_is_kept_per_version_and_shows_an_approval_at_once(client, make_user, session):
    def borough_page() -> str:
        return client.get(f"/boroughs/{LAMBETH}").get_data(as_text=True)

    assert "Borough Page Mentoring" not in borough_page()
    provider, commissioner, service = _publish_new_service(client, make_user, session, name="Borough Page Mentoring")
    assert "Borough Page Mentoring" in borough_page()
    _propose(client, session, provider, service, "Proposed, not yet approved.")
    assert "Proposed, not yet approved." not in borough_page()
    sign_in(client, commissioner.email)
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id, Revision.state == "pending"))
    assert post_form(client, f"/review/{revision.id}", {"decision": "approve"}).status_code == 303
    assert "Proposed, not yet approved." in borough_page()
