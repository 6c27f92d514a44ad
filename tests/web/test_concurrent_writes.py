"""Several people writing at once on a real SQLite file: no "database is locked", no lost update."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.models import Organisation, Service
from tests.conftest import TEST_PASSWORD, csrf_from, service_form_data
from tests.file_database import all_at_once, build_file_app, signed_in_client

WRITERS = 6


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = build_file_app(tmp_path_factory.mktemp("concurrent") / "directory.sqlite")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def providers(app):
    """WRITERS provider accounts, each with an organisation and one service of their own."""
    from directory.operations.accounts import create_user

    emails = []
    with app.app_context():
        for n in range(WRITERS):
            org = Organisation(slug=f"writer-org-{n}", name=f"Writer Organisation {n}", moderation="published")
            db.session.add(org)
            db.session.flush()
            email = f"writer{n}@example.org"
            create_user(db.session, email, f"Writer {n}", TEST_PASSWORD, "provider", org.id)
            emails.append(email)
        db.session.remove()
    for n, email in enumerate(emails):
        client = signed_in_client(app, email)
        page = client.get("/provider/services/new").get_data(as_text=True)
        data = service_form_data(name=f"Writer Service {n}", summary="First words.")
        assert client.post("/provider/services/new", data={**data, "csrf_token": csrf_from(page)}).status_code == 302
    return emails


def _service_id(app, name: str) -> int:
    with app.app_context():
        service_id = db.session.scalar(select(Service.id).where(Service.name == name))
        db.session.remove()
    return service_id


def _edit_form(client, service_id: int) -> dict:
    """The edit page's hidden fields, as the browser would send them back."""
    html = client.get(f"/provider/services/{service_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="([^"]*)"', html) or re.search(
        r'value="([^"]*)"[^>]*name="version"', html
    )
    return {"csrf_token": csrf_from(html), "version": version.group(1)}


def _outcome(response) -> tuple[int, str]:
    return response.status_code, response.get_data(as_text=True)


def test_simultaneous_correct_sign_ins_all_succeed(app, providers):
    clients = [app.test_client() for _ in providers]
    tokens = [csrf_from(c.get("/login").get_data(as_text=True)) for c in clients]

    def sign_in(client, token, email):
        return lambda: _outcome(
            client.post("/login", data={"csrf_token": token, "email": email, "password": TEST_PASSWORD})
        )

    results = all_at_once([sign_in(c, t, e) for c, t, e in zip(clients, tokens, providers, strict=True)])
    assert [r[0] if isinstance(r, tuple) else repr(r) for r in results] == [302] * len(providers)


def test_simultaneous_edits_of_different_services_are_all_saved(app, providers):
    clients = [signed_in_client(app, email) for email in providers]
    ids = [_service_id(app, f"Writer Service {n}") for n in range(len(providers))]
    forms = [_edit_form(c, i) for c, i in zip(clients, ids, strict=True)]

    def save(client, service_id, form, n):
        data = {**service_form_data(name=f"Writer Service {n}", summary=f"Edited at once by writer {n}."), **form}
        return lambda: _outcome(client.post(f"/provider/services/{service_id}/edit", data=data))

    results = all_at_once([save(c, i, f, n) for n, (c, i, f) in enumerate(zip(clients, ids, forms, strict=True))])
    assert [r[0] if isinstance(r, tuple) else repr(r) for r in results] == [302] * len(providers)
    with app.app_context():
        saved = {s.name: s.summary for s in db.session.scalars(select(Service))}
        db.session.remove()
    for n in range(len(providers)):
        assert saved[f"Writer Service {n}"] == f"Edited at once by writer {n}."


def test_simultaneous_saves_of_one_service_give_one_winner_and_keep_the_other_text(app, providers):
    email = providers[0]
    first, second = signed_in_client(app, email), signed_in_client(app, email)
    service_id = _service_id(app, "Writer Service 0")
    forms = [_edit_form(first, service_id), _edit_form(second, service_id)]
    assert forms[0]["version"] == forms[1]["version"]
    texts = ["Typed by the first colleague.", "Typed by the second colleague."]

    def save(client, form, text):
        data = {**service_form_data(name="Writer Service 0", summary=text), **form}
        return lambda: _outcome(client.post(f"/provider/services/{service_id}/edit", data=data))

    results = all_at_once([save(first, forms[0], texts[0]), save(second, forms[1], texts[1])])
    statuses = sorted(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == [302, 409], results
    winner = next(i for i, r in enumerate(results) if r[0] == 302)
    loser_html = results[1 - winner][1]
    assert "changed by someone else" in loser_html
    assert texts[1 - winner] in loser_html  # what they typed is still in the form
    with app.app_context():
        assert db.session.get(Service, service_id).summary == texts[winner]
        db.session.remove()
