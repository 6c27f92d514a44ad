"""A commissioner imports a mapping spreadsheet: preview names each bad row; applying adds the good ones."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from directory.imports.spreadsheet import HEADER
from directory.models import Service, StagedRecord, UnresolvedValue
from tests.conftest import csrf_from

GOOD = {
    "id": "m-1",
    "name": "Lambeth mentoring for young adults",
    "organisation": "Mentoring Trust",
    "status": "commissioned",
    "boroughs": "Lambeth; Chelsea",
    "categories": "Young adults (18 to 25); wellbeing",
    "cohorts": "On probation",
    "min_age": "18",
    "max_age": "25",
    "site_name": "Brixton hub",
    "site_postcode": "SW9 8EQ",
    "source": "Mapping exercise",
    "source_date": "2025-06-30",
}


def _csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8")


def _xlsx(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADER))
    for row in rows:
        sheet.append([row.get(h, "") for h in HEADER])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(client, data: bytes, filename: str, source: str = "mapping"):
    page = client.get("/imports").get_data(as_text=True)
    return client.post(
        "/imports/preview",
        data={
            "csrf_token": csrf_from(page),
            "source": source,
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def _apply(client, preview_html: str):
    import re

    token = re.search(r'name="token" type="hidden" value="([0-9a-f]{32})"', preview_html)
    source = re.search(r'name="source" type="hidden" value="([^"]*)"', preview_html)
    return client.post(
        "/imports/apply",
        data={
            "csrf_token": csrf_from(preview_html),
            "token": token.group(1),
            "source": source.group(1),
        },
    )


@pytest.fixture
def commissioner(client, login_as):
    return login_as("commissioner")


def _rows():
    return [
        GOOD,
        {**GOOD, "id": "m-2", "name": "Bad category", "categories": "Knitting"},
        {**GOOD, "id": "m-1", "name": "Same id again"},
        {**GOOD, "id": "m-4", "name": "Unknown place", "boroughs": "Kings Cross"},
        {**GOOD, "id": "m-5", "name": "Ages the wrong way", "min_age": "30", "max_age": "20"},
        {
            **GOOD,
            "id": "m-6",
            "name": "Second good row",
            "boroughs": "pan-London",
            "site_name": "",
            "site_postcode": "",
        },
    ]


@pytest.mark.parametrize("make, filename", [(_csv, "mapping.csv"), (_xlsx, "mapping.xlsx")])
def test_preview_names_each_bad_row_and_apply_adds_only_the_good_ones(client, session, commissioner, make, filename):
    before = session.scalar(select(func.count(Service.id)))
    answer = _upload(client, make(_rows()), filename)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "2 rows would be added" in page
    summary = page.split('role="alert"', 1)[1].split("</ul>", 1)[0]
    assert "4 rows with problems (left out)" in summary
    links = dict(re.findall(r'<a href="(#row-\d+)">\s*(.*?)\s*</a>', summary, re.S))
    expected = [
        "Row 3: categories: &#39;Knitting&#39; is not one of ours",
        "Row 4: Id &#39;m-1&#39; is used again (first on row 2)",
        "Row 5: boroughs: &#39;Kings Cross&#39; is not one London borough",
        "Row 6: max_age: Maximum age must be the same as or more than the minimum age.",
    ]
    for n, text in enumerate(expected, start=1):
        assert links[f"#row-{n}"].startswith(text)
        assert f'id="row-{n}"' in page  # each link leads to its row
    assert session.scalar(select(func.count(Service.id))) == before  # a preview writes nothing

    done = _apply(client, page)
    assert done.status_code == 303
    assert session.scalar(select(func.count(Service.id))) == before + 2
    service = session.scalar(select(Service).where(Service.name == GOOD["name"]))
    assert {b.name for b in service.boroughs} == {"Lambeth", "Kensington and Chelsea"}
    assert [s.postcode for s in service.sites] == ["SW9 8EQ"] and service.sites[0].borough.name == "Lambeth"
    assert service.moderation == "published" and service.organisation.name == "Mentoring Trust"
    assert service.citations[0].meeting_date.isoformat() == "2025-06-30"
    assert "Mapping exercise" in service.citations[0].quote
    pan = session.scalar(select(Service).where(Service.name == "Second good row"))
    assert pan.pan_london and not pan.boroughs
    assert session.scalar(select(UnresolvedValue).where(UnresolvedValue.value == "kings cross")) is not None

    again = _upload(client, make(_rows()), filename).get_data(as_text=True)
    assert "2 rows unchanged" in again and "would be added" not in again


def test_a_resolved_place_lets_the_row_in_next_time(client, session, commissioner):
    rows = [{**GOOD, "id": "k-1", "name": "Kings Cross drop-in", "boroughs": "Kings Cross"}]
    _apply(client, _upload(client, _csv(rows), "k.csv").get_data(as_text=True))
    entry = session.scalar(select(UnresolvedValue).where(UnresolvedValue.value == "kings cross"))
    queue = client.get("/imports/unresolved").get_data(as_text=True)
    assert "kings cross" in queue
    client.post(
        f"/imports/unresolved/{entry.id}", data={"csrf_token": csrf_from(queue), "boroughs": ["E09000007", "E09000019"]}
    )
    page = _upload(client, _csv(rows), "k.csv").get_data(as_text=True)
    assert "1 row would be added" in page
    _apply(client, page)
    service = session.scalar(select(Service).where(Service.name == "Kings Cross drop-in"))
    assert {b.name for b in service.boroughs} == {"Camden", "Islington"}


def test_csv_in_the_wrong_encoding_is_a_clear_error(client, session, commissioner):
    data = _csv([{**GOOD, "name": "Café in Brixton"}]).decode().encode("cp1252")
    page = _upload(client, data, "latin.csv")
    assert page.status_code == 400
    assert "not UTF-8 text" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (b"PK\x03\x04 this is not a workbook", "broken.xlsx", "not an Excel workbook"),
        (b"name,organisation\nx,y\n", "short.csv", "missing: id, source, source_date"),
        (b"   ", "empty.csv", "The file is empty"),
        (b"{}", "data.json", "neither &#39;contents&#39; (HSDS 3.0) nor &#39;content&#39;"),
        (b"<xml/>", "data.xml", "Upload a .csv or .xlsx file"),
    ],
)
def test_malformed_files_are_clear_errors(client, session, commissioner, data, filename, message):
    page = _upload(client, data, filename)
    assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_a_file_over_the_import_limit_is_refused_with_the_limit(client, session, commissioner):
    page = _upload(client, b"id,name\n" + b"x" * (9 * 1024 * 1024), "big.csv")
    assert page.status_code == 400 and "larger than 8 MB" in page.get_data(as_text=True)


def test_a_file_over_the_upload_limit_is_refused_not_a_500(client, session, commissioner):
    page = _upload(client, b"x" * (17 * 1024 * 1024), "huge.csv")
    assert page.status_code == 413 and "larger than 8 MB" in page.get_data(as_text=True)


def test_only_commissioners_import(client, session, login_as):
    assert client.get("/imports").status_code == 302  # to sign in
    login_as("provider")
    assert client.get("/imports").status_code == 403
    assert client.get("/imports/template.csv").status_code == 403


def test_templates_download_with_every_column(client, session, commissioner):
    answer = client.get("/imports/template.csv")
    assert answer.status_code == 200 and answer.get_data(as_text=True).splitlines()[0] == ",".join(HEADER)
    book = load_workbook(io.BytesIO(client.get("/imports/template.xlsx").data))
    assert [c.value for c in book["Services"][1]] == list(HEADER)


def test_the_template_example_imports(client, session, commissioner):
    page = _upload(client, client.get("/imports/template.csv").data, "template.csv").get_data(as_text=True)
    assert "1 row would be added" in page


def test_an_expired_upload_token_is_a_message(client, session, commissioner):
    page = client.get("/imports").get_data(as_text=True)
    answer = client.post(
        "/imports/apply", data={"csrf_token": csrf_from(page), "token": "0" * 32}, follow_redirects=True
    )
    assert "could not be found" in answer.get_data(as_text=True)
    assert session.scalar(select(func.count(StagedRecord.id))) == 0


def test_an_open_referral_feed_saved_as_json_imports_through_the_same_page(client, session, commissioner):
    import json

    service = {
        "id": "00000000-0000-4000-8000-000000000001",
        "name": "Feed counselling",
        "status": "active",
        "service_areas": [{"id": "a", "name": "Hackney", "extent": "E09000012"}],
        "organization": {"id": "00000000-0000-4000-8000-0000000000aa", "name": "Feed Org", "description": ""},
    }
    data = json.dumps({"contents": [service, {**service, "name": "Same id"}], "last_page": True}).encode()
    page = _upload(client, data, "feed.json").get_data(as_text=True)
    assert "1 row would be added" in page and "is used again" in page
    _apply(client, page)
    imported = session.scalar(select(Service).where(Service.name == "Feed counselling"))
    assert [b.name for b in imported.boroughs] == ["Hackney"] and imported.status == "unknown"
