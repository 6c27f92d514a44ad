"""Command-line tasks: `flask seed ...` and `flask data touch`."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .database import bump_data_version
from .extensions import db
from .geo.postcode_directory import PostcodeDirectory
from .operations.geocoding import Geocoder
from .operations.seeding import SeedError, seed_all
from .operations.versioning import data_version

seed_cli = AppGroup("seed", help="Load the seed catalogue and reference data.")
data_cli = AppGroup("data", help="The data version that every process's caches are keyed on.")


def open_postcode_directory() -> PostcodeDirectory | None:
    path = Path(current_app.config["POSTCODE_DIRECTORY"])
    if not path.exists():
        return None
    return PostcodeDirectory(path)


@seed_cli.command("all")
@click.option("--refresh", is_flag=True, help="Rewrite seeded records from the files.")
def seed_all_command(refresh: bool) -> None:
    """Load areas, boundaries, the catalogue and the minimum offer (safe to run again)."""
    started = time.perf_counter()
    directory = open_postcode_directory()
    if directory is None:
        click.echo(
            "warning: no postcode directory at "
            f"{current_app.config['POSTCODE_DIRECTORY']}; run `flask geo load-postcodes` "
            "first so delivery sites get their points and boroughs.",
            err=True,
        )
    geocoder = Geocoder(directory, db.session) if directory else None
    try:
        summary = seed_all(
            db.session,
            Path(current_app.config["SEED_DIR"]),
            geocoder,
            progress=lambda stage: click.echo(f"  seeding {stage}..."),
            refresh=refresh,
        )
    except SeedError as error:
        db.session.rollback()
        raise click.ClickException(f"{error}. Nothing was seeded.") from error
    for line in summary.lines():
        click.echo(f"  {line}")
    click.echo(f"Seeded in {time.perf_counter() - started:.1f} s.")


@data_cli.command("touch")
def touch_command() -> None:
    """Move the data version on, after changing the database outside the app.

    Every write through the app does this itself; a change made with SQL in a console does
    not, and each process would go on serving what it had cached.
    """
    bump_data_version(db.session)
    db.session.commit()
    _, number, changed_at = data_version(db.session)
    click.echo(f"Data version is now {number} ({changed_at}); caches rebuild on their next use.")


@click.command("backup")
@with_appcontext
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Write every table to PATH (a gzipped JSON-lines file), read as one consistent copy."""
    from .operations.backup import backup

    started = time.perf_counter()
    summary = backup(db.engine, db.metadata, path, progress=lambda line: click.echo(f"  {line}"))
    click.echo(
        f"Backed up {summary.total} rows in {len(summary.rows)} tables (schema {summary.revision}) "
        f"to {path} in {time.perf_counter() - started:.1f} s."
    )


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Remove the data this database holds first.")
def restore_command(path: Path, replace: bool) -> None:
    """Load a backup made by `flask backup` into this migrated database, all or nothing."""
    from .operations.backup import BackupError, restore

    started = time.perf_counter()
    try:
        summary = restore(db.engine, db.metadata, path, replace=replace, progress=lambda line: click.echo(f"  {line}"))
    except BackupError as error:
        raise click.ClickException(f"{error} Nothing was changed.") from error
    click.echo(
        f"Restored {summary.total} rows in {len(summary.rows)} tables from {path} "
        f"in {time.perf_counter() - started:.1f} s."
    )
