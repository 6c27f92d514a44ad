"""What an officer, a person and an API client are told about time, source and contact."""

from __future__ import annotations

import html
import re

import pytest


@pytest.fixture
def hmpps_imported(session, postcode_directory):
    """HMPPS's London services, imported as `make run` imports them after the seed."""
    from pathlib import Path

    from directory.operations.geocoding import Geocoder
    from directory.operations.imports import import_hmpps

    import_hmpps(session, Path(__file__).resolve().parents[2] / "seed" / "hmpps", Geocoder(postcode_directory, session))


BOARD_NOTE_ONLY = ["womens-wrap-around-service", "penrose-drive-iap", "prison-resettlement-panels", "care-after-combat"]


def text(response) -> str:
    body = response.get_data(as_text=True)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


@pytest.mark.parametrize("slug", BOARD_NOTE_ONLY)
def test_a_status_from_an_old_board_note_is_not_confirmed_with_its_date_and_source(client, slug):
    page = text(client.get(f"/services/{slug}"))
    assert re.search(r"Not confirmed since \d{1,2} \w+ 20(21|22|23)", page)
    assert "Reported to the London Reducing Reoffending Board" in page
    assert "Commissioned and running" not in page
    assert "Never confirmed current by a person" in page


def test_a_recent_public_source_confirms_with_its_date_and_publisher(client):
    page = text(client.get("/services/liaison-and-diversion"))
    assert "Confirmed running" in page
    assert "Commissioned as of 10 November 2025 (West London NHS Trust" in page
    assert "Public web page" in page and "read 30 November 2026" in page


def test_service_page_shows_how_to_refer_and_where(client):
    page = text(client.get("/services/liaison-and-diversion"))
    assert "Contact and how to refer" in page
    assert "Bexley and Bromley police custody (Oxleas): oxl-tr.cjltinfo@nhs.net" in page
    hub = text(client.get("/services/transitions-to-adulthood-hub"))
    assert "Capital House, 134-138 Romford Road, London, E15 4LD" in hub
    assert "Published dataset record" in hub and "record 83" in hub


def test_no_contact_published_names_who_can_tell_never_a_bare_not_known(client):
    page = text(client.get("/services/masip"))
    section = page.split("Contact and how to refer", 1)[1].split("Delivery sites", 1)[0]
    assert "Who can tell you how to reach it" in section
    assert "Mayor's Office for Policing and Crime (MOPAC) (commissioner)" in section
    assert "Not known" not in section


def test_the_finder_ranks_confirmed_services_first_and_shows_status_and_contact(client, hmpps_imported):
    page = client.get("/find?borough=E09000022&need=women&gender=female&age=30").get_data(as_text=True)
    cards = re.findall(r'<li class="card">(.*?)</li>\s*(?=<li class="card">|</ol>)', page, re.S)
    assert cards
    labels = [re.search(r'class="tag tag--(\w+)"', c).group(1) for c in cards]
    assert labels[0] == "confirmed"
    assert labels == sorted(labels, key=lambda standing: standing != "confirmed")
    assert "not_confirmed" in labels
    diversion = next(
        c for c in cards if "Adult Women&#39;s Diversion Scheme" in c or "Adult Women's Diversion Scheme" in c
    )
    assert "Not confirmed since November 2021" in diversion
    assert "advancecharity.org.uk" in diversion
    assert "How to refer:" in diversion


@pytest.mark.parametrize(
    "query, expected",
    [
        ("borough=E09000030&need=women&gender=female&age=25", "Adult Women's Diversion Scheme"),
        ("borough=E09000008&need=young_adults&age=19", "DIVERT"),
        ("borough=E09000025&need=young_adults&age=20&cohort=probation", "Transitions to adulthood hub"),
        (
            "borough=E09000022&need=substance_misuse&age=35&gender=male&cohort=probation",
            "Dependency and Recovery Services in London",
        ),
        (
            "borough=E09000005&need=accommodation&age=40&gender=male&cohort=probation",
            "Accommodation Services for London",
        ),
    ],
)
def test_officer_searches_end_with_a_service_and_a_way_to_reach_it(client, hmpps_imported, query, expected):
    page = text(client.get(f"/find?{query}"))
    assert expected in page
    card = page.split(expected, 1)[1].split("Add ", 1)[0]
    assert "How to refer:" in card
    assert any(word in card for word in ("Contact:", "Who can tell:", "Nearest site:", "Refer to:", "through "))


