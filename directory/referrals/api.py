"""Referrals as JSON, for the systems officers and providers already use.

| method | path                                   | who                          | what |
|--------|----------------------------------------|------------------------------|------|
| GET    | /api/referrals/csrf-token              | signed in                    | the token every write sends in ``X-CSRFToken`` |
| GET    | /api/referrals?state=                  | signed in                    | a provider's inbox, or the referrals you made |
| POST   | /api/referrals                         | officer, commissioner        | send one (coded facts only; 201) |
| GET    | /api/referrals/<code>                  | its referrer, provider, commissioner | one referral with its timeline |
| POST   | /api/referrals/<code>/transitions      | its referrer or its provider | ``{"to": ..., "reason": ...}`` |

Sessions are the site's own (sign in at /login). Unlike the read-only catalogue API, these
writes are CSRF-protected: send the token from ``csrf-token`` in an ``X-CSRFToken`` header.
Errors are ``{"error": ..., "message": ...}`` with 400, 401, 403, 404, 409 or 429.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.guards import account
from ..core.accounts import may
from ..core.referrals import (
    InvalidReason,
    InvalidReferral,
    State,
    TransitionRefused,
)
from ..extensions import db
from ..operations import referrals
from ..operations.permissions import NotPermitted
from .routes import creation_limit
from .web import acknowledge_within, link_for, send_after_commit

bp = Blueprint("referral_api", __name__)

CONTROL_KEYS = frozenset({"confirm_warnings"})  # not facts: how the request is to be handled
TRANSITION_KEYS = frozenset({"to", "reason"})


def _error(status: int, code: str, message: str, **extra):
    return jsonify({"error": code, "message": message, **extra}), status


@bp.before_request
def signed_in():
    if not current_user.is_authenticated:
        return _error(401, "not_signed_in", "Sign in first (POST /login), then use the session cookie.")
    return None


_PLAIN = (
    "state",
    "service_slug",
    "service_name",
    "organisation_name",
    "referrer_role",
    "referrer_agency",
    "referrer_organisation",
    "borough_code",
    "borough_name",
    "age_band",
    "cohort",
    "disposal",
    "condition_kind",
    "party",
    "contact",
)


def _referral(view: referrals.ReferralView) -> dict:
    body = {"code": view.shown_code, **{key: getattr(view, key) for key in _PLAIN}}
    for key in ("sent_at", "answered_at", "acknowledge_by", "condition_due"):
        value = getattr(view, key)
        body[key] = value.isoformat() if value is not None else None
    body["moves"] = [{"to": m.target.value, "reasons": list(m.reasons) if m.reasons else []} for m in view.moves]
    body["events"] = [
        {
            "at": e.at.isoformat(),
            "by": e.party,
            "actor": e.actor,
            "from": e.from_state,
            "to": e.to_state,
            "reason": e.reason,
        }
        for e in view.events
    ]
    body["needs"] = list(view.needs)
    body["link"] = link_for(view.code)
    return body


def _json_object():
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


@bp.get("/csrf-token")
def csrf_token():
    return jsonify({"csrf_token": generate_csrf(), "header": "X-CSRFToken"})


@bp.get("")
def index():
    state = request.args.get("state") or None
    if state is not None and state not in {s.value for s in State}:
        return _error(
            400, "invalid_state", f"'{state[:30]}' is not a referral state.", allowed=[s.value for s in State]
        )
    listed = referrals.list_referrals(db.session, account(), link_for, state=state, within=acknowledge_within())
    return jsonify(
        {
            "items": [
                {
                    "code": r.shown_code,
                    "state": r.state,
                    "service": r.service_name,
                    "borough": r.borough_name,
                    "sent_at": r.sent_at.isoformat(),
                    "condition_due": r.condition_due.isoformat() if r.condition_due else None,
                    "link": link_for(r.code),
                }
                for r in listed
            ],
            "total": len(listed),
        }
    )


@bp.post("")
@creation_limit
def create():
    if not may(current_user.role, "refer"):
        return _error(403, "forbidden", "Only officers and commissioners can make referrals.")
    data = _json_object()
    if data is None:
        return _error(400, "invalid_json", "Send a JSON object of coded facts.")
    facts = {k: v for k, v in data.items() if k not in CONTROL_KEYS}
    try:
        made = referrals.create_referral(
            db.session, account(), facts, link_for, confirmed_warnings=data.get("confirm_warnings") is True
        )
    except InvalidReferral as invalid:
        if invalid.unknown:
            return _error(
                400,
                "unknown_fields",
                "A referral holds coded facts only. Not accepted: " + ", ".join(invalid.unknown) + ".",
                fields=invalid.unknown,
                problems=invalid.problems,
            )
        return _error(400, "invalid_referral", "Some facts are missing or not valid.", problems=invalid.problems)
    except referrals.UnconfirmedWarnings as unconfirmed:
        return _error(
            409,
            "service_warnings",
            'Check these first; send again with "confirm_warnings": true to refer anyway.',
            warnings=list(unconfirmed.warnings),
        )
    send_after_commit()
    return jsonify(_referral(made)), 201


@bp.get("/<code>")
def show(code: str):
    try:
        view = referrals.get_referral(db.session, account(), code, link_for, within=acknowledge_within())
    except referrals.ReferralNotFound:
        return _not_found()
    return jsonify(_referral(view))


def _not_found():
    return _error(404, "not_found", "There is no referral with that code.")


@bp.post("/<code>/transitions")
def move(code: str):
    data = _json_object()
    if data is None:
        return _error(400, "invalid_json", 'Send a JSON object: {"to": ..., "reason": ...}.')
    unknown = sorted(set(data) - TRANSITION_KEYS)
    if unknown:
        return _error(400, "unknown_fields", "Not accepted: " + ", ".join(unknown) + ".", fields=unknown)
    target, reason = data.get("to"), data.get("reason")
    if not isinstance(target, str) or (reason is not None and not isinstance(reason, str)):
        return _error(400, "invalid_transition", '"to" must be a state and "reason" a reason code.')
    try:
        view = referrals.transition(db.session, account(), code, target, reason, link_for, within=acknowledge_within())
    except referrals.ReferralNotFound:
        return _not_found()
    except TransitionRefused as refused:
        return _error(refused.status, "forbidden" if refused.status == 403 else "conflict", refused.message)
    except InvalidReason as invalid:
        return _error(400, "invalid_reason", invalid.message, allowed=invalid.allowed)
    send_after_commit()
    return jsonify(_referral(view))


@bp.errorhandler(NotPermitted)
def not_permitted(error: NotPermitted):
    return _error(403, "forbidden", str(error))
