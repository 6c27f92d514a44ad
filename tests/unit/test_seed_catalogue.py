"""The seed catalogue stands on its sources: every fact cited, every quote exact.

A citation is a board note (its quote found in the note), a public web page (its quote
found in the copy of the page's words kept in ``seed/sources/pages.yaml``) or a record in a
published dataset (found in the copy of the file under ``seed/sources/datasets/``), so
every quote is checked offline. Reads only the project's own files (``seed/`` and
``directory/core/vocabulary.py``).
"""

from __future__ import annotations

import csv
import importlib.util
import json
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
    CATALOGUE / "absences.yaml",
    SEED / "minimum_offer.yaml",
    SOURCES / "pages.yaml",
    SOURCES / "datasets.yaml",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PARTIAL_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$")
BOROUGH_CODES = {f"E090000{n:02d}" for n in range(1, 34)}

SERVICE_KEYS = {
    "slug",
    "name",
    "organisation",
    "commissioners",
    "summary",
    "description",
    "status",
    "starts_on",
    "ends_on",
    "coverage",
    "categories",
    "cohorts",
    "eligibility",
    "oocd",
    "referral",
    "capacity",
    "cost",
    "funder",
    "contact",
    "sites",
    "citations",
    "funded_until",
}
REQUIRED_SERVICE_KEYS = {"slug", "name", "organisation", "status", "citations"}
COVERAGE_KEYS = {"pan_london", "boroughs", "unnamed_borough_count", "note"}
ELIGIBILITY_KEYS = {
    "min_age",
    "max_age",
    "genders",
    "risk_levels",
    "offences_accepted",
    "offences_excluded",
    "veterans_only",
    "neurodivergent_only",
    "languages",
    "notes",
}
OOCD_KEYS = {"disposals", "condition_kinds", "hours", "completion_weeks", "notes"}
REFERRAL_KEYS = {"routes", "how_to_refer", "where"}
CONTACT_KEYS = {"website", "email", "phone"}
SITE_KEYS = {"name", "address", "postcode"}
ORGANISATION_KEYS = {"slug", "name", "description", "website", "email", "phone", "citations"}
CITATION_KEYS = {"note", "meeting", "quote", "facts"}  # a board note
PAGE_CITATION_KEYS = {"page", "quote", "facts"}
DATASET_CITATION_KEYS = {"dataset", "record_id", "quote", "facts"}
STATEMENT_CITATION_KEYS = {"stated_by", "date", "quote", "facts"}
PAGE_KEYS = {"id", "url", "title", "publisher", "date", "read_on", "text"}
DATASET_KEYS = {"id", "publisher", "title", "file", "url", "version", "date", "licence", "id_column"}
ABSENCE_KEYS = {"slug", "statement", "categories", "disposal", "offence", "next_step", "as_of", "citations"}


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


def absences() -> list[dict]:
    return load(CATALOGUE / "absences.yaml")


@cache
def pages() -> dict[str, dict]:
    return {p["id"]: p for p in load(SOURCES / "pages.yaml")}


@cache
def datasets() -> dict[str, dict]:
    return {d["id"]: d for d in load(SOURCES / "datasets.yaml")}


def kind_of(citation: dict) -> str:
    if "page" in citation:
        return "web_page"
    if "dataset" in citation:
        return "dataset_record"
    if "stated_by" in citation:
        return "app_statement"
    return "board_note"


@cache
def dataset_record_text(dataset_id: str, record_id: str) -> str | None:
    """The words of one record in a copied dataset file, or None when it is not there."""
    dataset = datasets()[dataset_id]
    path = SOURCES / dataset["file"]
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get(dataset["id_column"]) == str(record_id):
                    return collapse(", ".join(row.values()))
        return None
    raw = path.read_text(encoding="utf-8")
    record = json.loads(raw)
    if record.get("contract_reference") != str(record_id):
        return None
    return collapse(raw) + " " + collapse(json.dumps(record, ensure_ascii=False))


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
    for record in absences():
        yield f"absence {record.get('slug')}", record, record.get("citations") or []


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
        for key in ("starts_on", "ends_on", "funded_until"):
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
    expected = {
        "board_note": CITATION_KEYS,
        "web_page": PAGE_CITATION_KEYS,
        "dataset_record": DATASET_CITATION_KEYS,
        "app_statement": STATEMENT_CITATION_KEYS,
    }
    for label, citation in all_citations():
        keys = expected[kind_of(citation)]
        assert set(citation) == keys, (label, set(citation) ^ keys)


def board_notes():
    return [(label, c) for label, c in all_citations() if kind_of(c) == "board_note"]


def test_every_citation_names_a_note_in_seed_sources():
    for label, citation in board_notes():
        assert citation["note"] in meeting_table(), (label, citation["note"])
        assert (SOURCES / citation["note"]).is_file(), (label, citation["note"])


