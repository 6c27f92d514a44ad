"""The youth justice contacts: each one what its public source says, nothing invented."""

from __future__ import annotations

from pathlib import Path

from directory.operations.youth_justice import youth_justice_services, youth_route

SEED = str(Path(__file__).resolve().parents[2] / "seed")
LONDON = {f"E09{n:06d}" for n in range(1, 34)}


def test_every_contact_is_a_london_borough_with_a_source():
    services = youth_justice_services(SEED)
    assert services
    for code, service in services.items():
        assert code in LONDON and service.borough_code == code
        assert service.source.url.startswith("https://")
        assert service.source.title.strip() and service.source.quote.strip()


def test_every_phone_number_is_in_its_sources_words():
    for service in youth_justice_services(SEED).values():
        if service.phone:
            assert service.phone in service.source.quote, service.name


def test_a_borough_without_a_contact_names_who_can_tell_and_no_number():
    route = youth_route(SEED, "E09000017", "Hillingdon")
    assert route.service is None
    assert route.who_can_tell == "Hillingdon Council's youth justice service (youth offending team)"
    assert "youth offending team assesses" in route.text and "[V]" in route.source
