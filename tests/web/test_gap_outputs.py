"""What a board paper takes from the gap analysis: the lottery index, the one-row-per-borough
table (CSV and Excel) and the printable profile."""

from __future__ import annotations

import csv
import io
from html import unescape

from openpyxl import load_workbook

from directory.core.vocabulary import CATEGORIES


def test_lottery_index_is_population_weighted_and_never_zero_for_nothing(client):
    page = unescape(client.get("/maps/gaps").get_data(as_text=True))
    assert "Residents in boroughs with none" in page and "Census 2021" in page
    assert "No provision anywhere" in page  # e.g. hate crime: no service in the seed data
    hate = page[page.index(">Hate crime<") :]
    hate = hate[: hate.index("</tr>")]
    assert "No provision anywhere" in hate and "0.00" not in hate
    assert "8,781,900 (100%)" in hate  # every Londoner lives in a borough with none
    coverage = unescape(client.get("/maps/coverage?category=hate_crime").get_data(as_text=True))
    assert "No provision anywhere" in coverage
    assert "not measured: no delivery sites recorded" in coverage
    assert "0%" not in coverage.split("<table")[1].split("</table>")[0]


def test_distance_coverage_is_not_measured_without_sites(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/gaps.csv").get_data(as_text=True))))
    hate = [r for r in rows if r["category"] == "hate_crime"]
    assert {r["distance_coverage"] for r in hate} == {"no delivery sites recorded"}
    profile = unescape(client.get("/boroughs/E09000033/profile").get_data(as_text=True))
    assert "no delivery sites recorded" in profile


def read_paper_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_board_table_csv_has_one_row_per_borough_with_its_context(client):
    response = client.get("/gaps-table.csv?gender=female&age=18-25&distance_km=2")
    assert response.status_code == 200
    assert "london-minimum-offer-by-borough-female-18-25-2km.csv" in response.headers["Content-Disposition"]
    lines = read_paper_csv(response)
    assert lines[0] == ["London reducing-reoffending services: the minimum offer by borough"]
    about = {row[0]: row[1] for row in lines[1:] if len(row) == 2}
    assert about["For"] == "Women aged 18 to 25 with any criminal justice status"
    assert about["Filters"] == (
        "Gender: Women; Age band: 18 to 25; Cohort: everyone; Distance to a delivery site: 2 km"
    )
    assert about["Statuses read on"][0].isdigit() and about["Catalogue last updated"][0].isdigit()
    assert "not necessarily gaps in provision" in about["Unknown"]
    sources = [row[1] for row in lines if row and row[0] == "Source"]
    assert any("Census 2021" in s and "Open Government Licence" in s for s in sources)
    assert any("ONS Postcode Directory" in s for s in sources)
    start = next(i for i, row in enumerate(lines) if row and row[0] == "Borough")
    header, body = lines[start], lines[start + 1 :]
    assert header[:10] == [
        "Borough",
        "ONS code",
        "Police BCU",
        "Probation delivery unit",
        "Residents (Census 2021)",
        "Offer items",
        "Met",
        "Unknown",
        "Missing",
        "Share of offer met",
    ]
    assert all(name in header for name in CATEGORIES.values())
    assert len(body) == 33 and len({row[1] for row in body}) == 33
    croydon = next(row for row in body if row[0] == "Croydon")
    assert croydon[4] == "389700"
    assert croydon[9].endswith("%")
    for row in body:
        assert int(row[6]) + int(row[7]) + int(row[8]) == int(row[5])
        assert not any("_" in cell for cell in row)  # plain words, no snake_case


def test_board_table_xlsx_holds_numbers_percentages_and_sources(client):
    response = client.get("/gaps-table.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[1][:2] == ["For", "Everyone: all genders and all ages, any criminal justice status"]
    assert any(r[0] == "Source" and "Census 2021" in (r[1] or "") for r in rows)
    start = next(i for i, r in enumerate(rows) if r[0] == "Borough")
    body = rows[start + 1 :]
    assert len(body) == 33
    share_column = rows[start].index("Share of offer met")
    first = sheet.cell(start + 2, share_column + 1)
    assert isinstance(first.value, float) and first.number_format == "0%"
    assert all(isinstance(r[rows[start].index("Met")], int) for r in body)
    assert sheet.freeze_panes == f"B{start + 2}"


def test_bad_table_format_and_bad_gender_are_400s(client):
    assert client.get("/gaps-table.pdf").status_code == 400
    response = client.get("/maps/gaps?gender=robot")
    assert response.status_code == 400 and "gender" in response.get_data(as_text=True).lower()
    assert client.get("/gaps-table.csv?gender=robot").status_code == 400


def test_gender_filter_changes_who_the_figures_are_for(client):
    everyone = unescape(client.get("/maps/gaps").get_data(as_text=True))
    women = unescape(client.get("/maps/gaps?gender=female").get_data(as_text=True))
    assert "For:</strong> Everyone" in everyone
    assert "For:</strong> Women of any age with any criminal justice status" in women
    men = unescape(client.get("/maps/gaps?gender=male").get_data(as_text=True))
    # the women's services item is not asked about men
    assert "Women (" not in men.split("The minimum offer:")[1].split("</p>")[0]


def test_profile_prints_with_its_map_caveats_and_date_and_no_file_paths(client):
    page = client.get("/boroughs/E09000022/profile").get_data(as_text=True)
    text = unescape(page)
    assert "<svg" in page and "<path" in page and 'role="img"' in page
    assert "Lambeth (shaded) in London" in text
    assert page.count('fill="#1d70b8"') == 1  # the borough itself
    assert "not necessarily gaps in provision" in text
    assert "Statuses read on" in text and "Residents" in text and "316,800" in text
    assert "seed/" not in text and ".yaml" not in text and "/work/" not in text
    assert "javascript:" not in page
    borough = client.get("/boroughs/E09000022").get_data(as_text=True)
    assert 'href="/boroughs/E09000022/profile"' in borough
