"""The one rule for "is this service running on this date"."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from directory.core.status import (
    FRESH_FOR,
    Standing,
    StatusEvidence,
    period_end,
    read_status,
)
from directory.core.types import PartialDate

TODAY = date(2026, 11, 30)
BOARD = "Reported to the London Reducing Reoffending Board"


def evidence(**values) -> StatusEvidence:
    values.setdefault("status", "commissioned")
    values.setdefault("as_of", date(2026, 6, 1))
    values.setdefault("source", "Provider's website")
    return StatusEvidence(**values)


def test_a_recent_source_confirms_a_commissioned_service():
    reading = read_status(evidence(), TODAY)
    assert reading.standing is Standing.CONFIRMED
    assert reading.sentence == "Commissioned as of 1 June 2026 (Provider's website)"


def test_a_2023_board_note_alone_never_confirms_in_2026():
    reading = read_status(evidence(as_of=date(2023, 5, 30), source=BOARD), TODAY)
    assert reading.standing is Standing.NOT_CONFIRMED
    assert reading.since == date(2023, 5, 30)
    assert reading.label == "Not confirmed since 30 May 2023"
    assert reading.sentence.startswith(
        f"Not confirmed since 30 May 2023: last recorded as commissioned ({BOARD}, 30 May 2023)."
    )
    assert not reading.excludes and reading.counts_as_present


def test_a_planned_start_in_2022_read_in_2026_is_not_confirmed_not_planned():
    reading = read_status(
        evidence(status="planned", as_of=date(2022, 9, 1), starts_on=PartialDate(date(2022, 10, 1), "month")),
        TODAY,
    )
    assert reading.standing is Standing.NOT_CONFIRMED
    assert "planned to start in October 2022; no newer source says it started" in reading.sentence
    assert "Not yet running" not in reading.sentence


def test_funded_until_passed_with_no_newer_source_is_not_confirmed():
    funded = PartialDate(date(2026, 3, 31))
    reading = read_status(evidence(as_of=date(2025, 11, 1), funded_until=funded), TODAY)
    assert reading.standing is Standing.NOT_CONFIRMED
    assert "funded until 31 March 2026" in reading.sentence
    # A newer source (after the funding date) confirms it again.
    newer = read_status(evidence(as_of=date(2026, 5, 1), funded_until=funded), TODAY)
    assert newer.standing is Standing.CONFIRMED


def test_an_end_date_still_to_come_keeps_it_confirmed():
    reading = read_status(evidence(ends_on=PartialDate(date(2027, 3, 1), "month")), TODAY)
    assert reading.standing is Standing.CONFIRMED


def test_ended_planned_and_unknown():
    assert read_status(evidence(status="ended"), TODAY).standing is Standing.ENDED
    assert read_status(evidence(status="ended"), TODAY).excludes
    planned = read_status(evidence(status="planned", starts_on=PartialDate(date(2027, 1, 1), "month")), TODAY)
    assert planned.standing is Standing.PLANNED and planned.excludes and not planned.counts_as_present
    assert planned.sentence == ("Not yet running (planned to start in January 2027; Provider's website, 1 June 2026)")
    unknown = read_status(evidence(status="unknown"), TODAY)
    assert unknown.standing is Standing.NOT_KNOWN and unknown.counts_as_present
    assert unknown.sentence == "Status not known (Provider's website, 1 June 2026)"


def test_a_commissioned_service_with_a_start_still_to_come_is_not_yet_running():
    reading = read_status(evidence(starts_on=PartialDate(date(2027, 1, 1), "year")), TODAY)
    assert reading.standing is Standing.PLANNED


def test_no_dated_source_is_never_confirmed_on_a_day():
    assert read_status(evidence(as_of=None), TODAY).standing is Standing.NOT_CONFIRMED
    assert read_status(evidence(as_of=None), TODAY).label == "Not confirmed"


def test_the_day_is_a_parameter_not_the_clock():
    e = evidence(as_of=date(2023, 5, 30), source=BOARD)
    assert read_status(e, date(2023, 6, 1)).standing is Standing.CONFIRMED
    assert read_status(e, date(2023, 5, 30) + FRESH_FOR).standing is Standing.CONFIRMED
    assert read_status(e, date(2023, 5, 31) + FRESH_FOR).standing is Standing.NOT_CONFIRMED


dates = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
partials = st.builds(PartialDate, dates, st.sampled_from(["day", "month", "year"]))


@given(
    status=st.sampled_from(["commissioned", "pilot", "planned", "ended", "unknown"]),
    as_of=st.none() | dates,
    starts_on=st.none() | partials,
    ends_on=st.none() | partials,
    funded_until=st.none() | partials,
    today=dates,
)
def test_nothing_is_called_running_once_a_date_has_passed_with_no_newer_source(
    status, as_of, starts_on, ends_on, funded_until, today
):
    e = StatusEvidence(status, as_of, "a source", starts_on, ends_on, funded_until)
    reading = read_status(e, today)
    if reading.standing is Standing.CONFIRMED:
        assert status in ("commissioned", "pilot")
        assert as_of is not None and as_of + FRESH_FOR >= today
        for when in (ends_on, funded_until):
            assert when is None or period_end(when) >= today or as_of > period_end(when)
    if reading.standing is Standing.NOT_CONFIRMED:
        assert reading.since == as_of
        assert "running" not in reading.label.lower()
