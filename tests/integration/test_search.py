"""Service text search: the same words find the same services on SQLite and PostgreSQL.

These run on whichever database the suite runs on (both, under ``make test``); the expected
answers are worked out here from the services' own text, not from either index.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from directory.core.search import STOP_WORDS, search_terms
from directory.models import Organisation, Service
from directory.operations.search import search_service_ids


def _service(session, name, summary=None, description=None, organisation=None, **fields):
    service = Service(
        slug=re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + f"-{len(name)}",
        name=name,
        summary=summary,
        description=description,
        organisation=organisation,
        **fields,
    )
    session.add(service)
    session.flush()
    return service


def _words(service: Service) -> set[str]:
    parts = (service.name, service.summary, service.description, service.organisation and service.organisation.name)
    return {w for part in parts if part for w in re.findall(r"[^\W_]+", part.lower())}


def test_whole_words_find_the_services_that_hold_them(session):
    """For ordinary words (ones both stemmers leave whole), the matches are exactly the
    services whose text holds a word starting with each term."""
    services = session.scalars(select(Service)).all()
    found_any = 0
    for word in ("prison", "women", "london", "young", "drug", "mental"):
        expected = {s.id for s in services if any(w.startswith(word) for w in _words(s))}
        found = set(search_service_ids(session, word))
        assert found == expected, word
        found_any += bool(found)
    assert found_any >= 4, "the seed catalogue uses most of these words"


def test_every_word_must_match(session):
    organisation = Organisation(slug="quokka-trust", name="Quokka Trust")
    session.add(organisation)
    both = _service(session, "Zephyrine mentoring", organisation=organisation)
    one = _service(session, "Zephyrine gardening")
    assert set(search_service_ids(session, "zephyrine")) == {both.id, one.id}
    assert search_service_ids(session, "zephyrine mentoring") == [both.id]
    assert search_service_ids(session, "zephyrine quokka") == [both.id]  # organisation's name
    assert search_service_ids(session, "zephyrine quokka gardening") == []


def test_a_word_in_the_name_ranks_above_one_in_the_description(session):
    in_description = _service(session, "Evening club", description="Xylophonic music sessions.")
    in_name = _service(session, "Xylophonic workshop")
    assert search_service_ids(session, "xylophonic") == [in_name.id, in_description.id]


def test_plural_and_partial_words(session):
    service = _service(session, "Brightwater accommodation service")
    for typed in ("brightwater", "Brightwater", "BRIGHTWATER!", "brightw", "accommodations brightwater"):
        assert search_service_ids(session, typed) == [service.id], typed


def test_the_index_follows_every_write(session):
    organisation = Organisation(slug="umbrage-org", name="Umbrage Partnership")
    session.add(organisation)
    service = _service(session, "Quillfeather project", organisation=organisation)
    assert search_service_ids(session, "quillfeather") == [service.id]

    service.name = "Inkwell project"
    service.summary = "Formerly the quillfather scheme."
    session.flush()
    assert search_service_ids(session, "quillfeather") == []
    assert search_service_ids(session, "inkwell") == [service.id]
    assert search_service_ids(session, "quillfather") == [service.id]

    organisation.name = "Marmalade Partnership"
    session.flush()
    assert search_service_ids(session, "umbrage") == []
    assert search_service_ids(session, "marmalade inkwell") == [service.id]

    session.delete(service)
    session.flush()
    assert search_service_ids(session, "inkwell") == []


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "%_%",
        '"',
        "'\"'\"",
        '"unterminated',
        "NEAR(a b)",
        "a AND OR NOT",
        "mentor*",
        "name:mentoring",
        "!&|():*",
        "-housing",
        "^start",
        "the of and",
        "x" * 5000,
        "word " * 500,
        "😀 emoji",
        "\\'; DROP TABLE service; --",
    ],
)
def test_awkward_text_never_errors(session, typed):
    found = search_service_ids(session, typed)
    if not search_terms(typed):
        assert found == []


def test_operators_are_words_not_syntax(session):
    service = _service(session, "Nearside Not-Alone project")
    assert service.id in search_service_ids(session, "NEAR")
    assert search_service_ids(session, "nearside NOT alone") == [service.id]  # "not" is a stop word


_LETTERS = st.text(alphabet="bcdfghjklmnpqrvwxz", min_size=3, max_size=6)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.lists(_LETTERS, min_size=1, max_size=3), min_size=1, max_size=6), probe=_LETTERS)
def test_matches_equal_a_word_prefix_scan(session, names, probe):
    """Made-up consonant words (no stemmer changes them): the index's answer is exactly the
    services holding a word that starts with the probe."""
    nested = session.begin_nested()
    try:
        made = [_service(session, "q" + " q".join(words) + f" {i}") for i, words in enumerate(names)]
        expected = {s.id for s in made if any(w.startswith("q" + probe) for w in s.name.split())}
        found = set(search_service_ids(session, "q" + probe)) & {s.id for s in made}
        assert found == expected
    finally:
        nested.rollback()


def test_search_pages_use_the_index(client, session):
    service = _service(session, "Gallimaufry support", moderation="published")
    hidden = _service(session, "Gallimaufry draft", moderation="pending")
    page = client.get("/services", query_string={"q": "gallimaufry"}).get_data(as_text=True)
    assert "Gallimaufry support" in page and "Gallimaufry draft" not in page
    body = client.get("/api/services", query_string={"q": "gallimaufry"}).get_json()
    assert [item["id"] for item in body["items"]] == [service.id]
    assert hidden.id in search_service_ids(session, "gallimaufry")


def test_stop_words_are_ignored_on_both_databases():
    assert search_terms("The Way Out") == ("way",)
    assert search_terms("of the and") == ()
    assert {"the", "and", "not", "s"} <= STOP_WORDS


@pytest.mark.parametrize("typed", ['"', "'", '"mentoring', "NEAR(", "*", "a:b & c", "%_%", "\u00a0", "x" * 200])
def test_awkward_searches_are_answered_not_500(client, typed):
    page = client.get("/services", query_string={"q": typed})
    assert page.status_code == 200
    assert client.get("/api/services", query_string={"q": typed}).status_code == 200
