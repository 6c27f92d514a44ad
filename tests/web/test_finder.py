"""The finder, as an officer meets it on the page and a system through the API."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from directory.models import Borough, Category, Service, Site

LAMBETH_POSTCODE = "SE1 7TP"


def find(client, **params):
    return client.get("/api/find", query_string=params)


def test_a_postcode_resolves_to_its_borough(client):
    body = find(client, postcode="se17tp").get_json()
    assert body["location"]["postcode"] == LAMBETH_POSTCODE
    assert body["location"]["borough"] == {"code": "E09000022", "name": "Lambeth"}
    assert body["location"]["bcu"]["code"] == "central-south"


def test_every_service_is_either_a_result_or_excluded_with_reasons(client, session):
    published = session.scalars(select(Service.slug).where(Service.moderation == "published")).all()
    body = find(client, postcode=LAMBETH_POSTCODE, need="accommodation", all_excluded="yes", limit="1000").get_json()
    assert body["results_total"] + body["excluded_total"] == len(published)
    results = [m["service"]["slug"] for m in body["results"]]
    excluded = [m["service"]["slug"] for m in body["excluded"]]
    assert sorted(results + excluded) == sorted(published)
    assert all(m["reasons"] for m in body["results"])
    assert all(m["reasons"] for m in body["excluded"])


def test_services_for_other_needs_are_counted_not_listed_by_default(client):
    full = find(client, postcode=LAMBETH_POSTCODE, need="accommodation", all_excluded="yes", limit="1000").get_json()
    short = find(client, postcode=LAMBETH_POSTCODE, need="accommodation", limit="1000").get_json()
    other = [m for m in full["excluded"] if [r["rule"] for r in m["reasons"]] == ["needs"]]
    assert other, "some seeded services help with other needs"
    assert short["excluded_for_other_needs"] == {
        "count": len(other),
        "reason": "Does not help with: Accommodation",
        "listed": False,
    }
    assert len(short["excluded"]) == len(full["excluded"]) - len(other)
    assert all(m["reasons"][0]["rule"] != "needs" or len(m["reasons"]) > 1 for m in short["excluded"])


def test_ended_services_are_never_offered(client, session):
    ended = set(session.scalars(select(Service.slug).where(Service.status == "ended")))
    assert ended, "the seed has ended services"
    body = find(client, borough="E09000022").get_json()
    assert not ended & {m["service"]["slug"] for m in body["results"]}
    reasons = {m["service"]["slug"]: m["reasons"] for m in body["excluded"]}
    assert any(r["text"].startswith("Ended") for r in reasons["ace"])


def _service_with_site(session, slug, name, postcode, lat, lon, borough_code, pan_london=False):
    borough = session.scalar(select(Borough).where(Borough.code == borough_code))
    category = session.scalar(select(Category).where(Category.slug == "accommodation"))
    service = Service(
        slug=slug,
        name=name,
        status="commissioned",
        pan_london=pan_london,
        boroughs=[] if pan_london else [borough],
        categories=[category],
    )
    service.sites = [Site(name=f"{name} site", postcode=postcode, lat=lat, lon=lon, borough=borough)]
    session.add(service)
    session.flush()
    return service


def test_local_services_first_then_pan_london_nearest_site_first(client, session):
    _service_with_site(session, "test-far", "Test far", "SE1 7TP", 51.40, -0.12, "E09000022")
    _service_with_site(session, "test-near", "Test near", "SE1 7TP", 51.488, -0.1237, "E09000022")
    _service_with_site(session, "test-pan", "Test pan", "SE1 7TP", 51.488, -0.1237, "E09000022", pan_london=True)
    body = find(client, postcode=LAMBETH_POSTCODE, need="accommodation").get_json()
    order = [m["service"]["slug"] for m in body["results"]]
    assert order.index("test-near") < order.index("test-far") < order.index("test-pan")
    near = next(m for m in body["results"] if m["service"]["slug"] == "test-near")
    assert near["distance_km"] < 0.1 and near["tier"] == "local"


def test_restricting_the_profile_excludes_with_a_sentence(client):
    body = find(client, borough="E09000008", gender="male", age="40").get_json()
    reasons = {m["service"]["slug"]: [r["text"] for r in m["reasons"]] for m in body["excluded"]}
    assert "Only for women" in reasons["womens-wrap-around-service"]


def test_an_under_18_gets_the_youth_route_not_adult_conditions(client):
    body = find(client, borough="E09000008", age="16", disposal="conditional_caution").get_json()
    assert body["disposal"]["available"] is False
    assert "youth" in " ".join(r["text"] for r in body["disposal"]["reasons"]).lower()
    assert body["results"] == []


def test_a_prospective_disposal_says_it_is_not_in_force(client):
    body = find(client, borough="E09000008", age="30", disposal="diversionary_caution").get_json()
    assert body["disposal"]["in_force"] is False
    assert body["disposal"]["corresponds_to"] == "conditional_caution"


@pytest.mark.parametrize(
    "params, status, error",
    [
        ({"postcode": "not a postcode"}, 400, "invalid_postcode"),
        ({"postcode": "SW1A 9ZZ"}, 404, "unknown_postcode"),
        ({"postcode": "M1 1AE"}, 400, "outside_london"),
        ({}, 400, "invalid_postcode"),
        ({"borough": "E09000022", "need": "nope"}, 400, "invalid_need"),
        ({"borough": "E09000022", "cohort": "nope"}, 400, "invalid_cohort"),
        ({"borough": "E09000022", "disposal": "nope"}, 400, "invalid_disposal"),
        ({"borough": "E09000022", "gender": "nope"}, 400, "invalid_gender"),
        ({"borough": "E09000022", "age": "old"}, 400, "invalid_age"),
        ({"borough": "E09000022", "veteran": "maybe"}, 400, "invalid_veteran"),
    ],
)
def test_bad_input_is_a_clear_json_error(client, params, status, error):
    response = find(client, **params)
    assert response.status_code == status
    assert response.get_json()["error"] == error


def test_unknown_values_list_the_allowed_ones(client):
    body = find(client, borough="E09000022", disposal="nope").get_json()
    assert set(body["allowed"]) == {
        "diversionary_caution",
        "community_caution",
        "community_resolution",
        "conditional_caution",
    }


def test_the_page_shows_results_reasons_and_exclusions(client):
    page = client.get(
        "/find", query_string={"postcode": LAMBETH_POSTCODE, "need": "accommodation", "age": "30"}
    ).get_data(as_text=True)
    assert "Why it matches" in page
    assert "Not available for this person" in page
    assert "Ended in January 2023" in page
    assert 'value="SE1 7TP"' in page or 'value="SE17TP"' in page or "SE1 7TP" in page


def test_the_page_keeps_inputs_and_explains_errors(client):
    response = client.get("/find", query_string={"postcode": "zzz", "age": "30", "need": "women"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert 'href="#postcode"' in page
    assert 'value="30"' in page
    assert 'value="women" checked' in page


def test_outside_london_is_said_plainly(client):
    page = client.get("/find", query_string={"postcode": "M1 1AE"}).get_data(as_text=True)
    assert "is outside London" in page and "Manchester" in page


def test_take_away_list_has_no_personal_data(client, session):
    page = client.get(
        "/find", query_string={"postcode": LAMBETH_POSTCODE, "need": "accommodation", "age": "30", "gender": "male"}
    ).get_data(as_text=True)
    assert 'name="item"' in page
    response = client.get("/find/list", query_string={"item": ["opd-hass", "penrose-drive-iap~2.5"]})
    assert response.status_code == 200
    listing = response.get_data(as_text=True)
    assert "OPD" in listing and "About 2.5 km" in listing
    query = parse_qs(urlparse(response.request.url).query)
    assert set(query) == {"item"}


@pytest.mark.parametrize("item", ["<script>", "no-such-service", ""])
def test_a_damaged_list_link_is_explained(client, item):
    response = client.get("/find/list", query_string={"item": item})
    assert response.status_code in (400, 404)
    assert "<script>" not in response.get_data(as_text=True)


def _many_housing_services(session, n):
    category = session.scalar(select(Category).where(Category.slug == "accommodation"))
    for i in range(n):
        session.add(
            Service(
                slug=f"test-housing-{i}",
                name=f"Test housing {i:02d}",
                status="commissioned",
                pan_london=True,
                categories=[category],
            )
        )
    session.flush()


def test_the_api_answers_twenty_unless_asked_for_more(client, session):
    _many_housing_services(session, 25)
    body = find(client, borough="E09000008", need="accommodation").get_json()
    assert body["results_total"] > 25 and len(body["results"]) == 20
    more = find(client, borough="E09000008", need="accommodation", limit="1000").get_json()
    assert len(more["results"]) == more["results_total"] == body["results_total"]
    assert more["results"][:20] == body["results"]


def test_the_api_limits_results_and_says_how_many_there_are(client, session):
    _many_housing_services(session, 12)
    body = find(client, borough="E09000008", need="accommodation", limit="5").get_json()
    assert len(body["results"]) == 5
    assert body["results_total"] >= 12
    assert find(client, borough="E09000008", limit="0").status_code == 400


def test_the_page_shows_the_first_twenty_then_all_on_request(client, session):
    _many_housing_services(session, 25)
    page = client.get("/find", query_string={"borough": "E09000008", "need": "accommodation"}).get_data(as_text=True)
    assert page.count('name="item"') == 20
    assert "Show all" in page and "show=all" in page
    everything = client.get(
        "/find", query_string={"borough": "E09000008", "need": "accommodation", "show": "all"}
    ).get_data(as_text=True)
    assert everything.count('name="item"') >= 25
    assert "Show all" not in everything


def test_the_api_limits_the_excluded_list_too(client):
    full = find(client, borough="E09000008", age="40", gender="male").get_json()
    short = find(client, borough="E09000008", age="40", gender="male", limit="2").get_json()
    assert full["excluded_total"] == short["excluded_total"] == len(full["excluded"]) > 2
    assert short["excluded"] == full["excluded"][:2]
