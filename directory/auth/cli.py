"""`flask users ...`: create the first administrator from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..core.accounts import MIN_PASSWORD_LENGTH, ROLES
from ..extensions import db
from ..operations import accounts

users_cli = AppGroup("users", help="Manage user accounts.")


def _create(email: str, name: str, password: str, role: str, organisation_id: int | None) -> None:
    try:
        acct = accounts.create_user(db.session, email, name, password, role, organisation_id, actor="cli")
    except accounts.AccountError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {acct.role} account {acct.email} (id {acct.id}).")


@users_cli.command("create-admin")
@click.option("--email", prompt="Email address", help="The administrator's email address.")
@click.option("--name", prompt="Full name", help="The administrator's name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help=f"At least {MIN_PASSWORD_LENGTH} characters (prompted, hidden, if not given).",
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator, who can then give others their roles in the app."""
    _create(email, name, password, "admin", None)


@users_cli.command("create")
@click.option("--email", prompt="Email address")
@click.option("--name", prompt="Full name")
@click.option("--role", type=click.Choice(list(ROLES)), prompt="Role")
@click.option("--organisation-id", type=int, default=None, help="Required for providers.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(email: str, name: str, role: str, organisation_id: int | None, password: str) -> None:
    """Create an account with any role."""
    _create(email, name, password, role, organisation_id)
