"""Accounts: sign-up, sign-in with throttling, password changes, roles. Each write commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core.accounts import ROLES, Account, is_locked, password_problem
from ..core.slugs import slugify, unique_slug
from ..models import Organisation, Revision, User
from ..models._base import new_uuid, utcnow
from . import audit
from .records import organisation_values

hasher = PasswordHasher()
# Verified against when the email is unknown, so a miss takes as long as a hit.
_DUMMY_HASH = hasher.hash("not-a-real-password-for-timing")


class AccountError(ValueError):
    """A request about accounts that cannot be met; ``field`` names the form field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class LoginFailed(Exception):
    """Sign-in refused; the message never says whether the email exists."""

    message = "Enter a correct email address and password."

    def __init__(self, message: str | None = None):
        super().__init__(message or self.message)
        if message:
            self.message = message


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def account_of(user: User) -> Account:
    return Account(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role,
        organisation_id=user.organisation_id,
        active=user.active,
        session_token=user.session_token,
    )


def load_account(session: Session, token: str) -> Account | None:
    user = session.scalar(select(User).where(User.session_token == token))
    if user is None or not user.active:
        return None
    return account_of(user)


def _email_taken(session: Session, email: str) -> bool:
    return session.scalar(select(User.id).where(User.email == email)) is not None


def _check_new_account(session: Session, email: str, password: str) -> None:
    if _email_taken(session, email):
        raise AccountError("email", "An account with this email address already exists.")
    problem = password_problem(password, email)
    if problem:
        raise AccountError("password", problem)


def create_user(
    session: Session,
    email: str,
    name: str,
    password: str,
    role: str,
    organisation_id: int | None = None,
    actor=None,
) -> Account:
    email = normalise_email(email)
    if role not in ROLES:
        raise AccountError("role", f"'{role}' is not a role.")
    _check_new_account(session, email, password)
    if role == "provider" and organisation_id is None:
        raise AccountError("organisation", "A provider account needs an organisation.")
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hasher.hash(password),
        role=role,
        organisation_id=organisation_id if role == "provider" else None,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.created", "user", user.id, {"email": email, "role": role})
    session.commit()
    return account_of(user)


def register_provider(
    session: Session,
    email: str,
    name: str,
    password: str,
    organisation: dict,
    address: str | None = None,
) -> Account:
    """A provider signs up with their organisation, which waits for review."""
    email = normalise_email(email)
    _check_new_account(session, email, password)
    org_name = organisation["name"].strip()
    if session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == org_name.lower())):
        raise AccountError(
            "organisation-name",
            "An organisation with this name is already listed. Ask a commissioner to add you to it.",
        )
    base = slugify(org_name)
    slug = unique_slug(base, set(session.scalars(select(Organisation.slug).where(Organisation.slug.startswith(base)))))
    org = Organisation(
        slug=slug,
        name=org_name,
        description=organisation.get("description") or None,
        website=organisation.get("website") or None,
        email=organisation.get("email") or None,
        phone=organisation.get("phone") or None,
        moderation="pending",
    )
    session.add(org)
    session.flush()
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hasher.hash(password),
        role="provider",
        organisation_id=org.id,
    )
    session.add(user)
    session.flush()
    session.add(
        Revision(
            subject_type="organisation",
            organisation_id=org.id,
            kind="new",
            proposed=organisation_values(org),
            proposed_by_id=user.id,
        )
    )
    audit.record(
        session,
        account_of(user),
        "account.signup",
        "user",
        user.id,
        {"organisation": org.id, "organisation_name": org.name},
        address,
    )
    session.commit()
    return account_of(user)


