"""A copy of the status rule's readings, taken on one day, read on any later day."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from directory.core.status import Standing, StatusEvidence, read_status, readings_from
from directory.core.types import PartialDate

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31))
PARTIAL = st.one_of(
    st.none(),
    st.builds(PartialDate, DAYS, st.sampled_from(["day", "month", "year"])),
)
EVIDENCE = st.builds(
    StatusEvidence,
    status=st.sampled_from(["commissioned", "pilot", "planned", "ended", "unknown"]),
    as_of=st.one_of(st.none(), DAYS),
    source=st.just("Provider's website"),
    starts_on=PARTIAL,
    ends_on=PARTIAL,
    funded_until=PARTIAL,
)


def reading_on(readings, day):
    return [reading for start, reading in readings if start <= day][-1]


@settings(max_examples=400, deadline=None)
@given(EVIDENCE, DAYS, st.integers(min_value=0, max_value=3000))
def test_the_copy_reads_as_the_rule_on_every_later_day(evidence, taken, later):
    readings = readings_from(evidence, taken)
    day = taken + timedelta(days=later)
    assert reading_on(readings, day) == read_status(evidence, day)


def test_a_funded_service_turns_not_confirmed_the_day_after_its_funding_ends():
    evidence = StatusEvidence(
        "commissioned",
        as_of=date(2026, 6, 1),
        source="Council page",
        funded_until=PartialDate(date(2026, 12, 31), "month"),
    )
    readings = readings_from(evidence, date(2026, 12, 1))
    assert [(day, r.standing) for day, r in readings] == [
        (date(2026, 12, 1), Standing.CONFIRMED),
        (date(2027, 1, 1), Standing.NOT_CONFIRMED),
    ]
