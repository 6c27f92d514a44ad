"""The seed catalogue stands on the board's notes: every fact cited, every quote exact.

Reads only the project's own files (``seed/`` and ``directory/core/vocabulary.py``).
"""

from __future__ import annotations

import importlib.util
import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seed"
SOURCES = SEED / "sources"
CATALOGUE = SEED / "catalogue"
YAML_FILES = [
    CATALOGUE / "organisations.yaml",
    CATALOGUE / "services.yaml",
    SEED / "minimum_offer.yaml",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
BOROUGH_CODES = {f"E090000{n:02d}" for n in range(1, 34)}

SERVICE_KEYS = {
    "slug", "name", "organisation", "commissioners", "summary", "description", "status",
    "starts_on", "ends_on", "coverage", "categories", "cohorts", "eligibility", "oocd",
    "referral", "capacity", "cost", "funder", "contact", "sites", "citations",
}
REQUIRED_SERVICE_KEYS = {"slug", "name", "organisation", "status", "citations"}
COVERAGE_KEYS = {"pan_london", "boroughs", "unnamed_borough_count", "note"}
ELIGIBILITY_KEYS = {
    "min_age", "max_age", "genders", "risk_levels", "offences_accepted", "offences_excluded",
    "veterans_only", "neurodivergent_only", "languages", "notes",
}
OOCD_KEYS = {"disposals", "condition_kinds", "hours", "completion_weeks", "notes"}
REFERRAL_KEYS = {"routes", "how_to_refer"}
CONTACT_KEYS = {"website", "email", "phone"}
SITE_KEYS = {"name", "address", "postcode"}
ORGANISATION_KEYS = {"slug", "name", "description", "website", "email", "phone", "citations"}
CITATION_KEYS = {"note", "meeting", "quote", "facts"}


# --- loading ---------------------------------------------------------------------------


@cache
def vocabulary():
    """directory/core/vocabulary.py, loaded by path so the test needs no installed package."""
    path = ROOT / "directory" / "core" / "vocabulary.py"
    spec = importlib.util.spec_from_file_location("_seed_test_vocabulary", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@cache
def load(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def services() -> list[dict]:
    return load(CATALOGUE / "services.yaml")


def organisations() -> list[dict]:
    return load(CATALOGUE / "organisations.yaml")


def offer() -> dict:
    return load(SEED / "minimum_offer.yaml")


@cache
def meeting_table() -> dict[str, str]:
    """note file name -> meeting date, from the table in seed/README.md."""
    text = (SEED / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\|\s*`([^`]+\.txt)`\s*\|\s*(\d{4}-\d{2}-\d{2})\s*\|", text, re.MULTILINE)
    return dict(rows)


def collapse(text: str) -> str:
    return " ".join(text.split())


@cache
def note_text(name: str) -> str:
    return collapse((SOURCES / name).read_text(encoding="utf-8"))


def text_of(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def all_cited_records():
    """(label, record, citations) for every record that carries citations."""
    for record in organisations():
        yield f"organisation {record.get('slug')}", record, record.get("citations") or []
    for record in services():
        yield f"service {record.get('slug')}", record, record.get("citations") or []
    for item in offer()["items"]:
        yield f"minimum offer {item.get('category')}/{item.get('cohort')}", item, item.get("citations") or []


def all_citations():
    for label, _, citations in all_cited_records():
        for index, citation in enumerate(citations):
            yield f"{label} citation {index}", citation


def has_path(record: dict, dotted: str) -> bool:
    """'coverage.boroughs' -> record['coverage']['boroughs'] exists (and is not None)."""
    value = record
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return value is not None


# --- files ---------------------------------------------------------------------------


def test_the_meeting_table_names_five_notes():
    assert len(meeting_table()) == 5


@pytest.mark.parametrize("name", sorted(meeting_table()) or ["(no table)"])
def test_every_note_in_the_table_is_in_seed_sources(name):
    assert (SOURCES / name).is_file(), f"seed/sources/{name} is missing"


def test_every_note_in_seed_sources_is_in_the_table():
    on_disk = {p.name for p in SOURCES.glob("*.txt")}
    assert on_disk == set(meeting_table())


def test_seed_sources_readme_lists_every_note_with_its_meeting():
    readme = (SOURCES / "README.md").read_text(encoding="utf-8")
    for name, meeting in meeting_table().items():
        assert re.search(rf"`{re.escape(name)}`\s*\|\s*{meeting}", readme), name


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: p.name)
def test_yaml_parses(path):
    assert load(path) is not None


def test_file_shapes():
    assert isinstance(services(), list) and services()
    assert isinstance(organisations(), list) and organisations()
    assert isinstance(offer(), dict)
    assert offer().get("name") and isinstance(offer().get("items"), list) and offer()["items"]


# --- slugs and references --------------------------------------------------------------


@pytest.mark.parametrize("records", [organisations, services], ids=["organisations", "services"])
def test_slugs_are_well_formed_and_unique(records):
    slugs = [r.get("slug") for r in records()]
    for slug in slugs:
        assert isinstance(slug, str) and SLUG.match(slug), slug
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    assert not duplicates


def test_every_organisation_referenced_exists():
    known = {o["slug"] for o in organisations()}
    for service in services():
        if service.get("organisation") is not None:
            assert service["organisation"] in known, service["slug"]
        for slug in service.get("commissioners") or []:
            assert slug in known, (service["slug"], slug)


def test_every_organisation_is_used():
    used = set()
    for service in services():
        used.add(service.get("organisation"))
        used.update(service.get("commissioners") or [])
    unused = {o["slug"] for o in organisations()} - used
    assert not unused, f"organisations that neither deliver nor commission a service: {unused}"


# --- vocabularies ----------------------------------------------------------------------


def test_organisation_keys():
    for record in organisations():
        assert set(record) <= ORGANISATION_KEYS, (record["slug"], set(record) - ORGANISATION_KEYS)
        assert record.get("name")


def test_service_keys_are_known_and_required_keys_present():
    for record in services():
        keys = set(record)
        assert keys <= SERVICE_KEYS, (record.get("slug"), keys - SERVICE_KEYS)
        assert REQUIRED_SERVICE_KEYS <= keys, (record.get("slug"), REQUIRED_SERVICE_KEYS - keys)
        assert record["name"]
        for key, allowed in (
            ("coverage", COVERAGE_KEYS),
            ("eligibility", ELIGIBILITY_KEYS),
            ("oocd", OOCD_KEYS),
            ("referral", REFERRAL_KEYS),
            ("contact", CONTACT_KEYS),
        ):
            block = record.get(key)
            if block is not None:
                assert isinstance(block, dict), (record["slug"], key)
                assert set(block) <= allowed, (record["slug"], key, set(block) - allowed)
        for site in record.get("sites") or []:
            assert set(site) <= SITE_KEYS and site.get("name"), record["slug"]


def test_every_list_value_is_a_vocabulary_slug():
    v = vocabulary()
    fields = [
        (("categories",), v.CATEGORIES),
        (("cohorts",), v.COHORTS),
        (("eligibility", "genders"), v.GENDERS),
        (("eligibility", "risk_levels"), v.RISK_LEVELS),
        (("eligibility", "offences_accepted"), v.OFFENCES),
        (("eligibility", "offences_excluded"), v.OFFENCES),
        (("oocd", "disposals"), v.DISPOSALS),
        (("oocd", "condition_kinds"), v.CONDITION_KINDS),
        (("referral", "routes"), v.REFERRAL_ROUTES),
    ]
    for record in services():
        assert record["status"] in v.STATUSES, (record["slug"], record["status"])
        for path, vocab in fields:
            value = record
            for part in path:
                value = (value or {}).get(part)
            if value is None:
                continue
            assert isinstance(value, list), (record["slug"], path)
            for slug in value:
                assert slug in vocab, (record["slug"], ".".join(path), slug)
            assert len(value) == len(set(value)), (record["slug"], path, "repeated value")


def test_minimum_offer_items_use_vocabulary_slugs_and_are_unique():
    v = vocabulary()
    seen = set()
    for item in offer()["items"]:
        assert item["category"] in v.CATEGORIES, item["category"]
        assert item.get("cohort") is None or item["cohort"] in v.COHORTS, item.get("cohort")
        key = (item["category"], item.get("cohort"))
        assert key not in seen, key
        seen.add(key)


# --- coverage, eligibility and dates -----------------------------------------------------


def test_borough_codes_are_london_boroughs():
    for record in services():
        boroughs = (record.get("coverage") or {}).get("boroughs") or []
        for code in boroughs:
            assert code in BOROUGH_CODES, (record["slug"], code)
        assert len(boroughs) == len(set(boroughs)), record["slug"]


def test_coverage_counts_and_flags():
    for record in services():
        coverage = record.get("coverage") or {}
        count = coverage.get("unnamed_borough_count")
        if count is not None:
            assert isinstance(count, int) and 1 <= count <= 33, record["slug"]
        if "pan_london" in coverage:
            assert isinstance(coverage["pan_london"], bool), record["slug"]


def test_eligibility_values():
    for record in services():
        eligibility = record.get("eligibility") or {}
        for key in ("min_age", "max_age"):
            if eligibility.get(key) is not None:
                assert isinstance(eligibility[key], int), (record["slug"], key)
        if eligibility.get("min_age") is not None and eligibility.get("max_age") is not None:
            assert eligibility["min_age"] <= eligibility["max_age"], record["slug"]
        for key in ("veterans_only", "neurodivergent_only"):
            if key in eligibility:
                assert isinstance(eligibility[key], bool), (record["slug"], key)


def test_dates_are_partial_dates():
    for record in services():
        for key in ("starts_on", "ends_on"):
            if record.get(key) is not None:
                assert PARTIAL_DATE.match(text_of(record[key])), (record["slug"], key, record[key])
        if record.get("starts_on") and record.get("ends_on"):
            assert text_of(record["starts_on"]) <= text_of(record["ends_on"]), record["slug"]


def test_ended_services_say_so():
    for record in services():
        if record.get("ends_on") and record["status"] != "ended":
            # an end date the notes give for a service still running at the note's date
            assert record["status"] in {"pilot", "commissioned", "planned"}, record["slug"]


# --- citations -------------------------------------------------------------------------


def test_every_record_has_at_least_one_citation():
    for label, _, citations in all_cited_records():
        assert citations, f"{label} has no citation"


def test_citation_keys():
    for label, citation in all_citations():
        assert set(citation) == CITATION_KEYS, (label, set(citation) ^ CITATION_KEYS)


def test_every_citation_names_a_note_in_seed_sources():
    for label, citation in all_citations():
        assert citation["note"] in meeting_table(), (label, citation["note"])
        assert (SOURCES / citation["note"]).is_file(), (label, citation["note"])


def test_every_citation_meeting_matches_the_readme_table():
    table = meeting_table()
    for label, citation in all_citations():
        assert text_of(citation["meeting"]) == table.get(citation["note"]), (
            label, citation["note"], citation["meeting"],
        )


def test_every_quote_is_verbatim_in_its_note():
    missing = []
    for label, citation in all_citations():
        quote = collapse(str(citation["quote"]))
        if not quote or quote not in note_text(citation["note"]):
            missing.append(f"{label}: {citation['note']}: {citation['quote']!r}")
    assert not missing, "quotes not found verbatim:\n" + "\n".join(missing)


def test_every_fact_names_a_field_the_record_has():
    problems = []
    for label, record, citations in all_cited_records():
        for citation in citations:
            facts = citation.get("facts")
            if not isinstance(facts, list) or not facts:
                problems.append(f"{label}: citation without facts")
                continue
            for fact in facts:
                if fact in {"slug", "citations"} or not has_path(record, fact):
                    problems.append(f"{label}: fact {fact!r} is not a field of the record")
    assert not problems, "\n".join(problems)


def test_every_fact_of_a_service_is_cited():
    """Every field a service records (beyond slug, name and citations) is backed by a quote."""
    problems = []
    for record in services():
        cited = set()
        for citation in record["citations"]:
            cited.update(citation["facts"])
        covered = {fact.split(".")[0] for fact in cited} | cited
        for key, value in record.items():
            if key in {"slug", "name", "citations"} or value is None:
                continue
            if key == "status" and value == "unknown":
                continue  # "not known" is the absence of a fact, not a fact to cite
            if key not in covered:
                problems.append(f"{record['slug']}: {key} has no citation")
    assert not problems, "\n".join(problems)


def test_every_minimum_offer_item_cites_its_category():
    for item in offer()["items"]:
        facts = {f for c in item["citations"] for f in c["facts"]}
        assert "category" in facts, item["category"]
