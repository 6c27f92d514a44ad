"""Providers: the service form (every field validated, nothing lost), sites, edits, confirming."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.models import AuditEvent, Organisation, Revision, Service
from tests.conftest import csrf_from, error_summary, post_form, service_form_data


@pytest.fixture
def provider(login_as):
    return login_as("provider")


def _new(client, **overrides):
    return post_form(client, "/provider/services/new", service_form_data(**overrides))


def test_dashboard_lists_only_own_services(client, provider, session):
    html = client.get("/provider/").get_data(as_text=True)
    assert "Your services" in html and "Add a service" in html


def test_new_service_is_pending_with_its_site_placed(client, provider, session):
    response = _new(client)
    assert response.status_code == 302
    service = session.scalar(select(Service).where(Service.name == "Test Mentoring Service"))
    assert service.moderation == "pending" and service.organisation_id == provider.organisation_id
    assert [b.code for b in service.boroughs] == ["E09000022"]
    assert service.min_age == 18 and service.languages == ["English", "Polish"]
    site = service.sites[0]
    assert site.postcode == "SE1 7TP" and site.borough.code == "E09000022" and site.lat
    assert session.scalar(select(Revision).where(Revision.service_id == service.id)).kind == "new"
    # invisible to the public, the finder and the API until approved
    assert client.get(f"/services/{service.slug}").status_code == 404
    assert service.slug not in client.get("/api/services?per_page=100").get_data(as_text=True)
    assert "Test Mentoring Service" not in client.get("/find?borough=E09000022").get_data(as_text=True)


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"name": ""}, "name", "Enter the service&#39;s name."),
        (
            {"min_age": "30", "max_age": "20"},
            "max_age",
            "Maximum age must be the same as or more than the minimum age.",
        ),
        ({"min_age": "eighteen"}, "min_age", "Enter a whole number, like 18."),
        (
            {"starts_on": "2024-05-01", "ends_on": "2024-01-01"},
            "ends_on",
            "End date must be the same as or after the start date.",
        ),
        ({"starts_on": "2024-02-31"}, "starts_on", "Enter a real date"),
        ({"categories": []}, "categories", "Select at least one category of need."),
        (
            {
                "boroughs": [],
                "sites-0-name": "",
                "sites-0-address": "",
                "sites-0-postcode": "",
                "sites-0-opening_details": "",
            },
            "boroughs",
            "Select the boroughs",
        ),
        (
            {"oocd_disposals": ["community_caution"], "oocd_condition_kinds": ["unpaid_work"], "oocd_hours": "12"},
            "oocd_hours",
            "caps unpaid work at 10 hours",
        ),
        (
            {"oocd_disposals": ["conditional_caution"], "oocd_completion_weeks": "30"},
            "oocd_completion_weeks",
            "within 20 weeks",
        ),
        ({"oocd_hours": "5"}, "oocd_disposals", "Select the out-of-court disposals"),
        (
            {"offences_accepted": ["theft"], "offences_excluded": ["theft"]},
            "offences_excluded",
            "both accepted and excluded",
        ),
        ({"website": "not a url"}, "website", "Enter a web address"),
        ({"email": "nope"}, "email", "Enter an email address in the correct format"),
        ({"status": "bogus"}, "status", "Not a valid choice"),
        ({"categories": ["made_up"]}, "categories", "not a valid choice"),
        ({"sites-0-postcode": "not a postcode"}, "sites-0-postcode", "Enter a real postcode"),
        ({"sites-0-postcode": "M1 1AE"}, "sites-0-postcode", "outside London"),
        ({"sites-0-name": ""}, "sites-0-name", "Enter the site&#39;s name."),
    ],
)
def test_invalid_service_shows_errors_keeps_input_and_saves_nothing(
    client, provider, session, overrides, field, message
):
    before = session.scalar(select(Service.id).order_by(Service.id.desc()))
    response = _new(client, description="Kept <b>text</b>", **overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"#{field}" in error_summary(html).values()
    assert message in html
    assert f'id="{field}-error"' in html  # the message beside the field
    assert "Kept &lt;b&gt;text&lt;/b&gt;" in html  # what was typed comes back, escaped
    assert session.scalar(select(Service.id).order_by(Service.id.desc())) == before


def test_editing_a_pending_service_changes_it_directly(client, provider, session):
    _new(client)
    service = session.scalar(select(Service).where(Service.name == "Test Mentoring Service"))
    url = f"/provider/services/{service.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Test Mentoring Service"' in page and 'value="SE1 7TP"' in page
    version = str(service.version)
    assert f'name="version" type="hidden" value="{version}"' in page
    response = post_form(client, url, service_form_data(name="Renamed", version=version))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Service, service.id).name == "Renamed"


def _live_service(session, provider):
    service = Service(
        slug="live-test-service",
        name="Live Test Service",
        organisation_id=provider.organisation_id,
        moderation="published",
        categories=[],
        how_to_refer="Phone us.",
    )
    session.add(service)
    session.flush()
    return service


def test_edit_to_a_live_service_is_a_revision_and_the_live_version_stays(client, provider, session):
    service = _live_service(session, provider)
    url = f"/provider/services/{service.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "the live version stays up" in page
    response = post_form(client, url, service_form_data(name="Proposed Name", version=str(service.version)))
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Service, service.id).name == "Live Test Service"
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id))
    assert revision.kind == "edit" and revision.state == "pending" and revision.proposed["name"] == "Proposed Name"
    # the form now shows the proposal, for further changes
    assert 'value="Proposed Name"' in client.get(url).get_data(as_text=True)


def test_stale_form_is_refused_and_keeps_what_was_typed(client, provider, session):
    service = _live_service(session, provider)
    url = f"/provider/services/{service.id}/edit"
    old_version = str(service.version)
    service.summary = "Changed by a colleague"
    session.flush()  # bumps the version (version_id_col)
    assert str(service.version) != old_version
    response = post_form(client, url, service_form_data(name="My edit", version=old_version))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "This service was changed by someone else since you opened it. Reload to see their changes." in html
    assert 'value="My edit"' in html
    assert session.scalar(select(Revision).where(Revision.service_id == service.id)) is None


def test_stale_data_error_is_a_clean_conflict_not_a_500(client, provider, session, monkeypatch):
    from sqlalchemy.orm.exc import StaleDataError

    service = _live_service(session, provider)
    url = f"/provider/services/{service.id}/edit"
    token = csrf_from(client.get(url).get_data(as_text=True))
    real_commit = session.commit

    def racing_commit():
        raise StaleDataError("UPDATE statement on table 'service' expected to update 1 row(s); 0 were matched.")

    monkeypatch.setattr(session, "commit", racing_commit)
    response = client.post(url, data={**service_form_data(version=str(service.version)), "csrf_token": token})
    monkeypatch.setattr(session, "commit", real_commit)
    assert response.status_code == 409
    assert "changed by someone else" in response.get_data(as_text=True)


def test_confirm_still_current(client, provider, session):
    service = _live_service(session, provider)
    page = client.get("/provider/").get_data(as_text=True)
    assert "Confirm still current" in page
    response = client.post(f"/provider/services/{service.id}/confirm", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Service, service.id).last_confirmed_at is not None
    assert "Last confirmed current on" in client.get("/services/live-test-service").get_data(as_text=True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "service.confirmed_current"))


def test_organisation_edit_when_pending_is_direct(client, provider, session):
    org = session.get(Organisation, provider.organisation_id)
    org.moderation = "pending"
    session.flush()
    page = client.get("/provider/organisation").get_data(as_text=True)
    response = post_form(
        client,
        "/provider/organisation",
        {
            "name": "Better Name",
            "website": "https://better.example.org",
            "version": page.split('name="version" type="hidden" value="')[1].split('"')[0],
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organisation, org.id).name == "Better Name"


def test_organisation_form_errors(client, provider):
    response = post_form(client, "/provider/organisation", {"name": "", "phone": "call me"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'href="#name"' in html and 'href="#phone"' in html and 'value="call me"' in html
