"""What the referral pages, the JSON API and the commands share: links, mail settings, the
acknowledgement window, and sending the outbox after a change is committed."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context, url_for

from ..extensions import db
from ..operations import outbox


def link_for(code: str) -> str:
    if has_request_context():
        return url_for("referrals.show", code=code, _external=True)
    base = current_app.config["PUBLIC_BASE_URL"]
    with current_app.test_request_context(base_url=base):
        return url_for("referrals.show", code=code, _external=True)


def mail_settings() -> outbox.MailSettings:
    config = current_app.config
    return outbox.MailSettings(
        server=config.get("MAIL_SERVER"),
        port=int(config.get("MAIL_PORT", 8025)),
        sender=config.get("MAIL_FROM", "referrals@localhost"),
        timeout=float(config.get("MAIL_TIMEOUT", 5)),
    )


def acknowledge_within() -> timedelta:
    return timedelta(days=int(current_app.config["REFERRAL_ACKNOWLEDGE_DAYS"]))


def send_after_commit() -> None:
    """Best effort: what is left (SMTP down) stays in the outbox for `flask referrals send-mail`."""
    try:
        outbox.send_due(db.session, mail_settings(), limit=20)
    except Exception:  # the change is committed; a failure here must not turn it into an error page
        db.session.rollback()
        current_app.logger.exception("Sending referral emails after a change failed; they stay in the outbox")
