"""Query-string parsing: every mistake gets a specific message; nothing else gets through."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.core.queries import InvalidInput, parse_finder_query, parse_service_filters
from directory.core.vocabulary import CATEGORIES

BOROUGHS = {f"E09{n:06d}" for n in range(1, 34)}


def args(**values):
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def test_service_filters_defaults():
    filters = parse_service_filters({}, BOROUGHS)
    assert filters.page == 1 and filters.per_page == 20 and filters.categories == ()


def test_service_filters_normalise_borough_case_and_dedupe_categories():
    filters = parse_service_filters(args(borough="e09000008", category=["women", "women", "accommodation"]), BOROUGHS)
    assert filters.borough == "E09000008"
    assert filters.categories == ("women", "accommodation")


@pytest.mark.parametrize(
    "values, field",
    [
        (args(borough="E09000034"), "borough"),
        (args(category="x"), "category"),
        (args(cohort="x"), "cohort"),
        (args(status="x"), "status"),
        (args(page="0"), "page"),
        (args(page="1.5"), "page"),
        (args(per_page="101"), "per_page"),
        (args(q="x" * 201), "q"),
    ],
)
def test_service_filter_errors_name_the_field(values, field):
    with pytest.raises(InvalidInput) as raised:
        parse_service_filters(values, BOROUGHS)
    assert raised.value.field == field
    assert raised.value.message


def test_finder_needs_a_place():
    with pytest.raises(InvalidInput, match="postcode or choose a borough"):
        parse_finder_query(args(age="30"), BOROUGHS)


def test_finder_normalises_the_postcode_and_reads_flags():
    query = parse_finder_query(args(postcode=" se1 7tp ", veteran="yes", neurodivergent="0"), BOROUGHS)
    assert query.postcode == "SE1 7TP" and query.veteran is True and query.neurodivergent is False


@given(st.lists(st.sampled_from(list(CATEGORIES)), max_size=5))
def test_any_known_needs_parse_in_order_without_duplicates(needs):
    query = parse_finder_query(args(borough="E09000001", need=needs), BOROUGHS)
    assert list(query.needs) == list(dict.fromkeys(needs))


@given(st.text(max_size=30))
def test_any_text_as_age_is_a_number_in_range_or_a_clear_error(text):
    try:
        query = parse_finder_query(args(borough="E09000001", age=text), BOROUGHS)
    except InvalidInput as error:
        assert error.field == "age"
    else:
        assert query.age is None or 10 <= query.age <= 120


@pytest.mark.parametrize("text", ["²", "١٢", "３０"])
def test_non_ascii_digits_are_an_error_not_a_crash(text):
    with pytest.raises(InvalidInput):
        parse_finder_query(args(borough="E09000001", age=text), BOROUGHS)
