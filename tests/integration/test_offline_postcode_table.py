"""London's postcode table for the finder offline: small, and answering as the full lookup does."""

from __future__ import annotations

import gzip
import json
import random
import sqlite3
from collections import Counter

import pytest

from directory.geo.postcode_table import encoded_table, london_postcode_table

LONDON = "E09"


@pytest.fixture(scope="module")
def table(postcode_directory):
    return london_postcode_table(postcode_directory)


def borough_from_table(table: dict, postcode: str) -> str | None:
    """What the offline finder reads: the authority whose units in the sector hold the postcode."""
    compact = postcode.replace(" ", "")
    sector, unit = f"{compact[:-3]} {compact[-3]}", compact[-2:]
    for code, units in table["sectors"].get(sector, {}).items():
        if unit in (units[i : i + 2] for i in range(0, len(units), 2)):
            return code
    return None


def _rows(postcode_directory, sql, *params):
    conn = sqlite3.connect(f"file:{postcode_directory.path}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_under_a_megabyte_compressed(postcode_directory):
    body, compressed = encoded_table(postcode_directory)
    assert len(compressed) < 1_000_000
    assert json.loads(gzip.decompress(compressed)) == json.loads(body)


def test_every_london_postcode_is_in_it(table, postcode_directory):
    units = sum(
        len(u) // 2 for by_la in table["sectors"].values() for code, u in by_la.items() if code.startswith(LONDON)
    )
    assert units == postcode_directory.count(
        [
            code
            for (code,) in _rows(postcode_directory, "SELECT DISTINCT la_code FROM postcodes WHERE la_code LIKE 'E09%'")
        ]
    )


def test_a_sample_of_postcodes_and_every_exception_answer_as_the_lookup(table, postcode_directory):
    london = [
        pc
        for (pc,) in _rows(
            postcode_directory, "SELECT postcode FROM postcodes WHERE la_code LIKE 'E09%' ORDER BY postcode"
        )
    ]
    sample = random.Random(19).sample(london, 2000)
    # Postcodes in another authority from most of their sector: the boundary cases.
    exceptions = []
    for sector, by_la in table["sectors"].items():
        ranked = sorted(by_la.items(), key=lambda item: -len(item[1]))
        for _code, units in ranked[1:]:
            exceptions += [f"{sector}{units[i : i + 2]}" for i in range(0, len(units), 2)]
    assert len(exceptions) > 1000
    for postcode in sample + exceptions:
        record = postcode_directory.lookup(postcode)
        assert borough_from_table(table, postcode) == record.la_code, postcode
    assert borough_from_table(table, "SE1 7TP") == "E09000022"  # Lambeth


def test_sectors_and_districts_count_as_the_lookup(table, postcode_directory):
    sectors = random.Random(7).sample(sorted(table["sectors"]), 150)
    for sector in sectors:
        outward = sector.split(" ")[0]
        counted = {code: len(units) // 2 for code, units in table["sectors"][sector].items()}
        parts = postcode_directory.area(sector.replace(" ", ""), len(outward) + 3)
        assert counted == {p.la_code: p.postcodes for p in parts}, sector
    for outward in ("SE1", "SE11", "CR0", "EN5", "KT2"):
        counted = Counter()
        for sector, by_la in table["sectors"].items():
            if sector.split(" ")[0] == outward:
                counted.update({code: len(units) // 2 for code, units in by_la.items()})
        london = {
            p.la_code: p.postcodes
            for p in postcode_directory.area(outward, len(outward) + 3)
            if p.la_code.startswith(LONDON)
        }
        assert {c: n for c, n in counted.items() if c.startswith(LONDON)} == london, outward


def test_it_names_its_source_and_the_authorities_over_the_boundary(table):
    assert table["source"]["name"] == "ONS Postcode Directory"
    assert "Open Government Licence" in table["source"]["licence"]
    outside = {code for by_la in table["sectors"].values() for code in by_la if not code.startswith(LONDON)}
    assert outside and set(table["authorities"]) == outside
    assert all(table["authorities"].values())
