"""Every kind of source a citation can be, and the date each says a fact was true."""

from __future__ import annotations

from datetime import date

from directory.core.citations import Source, latest_for
from directory.core.types import PartialDate

NOTE = Source(
    kind="board_note",
    quote="Drive programme",
    facts=("status",),
    note="003_af031555801462e6.txt",
    meeting_date=date(2023, 5, 30),
)
PAGE = Source(
    kind="web_page",
    quote="will operate across all police custody suites",
    facts=("status", "coverage"),
    url="https://www.westlondon.nhs.uk/news/x",
    title="New Liaison and Diversion service",
    publisher="West London NHS Trust",
    source_date=PartialDate(date(2025, 11, 10)),
    read_on=date(2026, 11, 30),
)
UNDATED_PAGE = Source(
    kind="web_page",
    quote="DIVERT is",
    facts=("status",),
    url="https://example.org/divert",
    title="DIVERT",
    publisher="Bounce Back",
    read_on=date(2026, 11, 30),
)
RECORD = Source(
    kind="dataset_record",
    quote="Capital House",
    facts=("sites",),
    publisher="HM Prison and Probation Service",
    file="datasets/hmpps/probation-offices-v0.csv",
    version="ministryofjustice/hmpps-community-support-api@24caa63",
    record_id="83",
    licence="MIT",
    source_date=PartialDate(date(2026, 8, 21)),
)
STATEMENT = Source(
    kind="app_statement",
    facts=("status",),
    stated_by="Advance (provider)",
    source_date=PartialDate(date(2026, 10, 1)),
)


def test_each_kind_carries_what_it_must():
    for source in (NOTE, PAGE, UNDATED_PAGE, RECORD, STATEMENT):
        assert source.missing == (), source.kind
    assert Source(kind="web_page", quote="x").missing == ("url", "title", "publisher", "read_on")
    assert Source(kind="dataset_record").missing == ("publisher", "file", "version", "record_id", "licence")
    assert Source(kind="rumour").missing == ("kind",)


def test_the_date_a_fact_was_true_is_the_source_date_never_the_day_it_was_read():
    assert NOTE.dated == date(2023, 5, 30)
    assert PAGE.dated == date(2025, 11, 10)
    assert UNDATED_PAGE.dated is None
    assert UNDATED_PAGE.date_text == "no date shown, read 30 November 2026"
    assert RECORD.date_text == "21 August 2026"


def test_labels_say_who_said_it():
    assert NOTE.label == "London Reducing Reoffending Board meeting note (003_af031555801462e6.txt)"
    assert PAGE.label == "West London NHS Trust: New Liaison and Diversion service"
    assert RECORD.label.endswith("probation-offices-v0.csv (record 83)")
    assert STATEMENT.label == "Stated in this directory by Advance (provider)"
    assert NOTE.status_source == "Reported to the London Reducing Reoffending Board"


def test_a_status_rests_on_the_latest_dated_source_that_backs_it():
    assert latest_for([NOTE, PAGE, RECORD], "status") is PAGE
    assert latest_for([NOTE, UNDATED_PAGE], "status") is NOTE
    assert latest_for([UNDATED_PAGE], "status") is UNDATED_PAGE
    assert latest_for([RECORD], "status") is None
