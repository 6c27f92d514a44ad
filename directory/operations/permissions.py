"""Ownership checks, done on the server against the stored record."""

from __future__ import annotations

from ..core.accounts import Account


class NotPermitted(PermissionError):
    """The signed-in account may not touch this record."""


def require_own_organisation(account: Account, organisation_id: int | None) -> None:
    if account.role != "provider" or account.organisation_id is None:
        raise NotPermitted("Only the organisation's own providers can change its records.")
    if organisation_id != account.organisation_id:
        raise NotPermitted("That record belongs to another organisation.")
