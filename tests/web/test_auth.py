"""Accounts: sign-in and its throttling, sign-out, sign-up, password change, the CLI."""

from __future__ import annotations

import re

from sqlalchemy import select

from directory.models import AuditEvent, Organisation, Revision, User
from tests.conftest import TEST_PASSWORD, csrf_from, error_summary, post_form, sign_in


def _events(session, action):
    return session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_login_page_has_csrf_and_secure_cookie_flags(client, app):
    page = client.get("/login")
    assert page.status_code == 200
    assert csrf_from(page.get_data(as_text=True))
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    set_cookie = page.headers.get("Set-Cookie", "")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie


def test_login_without_csrf_is_refused(client, make_user):
    user = make_user("officer")
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "its security token is missing" in response.get_data(as_text=True)


def test_login_success_and_failure_are_audited(client, session, make_user):
    user = make_user("commissioner")
    bad = sign_in(client, user.email, "wrong password entirely")
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Enter a correct email address and password." in html
    assert 'value="' + user.email + '"' in html  # what was typed is kept
    good = sign_in(client, user.email.upper())
    assert good.status_code == 302 and good.headers["Location"].endswith("/review")
    assert [e.detail["why"] for e in _events(session, "login.failure") if e.subject_id == str(user.id)] == [
        "wrong password"
    ]
    assert any(e.actor_id == user.id for e in _events(session, "login.success"))


def test_unknown_email_says_the_same_as_a_wrong_password(client):
    response = sign_in(client, "nobody@example.org", "whatever it is here")
    assert response.status_code == 400
    assert "Enter a correct email address and password." in response.get_data(as_text=True)


def test_failures_throttle_that_email_from_that_address_only(client, session, make_user):
    from directory.extensions import limiter

    user = make_user("officer")
    limiter.reset()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for _ in range(5):
        wrong = {"csrf_token": token, "email": user.email, "password": "not the password!"}
        assert client.post("/login", data=wrong).status_code == 400
    here = client.post("/login", data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD})
    assert here.status_code == 429
    assert "Too many failed sign-in attempts for this email address" in here.get_data(as_text=True)
    # Someone typing the address elsewhere cannot shut its owner out.
    elsewhere = client.post(
        "/login",
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
        data={"csrf_token": token, "email": user.email, "password": TEST_PASSWORD},
    )
    assert elsewhere.status_code == 302
    assert session.get(User, user.id).locked_until is None
    limiter.reset()


def test_unknown_and_real_accounts_are_throttled_alike(client, make_user):
    """The answers never say which addresses have accounts."""
    from directory.extensions import limiter

    real = make_user("commissioner")
    answers = {}
    for email in (real.email, "nobody-here@example.org"):
        limiter.reset()
        token = csrf_from(client.get("/login").get_data(as_text=True))
        statuses, last = [], None
        for _ in range(6):
            last = client.post("/login", data={"csrf_token": token, "email": email, "password": "wrong wrong wrong"})
            statuses.append(last.status_code)
        answers[email] = (statuses, last.get_data(as_text=True).replace(email, "EMAIL"))
    (real_statuses, real_page), (nobody_statuses, nobody_page) = answers.values()
    assert real_statuses == nobody_statuses == [400] * 5 + [429]
    assert re.sub(r'value="[^"]*"', "", real_page) == re.sub(r'value="[^"]*"', "", nobody_page)
    limiter.reset()


def test_a_long_crafted_email_is_refused_quickly_by_its_length(client):
    from directory.extensions import limiter

    limiter.reset()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    for hostile in ("a@" + "a." * 20_000 + "@", "a@" + "a." * 60_000 + "@"):
        response = client.post("/login", data={"csrf_token": token, "email": hostile, "password": "x"})
        assert response.status_code == 400
        page = response.get_data(as_text=True)
        assert "Email address must be 254 characters or fewer." in page
        assert "correct format" not in page  # nothing ran after the length check
    limiter.reset()


def test_login_is_rate_limited_per_address(client, app):
    from directory.extensions import limiter

    limiter.reset()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": f"x{i}@example.org", "password": "nope nope nope"}
        ).status_code
        for i in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    limiter.reset()


