"""`flask import ...`: import a source through the pipeline, with progress and a summary."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..operations.geocoding import Geocoder
from ..operations.imports import import_hmpps
from . import ImportProblem

import_cli = AppGroup("import", help="Import other people's data (HMPPS, Open Referral UK, spreadsheets).")


def _geocoder() -> Geocoder | None:
    from ..cli import open_postcode_directory

    directory = open_postcode_directory()
    if directory is None:
        click.echo("warning: no postcode lookup; delivery sites will not be placed.", err=True)
        return None
    return Geocoder(directory, db.session)


def _report(preview, summary, started: float) -> None:
    for line in preview.lines():
        click.echo(f"  {line}")
    if summary is None:
        click.echo("Dry run: nothing was written.")
    else:
        click.echo(f"Applied as import run {summary.run_id}: " + "; ".join(summary.lines()) + ".")
    click.echo(f"Done in {time.perf_counter() - started:.1f} s.")


def _run(action):
    started = time.perf_counter()
    try:
        preview, summary = action()
    except ImportProblem as error:
        db.session.rollback()
        raise click.ClickException(f"{error} Nothing was imported.") from error
    _report(preview, summary, started)


@import_cli.command("hmpps")
@click.option(
    "--folder", type=click.Path(path_type=Path), default=None, help="Folder of HMPPS files (default: seed/hmpps)."
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def hmpps_command(folder: Path | None, dry_run: bool) -> None:
    """HMPPS's London commissioned services, with probation offices as delivery sites."""
    folder = folder or Path(current_app.config["SEED_DIR"]) / "hmpps"
    _run(
        lambda: import_hmpps(
            db.session,
            folder,
            _geocoder(),
            dry_run=dry_run,
            progress=lambda stage: click.echo(f"  {stage}..."),
        )
    )


@import_cli.command("openreferral")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--timeout", type=float, default=20.0, show_default=True, help="Seconds to wait for each page.")
def openreferral_command(source: str, dry_run: bool, timeout: float) -> None:
    """An Open Referral UK / HSDS 3.0 feed: a JSON file, or a feed's URL (every page)."""
    from ..operations.imports import import_batch
    from . import openreferral

    def action():
        if source.startswith(("http://", "https://")):
            batch = openreferral.read_url(source, timeout, progress=lambda m: click.echo(f"  {m}"))
        else:
            batch = openreferral.read_file(Path(source))
        return import_batch(
            db.session,
            batch,
            openreferral.map_record,
            _geocoder(),
            "flask import openreferral",
            dry_run=dry_run,
            progress=lambda m: click.echo(f"  {m}"),
        )

    _run(action)


@import_cli.command("spreadsheet")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name", default=None, help="The spreadsheet's name (rows are matched by id within it).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
def spreadsheet_command(path: Path, name: str | None, dry_run: bool) -> None:
    """A mapping spreadsheet (.csv or .xlsx) in the template's columns."""
    from ..operations.imports import import_batch, spreadsheet_source
    from . import spreadsheet

    def action():
        batch = spreadsheet.read(path.read_bytes(), path.name, spreadsheet_source(path.name, name))
        return import_batch(
            db.session, batch, spreadsheet.map_record, _geocoder(), "flask import spreadsheet", dry_run=dry_run
        )

    _run(action)
