"""Seeding: idempotent, faithful to the files, with stable identifiers."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.models import Borough, Citation, KnownAbsence, MinimumOfferItem, Service
from directory.operations.seeding import RECORD_NAMESPACE, parse_partial_date, seed_all

SEED = Path(__file__).resolve().parents[2] / "seed"


def test_a_second_seed_changes_nothing(session):
    before = session.scalar(select(func.count(Service.id)))
    summary = seed_all(session, SEED, None)
    assert summary.added == {} and summary.updated == {}
    assert session.scalar(select(func.count(Service.id))) == before


def test_a_second_seed_keeps_edits_made_in_the_app(session):
    service = session.scalar(select(Service).where(Service.slug == "ace"))
    service.summary = "Edited by its provider"
    session.commit()
    seed_all(session, SEED, None)
    assert session.scalar(select(Service.summary).where(Service.slug == "ace")) == "Edited by its provider"


def test_seeded_records_have_stable_uuids(session):
    service = session.scalar(select(Service).where(Service.slug == "drive"))
    assert service.uuid == str(uuid.uuid5(RECORD_NAMESPACE, "service:drive"))


@pytest.mark.parametrize(
    "slug",
    [
        "drive",
        "cifa",
        "ace",
        "restart",
        "safe-and-together",
        "cara",
        "building-better-relationships",
        "positive-pathway-plus",
        "masip",
        "womens-wrap-around-service",
        "transitions-to-adulthood-hub",
        "penrose-drive-iap",
        "opd-hass",
        "cfo-activity-hubs",
        "cas3",
        "liaison-and-diversion",
        "mhtr-women",
    ],
)
def test_every_intervention_the_notes_name_is_there_with_citations(session, slug):
    service = session.scalar(select(Service).where(Service.slug == slug))
    assert service is not None
    assert service.citations, f"{slug} cites its note"


def test_unnamed_coverage_is_recorded_as_unnamed(session):
    cifa = session.scalar(select(Service).where(Service.slug == "cifa"))
    # Ten authorities share the funding; the public sources name five of them.
    assert cifa.unnamed_borough_count == 5
    assert {b.name for b in cifa.boroughs} == {"Brent", "Barnet", "Enfield", "Haringey", "Kensington and Chelsea"}


def test_citations_of_every_kind_are_loaded_with_their_dates(session):
    lnd = session.scalar(select(Service).where(Service.slug == "liaison-and-diversion"))
    kinds = {c.kind for c in lnd.citations}
    assert kinds == {"board_note", "web_page"}
    page = next(c for c in lnd.citations if c.publisher == "West London NHS Trust")
    assert page.url.startswith("https://www.westlondon.nhs.uk/")
    assert (page.source_date, page.read_on) == (date(2025, 11, 10), date(2026, 11, 30))
    hub = session.scalar(select(Service).where(Service.slug == "transitions-to-adulthood-hub"))
    record = next(c for c in hub.citations if c.kind == "dataset_record")
    assert (record.record_id, record.licence) == ("83", "MIT licence, Crown Copyright (Ministry of Justice)")
    assert record.version.endswith("24caa63ed861c5555b65d930027029b1479a8b4a")


def test_a_status_is_as_of_its_latest_dated_source_and_seeding_confirms_nothing(session):
    lnd = session.scalar(select(Service).where(Service.slug == "liaison-and-diversion"))
    assert (lnd.status, lnd.status_as_of) == ("commissioned", date(2025, 11, 10))
    assert lnd.status_source.startswith("West London NHS Trust")
    drive = session.scalar(select(Service).where(Service.slug == "drive"))
    assert drive.status_as_of == date(2023, 12, 7)
    assert session.scalar(select(func.count(Service.id)).where(Service.last_confirmed_at.is_not(None))) == 0


def test_known_absences_are_loaded_with_their_sources(session):
    absence = session.scalar(select(KnownAbsence).where(KnownAbsence.offence == "domestic_abuse"))
    assert absence.disposal == "conditional_caution"
    assert "No London course for domestic-abuse conditional cautions" in absence.statement
    assert {c.kind for c in absence.citations} == {"web_page"}


def test_an_ended_pilot_is_ended_with_its_date(session):
    ace = session.scalar(select(Service).where(Service.slug == "ace"))
    assert ace.status == "ended"
    assert (ace.ends_on.year, ace.ends_on.month, ace.ends_on_precision) == (2023, 1, "month")


def test_areas_and_offer_are_loaded(session):
    assert session.scalar(select(func.count(Borough.id))) == 33
    assert session.scalar(select(func.count(Borough.id)).where(Borough.bcu_id.is_(None))) == 1
    assert session.scalar(select(func.count(MinimumOfferItem.id))) >= 5
    assert session.scalar(select(func.count(Citation.id))) > 30


@pytest.mark.parametrize(
    "value, precision", [("2023", "year"), ("2023-01", "month"), ("2023-01-15", "day"), (2021, "year")]
)
def test_partial_dates(value, precision):
    assert parse_partial_date(value).precision == precision


@pytest.mark.parametrize("value", ["2023-13", "soon", "2023-02-30"])
def test_bad_dates_are_reported(value):
    with pytest.raises(ValueError, match="is not a date"):
        parse_partial_date(value)


def test_commissioners_are_kept_apart_from_the_provider(session):
    service = session.scalar(select(Service).where(Service.slug == "womens-wrap-around-service"))
    assert service.organisation is None
    assert {o.slug for o in service.commissioners} == {"mopac", "london-probation-service"}


@pytest.mark.parametrize(
    "services_yaml, why",
    [
        ("", "no records"),
        ("[]\n", "no records"),
        ("slug: not-a-list\n", "must be a list of records"),
        ("- just text\n", "record 1 is not a mapping with a slug"),
        ("- slug: [unclosed\n", "cannot be read"),
    ],
)
def test_an_empty_or_malformed_catalogue_is_refused_and_nothing_is_seeded(app, session, tmp_path, services_yaml, why):
    import shutil

    from directory.operations.seeding import SeedError

    seed = tmp_path / "seed"
    shutil.copytree(SEED, seed)
    (seed / "catalogue" / "services.yaml").write_text(services_yaml, encoding="utf-8")
    before = session.scalar(select(func.count(Service.id)))
    with pytest.raises(SeedError, match=why):
        seed_all(session, seed, None)
    assert session.scalar(select(func.count(Service.id))) == before

    app.config["SEED_DIR"], kept = str(seed), app.config["SEED_DIR"]
    try:
        result = app.test_cli_runner().invoke(args=["seed", "all"])
    finally:
        app.config["SEED_DIR"] = kept
    assert result.exit_code == 1
    assert why in result.output and "Nothing was seeded." in result.output