def test_every_citation_meeting_matches_the_readme_table():
    table = meeting_table()
    for label, citation in board_notes():
        assert text_of(citation["meeting"]) == table.get(citation["note"]), (
            label,
            citation["note"],
            citation["meeting"],
        )


def test_every_quote_is_verbatim_in_its_source():
    """Board notes: in the note. Web pages: in the copy of the page's words. Dataset
    records: in that record of the copied file."""
    missing = []
    for label, citation in all_citations():
        quote = collapse(str(citation["quote"]))
        kind = kind_of(citation)
        if kind == "board_note":
            found = bool(quote) and quote in note_text(citation["note"])
            where = citation["note"]
        elif kind == "web_page":
            page = pages().get(citation["page"])
            found = bool(quote) and page is not None and any(quote in collapse(text) for text in page["text"])
            where = citation["page"]
        elif kind == "dataset_record":
            record = dataset_record_text(citation["dataset"], str(citation["record_id"]))
            found = bool(quote) and record is not None and quote in record
            where = f"{citation['dataset']} record {citation['record_id']}"
        else:
            found, where = bool(citation.get("stated_by")), citation.get("stated_by")
        if not found:
            missing.append(f"{label}: {where}: {citation['quote']!r}")
    assert not missing, "quotes not found verbatim:\n" + "\n".join(missing)


def test_the_quote_check_fails_on_a_changed_word():
    """The check is real: one changed word in a page quote or a dataset quote is not found."""
    page = pages()["mopac-pcd-1267-women-diversion"]
    assert not any("Police Community Caution" in collapse(t) for t in page["text"])
    assert "Police Conditional Caution" in collapse(page["text"][0])
    assert "134-138 Romford Road" in dataset_record_text("hmpps-probation-offices", "83")
    assert "134-138 Romford Road" not in dataset_record_text("hmpps-probation-offices", "84")


# --- the source registry ---------------------------------------------------------------


def test_every_page_in_the_registry_is_complete():
    for page_id, page in pages().items():
        assert set(page) == PAGE_KEYS, (page_id, set(page) ^ PAGE_KEYS)
        assert SLUG.match(page_id), page_id
        assert re.match(r"^https?://", page["url"]), page_id
        assert page["title"] and page["publisher"], page_id
        assert PARTIAL_DATE.match(text_of(page["read_on"])), page_id
        assert page["date"] is None or PARTIAL_DATE.match(text_of(page["date"])), page_id
        assert page["text"] and all(isinstance(t, str) and t for t in page["text"]), page_id


def test_page_quotes_are_short():
    """Copy facts, not prose: a quote is a sentence or two."""
    for page_id, page in pages().items():
        for text in page["text"]:
            assert len(text) <= 400, (page_id, text[:60])


def test_every_cited_page_and_dataset_exists():
    for label, citation in all_citations():
        if kind_of(citation) == "web_page":
            assert citation["page"] in pages(), (label, citation["page"])
        if kind_of(citation) == "dataset_record":
            assert citation["dataset"] in datasets(), (label, citation["dataset"])


def test_every_dataset_in_the_registry_is_complete_and_copied():
    for dataset_id, dataset in datasets().items():
        assert set(dataset) <= DATASET_KEYS, (dataset_id, set(dataset) - DATASET_KEYS)
        for key in ("publisher", "title", "file", "url", "version", "date", "licence"):
            assert dataset.get(key), (dataset_id, key)
        assert (SOURCES / dataset["file"]).is_file(), dataset["file"]
        if dataset["file"].endswith(".csv"):
            assert dataset.get("id_column"), dataset_id


def test_no_inference_is_recorded_as_a_fact():
    """Research inferences (marked [I]) are notes for people, never seeded values."""
    for label, record, _ in all_cited_records():
        assert "[I]" not in json.dumps(record, default=str, ensure_ascii=False), label


# --- known absences --------------------------------------------------------------------


def test_absences_are_well_formed():
    v = vocabulary()
    for record in absences():
        assert set(record) <= ABSENCE_KEYS and SLUG.match(record["slug"]), record.get("slug")
        assert record["statement"] and record["next_step"], record["slug"]
        assert record["categories"] and set(record["categories"]) <= set(v.CATEGORIES), record["slug"]
        assert record.get("disposal") is None or record["disposal"] in v.DISPOSALS, record["slug"]
        assert record.get("offence") is None or record["offence"] in v.OFFENCES, record["slug"]


def test_a_domestic_abuse_conditional_caution_absence_is_recorded():
    assert any(a.get("disposal") == "conditional_caution" and a.get("offence") == "domestic_abuse" for a in absences())


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
