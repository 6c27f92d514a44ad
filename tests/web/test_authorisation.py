"""Every write route refuses every role that must not write: 403, or sign-in when anonymous.

Providers only touch their own organisation's records, whatever id they put in the URL or
in the form. Each request carries a valid CSRF token, so a refusal is the guard's doing.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.models import MinimumOfferItem, Organisation, Revision, Service, User
from tests.conftest import csrf_from, service_form_data

ROLES = ["anonymous", "officer", "provider", "commissioner", "admin"]


@pytest.fixture
def records(session, make_user):
    """Another organisation's live service, a pending revision, an offer item and a user."""
    other_org = Organisation(slug="other-org", name="Other Org", moderation="published")
    session.add(other_org)
    session.flush()
    service = Service(
        slug="other-service",
        name="Other Service",
        organisation_id=other_org.id,
        moderation="published",
        how_to_refer="Phone.",
    )
    session.add(service)
    session.flush()
    revision = Revision(
        subject_type="service",
        service_id=service.id,
        kind="edit",
        proposed={"name": "Hijacked"},
        base_version=service.version,
    )
    session.add(revision)
    session.flush()
    victim = make_user("officer")
    return {
        "service": service.id,
        "revision": revision.id,
        "offer": session.scalar(select(MinimumOfferItem.id)),
        "user": victim.id,
        "org": other_org.id,
    }


# (method, url template, roles allowed to write, form data)
WRITE_ROUTES = [
    ("/provider/services/new", {"provider"}, lambda r: service_form_data()),
    ("/provider/services/{service}/edit", set(), lambda r: service_form_data(name="Hijacked")),  # not their org
    ("/provider/services/{service}/confirm", set(), lambda r: {}),
    ("/provider/organisation", {"provider"}, lambda r: {"name": "Renamed Org"}),
    ("/review/{revision}", {"commissioner"}, lambda r: {"decision": "approve"}),
    ("/offer", {"commissioner"}, lambda r: {"category": "stalking"}),
    ("/offer/{offer}/remove", {"commissioner"}, lambda r: {}),
    ("/users/{user}", {"admin"}, lambda r: {"role": "admin", "active": "y"}),
    ("/account/password", ROLES[1:], lambda r: {}),
]

CASES = [
    pytest.param(url, role, data, id=f"{url}-{role}")
    for url, allowed, data in WRITE_ROUTES
    for role in ROLES
    if role not in allowed
]


def _token(client) -> str:
    html = client.get("/login").get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/").get_data(as_text=True)
    return csrf_from(html)


@pytest.mark.parametrize("url, role, data", CASES)
def test_write_routes_refuse_roles_that_must_not_write(client, login_as, records, session, url, role, data):
    if role != "anonymous":
        login_as(role)
    target = url.format(**records)
    response = client.post(target, data={"csrf_token": _token(client), **data(records)})
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403, response.get_data(as_text=True)[:300]
    session.expire_all()
    assert session.get(Service, records["service"]).name == "Other Service"
    assert session.get(Revision, records["revision"]).state == "pending"
    assert session.get(MinimumOfferItem, records["offer"]) is not None
    assert session.get(User, records["user"]).role == "officer"


READ_ROUTES = [
    ("/provider/", {"provider"}),
    ("/provider/services/new", {"provider"}),
    ("/review", {"commissioner"}),
    ("/review/{revision}", {"commissioner"}),
    ("/review/services/{service}/history", {"commissioner"}),
    ("/offer", {"commissioner"}),
    ("/users", {"admin"}),
    ("/audit", {"commissioner", "admin"}),
]


@pytest.mark.parametrize(
    "url, role",
    [pytest.param(u, r, id=f"{u}-{r}") for u, allowed in READ_ROUTES for r in ROLES if r not in allowed],
)
def test_private_pages_refuse_other_roles(client, login_as, records, url, role):
    if role != "anonymous":
        login_as(role)
    response = client.get(url.format(**records))
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", ["edit", "history"])
def test_provider_cannot_open_another_organisations_service(client, login_as, records, path):
    login_as("provider")
    assert client.get(f"/provider/services/{records['service']}/{path}").status_code == 403


def test_ids_in_hidden_fields_are_ignored(client, login_as, records, session):
    provider = login_as("provider")
    data = service_form_data(
        name="Smuggled Service", organisation_id=str(records["org"]), service_id=str(records["service"])
    )
    response = client.post("/provider/services/new", data={"csrf_token": _token(client), **data})
    assert response.status_code == 302
    smuggled = session.scalar(select(Service).where(Service.name == "Smuggled Service"))
    assert smuggled.organisation_id == provider.organisation_id != records["org"]
    session.expire_all()
    assert session.get(Service, records["service"]).name == "Other Service"


def test_provider_cannot_confirm_someone_elses_service(client, login_as, records, session):
    login_as("provider")
    response = client.post(f"/provider/services/{records['service']}/confirm", data={"csrf_token": _token(client)})
    assert response.status_code == 403
    assert session.get(Service, records["service"]).last_confirmed_at is None


def test_unknown_ids_are_refused_not_a_500(client, login_as):
    login_as("provider")
    assert client.get("/provider/services/999999/edit").status_code == 403
    login_as("commissioner")
    assert client.get("/review/999999").status_code == 302
