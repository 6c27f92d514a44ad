"""`flask offer ...`: list and change the minimum service offer from the command line.

Until commissioners have accounts, this is how the offer is edited. It goes through the
same operation as the web page (``operations.offer``), which commits once per change.
"""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

from .core.vocabulary import CATEGORIES, COHORTS
from .extensions import db
from .operations.offer import (
    OfferError,
    add_offer_item,
    list_offer_items,
    remove_offer_item,
)

offer_cli = AppGroup("offer", help="List and change the minimum service offer.")


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in containers without /etc/passwd entries
        return "cli"


def _check(category: str, cohort: str | None) -> None:
    if category not in CATEGORIES:
        raise click.BadParameter(
            f"'{category}' is not a category. Use one of: {', '.join(CATEGORIES)}.",
            param_hint="CATEGORY",
        )
    if cohort is not None and cohort not in COHORTS:
        raise click.BadParameter(
            f"'{cohort}' is not a cohort. Use one of: {', '.join(COHORTS)}.",
            param_hint="--cohort",
        )


@offer_cli.command("list")
def list_command() -> None:
    """Show the items in the minimum offer."""
    items = list_offer_items(db.session)
    if not items:
        click.echo("The minimum offer is empty. Add an item with `flask offer add CATEGORY`.")
        return
    for item in items:
        who = item.cohort or "everyone"
        click.echo(
            f"{item.category:32} {who:16} {item.category_name}"
            f"{' (' + item.cohort_name + ')' if item.cohort_name else ''}"
            f"  [changed by {item.changed_by or 'unknown'}]"
        )


@offer_cli.command("add")
@click.argument("category")
@click.option("--cohort", default=None, help="Only for this cohort (default: everyone).")
def add_command(category: str, cohort: str | None) -> None:
    """Add CATEGORY (a slug, e.g. accommodation) to the minimum offer."""
    _check(category, cohort)
    try:
        item = add_offer_item(db.session, category, cohort, _actor())
    except OfferError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {item.category_name}{' for ' + item.cohort_name if item.cohort_name else ''}.")


@offer_cli.command("remove")
@click.argument("category")
@click.option("--cohort", default=None, help="The cohort-specific item to remove.")
def remove_command(category: str, cohort: str | None) -> None:
    """Take CATEGORY (for everyone, or for --cohort) out of the minimum offer."""
    _check(category, cohort)
    match = next(
        (i for i in list_offer_items(db.session) if i.category == category and i.cohort == cohort),
        None,
    )
    if match is None:
        who = f" for {cohort}" if cohort else " for everyone"
        raise click.ClickException(f"'{category}'{who} is not in the minimum offer.")
    try:
        item = remove_offer_item(db.session, match.id, _actor())
    except OfferError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Removed {item.category_name}{' for ' + item.cohort_name if item.cohort_name else ''}.")
