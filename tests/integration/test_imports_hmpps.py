"""HMPPS's London contracts and probation offices through the import pipeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.imports import hmpps
from directory.models import Revision, Service, StagedRecord, UnresolvedValue
from directory.operations import imports
from directory.operations.geocoding import Geocoder

ROOT = Path(__file__).resolve().parents[2]
HMPPS = ROOT / "seed" / "hmpps"
TODAY = date(2026, 11, 30)


@pytest.fixture
def geocoder(session, postcode_directory):
    return Geocoder(postcode_directory, session)


def _import(session, geocoder, **kwargs):
    return imports.import_hmpps(session, HMPPS, geocoder, today=TODAY, **kwargs)


def _service(session, reference):
    row = session.scalar(
        select(StagedRecord).where(StagedRecord.source == hmpps.CONTRACTS_SOURCE, StagedRecord.foreign_id == reference)
    )
    return row.service


def test_each_london_contract_becomes_a_service_of_its_provider(session, geocoder):
    preview, summary = _import(session, geocoder)
    assert summary.counts == {"add": 10}
    accommodation = _service(session, "PRJ_6263")
    assert accommodation.name == "Accommodation Services for London"
    assert accommodation.organisation.name == "St Mungos"
    assert accommodation.status == "commissioned"
    assert accommodation.genders == ["male"] and accommodation.min_age == 18
    assert [c.slug for c in accommodation.cohorts] == ["probation", "prison_leaver"]
    assert [c.slug for c in accommodation.categories] == ["accommodation"]
    assert accommodation.oocd_disposals == [] and accommodation.oocd_condition_kinds == []
    offices = {s.name: s for s in accommodation.sites}
    assert "Lewisham Probation Office" in offices
    lewisham = offices["Lewisham Probation Office"]
    assert (lewisham.postcode, lewisham.borough.code) == ("SE13 6JP", "E09000023")
    assert lewisham.lat and lewisham.lon
    assert all(site.lat is not None for site in accommodation.sites)
    assert "Also delivered in custody at HMP Belmarsh" in accommodation.coverage_note


def test_contracts_whose_referral_window_closed_are_ended_on_that_date(session, geocoder):
    _import(session, geocoder)
    north = _service(session, "CCS_0001")
    assert (north.status, north.ends_on) == ("ended", date(2022, 12, 1))
    ete = _service(session, "PRJ_5468")
    assert (ete.status, ete.ends_on) == ("ended", date(2023, 12, 31))
    assert _service(session, "PRJ_7283_E").status == "commissioned"


def test_free_text_boroughs_resolve_and_the_rest_wait_for_a_person(session, geocoder):
    _import(session, geocoder)
    lot3 = _service(session, "PRJ_7283_N")
    names = {b.name for b in lot3.boroughs}
    assert {"Kensington and Chelsea", "Hammersmith and Fulham", "Kingston upon Thames"} <= names
    lot2 = _service(session, "PRJ_7283_E")
    assert "Barking and Dagenham" in {b.name for b in lot2.boroughs}
    assert "City of London" in {b.name for b in lot2.boroughs}
    queued = set(session.scalars(select(UnresolvedValue.value)))
    assert {"wandswroth", "west london", "kings cross", "Finance Benefits & Debt"} <= queued
    assert "chelsea" not in queued and "wandsworth" not in queued
    # a misspelling is never corrected into a borough
    dnr = _service(session, "PRJ_7671")
    assert "Enfield" not in {b.name for b in dnr.boroughs}


def test_each_imported_service_cites_its_source_record(session, geocoder):
    _import(session, geocoder)
    service = _service(session, "PRJ_6263")
    [citation] = service.citations
    assert citation.kind == "dataset_record" and citation.record_id == "PRJ_6263"
    assert citation.version == hmpps.INTERVENTIONS_COMMIT and "6cc17e9" in citation.version
    assert citation.source_date == hmpps.CONTRACTS_AS_OF
    assert citation.publisher == "HM Prison and Probation Service"
    assert "MIT" in citation.licence and "contracts/" in citation.file
    assert "last changed 8 August 2023" in citation.quote
    # the status is as of the source's date, never the day of the import
    assert service.status_as_of == hmpps.CONTRACTS_AS_OF
    assert service.status_source == "HM Prison and Probation Service, published record PRJ_6263"
    staged = session.scalar(select(StagedRecord).where(StagedRecord.service_id == service.id))
    assert staged.commit == hmpps.INTERVENTIONS_COMMIT and staged.payload["contract_reference"] == "PRJ_6263"


def test_importing_the_same_files_again_changes_nothing(session, geocoder):
    _import(session, geocoder)
    versions = dict(session.execute(select(Service.id, Service.version)).all())
    sites = session.scalar(select(func.count()).select_from(Service).join(Service.sites))
    preview, summary = _import(session, geocoder)
    assert summary.counts == {"unchanged": 10}
    assert dict(session.execute(select(Service.id, Service.version)).all()) == versions
    assert session.scalar(select(func.count()).select_from(Service).join(Service.sites)) == sites


def _batch_with(session, change):
    batch = hmpps.read_contracts(HMPPS)
    for record in batch.records:
        change(record)
    return batch


def _run(session, geocoder, batch):
    offices = hmpps.offices_batch(HMPPS / "probation-offices-v0.csv")
    return imports.import_batch(
        session, batch, hmpps.map_record, geocoder, "test", offices=imports.context_offices(offices), today=TODAY
    )


def test_a_changed_source_changes_only_the_difference(session, geocoder):
    _import(session, geocoder)
    untouched = _service(session, "PRJ_7646").version

    def retitle(record):
        if record.foreign_id == "PRJ_6263":
            record.payload["intervention_title"] = "Accommodation Services for London (renewed)"

    preview, summary = _run(session, geocoder, _batch_with(session, retitle))
    assert summary.counts == {"change": 1, "unchanged": 9}
    assert _service(session, "PRJ_6263").name == "Accommodation Services for London (renewed)"
    assert _service(session, "PRJ_7646").version == untouched


def test_a_change_to_a_record_confirmed_in_the_app_goes_to_review(session, geocoder):
    _import(session, geocoder)
    service = _service(session, "PRJ_6263")
    service.last_confirmed_at = service.updated_at
    session.commit()

    def retitle(record):
        if record.foreign_id == "PRJ_6263":
            record.payload["intervention_title"] = "Renamed upstream"

    preview, summary = _run(session, geocoder, _batch_with(session, retitle))
    assert summary.counts == {"review": 1, "unchanged": 9}
    assert _service(session, "PRJ_6263").name == "Accommodation Services for London"
    revision = session.scalar(select(Revision).where(Revision.service_id == service.id))
    assert revision.state == "pending" and revision.proposed["name"] == "Renamed upstream"


def test_a_contract_gone_from_the_source_is_flagged_not_deleted(session, geocoder):
    _import(session, geocoder)
    batch = hmpps.read_contracts(HMPPS)
    batch.records = [r for r in batch.records if r.foreign_id != "PRJ_7646"]
    preview, summary = _run(session, geocoder, batch)
    assert summary.counts == {"unchanged": 9, "gone": 1}
    assert _service(session, "PRJ_7646").moderation == "published"
    assert [r.foreign_id for r in imports.gone_records(session)] == ["PRJ_7646"]


def test_a_dry_run_writes_nothing(session, geocoder):
    before = session.scalar(select(func.count(Service.id)))
    preview, summary = _import(session, geocoder, dry_run=True)
    assert summary is None and preview.count("add") == 10
    assert session.scalar(select(func.count(Service.id))) == before
