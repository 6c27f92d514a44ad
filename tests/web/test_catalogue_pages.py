"""The public catalogue pages, as a visitor meets them."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import select

from directory.models import Service


def test_home_has_search_and_boroughs(client):
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<label class="govuk-label[^"]*" for="q">\s*Search services\s*</label>', page)
    assert re.search(r'<label class="govuk-label[^"]*" for="finder-postcode">\s*Find services for a person', page)
    assert "Westminster" in page and "City of London" in page
    assert "Catalogue last updated" in page


def test_services_lists_the_seeded_catalogue(client, session):
    total = len(session.scalars(select(Service).where(Service.moderation == "published")).all())
    page = client.get("/services").get_data(as_text=True)
    assert f"{total} services" in page
    assert total >= 20


def test_text_search_finds_a_service_by_name(client, session):
    service = session.scalars(select(Service).order_by(Service.name)).first()
    page = client.get("/services", query_string={"q": service.name}).get_data(as_text=True)
    assert service.name in page


def test_text_search_treats_wildcards_as_text(client):
    page = client.get("/services", query_string={"q": "%_%"}).get_data(as_text=True)
    assert "0 services" in page


def test_borough_filter_includes_pan_london_and_local_services(client, session):
    pan = session.scalars(select(Service).where(Service.pan_london.is_(True))).first()
    assert pan is not None, "the seed has at least one pan-London service"
    page = client.get("/services", query_string={"borough": "E09000008"}).get_data(as_text=True)
    assert pan.name in page


def test_filters_combine_and_paginate(client):
    response = client.get("/services", query_string={"per_page": 2, "page": 2})
    assert response.status_code == 200
    assert "Page 2 of" in response.get_data(as_text=True)


def test_service_page_shows_citations_and_unknowns(client, session):
    service = session.scalars(select(Service).order_by(Service.id)).first()
    page = client.get(f"/services/{service.slug}").get_data(as_text=True)
    assert service.name in page
    assert "Sources" in page
    assert str(escape(service.citations[0].quote)) in page
    assert "Not known" in page


def test_borough_page_names_bcu_pdu_and_gaps(client):
    page = client.get("/boroughs/E09000022").get_data(as_text=True)
    assert "Lambeth" in page
    assert "Central South BCU" in page
    assert "Probation delivery unit" in page
    assert "Needs with no running service here" in page


def test_city_of_london_is_not_forced_into_a_bcu(client):
    page = client.get("/boroughs/E09000001").get_data(as_text=True)
    assert "City of London Police (not part of a Met BCU)" in page


def test_boroughs_page_lists_all_33(client):
    page = client.get("/boroughs").get_data(as_text=True)
    assert len(re.findall(r'href="/boroughs/E09\d{6}"', page)) == 33


@pytest.mark.parametrize(
    "url, status, text",
    [
        ("/boroughs/E09000099", 404, "Page not found"),
        ("/services/no-such-service", 404, "Page not found"),
        ("/services?borough=XYZ", 400, "is not a London borough code"),
        ("/services?category=bananas", 400, "is not a known category"),
        ("/services?cohort=bananas", 400, "is not a known cohort"),
        ("/services?status=bananas", 400, "is not a known status"),
        ("/services?page=0", 400, "page must be between"),
        ("/services?page=abc", 400, "page must be a whole number"),
        ("/services?page=999", 400, "There are only"),
        ("/services?per_page=1000", 400, "per_page must be between"),
        ("/services?q=" + "x" * 201, 400, "200 characters or fewer"),
    ],
)
def test_bad_input_gets_a_page_that_says_what_is_wrong(client, url, status, text):
    response = client.get(url)
    assert response.status_code == status
    assert text in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
