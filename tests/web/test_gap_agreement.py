"""The gap map, its tables, the exports and the borough profile agree with each other and
with the finder on what is running where, for whom (seed data, read on today's date)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from directory.core.coverage import AGE_BANDS, CATEGORY_BANDS, CATEGORY_GENDERS, GENDER_GROUPS
from directory.core.vocabulary import CATEGORIES

POPULATIONS = [
    {},
    {"gender": "female"},
    {"gender": "male", "age": "30-plus"},
]
# an age the finder can be asked for each band (every seeded age limit falls on a band edge)
BAND_AGES = {"18-25": 18, "26-29": 26, "30-plus": 30}
# the finder is asked as a veteran about veterans' services, and so on
GROUP_OF = {"veterans": "veteran", "neurodiversity": "neurodivergent"}
STATE_WORDS = {"met": "Met", "unknown": "Unknown", "missing": "Missing"}


def paper_rows(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    start = next(i for i, row in enumerate(lines) if row and row[0] == "Borough")
    about = {row[0]: row[1] for row in lines[1:start] if len(row) == 2}
    header = lines[start]
    return about, [dict(zip(header, row)) for row in lines[start + 1 :]]


def finder_states(client, code: str, params: dict) -> dict[str, str]:
    """For each category, the finder's answer for this borough and population: met when,
    for every gender and age band in it, a confirmed running service placed in the borough
    is offered; unknown when something is offered; missing when nothing is."""
    genders = [params["gender"]] if "gender" in params else list(GENDER_GROUPS)
    bands = [b.slug for b in AGE_BANDS if b.slug == params["age"]] if "age" in params else [b.slug for b in AGE_BANDS]
    answers = {}
    for gender in genders:
        for band in bands:
            for group in (None, "veteran", "neurodivergent"):
                query = {"borough": code, "gender": gender, "age": BAND_AGES[band], "limit": 1000}
                if group:
                    query[group] = "yes"
                response = client.get("/api/find", query_string=query)
                assert response.status_code == 200
                answers[(gender, band, group)] = response.get_json()["results"]
    states = {}
    for category in CATEGORIES:
        segment_states = []
        for (gender, band, group), results in answers.items():
            if group != GROUP_OF.get(category):
                continue
            if category in CATEGORY_GENDERS and gender not in CATEGORY_GENDERS[category]:
                continue
            if category in CATEGORY_BANDS and band not in CATEGORY_BANDS[category]:
                continue
            offered = [r for r in results if category in r["service"]["categories"]]
            confirmed = [
                r
                for r in offered
                if r["service"]["status_reading"]["standing"] == "confirmed"
                and any(reason["rule"] == "borough" for reason in r["reasons"])
            ]
            segment_states.append("met" if confirmed else "unknown" if offered else "missing")
        if not segment_states:
            states[category] = None
        elif "missing" in segment_states:
            states[category] = "missing"
        elif "unknown" in segment_states:
            states[category] = "unknown"
        else:
            states[category] = "met"
    return states


@pytest.mark.parametrize("params", POPULATIONS, ids=["everyone", "women", "men-30-plus"])
def test_maps_tables_exports_profile_and_finder_agree(client, params):
    about, table = paper_rows(client.get("/gaps-table.csv", query_string=params).get_data(as_text=True))
    assert len(table) == 33
    label = about["For"]
    book = load_workbook(io.BytesIO(client.get("/gaps-table.xlsx", query_string=params).data))
    sheet = book.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(values) if row[0] == "Borough")
    assert values[1][:2] == ("For", label) or values[1][:2] == ["For", label]
    xlsx = {row[1]: dict(zip(values[start], row)) for row in values[start + 1 :]}
    long = list(csv.DictReader(io.StringIO(client.get("/gaps.csv", query_string=params).get_data(as_text=True))))
    long_by = {(r["borough_code"], r["category"]): r for r in long}
    geo = {f["id"]: f["properties"] for f in client.get("/gaps.geojson", query_string=params).get_json()["features"]}
    page = unescape(client.get("/maps/gaps", query_string=params).get_data(as_text=True))
    assert f"For:</strong> {label}." in page

    for number, row in enumerate(table):
        code = row["ONS code"]
        counts = (row["Met"], row["Unknown"], row["Missing"])
        # the Excel file holds the same figures as numbers
        x = xlsx[code]
        assert (str(x["Met"]), str(x["Unknown"]), str(x["Missing"])) == counts
        # the GeoJSON and the gaps page's table
        assert (str(geo[code]["met_count"]), str(geo[code]["unknown_count"]), str(geo[code]["missing_count"])) == counts
        assert geo[code]["population"] == label
        offer = row["Offer items"]
        assert re.search(
            rf">{re.escape(row['Borough'])}</a>.*?<td class=\"numeric\">{counts[0]} of {offer}</td>\s*"
            rf"<td class=\"numeric\">{counts[1]} of {offer}</td>\s*<td class=\"numeric\">{counts[2]} of {offer}</td>",
            page,
            re.S,
        ), row["Borough"]
        # each category: the table, the Excel file, the long CSV and the finder (every
        # borough for everyone; every fourth for the narrower populations, to keep it quick)
        if params and number % 4:
            continue
        expected = finder_states(client, code, params)
        for category, name in CATEGORIES.items():
            state = long_by[(code, category)]["state"]
            assert expected[category] == (None if state == "not for this population" else state), (
                row["Borough"],
                category,
            )
            assert row[name] == x[name]
            if expected[category]:
                assert row[name].startswith(STATE_WORDS[expected[category]])
            assert long_by[(code, category)]["population"] == label

    # the printable profile says the same for two boroughs
    for row in table[:2]:
        profile = unescape(
            client.get(f"/boroughs/{row['ONS code']}/profile", query_string=params).get_data(as_text=True)
        )
        assert f"For:</strong> {label}." in profile
        assert (
            f"{row['Met']} met, {row['Unknown']} unknown, {row['Missing']} missing, of {row['Offer items']}"
        ) in profile
