"""A commissioner imports a spreadsheet in the browser; anyone reads the feed's documentation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .conftest import assert_accessible, assert_no_sideways_scroll, live_database, sign_in

IMPORTER = ("importer@e2e.example.org", "importer e2e passphrase")
HEADER = "id,name,organisation,status,boroughs,categories,cohorts,source,source_date"
SHEET = "\n".join(
    [
        HEADER,
        "e-1,Borough mentoring,Mentor Trust,commissioned,Lambeth; Chelsea,Personal wellbeing,On probation,Mapping 2025,2025-06-30",
        "e-2,Knitting circle,Mentor Trust,commissioned,Lambeth,Knitting,On probation,Mapping 2025,2025-06-30",
    ]
).encode()


@pytest.fixture(scope="session")
def importer(live_server, tmp_path_factory):
    from directory.operations.accounts import create_user

    with live_database(tmp_path_factory) as session:
        create_user(session, IMPORTER[0], "Indra Importer", IMPORTER[1], "commissioner")
    return IMPORTER


def test_commissioner_previews_and_imports_a_spreadsheet(page, importer):
    sign_in(page, *importer)
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import services")
    assert_accessible(page)

    page.get_by_label("File to import").set_input_files(
        {"name": "mapping.csv", "mimeType": "text/csv", "buffer": SHEET}
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import preview")
    expect(page.locator("main")).to_contain_text("1 row would be added")
    expect(page.get_by_role("alert")).to_contain_text("Row 3")
    expect(page.get_by_role("alert")).to_contain_text("'Knitting' is not one of ours")
    assert_accessible(page)

    page.get_by_role("button", name="Import the 1 good row").click()
    expect(page.get_by_text("Imported: 1 added; 1 skipped (errors).")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Earlier decisions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Values to resolve")
    assert_accessible(page)
    page.goto("/services?q=Borough+mentoring")
    expect(page.locator("main")).to_contain_text("Borough mentoring")
    expect(page.locator("main")).not_to_contain_text("Knitting circle")


def test_feed_documentation_reads_on_a_phone(phone):
    phone.goto("/openreferral/docs")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Open Referral UK feed")
    assert_accessible(phone)
    assert_no_sideways_scroll(phone)
