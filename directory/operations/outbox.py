"""The email outbox: messages are written in the same transaction as the change they tell
of, then sent by SMTP; a failed send is kept and retried later, so no change is lost and no
message is forgotten.

``send_due`` is run after a request commits (best effort) and by ``flask referrals send-mail``.
"""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import OutgoingEmail
from ..models._base import utcnow

MAX_ATTEMPTS = 10
CLAIM_FOR = timedelta(minutes=10)  # a message being sent is not picked up again meanwhile


@dataclass(frozen=True)
class MailSettings:
    server: str | None  # None: sending is off, messages wait in the outbox
    port: int = 8025
    sender: str = "directory@localhost"
    timeout: float = 5.0


@dataclass(frozen=True)
class SendReport:
    sent: int
    failed: int
    gave_up: int
    waiting: int
    enabled: bool


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def enqueue(session: Session, to_address: str, subject: str, body: str, referral_id: int | None) -> OutgoingEmail:
    message = OutgoingEmail(
        to_address=to_address.strip()[:254],
        subject=_one_line(subject)[:300],
        body=body,
        referral_id=referral_id,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4... minutes after each failure, at most six hours."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=6))


def _deliver(settings: MailSettings, message: OutgoingEmail) -> None:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="london-service-directory")
    email.set_content(message.body)
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        smtp.send_message(email)


def waiting(session: Session) -> int:
    return len(
        session.scalars(
            select(OutgoingEmail.id).where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None))
        ).all()
    )


def send_due(
    session: Session,
    settings: MailSettings,
    now: datetime | None = None,
    referral_id: int | None = None,
    limit: int = 200,
) -> SendReport:
    """Send what is due (or only one referral's messages), recording each outcome."""
    if not settings.server:
        return SendReport(0, 0, 0, waiting(session), enabled=False)
    now = now or utcnow()
    stmt = (
        select(OutgoingEmail)
        .where(OutgoingEmail.sent_at.is_(None), OutgoingEmail.failed_at.is_(None), OutgoingEmail.next_attempt_at <= now)
        .order_by(OutgoingEmail.id)
        .limit(limit)
    )
    if referral_id is not None:
        stmt = stmt.where(OutgoingEmail.referral_id == referral_id)
    messages = session.scalars(stmt).all()
    for message in messages:  # claim them first, so a second sender skips them
        message.next_attempt_at = now + CLAIM_FOR
    session.commit()
    sent = failed = gave_up = 0
    for message in messages:
        message.attempts += 1
        try:
            _deliver(settings, message)
        except (smtplib.SMTPException, OSError, socket.timeout) as error:
            failed += 1
            message.last_error = _one_line(f"{type(error).__name__}: {error}")[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.failed_at, gave_up = now, gave_up + 1
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        else:
            sent += 1
            message.sent_at, message.last_error = utcnow(), None
        session.commit()
    return SendReport(sent, failed, gave_up, waiting(session), enabled=True)
