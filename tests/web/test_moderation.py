"""Review before publication: the queue, diffs, approval, rejection, history, audit, offer."""

from __future__ import annotations

from sqlalchemy import select

from directory.models import AuditEvent, MinimumOfferItem, Organisation, Revision, Service, ServiceVersion
from tests.conftest import csrf_from, post_form, service_form_data, sign_in


def _submit_as_provider(client, make_user, session, org_state="published", **overrides):
    org = Organisation(slug=f"mod-org-{org_state}", name=f"Moderation Org {org_state}", moderation=org_state)
    session.add(org)
    session.flush()
    provider = make_user("provider", organisation=org)
    assert sign_in(client, provider.email).status_code == 302
    assert post_form(client, "/provider/services/new", service_form_data(**overrides)).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/provider/").get_data(as_text=True))})
    service = session.scalar(select(Service).where(Service.name == overrides.get("name", "Test Mentoring Service")))
    return provider, org, service


def _revision(session, service):
    return session.scalar(select(Revision).where(Revision.service_id == service.id).order_by(Revision.id.desc()))


def _decide(client, revision_id, decision, reason=""):
    return post_form(client, f"/review/{revision_id}", {"decision": decision, "reason": reason})


def test_approving_a_new_service_publishes_it_and_keeps_a_version(client, make_user, session):
    provider, org, service = _submit_as_provider(client, make_user, session)
    commissioner = make_user("commissioner")
    sign_in(client, commissioner.email)
    queue = client.get("/review").get_data(as_text=True)
    assert "Test Mentoring Service" in queue
    revision = _revision(session, service)
    detail = client.get(f"/review/{revision.id}").get_data(as_text=True)
    assert "Lambeth" in detail and "Mentoring for young adults" in detail
    response = _decide(client, revision.id, "approve")
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Service, service.id).moderation == "published"
    assert session.get(Service, service.id).last_confirmed_at is not None
    version = session.scalar(select(ServiceVersion).where(ServiceVersion.service_id == service.id))
    assert version.number == 1 and version.approved_by_id == commissioner.id and version.proposed_by_id == provider.id
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "service.approved", AuditEvent.subject_id == str(service.id))
    )
    assert client.get(f"/services/{service.slug}").status_code == 200
    assert "Test Mentoring Service" in client.get("/find?borough=E09000022").get_data(as_text=True)


def test_a_service_waits_for_its_organisation(client, make_user, session):
    _, org, service = _submit_as_provider(client, make_user, session, org_state="pending")
    session.add(Revision(subject_type="organisation", organisation_id=org.id, kind="new", proposed={"name": org.name}))
    session.flush()
    sign_in(client, make_user("commissioner").email)
    response = _decide(client, _revision(session, service).id, "approve")
    assert response.status_code == 409 and "Approve the service&#39;s organisation first." in response.get_data(
        as_text=True
    )
    org_revision = session.scalar(select(Revision).where(Revision.organisation_id == org.id))
    assert _decide(client, org_revision.id, "approve").status_code == 303
    assert _decide(client, _revision(session, service).id, "approve").status_code == 303
    session.expire_all()
    assert session.get(Organisation, org.id).moderation == "published"


def test_rejection_needs_a_reason_the_provider_sees(client, make_user, session):
    provider, _, service = _submit_as_provider(client, make_user, session)
    sign_in(client, make_user("commissioner").email)
    revision = _revision(session, service)
    missing = _decide(client, revision.id, "reject", "")
    assert missing.status_code == 400 and "Give a reason the provider can act on." in missing.get_data(as_text=True)
    assert _decide(client, revision.id, "reject", "Name the <b>boroughs</b> you cover.").status_code == 303
    session.expire_all()
    assert session.get(Service, service.id).moderation == "rejected"
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "service.rejected"))
        .detail["reason"]
        .startswith("Name the")
    )
    sign_in(client, provider.email)
    board = client.get("/provider/").get_data(as_text=True)
    assert "Name the &lt;b&gt;boroughs&lt;/b&gt; you cover." in board
    # resubmitting puts it back in the queue
    url = f"/provider/services/{service.id}/edit"
    version = str(session.get(Service, service.id).version)
    assert post_form(client, url, service_form_data(version=version)).status_code == 302
    session.expire_all()
    assert session.get(Service, service.id).moderation == "pending"
    assert _revision(session, service).state == "pending"