def authenticate(session: Session, email: str, password: str, address: str | None = None) -> Account:
    """The account for this email and password, or LoginFailed.

    Failures are counted and audited, but never lock the account: a lock anyone can set
    by typing someone's address is a way to shut them out. Guessing is throttled per
    email and address instead (``auth.routes``), with one answer for every failure."""
    email = normalise_email(email)
    found = session.execute(select(User.id, User.password_hash).where(User.email == email)).one_or_none()
    # The slow hash check runs between transactions (this one has written nothing): on
    # SQLite a writing request holds the write lock from its first query, and sign-ins at
    # once would queue behind each other's hashing.
    session.commit()
    try:
        ok = hasher.verify(found.password_hash if found else _DUMMY_HASH, password or "x")
    except (VerificationError, InvalidHashError):
        ok = False
    now = utcnow()
    user = session.get(User, found.id) if found else None
    if user is None:
        audit.record(
            session,
            email or "anonymous",
            "login.failure",
            "user",
            None,
            {"email": email[:254], "why": "unknown email"},
            address,
        )
        session.commit()
        raise LoginFailed()
    ok = ok and user.password_hash == found.password_hash  # not changed meanwhile
    if not ok or not user.active:
        user.failed_logins = (user.failed_logins or 0) + 1
        why = "inactive" if ok else "wrong password"
        audit.record(session, email, "login.failure", "user", user.id, {"why": why}, address)
        session.commit()
        raise LoginFailed()
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    audit.record(session, account_of(user), "login.success", "user", user.id, {}, address)
    session.commit()
    return account_of(user)


def record_logout(session: Session, account: Account, address: str | None = None) -> None:
    """Sign out: a new session token, so a copy of the old session cookie no longer works."""
    user = session.get(User, account.id)
    if user is not None:
        user.session_token = new_uuid()
    audit.record(session, account, "logout", "user", account.id, {}, address)
    session.commit()


def change_password(session: Session, account: Account, current: str, new: str) -> Account:
    """Change the password and sign out every other session (a new session token)."""
    user = session.get(User, account.id)
    if user is None:
        raise AccountError("current_password", "Your account no longer exists.")
    try:
        hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        raise AccountError("current_password", "Your current password is not correct.") from None
    problem = password_problem(new, user.email)
    if problem:
        raise AccountError("new_password", problem)
    user.password_hash = hasher.hash(new)
    user.session_token = new_uuid()
    user.password_changed_at = utcnow()
    audit.record(session, account, "user.password_changed", "user", user.id, {})
    session.commit()
    return account_of(user)


@dataclass(frozen=True)
class UserRow:
    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    organisation_name: str | None
    active: bool
    last_login_at: datetime | None
    locked: bool


def list_users(session: Session) -> list[UserRow]:
    now = utcnow()
    rows = []
    for user in session.scalars(select(User).order_by(User.email)):
        rows.append(
            UserRow(
                user.id,
                user.email,
                user.name,
                user.role,
                user.organisation_id,
                user.organisation.name if user.organisation else None,
                user.active,
                user.last_login_at,
                is_locked(_aware(user.locked_until), now),
            )
        )
    return rows


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    return [
        (o.id, o.name if o.moderation == "published" else f"{o.name} ({o.moderation})")
        for o in session.scalars(select(Organisation).order_by(Organisation.name))
    ]


def set_role(
    session: Session,
    actor: Account,
    user_id: int,
    role: str,
    organisation_id: int | None,
    active: bool,
) -> UserRow:
    """An administrator changes someone's role, organisation or whether they may sign in."""
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("user", "There is no such user.")
    if role not in ROLES:
        raise AccountError("role", "Choose a role.")
    if user.id == actor.id and (role != user.role or not active):
        raise AccountError("role", "You cannot change your own role or deactivate yourself.")
    if role == "provider":
        if organisation_id is None or session.get(Organisation, organisation_id) is None:
            raise AccountError("organisation_id", "Choose the provider's organisation.")
    else:
        organisation_id = None
    before = {"role": user.role, "organisation_id": user.organisation_id, "active": user.active}
    after = {"role": role, "organisation_id": organisation_id, "active": active}
    if before == after:
        return next(r for r in list_users(session) if r.id == user_id)
    user.role, user.organisation_id, user.active = role, organisation_id, active
    if not active or role != before["role"]:
        user.session_token = new_uuid()  # sign them out everywhere
    if not active or before["active"] is False:
        user.failed_logins, user.locked_until = 0, None
    audit.record(
        session, actor, "user.role_changed", "user", user.id, {"email": user.email, "before": before, "after": after}
    )
    session.commit()
    return next(r for r in list_users(session) if r.id == user_id)