def test_login_is_rate_limited_per_submitted_email_and_address(client):
    from directory.extensions import limiter

    limiter.reset()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    statuses = [
        client.post(
            "/login", data={"csrf_token": token, "email": "same@example.org", "password": "nope nope nope"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [400] * 5 + [429]
    limiter.reset()


def test_open_redirect_after_login_is_ignored(client, make_user):
    user = make_user("officer")
    from directory.extensions import limiter

    limiter.reset()
    response = post_form(
        client, "/login?next=https://evil.example/", {"email": user.email, "password": TEST_PASSWORD}, form_url="/login"
    )
    assert response.status_code == 302 and "evil" not in response.headers["Location"]


def test_logout_is_a_post_with_csrf(client, login_as, session):
    user = login_as("officer")
    page = client.get("/find").get_data(as_text=True)
    assert "Sign out" in page and "Sign in</a>" not in page
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert "Sign in</a>" in client.get("/find").get_data(as_text=True)
    assert any(e.actor_id == user.id for e in _events(session, "logout"))


def test_a_session_cookie_copied_before_sign_out_no_longer_works(client, login_as):
    login_as("officer")
    captured = client.get_cookie("session").value
    assert client.get("/account/password").status_code == 200
    page = client.get("/find").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": csrf_from(page)}).status_code == 302
    client.set_cookie("session", captured)  # replayed, as someone who copied it would
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_provider_signs_up_with_a_pending_organisation(client, session):
    response = post_form(
        client,
        "/signup",
        {
            "name": "Pat Provider",
            "email": "pat@newcharity.org",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "organisation_name": "New Charity",
            "organisation_website": "https://newcharity.org",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/provider/")
    user = session.scalar(select(User).where(User.email == "pat@newcharity.org"))
    assert user.role == "provider" and user.password_hash.startswith("$argon2")
    org = session.get(Organisation, user.organisation_id)
    assert org.moderation == "pending"
    assert session.scalar(select(Revision).where(Revision.organisation_id == org.id)).kind == "new"
    assert "<span>New Charity</span>" not in client.get("/services?q=New+Charity").get_data(as_text=True)


def test_signup_errors_keep_what_was_typed(client, session):
    response = post_form(
        client,
        "/signup",
        {
            "name": "Pat",
            "email": "not-an-email",
            "password": "short",
            "confirm": "different",
            "organisation_name": "",
            "organisation_website": "nonsense",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = error_summary(html)
    for message, anchor in [
        ("Enter an email address in the correct format", "#email"),
        ("Password must be at least 12 characters.", "#password"),
        ("The passwords do not match.", "#confirm"),
        ("Enter your organisation&#39;s name.", "#organisation_name"),
        ("Enter a web address", "#organisation_website"),
    ]:
        assert [href for text, href in summary.items() if text.startswith(message)] == [anchor]
    assert 'value="Pat"' in html and 'value="not-an-email"' in html
    assert 'value="short"' not in html  # passwords are never echoed
    assert session.scalar(select(User).where(User.name == "Pat")) is None


def test_signup_refuses_a_taken_email(client, make_user):
    user = make_user("officer")
    response = post_form(
        client,
        "/signup",
        {
            "name": "Someone",
            "email": user.email,
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
            "organisation_name": "Another Org",
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_password_change_signs_out_other_sessions(app, client, login_as, session):
    user = login_as("officer")
    other = app.test_client()
    assert sign_in(other, user.email).status_code == 302
    bad = post_form(
        client,
        "/account/password",
        {"current_password": "wrong", "new_password": "a brand new passphrase", "confirm": "a brand new passphrase"},
    )
    assert bad.status_code == 400 and "current password is not correct" in bad.get_data(as_text=True)
    ok = post_form(
        client,
        "/account/password",
        {
            "current_password": TEST_PASSWORD,
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert ok.status_code == 302
    assert client.get("/account/password").status_code == 200  # this session carries on
    assert other.get("/account/password").status_code == 302  # the other one is signed out
    assert sign_in(app.test_client(), user.email, "a brand new passphrase").status_code == 302


def test_cli_creates_an_admin(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Admin@Example.org",
            "--name",
            "Ada Admin",
            "--password",
            "a long admin passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin account admin@example.org" in result.output
    assert session.scalar(select(User).where(User.email == "admin@example.org")).role == "admin"
    again = runner.invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "admin@example.org",
            "--name",
            "X",
            "--password",
            "a long admin passphrase",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(
        args=["users", "create-admin", "--email", "b@example.org", "--name", "X", "--password", "short"]
    )
    assert weak.exit_code != 0 and "at least 12" in weak.output
