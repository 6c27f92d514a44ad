"""The offline postcode lookup, against the real ONS Postcode Directory (no mocks).

The lookup file is built once into instance/postcodes.sqlite and reused while it is current.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from directory.core.postcodes import InvalidPostcode
from directory.geo.authorities import authority_name, london_authorities
from directory.geo.postcode_directory import (
    SCHEMA_VERSION,
    DirectoryMissing,
    PostcodeDirectory,
    ensure_directory,
    is_current,
    source_version,
)

ROOT = Path(__file__).resolve().parents[2]
LOOKUP = Path(os.environ.get("POSTCODE_DIRECTORY", ROOT / "instance" / "postcodes.sqlite"))

# One real postcode per London authority, mostly council offices, checked against the data.
# Both sides of the Thames are represented (e.g. Westminster/Southwark, Tower Hamlets/
# Greenwich, Hammersmith/Wandsworth, Richmond/Hounslow, Havering/Bexley).
ONE_PER_AUTHORITY = {
    "E09000001": "EC2V 7HH",  # City of London: Guildhall
    "E09000002": "IG11 7LU",  # Barking and Dagenham
    "E09000003": "NW9 4EW",  # Barnet
    "E09000004": "DA6 7AT",  # Bexley
    "E09000005": "HA9 0FJ",  # Brent
    "E09000006": "BR1 3UH",  # Bromley
    "E09000007": "N1C 4AG",  # Camden
    "E09000008": "CR0 1NX",  # Croydon
    "E09000009": "W5 2HL",  # Ealing
    "E09000010": "EN1 3XA",  # Enfield
    "E09000011": "SE18 6HQ",  # Greenwich (south bank)
    "E09000012": "E8 1EA",  # Hackney
    "E09000013": "W6 9JU",  # Hammersmith and Fulham (north bank)
    "E09000014": "N22 8HQ",  # Haringey
    "E09000015": "HA1 2XY",  # Harrow
    "E09000016": "RM1 3BB",  # Havering
    "E09000017": "UB8 1UW",  # Hillingdon
    "E09000018": "TW3 4DN",  # Hounslow
    "E09000019": "N1 2UD",  # Islington
    "E09000020": "W8 7NX",  # Kensington and Chelsea
    "E09000021": "KT1 1EU",  # Kingston upon Thames
    "E09000022": "SW2 1RW",  # Lambeth
    "E09000023": "SE6 4RU",  # Lewisham
    "E09000024": "SM4 5DX",  # Merton
    "E09000025": "E16 2QU",  # Newham
    "E09000026": "IG1 1DD",  # Redbridge
    "E09000027": "TW1 3BZ",  # Richmond upon Thames
    "E09000028": "SE1 2QH",  # Southwark (south bank)
    "E09000029": "SM1 1EA",  # Sutton
    "E09000030": "E1 1BJ",  # Tower Hamlets (north bank)
    "E09000031": "E17 4JF",  # Waltham Forest
    "E09000032": "SW18 2PU",  # Wandsworth (south bank)
    "E09000033": "SW1A 1AA",  # Westminster (north bank)
}

# Greater London's extent, generously rounded.
LONDON_LAT = (51.28, 51.70)
LONDON_LON = (-0.52, 0.34)


@pytest.fixture(scope="session")
def lookup() -> PostcodeDirectory:
    ensure_directory(LOOKUP)
    directory = PostcodeDirectory(LOOKUP)
    yield directory
    directory.close()


def test_every_london_authority_has_a_sample() -> None:
    assert sorted(ONE_PER_AUTHORITY) == [code for code, _ in london_authorities()]


@pytest.mark.parametrize(("code", "postcode"), sorted(ONE_PER_AUTHORITY.items()))
def test_london_postcode_resolves_to_its_authority(lookup: PostcodeDirectory, code: str, postcode: str) -> None:
    record = lookup.lookup(postcode)
    assert record is not None, postcode
    assert record.la_code == code, (postcode, authority_name(record.la_code))
    assert record.in_london
    assert record.postcode == postcode
    assert LONDON_LAT[0] < record.lat < LONDON_LAT[1]
    assert LONDON_LON[0] < record.lon < LONDON_LON[1]
    assert 500_000 < record.easting < 565_000
    assert 155_000 < record.northing < 205_000


@pytest.mark.parametrize(
    ("raw", "expected_code", "lat", "lon"),
    [
        ("m1 1ae", "E08000003", 53.48, -2.23),  # Manchester
        ("CF10 1EP", "W06000015", 51.48, -3.18),  # Cardiff
        ("EH1 1YZ", "S12000036", 55.95, -3.19),  # City of Edinburgh
    ],
)
def test_postcode_outside_london(
    lookup: PostcodeDirectory, raw: str, expected_code: str, lat: float, lon: float
) -> None:
    record = lookup.lookup(raw)
    assert record is not None
    assert record.la_code == expected_code
    assert not record.in_london
    assert record.lat == pytest.approx(lat, abs=0.01)
    assert record.lon == pytest.approx(lon, abs=0.01)


def test_buckingham_palace_coordinates(lookup: PostcodeDirectory) -> None:
    record = lookup.lookup(" sw1a1aa ")
    assert record is not None
    assert record.postcode == "SW1A 1AA"
    assert (record.easting, record.northing) == (529090.0, 179645.0)
    # Published WGS84 position of SW1A 1AA: 51.501009, -0.141588.
    assert record.lat == pytest.approx(51.50101, abs=0.0002)
    assert record.lon == pytest.approx(-0.14159, abs=0.0002)


def test_unknown_but_well_formed_postcode_is_none(lookup: PostcodeDirectory) -> None:
    assert lookup.lookup("SW1A 9ZZ") is None
    assert lookup.try_lookup("SW1A 9ZZ") is None


def test_malformed_postcode_raises(lookup: PostcodeDirectory) -> None:
    with pytest.raises(InvalidPostcode):
        lookup.lookup("not a postcode")
    assert lookup.try_lookup("not a postcode") is None


def test_postcode_without_grid_reference_keeps_null_coordinates(
    lookup: PostcodeDirectory,
) -> None:
    record = lookup.lookup("JE4 5ND")  # Jersey: in the directory, no grid reference
    assert record is not None
    assert record.lat is None and record.lon is None and record.easting is None


def test_counts_and_metadata(lookup: PostcodeDirectory) -> None:
    meta = lookup.metadata()
    assert meta["source_version"] == source_version()
    assert meta["schema_version"] == SCHEMA_VERSION
    assert lookup.count() == int(meta["rows"]) > 2_600_000
    london = [code for code, _ in london_authorities()]
    assert lookup.count(london) == int(meta["london_rows"]) == 331_981
    assert is_current(LOOKUP)


def test_ensure_directory_does_not_rebuild_a_current_file() -> None:
    before = LOOKUP.stat().st_mtime_ns
    summary = ensure_directory(LOOKUP)
    assert not summary.rebuilt
    assert LOOKUP.stat().st_mtime_ns == before


def test_points_stream_one_authority(lookup: PostcodeDirectory) -> None:
    points = list(lookup.points(["E09000001"]))
    assert len(points) == lookup.count(["E09000001"]) > 5_000
    for la_code, lat, lon, easting, northing in points:
        assert la_code == "E09000001"
        assert 51.50 < lat < 51.53 and -0.12 < lon < -0.07
        assert 530_000 < easting < 534_500 and 180_000 < northing < 182_500


def test_points_for_all_of_london_are_in_the_bounding_box(lookup: PostcodeDirectory) -> None:
    london = [code for code, _ in london_authorities()]
    n = 0
    for _, lat, lon, _, _ in lookup.points(london):
        assert LONDON_LAT[0] < lat < LONDON_LAT[1]
        assert LONDON_LON[0] < lon < LONDON_LON[1]
        n += 1
    assert n == 331_981


def test_lookups_from_several_threads(lookup: PostcodeDirectory) -> None:
    errors: list[BaseException] = []
    results: dict[str, str] = {}

    def work(code: str, postcode: str) -> None:
        try:
            for _ in range(200):
                record = lookup.lookup(postcode)
                assert record is not None
            results[postcode] = record.la_code
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=item) for item in ONE_PER_AUTHORITY.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == {pc: code for code, pc in ONE_PER_AUTHORITY.items()}


def test_file_is_opened_read_only(lookup: PostcodeDirectory) -> None:
    import sqlite3

    with lookup._conn() as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("DELETE FROM postcodes WHERE postcode = 'SW1A1AA'")


def test_a_thread_per_request_does_not_gather_connections(lookup: PostcodeDirectory) -> None:
    """werkzeug starts a thread for each request: connections are pooled, not kept per thread."""
    import threading

    for _ in range(50):
        worker = threading.Thread(target=lookup.lookup, args=("SW1A 1AA",))
        worker.start()
        worker.join()
    assert len(lookup._idle) <= PostcodeDirectory.MAX_IDLE
    assert lookup.lookup("SW1A 1AA").la_code == "E09000033"


def test_missing_file_raises_a_helpful_error(tmp_path: Path) -> None:
    with pytest.raises(DirectoryMissing, match="flask geo load-postcodes"):
        PostcodeDirectory(tmp_path / "nope.sqlite")


def test_cli_load_postcodes_reports_a_current_file() -> None:
    from flask import Flask

    from directory.geo.cli import geo_cli

    app = Flask(__name__)
    app.config["POSTCODE_DIRECTORY"] = str(LOOKUP)
    app.cli.add_command(geo_cli)
    ensure_directory(LOOKUP)
    result = app.test_cli_runner().invoke(args=["geo", "load-postcodes"])
    assert result.exit_code == 0, result.output
    assert "Up to date" in result.output
    assert "331,981" in result.output
