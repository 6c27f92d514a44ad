"""Roles, what each may do, the signed-in identity, and the sign-in rules. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

ROLES = MappingProxyType(
    {
        "officer": "Officer (search and refer)",
        "provider": "Provider (their own organisation)",
        "commissioner": "Commissioner (review, minimum offer, all data)",
        "admin": "Administrator (users and roles)",
    }
)

# What each permission needs. Ownership (a provider's own organisation) is checked
# separately, on the server, against the record itself.
PERMISSIONS = MappingProxyType(
    {
        "search": frozenset({"officer", "provider", "commissioner", "admin"}),
        "refer": frozenset({"officer", "commissioner"}),
        "manage_own_organisation": frozenset({"provider"}),
        "review": frozenset({"commissioner"}),
        "edit_offer": frozenset({"commissioner"}),
        "read_all": frozenset({"commissioner", "admin"}),
        "read_audit": frozenset({"commissioner", "admin"}),
        "manage_users": frozenset({"admin"}),
    }
)

MIN_PASSWORD_LENGTH = 12
MAX_EMAIL_LENGTH = 254
STALE_AFTER = timedelta(days=183)  # about six months


def may(role: str | None, permission: str) -> bool:
    return role is not None and role in PERMISSIONS[permission]


@dataclass(frozen=True)
class Account:
    """The signed-in person as the web layer sees them (what Flask-Login needs, no ORM)."""

    id: int
    email: str
    name: str
    role: str
    organisation_id: int | None
    active: bool
    session_token: str

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return self.session_token

    def may(self, permission: str) -> bool:
        return may(self.role, permission)


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > 256:
        return "Password must be 256 characters or fewer."
    if email and password.strip().lower() == email.strip().lower():
        return "Password must not be your email address."
    if len(set(password)) < 4:
        return "Password is too easy to guess: use more different characters."
    return None


def looks_like_email(text: str) -> bool:
    """One "@" with text before it, and a domain with a dot inside it; no spaces.

    Linear in the length, and refuses anything over 254 characters before looking (a
    backtracking pattern here once let one long address hold a worker for many seconds).
    """
    if not text or len(text) > MAX_EMAIL_LENGTH or any(c.isspace() for c in text):
        return False
    local, _, domain = text.partition("@")
    if not local or not domain or "@" in domain:
        return False
    return any(0 < i < len(domain) - 1 for i, c in enumerate(domain) if c == ".")


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now


def is_stale(last_confirmed: datetime | None, created: datetime | None, now: datetime) -> bool:
    """Not confirmed current (or created) within the last six months."""
    reference = last_confirmed or created
    return reference is None or now - reference > STALE_AFTER
