"""Requests nobody should send still get a clear 4xx, never a 500, and change nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from directory.models import Organisation, Service
from tests.conftest import csrf_from, post_form, service_form_data

HUGE = 2**63  # one past what a database row id can hold


@pytest.mark.parametrize(
    "role, method, url",
    [
        ("commissioner", "get", f"/review/{HUGE}"),
        ("commissioner", "post", f"/review/{HUGE}"),
        ("commissioner", "get", f"/review/services/{HUGE}/history"),
        ("commissioner", "post", f"/offer/{HUGE}/remove"),
        ("admin", "post", f"/users/{HUGE}"),
        ("provider", "get", f"/provider/services/{HUGE}/edit"),
        ("provider", "post", f"/provider/services/{HUGE}/confirm"),
        ("provider", "get", f"/provider/services/{HUGE}/history"),
        ("provider", "get", f"/provider/services/{10**40}/edit"),
    ],
)
def test_ids_too_large_for_a_row_are_not_found(client, login_as, role, method, url):
    login_as(role)
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    response = getattr(client, method)(url, data={"csrf_token": token})
    assert response.status_code == 404 or (method == "post" and response.status_code == 405)


def test_an_organisation_id_too_large_is_a_clear_error(client, login_as, make_user):
    target = make_user("officer")
    login_as("admin")
    response = post_form(
        client, f"/users/{target.id}", {"role": "provider", "organisation_id": str(HUGE)}, form_url="/users"
    )
    assert response.status_code == 303
    assert "Not a valid choice" in client.get("/users").get_data(as_text=True)


def _upload():
    return (io.BytesIO(b"not text"), "notes.txt")


@pytest.mark.parametrize(
    "url, field",
    [
        ("/login", "email"),
        ("/login", "password"),
        ("/signup", "organisation_name"),
    ],
)
def test_a_file_in_a_text_field_is_refused_clearly(client, url, field):
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, field: _upload()}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This form does not take files" in response.get_data(as_text=True)


def test_a_file_in_a_provider_form_is_refused_and_nothing_is_saved(client, login_as, session):
    login_as("provider")
    before = session.scalar(select(func.count(Service.id)))
    form = service_form_data(description=_upload())
    token = csrf_from(client.get("/provider/services/new").get_data(as_text=True))
    response = client.post(
        "/provider/services/new", data={"csrf_token": token, **form}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count(Service.id))) == before


@pytest.mark.parametrize("body", ['{"email": "a@b.org"', "[1, 2]", '"text"', '{"email": {"x": 1}}', "null"])
def test_json_posted_to_a_form_page_is_refused_clearly(client, body):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data=body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 415
    assert "This page takes a form, not JSON" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "NaN", "1e309", "Infinity"])
def test_hours_and_weeks_must_be_real_numbers(client, login_as, session, value):
    login_as("provider")
    before = session.scalar(select(func.count(Service.id)))
    form = service_form_data(
        oocd_disposals=["conditional_caution"],
        oocd_condition_kinds=["rehabilitative"],
        oocd_hours=value,
        oocd_completion_weeks=value,
    )
    response = post_form(client, "/provider/services/new", form)
    assert response.status_code == 400
    assert "Enter a number, like 12 or 7.5." in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Service.id))) == before


def test_the_domain_rule_refuses_numbers_that_are_not_numbers():
    from directory.core.service_rules import check_service

    errors = check_service({"oocd_hours": float("inf"), "oocd_completion_weeks": float("nan")})
    assert errors == {
        "oocd_hours": "Enter a number, like 12 or 7.5.",
        "oocd_completion_weeks": "Enter a number, like 12 or 7.5.",
    }


def test_the_session_cookie_is_secure_and_forms_expire(app, client, login_as):
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["WTF_CSRF_TIME_LIMIT"] and app.config["WTF_CSRF_TIME_LIMIT"] <= 24 * 3600
    login_as("officer")
    cookie = client.get_cookie("session")
    assert cookie.secure and cookie.http_only


def test_an_expired_form_says_so(app, client, monkeypatch):
    import time

    from itsdangerous.timed import TimestampSigner

    token = csrf_from(client.get("/login").get_data(as_text=True))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 9 * 3600)
    response = client.post("/login", data={"csrf_token": token, "email": "a@example.org", "password": "whatever it is"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_repeated_names_get_the_next_free_slug(client, login_as, session):
    provider = login_as("provider")
    org = session.get(Organisation, provider.organisation_id)
    slugs = []
    for _ in range(4):
        assert post_form(client, "/provider/services/new", service_form_data(name="Same Name")).status_code == 302
    slugs = sorted(session.scalars(select(Service.slug).where(Service.organisation_id == org.id)))
    assert slugs == ["same-name", "same-name-2", "same-name-3", "same-name-4"]


@pytest.mark.parametrize("url", ["/services?q=a%00b", "/find?postcode=SW1A%002AA", "/api/find?borough=E09%0000033"])
def test_nul_characters_in_queries_are_a_clear_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_nul_characters_in_forms_are_a_clear_400(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"csrf_token": token, "email": "a\x00@example.org", "password": "x"})
    assert response.status_code == 400
    assert "Text cannot contain NUL characters." in response.get_data(as_text=True)
