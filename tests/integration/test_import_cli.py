"""`flask import ...`: progress, a summary, and a clear refusal of bad input."""

import json
from pathlib import Path

HMPPS = Path(__file__).resolve().parents[2] / "seed" / "hmpps"


def test_import_hmpps_twice_reports_then_changes_nothing(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["import", "hmpps", "--folder", str(HMPPS)])
    assert first.exit_code == 0, first.output
    assert "reading contracts..." in first.output and "10 added" in first.output
    assert "unresolved place: 'wandswroth' (sent to the queue)" in first.output
    second = runner.invoke(args=["import", "hmpps", "--folder", str(HMPPS)])
    assert "Applied as import run" in second.output and "10 unchanged." in second.output


def test_import_openreferral_dry_run_and_malformed_file(app, session, tmp_path):
    good = tmp_path / "feed.json"
    good.write_text(
        json.dumps(
            [
                {
                    "id": "00000000-0000-4000-8000-000000000009",
                    "name": "CLI service",
                    "status": "active",
                    "service_areas": [{"id": "x", "extent": "E09000012"}],
                }
            ]
        )
    )
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["import", "openreferral", str(good), "--dry-run"])
    assert dry.exit_code == 0 and "1 would be added" in dry.output and "Dry run: nothing was written." in dry.output
    bad = tmp_path / "bad.json"
    bad.write_text("[{")
    refused = runner.invoke(args=["import", "openreferral", str(bad)])
    assert refused.exit_code != 0
    assert "bad.json is not valid JSON" in refused.output and "Nothing was imported." in refused.output