def test_a_known_absence_answers_an_empty_search(client):
    page = text(
        client.get(
            "/find?borough=E09000022&need=domestic_abuse_perpetrators&disposal=conditional_caution"
            "&offence=domestic_abuse&age=30&gender=male"
        )
    )
    assert "None known in London" in page
    assert "No London course for domestic-abuse conditional cautions was found" in page
    assert "Next step:" in page and "Hampton Trust" in page


def test_the_takeaway_list_never_sends_the_person_back_to_the_officer(client):
    page = text(client.get("/find/list?item=masip&item=adult-womens-diversion-scheme&item=cas3"))
    assert "Ask the person who gave you this list" not in page
    assert "officer" not in page.lower()
    assert "Mayor's Office for Policing and Crime" in page
    assert "advancecharity.org.uk" in page
    assert "Not confirmed since November 2021" in page


def test_api_find_results_carry_status_date_source_and_contact(client, hmpps_imported):
    body = client.get("/api/find?borough=E09000022&need=women&gender=female&age=30").get_json()
    first = body["results"][0]["service"]
    assert first["status_reading"]["standing"] == "confirmed"
    assert first["status_reading"]["as_of"] is not None and first["status_reading"]["source"]
    diversion = next(r["service"] for r in body["results"] if r["service"]["slug"] == "adult-womens-diversion-scheme")
    reading = diversion["status_reading"]
    assert reading["standing"] == "not_confirmed"
    assert reading["not_confirmed_since"] == {"date": "2021-11", "precision": "month"}
    assert diversion["contact"]["website"].startswith("https://www.advancecharity.org.uk/")
    assert diversion["referral"]["routes"] == ["police"]


def test_api_find_lists_known_absences(client):
    body = client.get(
        "/api/find?borough=E09000022&need=domestic_abuse_perpetrators&disposal=conditional_caution"
        "&offence=domestic_abuse&age=30&gender=male"
    ).get_json()
    assert body["results_total"] == 0
    [absence] = body["known_absences"]
    assert absence["next_step"]
    assert {c["kind"] for c in absence["citations"]} == {"web_page"}


def test_api_services_never_call_a_2021_to_2023_note_current(client):
    body = client.get("/api/services?per_page=100").get_json()
    for item in body["items"]:
        reading = item["status_reading"]
        assert reading["as_of"] is None or reading["source"], item["slug"]
        if reading["standing"] in ("confirmed", "planned"):
            assert reading["as_of"]["date"][:4] >= "2025", item["slug"]
        if not item["contact"]["known"]:
            assert item["contact"]["who_can_tell"], item["slug"]


def test_api_service_detail_cites_every_kind_with_dates(client):
    body = client.get("/api/services/transitions-to-adulthood-hub").get_json()
    kinds = {c["kind"] for c in body["citations"]}
    assert kinds == {"board_note", "web_page", "dataset_record"}
    record = next(c for c in body["citations"] if c["kind"] == "dataset_record")
    assert record["record_id"] == "83" and record["licence"] and record["version"]
    page = next(c for c in body["citations"] if c["kind"] == "web_page")
    assert page["url"].startswith("http") and page["read_on"] == "2026-11-30"
    assert body["record_last_changed"] and body["last_confirmed_at"] is None


def test_the_review_flag_counts_seeded_records_as_never_confirmed(session):
    from directory.core.accounts import is_stale
    from directory.models import Service
    from directory.models._base import utcnow
    from directory.operations.seeding import confirmation_reference

    service = session.query(Service).filter_by(slug="drive").one()
    assert service.created_at is not None and service.last_confirmed_at is None
    assert confirmation_reference(service) is None  # seeding is not a person confirming it
    assert is_stale(confirmation_reference(service), None, utcnow())
    service.last_confirmed_at = utcnow()
    assert not is_stale(confirmation_reference(service), None, utcnow())


def test_a_provider_confirming_a_service_makes_its_status_current_as_of_that_day(client, session):
    from directory.models import Service
    from directory.models._base import utcnow
    from directory.operations import catalogue

    service = session.query(Service).filter_by(slug="opd-hass").one()
    assert catalogue.status_reading(service).label.startswith("Not confirmed since")
    service.last_confirmed_at = utcnow()
    session.flush()
    reading = catalogue.status_reading(service)
    assert reading.label == "Confirmed running"
    assert reading.evidence.source == catalogue.CONFIRMED_IN_APP
    page = text(client.get("/services/opd-hass"))
    assert "Confirmed current in this directory by the provider" in page
