"""Referrals through the pages and the JSON API: who may do what, the emails (through a real
SMTP server), expiry, the outbox's retries, the counts, and that nothing identifies the person."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, inspect, select

from directory.core.referrals import TRANSITIONS, State, format_code
from directory.extensions import db
from directory.models import Organisation, OutgoingEmail, Referral, Service
from tests.conftest import csrf_from, post_form, sign_in

ORG_EMAIL = "intake@refer-org.example.org"
PERSONAL = {
    "name": "Jo Bloggs",
    "date_of_birth": "1990-01-01",
    "address": "1 High Street",
    "postcode": "SE1 7TP",
    "phone": "07700 900123",
    "case_number": "CRN-123",
    "notes": "lives with mum",
}


@pytest.fixture
def org(session):
    organisation = Organisation(slug="refer-org", name="Refer Org", email=ORG_EMAIL, moderation="published")
    session.add(organisation)
    session.flush()
    return organisation


def _service(session, org, slug="refer-mentoring", name="Refer Mentoring", **overrides):
    values = dict(
        slug=slug,
        name=name,
        organisation_id=org.id if org else None,
        status="commissioned",
        moderation="published",
        last_confirmed_at=datetime.now(UTC),
        how_to_refer="Through the directory.",
    )
    values.update(overrides)
    service = Service(**values)
    session.add(service)
    session.flush()
    return service


@pytest.fixture
def service(session, org):
    return _service(session, org)


def facts(**overrides) -> dict:
    values = {
        "service": "refer-mentoring",
        "borough": "E09000022",
        "referrer_agency": "police",
        "age_band": "30_39",
        "needs": ["accommodation", "wellbeing"],
        "cohort": "oocd",
        "disposal": "conditional_caution",
        "condition_kind": "rehabilitative",
        "condition_due": (date.today() + timedelta(days=60)).isoformat(),
        "consent": True,
    }
    values.update(overrides)
    return values


def form_data(**overrides) -> dict:
    data = facts(**overrides)
    data["consent"] = "y" if data["consent"] else ""
    return {k: v for k, v in data.items() if v is not None}


def api_token(client) -> str:
    return client.get("/api/referrals/csrf-token").get_json()["csrf_token"]


def api_post(client, url: str, body: dict, token: str | None = "fetch"):
    headers = {}
    if token == "fetch":
        token = api_token(client)
    if token:
        headers["X-CSRFToken"] = token
    return client.post(url, json=body, headers=headers)


def referral_count(session) -> int:
    return session.scalar(select(func.count(Referral.id)))


def refer(client, **overrides):
    """As the signed-in account: send a referral through the JSON API; its stored code."""
    response = api_post(client, "/api/referrals", facts(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"].replace("-", "")


def _table_row(html: str, heading: str) -> str:
    """The cells after a table row's heading cell, as the page shows them."""
    return re.search(rf"<tr[^>]*>\s*<th[^>]*>{re.escape(heading)}</th>(.*?)</tr>", html, re.S).group(1)


def _buttons(html: str) -> list[str]:
    return re.findall(r"<button[^>]*>\s*(.*?)\s*</button>", html, re.S)


def stored(session, code) -> Referral:
    session.expire_all()
    return session.scalar(select(Referral).where(Referral.code == code))


# -- making a referral --------------------------------------------------------------------