def test_edit_to_live_service_diff_escaped_and_approval_applies_it(client, make_user, session):
    provider, org, service = _submit_as_provider(client, make_user, session)
    commissioner = make_user("commissioner")
    sign_in(client, commissioner.email)
    _decide(client, _revision(session, service).id, "approve")
    sign_in(client, provider.email)
    session.expire_all()
    url = f"/provider/services/{service.id}/edit"
    version = str(session.get(Service, service.id).version)
    post_form(client, url, service_form_data(summary="<script>alert(1)</script>", max_age="30", version=version))
    session.expire_all()
    assert session.get(Service, service.id).summary == "Mentoring for young adults leaving prison."  # live stays
    sign_in(client, commissioner.email)
    revision = _revision(session, service)
    detail = client.get(f"/review/{revision.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in detail and "&lt;script&gt;alert(1)&lt;/script&gt;" in detail
    assert "Maximum age" in detail and ">25<" in detail and ">30<" in detail
    assert (
        "Service name" not in detail.split("What would change")[1].split("</table>")[0]
    )  # unchanged fields not listed
    assert _decide(client, revision.id, "approve").status_code == 303
    session.expire_all()
    live = session.get(Service, service.id)
    assert live.summary == "<script>alert(1)</script>" and live.max_age == 30
    versions = session.scalars(
        select(ServiceVersion).where(ServiceVersion.service_id == service.id).order_by(ServiceVersion.number)
    ).all()
    assert [v.number for v in versions] == [1, 2]
    assert {c["field"] for c in versions[1].changes} == {"summary", "max_age"}
    history = client.get(f"/review/services/{service.id}/history").get_data(as_text=True)
    assert "Version 2" in history and "Version 1" in history
    # deciding twice is refused cleanly
    again = _decide(client, revision.id, "approve")
    assert again.status_code in (302, 409)


def test_stale_services_are_flagged_on_the_review_page(client, make_user, session):
    from datetime import datetime, timedelta, timezone

    org = Organisation(slug="stale-org", name="Stale Org", moderation="published")
    session.add(org)
    session.flush()
    old = datetime.now(timezone.utc) - timedelta(days=200)
    session.add(
        Service(
            slug="old-unconfirmed",
            name="Old Unconfirmed Service",
            organisation_id=org.id,
            moderation="published",
            created_at=old,
            last_confirmed_at=old,
        )
    )
    session.add(
        Service(
            slug="fresh-confirmed",
            name="Fresh Confirmed Service",
            organisation_id=org.id,
            moderation="published",
            created_at=old,
            last_confirmed_at=datetime.now(timezone.utc),
        )
    )
    session.flush()
    sign_in(client, make_user("commissioner").email)
    page = client.get("/review").get_data(as_text=True)
    stale_part = page.split('id="stale"')[1]
    assert "Old Unconfirmed Service" in stale_part and "Fresh Confirmed Service" not in stale_part


def test_offer_add_and_remove_are_audited(client, login_as, session):
    commissioner = login_as("commissioner")
    page = client.get("/offer")
    assert page.status_code == 200
    response = post_form(
        client,
        "/offer",
        {"category": "hate_crime", "cohort": "probation", "note": "001_x.txt", "quote": "Hate crime <i>matters</i>"},
    )
    assert response.status_code == 303
    item = session.scalar(
        select(MinimumOfferItem)
        .join(MinimumOfferItem.category)
        .where(MinimumOfferItem.changed_by == commissioner.email)
    )
    assert item.category.slug == "hate_crime" and item.cohort.slug == "probation"
    html = client.get("/offer").get_data(as_text=True)
    assert "Hate crime &lt;i&gt;matters&lt;/i&gt;" in html
    duplicate = post_form(client, "/offer", {"category": "hate_crime", "cohort": "probation"})
    assert duplicate.status_code == 400 and "already in the minimum offer" in duplicate.get_data(as_text=True)
    invalid = post_form(client, "/offer", {"category": ""})
    assert invalid.status_code == 400 and 'href="#category"' in invalid.get_data(as_text=True)
    removed = post_form(client, f"/offer/{item.id}/remove", {}, form_url="/offer")
    assert removed.status_code == 303
    assert session.get(MinimumOfferItem, item.id) is None
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == commissioner.id)))
    assert {"offer.add", "offer.remove"} <= actions


def test_admin_changes_roles_and_it_is_audited(client, login_as, make_user, session):
    admin = login_as("admin")
    officer = make_user("officer")
    org = session.scalar(select(Organisation).where(Organisation.moderation == "published"))
    response = post_form(
        client,
        f"/users/{officer.id}",
        {"role": "provider", "organisation_id": str(org.id), "active": "y"},
        form_url="/users",
    )
    assert response.status_code == 303
    session.expire_all()
    from directory.models import User

    changed = session.get(User, officer.id)
    assert changed.role == "provider" and changed.organisation_id == org.id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id and event.detail["before"]["role"] == "officer"
    # a provider needs an organisation; an admin cannot demote themselves
    post_form(
        client, f"/users/{officer.id}", {"role": "provider", "organisation_id": "", "active": "y"}, form_url="/users"
    )
    post_form(
        client, f"/users/{admin.id}", {"role": "officer", "organisation_id": "", "active": "y"}, form_url="/users"
    )
    session.expire_all()
    assert session.get(User, admin.id).role == "admin"
    assert "audit" in client.get("/audit").get_data(as_text=True).lower()
