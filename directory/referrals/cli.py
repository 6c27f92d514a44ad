"""`flask referrals ...`: expire unacknowledged referrals, and send the email outbox.

Run both every few minutes (cron or a systemd timer) where the app serves for real:
pages and the API also expire overdue referrals when they read them, and send mail right
after each change, but only these reach referrals nobody opens and mail that failed.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..extensions import db
from ..operations import outbox, referrals
from .web import acknowledge_within, link_for, mail_settings

referrals_cli = AppGroup("referrals", help="Referral housekeeping: expiry and email.")


@referrals_cli.command("expire")
def expire() -> None:
    """Expire referrals not acknowledged within REFERRAL_ACKNOWLEDGE_DAYS (7 by default)."""
    codes = referrals.expire_overdue(db.session, link_for, acknowledge_within())
    click.echo(f"Expired {len(codes)} referral{'' if len(codes) == 1 else 's'}.")


@referrals_cli.command("send-mail")
def send_mail() -> None:
    """Send every email that is due from the outbox, retrying earlier failures."""
    settings = mail_settings()
    report = outbox.send_due(db.session, settings)
    if not report.enabled:
        click.echo(f"Mail is off (no MAIL_SERVER): {report.waiting} email(s) wait in the outbox.")
        return
    click.echo(
        f"Sent {report.sent}; {report.failed - report.gave_up} failed and will be retried; gave up on "
        f"{report.gave_up} after {outbox.MAX_ATTEMPTS} tries; {report.waiting} waiting. "
        f"SMTP server {settings.server}:{settings.port}."
    )
    if report.failed:
        raise SystemExit(1)