def test_officer_refers_through_the_form_and_the_provider_is_emailed(
    client, login_as, service, org, make_user, mailbox, session
):
    colleague = make_user("provider", organisation=org, email="keeper@refer-org.example.org")
    login_as("officer")
    page = client.get(
        "/referrals/new?service=refer-mentoring&borough=E09000022&need=accommodation&age=34&disposal=conditional_caution"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Refer to Refer Mentoring" in html
    assert re.search(r'<option selected value="30_39">|<option value="30_39" selected>', html)
    for absent in (
        'name="name"',
        'name="date_of_birth"',
        'name="address"',
        'name="postcode"',
        'name="phone"',
        "textarea",
    ):
        assert absent not in html

    response = post_form(client, "/referrals/new", form_data(), form_url="/referrals/new?service=refer-mentoring")
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Referral sent. Its code is {format_code(code)}" in shown
    assert "Sent, not yet acknowledged" in shown
    assert (date.today() + timedelta(days=60)).strftime("%B %Y") in shown  # the condition deadline

    recipients = sorted(r for m in mailbox for r in m.recipients)
    assert recipients == sorted([ORG_EMAIL, colleague.email])
    message = mailbox[0]
    assert format_code(code) in message.subject and "Refer Mentoring" in message.subject
    assert f"http://localhost/referrals/{code}" in message.body
    _assert_nothing_about_the_person(message.subject + message.body)
    assert session.scalar(select(func.count(OutgoingEmail.id)).where(OutgoingEmail.sent_at.is_(None))) == 0


def _assert_nothing_about_the_person(text: str):
    for fact in ("Lambeth", "E09000022", "30", "accommodation", "Accommodation", "caution", "oocd", "police", "Police"):
        assert fact not in text, fact


def test_the_form_reports_every_missing_fact_and_keeps_the_rest(client, login_as, service):
    login_as("officer")
    response = post_form(
        client,
        "/referrals/new",
        form_data(consent=False, age_band=""),
        form_url="/referrals/new?service=refer-mentoring",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The person must agree to the referral" in html
    assert "Choose the person&#39;s age band." in html
    assert 'value="E09000022" selected' in html or 'selected value="E09000022"' in html


@pytest.mark.parametrize("role", ["provider", "admin"])
def test_only_referring_roles_may_refer(client, login_as, service, role, session):
    login_as(role)
    assert client.get("/referrals/new?service=refer-mentoring").status_code == 403
    before = referral_count(session)
    response = api_post(client, "/api/referrals", facts())
    assert response.status_code == 403
    assert referral_count(session) == before


def test_anonymous_is_sent_to_sign_in(client, service):
    assert client.get("/referrals/new?service=refer-mentoring").status_code == 302
    response = client.post("/api/referrals", json=facts())
    assert response.status_code == 400  # no CSRF token, before anything else
    assert client.get("/api/referrals").status_code == 401


def test_commissioner_may_refer_too(client, login_as, service, session):
    user = login_as("commissioner")
    code = refer(client)
    assert stored(session, code).referrer_role == "commissioner"
    assert stored(session, code).referrer_id == user.id


def test_api_refuses_personal_data_by_name_and_stores_nothing(client, login_as, service, session):
    login_as("officer")
    before = referral_count(session)
    response = api_post(client, "/api/referrals", facts(**PERSONAL))
    body = response.get_json()
    assert response.status_code == 400
    assert body["error"] == "unknown_fields"
    assert body["fields"] == sorted(PERSONAL)
    for key in PERSONAL:
        assert key in body["message"]
    assert referral_count(session) == before


def test_api_bad_values_are_400_with_each_problem(client, login_as, service):
    login_as("officer")
    response = api_post(client, "/api/referrals", facts(borough="SW1A 1AA", needs=["cooking"], consent=False))
    body = response.get_json()
    assert response.status_code == 400
    assert set(body["problems"]) == {"borough", "needs", "consent"}
    assert api_post(client, "/api/referrals", ["not", "an", "object"]).status_code == 400
    assert api_post(client, "/api/referrals", facts(service="no-such-service")).status_code == 400


def test_nothing_stored_can_identify_the_person(client, login_as, service, session, mailbox):
    login_as("officer")
    code = refer(client)
    columns = {c["name"] for c in inspect(session.connection()).get_columns("referral")}
    assert columns == {
        "id",
        "code",
        "service_id",
        "organisation_id",
        "referrer_id",
        "referrer_role",
        "referrer_agency",
        "referrer_organisation_id",
        "borough_code",
        "age_band",
        "needs",
        "cohort",
        "disposal",
        "condition_kind",
        "condition_due",
        "consent",
        "state",
        "sent_at",
        "answered_at",
        "updated_at",
        "version",
    }
    event_columns = {c["name"] for c in inspect(session.connection()).get_columns("referral_event")}
    assert event_columns == {
        "id",
        "referral_id",
        "at",
        "actor_id",
        "actor_party",
        "actor_label",
        "from_state",
        "to_state",
        "reason",
    }
    email = session.scalar(select(OutgoingEmail).where(OutgoingEmail.referral_id == stored(session, code).id))
    _assert_nothing_about_the_person(email.subject + email.body)


def test_referral_codes_are_unique_in_the_database(client, login_as, service, session):
    from sqlalchemy.exc import IntegrityError

    login_as("officer")
    code = refer(client)
    copy = stored(session, code)
    twin = Referral(
        **{
            c: getattr(copy, c)
            for c in (
                "code",
                "service_id",
                "referrer_role",
                "referrer_agency",
                "borough_code",
                "age_band",
                "needs",
                "consent",
                "state",
            )
        }
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()


# -- warnings before sending --------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        ({"status": "ended"}, "records this service as ended"),
        ({"status": "unknown"}, "does not know that this service is running"),
        (
            {
                "last_confirmed_at": datetime(2023, 1, 1, tzinfo=UTC),
                "created_at": datetime(2023, 1, 1, tzinfo=UTC),
            },
            "not confirmed the details in the last six months",
        ),
    ],
)
def test_a_service_that_may_not_be_running_warns_before_sending(client, login_as, session, org, overrides, warning):
    _service(session, org, slug="doubtful", name="Doubtful Service", **overrides)
    login_as("officer")
    page = client.get("/referrals/new?service=doubtful").get_data(as_text=True)
    assert warning in page
    before = referral_count(session)
    refused = post_form(
        client, "/referrals/new", form_data(service="doubtful"), form_url="/referrals/new?service=doubtful"
    )
    assert refused.status_code == 400
    assert "Tick to confirm you have read the warnings" in refused.get_data(as_text=True)
    api = api_post(client, "/api/referrals", facts(service="doubtful"))
    assert api.status_code == 409 and any(warning in w for w in api.get_json()["warnings"])
    assert referral_count(session) == before
    sent = post_form(
        client,
        "/referrals/new",
        form_data(service="doubtful", confirm_warnings="y"),
        form_url="/referrals/new?service=doubtful",
    )
    assert sent.status_code == 303
    assert (
        api_post(client, "/api/referrals", {**facts(service="doubtful"), "confirm_warnings": True}).status_code == 201
    )


def test_a_service_with_no_named_provider_cannot_be_referred_here(client, login_as, session):
    _service(session, None, slug="orphan", name="Orphan Service")
    login_as("officer")
    page = client.get("/referrals/new?service=orphan").get_data(as_text=True)
    assert "do not name this service&#39;s provider" in page
    assert "Send referral" not in page
    response = api_post(client, "/api/referrals", facts(service="orphan"))
    assert response.status_code == 400 and "service" in response.get_json()["problems"]


# -- entry points -------------------------------------------------------------------------


def test_finder_results_and_service_pages_offer_refer_to_referrers_only(client, login_as, session):
    url = "/find?borough=E09000022&need=accommodation&age=34"
    assert "/referrals/new" not in client.get(url).get_data(as_text=True)
    login_as("officer")
    html = client.get(url).get_data(as_text=True)
    links = re.findall(r'href="(/referrals/new\?[^"]+)"', html)
    assert links, "a Refer link on each result"
    links = [link.replace("&amp;", "&") for link in links]
    assert all("borough=E09000022" in k and "need=accommodation" in k and "age=34" in k for k in links)
    # A service whose provider the sources name takes the form, prefilled with the coded
    # facts; one whose provider is not named says how it takes referrals instead.
    forms = {k: client.get(k).get_data(as_text=True) for k in links}
    prefilled = [
        k for k, form in forms.items() if re.search(r'<option (selected value="30_39"|value="30_39" selected)', form)
    ]
    assert prefilled, "at least one result takes the referral form, prefilled"
    assert all("Provider not named in the sources" in form for k, form in forms.items() if k not in prefilled)
    link = prefilled[0]
    slug = re.search(r"service=([^&]+)", link).group(1)
    service_page = client.get(f"/services/{slug}").get_data(as_text=True)
    assert f"/referrals/new?service={slug}" in service_page


# -- every transition, for every side -----------------------------------------------------

ACTORS = [
    "referrer",
    "provider",
    "colleague_of_provider",
    "other_provider",
    "other_officer",
    "commissioner",
    "admin",
    "anonymous",
]
PARTY_OF = {"referrer": "referrer", "provider": "provider", "colleague_of_provider": "provider"}
PATHS = {  # how the provider brings a new referral to each state
    State.SENT: [],
    State.ACKNOWLEDGED: ["acknowledged"],
    State.ACCEPTED: ["accepted"],
    State.STARTED: ["accepted", "started"],
}


@pytest.fixture
def cast(client, make_user, org, service):
    """The referrer (an officer), two providers of the service's organisation, and everyone else."""
    people = {
        "referrer": make_user("officer"),
        "provider": make_user("provider", organisation=org),
        "colleague_of_provider": make_user("provider", organisation=org),
        "other_provider": make_user("provider"),
        "other_officer": make_user("officer"),
        "commissioner": make_user("commissioner"),
        "admin": make_user("admin"),
    }
    return people


def act_as(client, cast, who):
    if who == "anonymous":
        home = client.get("/").get_data(as_text=True)
        if "Sign out" in home:
            client.post("/logout", data={"csrf_token": csrf_from(home)})
        return
    assert sign_in(client, cast[who].email).status_code == 302


def referral_in(app, cast, state) -> str:
    """A referral by the cast's referrer, brought to ``state`` by its provider (straight through
    the operations: the web layer is what each test then exercises)."""
    from directory.operations import referrals
    from directory.operations.accounts import account_of
    from directory.referrals.web import send_after_commit

    def link(code):
        return f"http://localhost/referrals/{code}"

    with app.test_request_context():
        made = referrals.create_referral(db.session, account_of(cast["referrer"]), facts(), link)
        for target in PATHS[state]:
            referrals.transition(db.session, account_of(cast["provider"]), made.code, target, None, link)
        send_after_commit()  # as the pages do after each change
    return made.code


def _reason(rule):
    return next(iter(rule.reasons)) if rule.reasons else None


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("rule", TRANSITIONS, ids=lambda t: f"{t.source}-to-{t.target}")
def test_every_transition_for_every_actor(app, client, session, cast, rule, actor):
    code = referral_in(app, cast, rule.source)
    events_before = len(stored(session, code).events)
    act_as(client, cast, actor)
    body = {"to": rule.target.value}
    if rule.reasons:
        body["reason"] = _reason(rule)
    token = csrf_from(client.get("/login").get_data(as_text=True)) if actor == "anonymous" else "fetch"
    response = api_post(client, f"/api/referrals/{code}/transitions", body, token=token)
    referral = stored(session, code)
    if PARTY_OF.get(actor) == rule.by:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == rule.target.value
        assert referral.state == rule.target.value
        last = referral.events[-1]
        assert (last.from_state, last.to_state, last.reason) == (rule.source.value, rule.target.value, _reason(rule))
        assert last.actor_id == cast[actor].id
    else:
        assert response.status_code == (401 if actor == "anonymous" else 403), response.get_json()
        assert response.get_json()["message"]
        assert referral.state == rule.source.value
        assert len(referral.events) == events_before


@pytest.mark.parametrize(
    ("state", "who", "target", "reason"),
    [
        (State.SENT, "provider", "started", None),
        (State.SENT, "provider", "completed", None),
        (State.ACCEPTED, "provider", "acknowledged", None),
        (State.STARTED, "referrer", "withdrawn", "sent_in_error"),
        (State.STARTED, "provider", "declined", "no_capacity"),
    ],
)
def test_moves_not_allowed_from_the_current_state_are_409(app, client, session, cast, state, who, target, reason):
    code = referral_in(app, cast, state)
    act_as(client, cast, who)
    response = api_post(client, f"/api/referrals/{code}/transitions", {"to": target, "reason": reason})
    assert response.status_code == 409
    assert "cannot be moved" in response.get_json()["message"]
    assert stored(session, code).state == state.value


def test_a_reason_is_required_and_checked_and_nothing_else_is_accepted(app, client, session, cast):
    code = referral_in(app, cast, State.SENT)
    act_as(client, cast, "provider")
    url = f"/api/referrals/{code}/transitions"
    missing = api_post(client, url, {"to": "declined"})
    assert missing.status_code == 400 and "no_capacity" in missing.get_json()["allowed"]
    assert api_post(client, url, {"to": "declined", "reason": "dislike"}).status_code == 400
    extra = api_post(client, url, {"to": "accepted", "note": "he seemed nice"})
    assert extra.status_code == 400 and extra.get_json()["fields"] == ["note"]
    assert api_post(client, url, {"to": "flying"}).status_code == 400
    assert stored(session, code).state == "sent"
    assert api_post(client, "/api/referrals/ZZZZZZZZ/transitions", {"to": "accepted"}).status_code == 404


def test_role_comes_from_the_account_not_the_request(app, client, session, cast):
    code = referral_in(app, cast, State.SENT)
    act_as(client, cast, "other_officer")
    response = client.post(
        f"/api/referrals/{code}/transitions",
        json={"to": "accepted"},
        headers={"X-CSRFToken": api_token(client), "X-Role": "provider"},
    )
    assert response.status_code == 403
    assert stored(session, code).state == "sent"


# -- CSRF and rate limits -----------------------------------------------------------------


def test_json_writes_need_the_csrf_header(client, session, cast):
    act_as(client, cast, "referrer")
    before = referral_count(session)
    assert api_post(client, "/api/referrals", facts(), token=None).status_code == 400
    assert api_post(client, "/api/referrals", facts(), token="not-the-token").status_code == 400
    assert referral_count(session) == before
    code = refer(client)
    act_as(client, cast, "provider")
    refused = api_post(client, f"/api/referrals/{code}/transitions", {"to": "accepted"}, token=None)
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["message"]
    assert stored(session, code).state == "sent"


def test_page_forms_need_the_csrf_token(app, client, session, cast):
    code = referral_in(app, cast, State.SENT)
    act_as(client, cast, "provider")
    response = client.post(f"/referrals/{code}/transitions", data={"to": "accepted"})
    assert response.status_code == 400
    assert stored(session, code).state == "sent"


def test_referral_creation_is_rate_limited_per_account(app, client, session, cast):
    act_as(client, cast, "referrer")
    app.config["REFERRAL_LIMIT_PER_ACCOUNT"] = "2 per hour"
    try:
        refer(client)
        post = post_form(client, "/referrals/new", form_data(), form_url="/referrals/new?service=refer-mentoring")
        assert post.status_code == 303
        third = api_post(client, "/api/referrals", facts())
        assert third.status_code == 429
        page = post_form(client, "/referrals/new", form_data(), form_url="/referrals/new?service=refer-mentoring")
        assert page.status_code == 429
    finally:
        app.config["REFERRAL_LIMIT_PER_ACCOUNT"] = "30 per hour; 200 per day"


# -- the pages: inboxes, lookup, acting -----------------------------------------------------


def test_provider_accepts_on_the_page_and_the_referrer_sees_it_by_code(app, client, session, cast, mailbox):
    code = referral_in(app, cast, State.SENT)
    shown = format_code(code)
    act_as(client, cast, "provider")
    inbox = client.get("/referrals/").get_data(as_text=True)
    assert shown in inbox and "Refer Mentoring" in inbox
    page = client.get(f"/referrals/{code}").get_data(as_text=True)
    assert {"Accept", "Decline"} <= set(_buttons(page)) and "Withdraw" not in page
    assert cast["referrer"].email in page  # how the provider reaches the referrer
    mailbox.clear()
    response = post_form(client, f"/referrals/{code}/transitions", {"to": "accepted"}, form_url=f"/referrals/{code}")
    assert response.status_code == 303
    assert "is now accepted" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert [m.recipients for m in mailbox] == [[cast["referrer"].email]]

    act_as(client, cast, "referrer")
    found = client.get(f"/referrals/lookup?code={shown.lower()}")
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/referrals/{code}")
    seen = client.get(f"/referrals/{code}").get_data(as_text=True)
    assert re.search(r'<p class="govuk-body-l" id="referral-state">Accepted</p>', seen)
    timeline = seen.split('class="moj-timeline"', 1)[1]
    assert "Test Provider" in timeline and "From sent" in timeline  # the timeline: who, from, to
    assert "Withdraw" in _buttons(seen)
    mine = client.get("/api/referrals").get_json()
    assert [(i["code"], i["state"]) for i in mine["items"]] == [(shown, "accepted")]


def test_decline_on_the_page_needs_a_reason(app, client, session, cast):
    code = referral_in(app, cast, State.SENT)
    act_as(client, cast, "provider")
    response = post_form(
        client, f"/referrals/{code}/transitions", {"to": "declined", "reason": ""}, form_url=f"/referrals/{code}"
    )
    assert response.status_code == 400
    assert "Choose a reason for declined" in response.get_data(as_text=True)
    assert stored(session, code).state == "sent"
    done = post_form(
        client,
        f"/referrals/{code}/transitions",
        {"to": "declined", "reason": "no_capacity"},
        form_url=f"/referrals/{code}",
    )
    assert done.status_code == 303
    page = client.get(f"/referrals/{code}").get_data(as_text=True)
    assert "No capacity at present" in page and "Nothing more to do" in page


@pytest.mark.parametrize(
    ("who", "status", "message"),
    [
        ("other_provider", 403, "not yours to see"),
        ("other_officer", 403, "not yours to see"),
        ("commissioner", 403, "Only the referrer or the service"),
    ],
)
def test_pages_refuse_whoever_is_not_a_side(app, client, session, cast, who, status, message):
    code = referral_in(app, cast, State.SENT)
    act_as(client, cast, who)
    page = client.get(f"/referrals/{code}")
    assert page.status_code == (200 if who == "commissioner" else 403)
    if who == "commissioner":
        assert "What you can do" not in page.get_data(as_text=True)
    response = client.post(
        f"/referrals/{code}/transitions",
        data={"to": "accepted", "csrf_token": csrf_from(client.get("/").get_data(as_text=True))},
    )
    assert response.status_code == status
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert stored(session, code).state == "sent"


def test_inboxes_hold_only_ones_own(app, client, session, cast):
    code = referral_in(app, cast, State.SENT)
    shown = format_code(code)
    for who, sees in [
        ("provider", True),
        ("colleague_of_provider", True),
        ("other_provider", False),
        ("other_officer", False),
        ("referrer", True),
    ]:
        act_as(client, cast, who)
        assert (shown in client.get("/referrals/").get_data(as_text=True)) is sees, who
        assert (shown in [i["code"] for i in client.get("/api/referrals").get_json()["items"]]) is sees, who
    act_as(client, cast, "provider")
    assert client.get("/api/referrals?state=accepted").get_json()["total"] == 0
    assert client.get("/api/referrals?state=nonsense").status_code == 400


def test_lookup_of_a_bad_or_unknown_code(client, cast):
    act_as(client, cast, "referrer")
    bad = client.get("/referrals/lookup?code=hello", follow_redirects=True)
    assert "Enter a referral code" in bad.get_data(as_text=True)
    assert client.get("/referrals/ACDEFG34").status_code == 404
    assert client.get("/api/referrals/ACDE-FG34").status_code == 404


def test_the_history_cannot_be_rewritten(app, client, session, cast):
    from directory.models.referral import AppendOnly

    code = referral_in(app, cast, State.ACCEPTED)
    event = stored(session, code).events[0]
    event.to_state = "completed"
    with pytest.raises(AppendOnly):
        session.flush()
    session.rollback()


# -- expiry -------------------------------------------------------------------------------


def _backdate(session, code, days):
    referral = stored(session, code)
    referral.sent_at = datetime.now(UTC) - timedelta(days=days)
    session.commit()


def test_unacknowledged_referrals_expire_on_read(app, client, session, cast, mailbox):
    code = referral_in(app, cast, State.SENT)
    _backdate(session, code, 8)
    mailbox.clear()
    act_as(client, cast, "referrer")
    body = client.get(f"/api/referrals/{code}").get_json()
    assert body["state"] == "expired"
    assert body["events"][-1]["by"] == "system" and body["events"][-1]["reason"] == "not_acknowledged"
    act_as(client, cast, "provider")
    late = api_post(client, f"/api/referrals/{code}/transitions", {"to": "accepted"})
    assert late.status_code == 409


def test_the_expire_command_expires_only_overdue_ones(app, client, session, cast):
    old, fresh = referral_in(app, cast, State.SENT), referral_in(app, cast, State.SENT)
    _backdate(session, old, 10)
    result = app.test_cli_runner().invoke(args=["referrals", "expire"])
    assert result.exit_code == 0 and "Expired 1 referral." in result.output
    assert stored(session, old).state == "expired"
    assert stored(session, fresh).state == "sent"


# -- the outbox ---------------------------------------------------------------------------


def test_a_failed_send_keeps_the_change_and_the_email_is_retried(app, client, session, cast, mailbox, smtp_server):
    from tests.smtp import free_port

    act_as(client, cast, "referrer")
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    try:
        code = refer(client)
    finally:
        app.config["MAIL_PORT"] = smtp_server.port
    referral = stored(session, code)
    assert referral.state == "sent"
    waiting = session.scalars(select(OutgoingEmail).where(OutgoingEmail.referral_id == referral.id)).all()
    expected = sorted([ORG_EMAIL, cast["provider"].email, cast["colleague_of_provider"].email])
    assert sorted(m.to_address for m in waiting) == expected
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in waiting)
    assert mailbox == []

    runner = app.test_cli_runner()
    early = runner.invoke(args=["referrals", "send-mail"])
    assert "Sent 0" in early.output  # not due yet: it waits for its retry time
    for message in waiting:
        message.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    result = runner.invoke(args=["referrals", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "Sent 3" in result.output
    assert sorted(r for m in mailbox for r in m.recipients) == expected
    session.expire_all()
    assert all(m.sent_at is not None for m in waiting)


def test_send_mail_says_when_mail_is_off(app, session):
    app.config["MAIL_SERVER"], server = None, app.config["MAIL_SERVER"]
    try:
        result = app.test_cli_runner().invoke(args=["referrals", "send-mail"])
    finally:
        app.config["MAIL_SERVER"] = server
    assert "Mail is off" in result.output


# -- commissioners' counts ----------------------------------------------------------------


def test_counts_move_and_small_numbers_are_suppressed(app, client, session, cast, org):
    _service(session, org, slug="second-service", name="Second Service")
    act_as(client, cast, "commissioner")
    before = client.get("/referrals/counts").get_data(as_text=True)
    assert "Refer Mentoring" not in before

    codes = [referral_in(app, cast, State.SENT) for _ in range(6)]
    act_as(client, cast, "referrer")
    refer(client, service="second-service")
    act_as(client, cast, "provider")
    for code in codes[:5]:
        assert api_post(client, f"/api/referrals/{code}/transitions", {"to": "accepted"}).status_code == 200

    act_as(client, cast, "commissioner")
    html = client.get("/referrals/counts").get_data(as_text=True)
    row = _table_row(html, "Refer Mentoring")
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert cells[0] == "6" and cells[1] == "5"  # referrals, accepted
    assert "fewer than 5" in cells[2] or cells[2] == "0"
    assert re.match(r"0(\.0)?", cells[3])  # median days to answer: answered the same moment
    second = _table_row(html, "Second Service")
    assert "fewer than 5" in second and not re.search(r">\s*1\s*<", second)

    csv = client.get("/referrals/counts.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0] == "week_starting,borough,service,state,referrals"
    mentoring = [line for line in lines if "Refer Mentoring" in line]
    assert any(line.endswith(",accepted,5") for line in mentoring)
    assert any(line.endswith(",sent,fewer than 5") for line in mentoring)
    assert all(not re.search(r",[1-4]$", line) for line in lines[1:])


@pytest.mark.parametrize("role", ["officer", "provider"])
def test_counts_are_for_commissioners(client, login_as, role):
    login_as(role)
    assert client.get("/referrals/counts").status_code == 403
    assert client.get("/referrals/counts.csv").status_code == 403


def test_counts_csv_writes_a_formula_like_name_as_text(app, client, session, cast, org):
    _service(session, org, slug="formula", name='=HYPERLINK("http://example.com")')
    act_as(client, cast, "referrer")
    refer(client, service="formula")
    act_as(client, cast, "commissioner")
    lines = client.get("/referrals/counts.csv").get_data(as_text=True).splitlines()
    row = next(line for line in lines if "HYPERLINK" in line)
    assert ',"\'=HYPERLINK(""http://example.com"")",sent,' in row


def test_the_outbox_gives_up_after_its_last_retry_and_says_so(app, session, smtp_server, mailbox):
    from directory.operations import outbox
    from tests.smtp import free_port

    message = outbox.enqueue(session, "nobody@example.org", "Referral ACDE-FG34 to X", "body", None)
    message.attempts = outbox.MAX_ATTEMPTS - 1
    session.commit()
    app.config["MAIL_PORT"] = free_port()
    try:
        result = app.test_cli_runner().invoke(args=["referrals", "send-mail"])
    finally:
        app.config["MAIL_PORT"] = smtp_server.port
    assert result.exit_code == 1
    assert "0 failed and will be retried; gave up on 1 after 10 tries" in result.output
    session.expire_all()
    assert message.failed_at is not None and message.sent_at is None
    assert outbox.retry_delay(1).total_seconds() == 60 and outbox.retry_delay(30).total_seconds() == 6 * 3600
    assert mailbox == []
