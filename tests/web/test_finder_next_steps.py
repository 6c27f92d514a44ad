"""The officer's finder: a safe answer and a next step, on the page and from the API."""

from __future__ import annotations

import re

import pytest


def find(client, **params):
    return client.get("/api/find", query_string=params)


def page(client, **params) -> str:
    return client.get("/find", query_string=params).get_data(as_text=True)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --------------------------------------------------------------------------------------
# 1. Safety first in the disposal assessment
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("dash", ["medium", "high"])
def test_domestic_abuse_above_standard_risk_is_not_suitable_for_a_conditional_caution(client, dash):
    params = dict(borough="E09000022", age="35", disposal="conditional_caution", offence="domestic_abuse", dash=dash)
    body = find(client, **params).get_json()
    assert body["disposal"]["verdict"] == "not_suitable"
    assert body["disposal"]["heading"] == "Conditional caution: not suitable for this person"
    assert any("standard-risk" in r["text"] and "DPP" in r["source"] for r in body["disposal"]["reasons"])
    assert body["disposal"]["next_steps"]
    assert body["results"] == []
    assert body["without_disposal"]["results_total"] > 0

    html = text_of(page(client, **params))
    assert "Conditional caution: not suitable for this person" in html
    assert "can be considered" not in html
    assert f"Not suitable at {dash} DASH risk" in html
    assert "What you can do instead" in html
    assert "charging decision" in html


def test_domestic_abuse_without_the_dash_level_asks_for_it(client):
    params = dict(borough="E09000022", age="35", disposal="conditional_caution", offence="domestic_abuse")
    body = find(client, **params).get_json()
    assert body["disposal"]["verdict"] == "needs_information"
    assert [r["rule"] for r in body["disposal"]["missing"]] == ["oocd_dash"]
    html = page(client, **params)
    assert "Conditional caution: cannot be assessed yet" in text_of(html)
    assert 'href="#dash"' in html
    # The DASH level is asked next to the offence, not in a collapsed section.
    form = html[html.index('id="field-offence"') :]
    assert form.index('id="dash"') < form.index("</fieldset>")
    assert "<details" not in form[: form.index('id="dash"')]


def test_domestic_abuse_at_standard_risk_can_be_considered_with_the_rule(client):
    body = find(
        client, borough="E09000022", age="35", disposal="conditional_caution", offence="domestic_abuse", dash="standard"
    ).get_json()
    assert body["disposal"]["verdict"] == "can_be_considered"
    assert any("standard-risk" in r["text"] for r in body["disposal"]["notes"])


def test_a_bad_dash_level_is_a_clear_error(client):
    response = find(client, borough="E09000022", dash="very_high")
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_dash"
    assert response.get_json()["allowed"] == ["high", "medium", "standard"]


@pytest.mark.parametrize(
    ("disposal", "counterpart"),
    [("diversionary_caution", "conditional_caution"), ("community_caution", "community_resolution")],
)
def test_disposals_not_in_force_are_never_offered(client, disposal, counterpart):
    params = dict(borough="E09000022", age="30", offence="theft", disposal=disposal)
    body = find(client, **params).get_json()
    assert body["disposal"]["verdict"] == "not_in_force"
    assert body["disposal"]["label"].endswith("(not yet in force)")
    assert body["results"] == []
    assert body["disposal"]["alternatives"][0]["disposal"] == counterpart
    html = text_of(page(client, **params))
    assert "not yet in force" in html and "can be considered" not in html.split("What you can do instead")[0]


def test_the_disposal_list_puts_those_in_force_first_and_labels_the_others(client):
    html = page(client)
    options = re.findall(r'<option value="(\w+_(?:caution|resolution))"[^>]*>([^<]+)</option>', html)
    assert [slug for slug, _ in options] == [
        "community_resolution",
        "conditional_caution",
        "diversionary_caution",
        "community_caution",
    ]
    assert [label.endswith("(not yet in force)") for _, label in options] == [False, False, True, True]


# --------------------------------------------------------------------------------------
# 4. Every "no" has a next step
# --------------------------------------------------------------------------------------


def test_a_17_year_old_gets_the_youth_route_with_the_boroughs_contact(client):
    body = find(client, borough="E09000032", age="17", disposal="conditional_caution", offence="theft").get_json()
    youth = body["next_steps"]["youth"]
    assert youth["in_directory"] is True
    assert youth["service"]["phone"] == "020 8871 6222"
    assert youth["service"]["source"]["url"].startswith("https://www.wandsworth.gov.uk/")
    assert body["disposal"]["verdict"] == "not_suitable"
    assert body["disposal"]["alternatives"] == [{"disposal": "community_resolution", "label": "Community resolution"}]
    html = text_of(page(client, borough="E09000032", age="17"))
    assert "Under 18: the youth route" in html
    assert "020 8871 6222" in html and "the page is not dated" in html


def test_a_17_year_old_where_the_directory_has_no_contact_is_told_who_can_tell(client):
    body = find(client, borough="E09000017", age="17").get_json()
    youth = body["next_steps"]["youth"]
    assert youth["in_directory"] is False and youth["service"] is None
    assert youth["who_can_tell"] == "Hillingdon Council's youth justice service (youth offending team)"
    html = text_of(page(client, borough="E09000017", age="17"))
    assert "The directory holds no contact for it" in html
    assert not re.search(
        r"\b0\d{2,4} ?\d{3,4} ?\d{3,4}\b", html.split("Under 18: the youth route")[1].split("Why it matches")[0]
    )


def test_an_adult_gets_no_youth_route(client):
    assert find(client, borough="E09000017", age="18").get_json()["next_steps"]["youth"] is None


def test_no_service_here_names_pan_london_the_nearest_elsewhere_and_who_commissions(client):
    body = find(client, postcode="UB8 1PQ", need="employment_education_training").get_json()
    steps = body["next_steps"]
    assert steps["no_local_service"] is True
    assert steps["elsewhere"], "the nearest services in other boroughs"
    distances = [m["distance_km"] for m in steps["elsewhere"]]
    measured = [d for d in distances if d is not None]
    assert measured == sorted(measured) and (measured == distances or not measured)
    assert all("E09000017" not in [b["code"] for b in m["service"]["boroughs"]] for m in steps["elsewhere"])
    assert steps["commissioning"]["categories"] == ["employment_education_training"]
    html = text_of(page(client, postcode="UB8 1PQ", need="employment_education_training"))
    assert "No service for this person is recorded as delivered in Hillingdon" in html
    assert "Nearest in other boroughs" in html
    assert "Who commissions employment, education and training services" in html


def test_a_borough_with_a_local_service_is_not_told_there_is_none(client):
    body = find(client, borough="E09000008", need="employment_education_training").get_json()
    assert body["next_steps"]["no_local_service"] is False
    assert "No service for this person is recorded" not in text_of(
        page(client, borough="E09000008", need="employment_education_training")
    )


def test_try_fewer_needs_only_when_several_needs_were_given(client, session):
    from sqlalchemy import update

    from directory.models import Service

    # Services that record no categories are kept for every need (unknown is not "no"):
    # take the seed's one such service out of the published catalogue for this test.
    session.execute(update(Service).where(Service.slug == "vawg-100-pilot").values(moderation="pending"))
    session.flush()
    none = text_of(
        page(client, borough="E09000022", age="30", gender="male", veteran="no", language="Klingon", cohort="remand")
    )
    assert "fewer needs" not in none
    one = text_of(page(client, borough="E09000017", need="hate_crime", age="12"))
    assert "No service in the directory matches: see the reasons below" in one
    two = text_of(page(client, borough="E09000017", need=["hate_crime", "employment_education_training"], age="12"))
    assert "No service in the directory matches: try fewer needs" in two


# --------------------------------------------------------------------------------------
# 3. Every place resolves
# --------------------------------------------------------------------------------------


def test_a_full_postcode_resolves_as_before(client):
    body = find(client, postcode="SE1 7TP").get_json()
    assert body["location"]["borough"]["name"] == "Lambeth"
    assert body["location"]["place"]["explanation"] is None


def test_a_postcode_not_in_the_directory_resolves_by_the_postcodes_beside_it(client):
    body = find(client, postcode="SE11 5HE").get_json()
    assert body["location"]["borough"]["name"] == "Lambeth"
    explanation = body["location"]["place"]["explanation"]
    assert explanation.startswith("SE11 5HE is not in the ONS Postcode Directory; its sector SE11 5")
    assert "lie in Lambeth" in explanation
    assert body["location"]["lat"] is not None
    html = text_of(page(client, postcode="SE11 5HE"))
    assert "SE11 5HE is not in the ONS Postcode Directory" in html


def test_a_sector_spanning_two_boroughs_asks_which(client):
    response = find(client, postcode="SE11 5")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "choose_borough"
    assert [c["name"] for c in body["choices"]] == ["Lambeth", "Southwark"]
    assert body["message"] == "The postcode sector SE11 5 spans Lambeth and Southwark: choose the borough."
    html = page(client, postcode="SE11 5")
    assert "Which borough?" in html and "borough=E09000028" in html
    chosen = find(client, postcode="SE11 5", borough="E09000028").get_json()
    assert chosen["location"]["borough"]["name"] == "Southwark"
    assert "you chose Southwark" in chosen["location"]["place"]["explanation"]


def test_a_district_mostly_in_one_borough_resolves_and_names_the_others(client):
    body = find(client, postcode="cr0").get_json()
    assert body["location"]["borough"]["name"] == "Croydon"
    place = body["location"]["place"]
    assert place["kind"] == "district"
    assert "lies mostly in Croydon" in place["explanation"]
    assert "Sutton" in [b["name"] for b in place["other_boroughs"]]


def test_a_district_across_boroughs_offers_a_short_choice(client):
    body = find(client, postcode="SE11").get_json()
    assert body["error"] == "choose_borough"
    assert {c["name"] for c in body["choices"]} == {"Lambeth", "Southwark"}


@pytest.mark.parametrize(
    ("typed", "borough"),
    [("Lambeth", "Lambeth"), ("kensington & chelsea", "Kensington and Chelsea"), ("richmond", "Richmond upon Thames")],
)
def test_a_borough_name_typed_by_hand_resolves(client, typed, borough):
    body = find(client, postcode=typed).get_json()
    assert body["location"]["borough"]["name"] == borough


def test_an_ambiguous_name_offers_the_boroughs_it_matches(client):
    body = find(client, postcode="upon thames").get_json()
    assert body["error"] == "choose_borough"
    assert {c["name"] for c in body["choices"]} == {"Kingston upon Thames", "Richmond upon Thames"}


def test_london_alone_is_not_read_as_the_city(client):
    response = find(client, postcode="London")
    assert response.status_code == 400
    assert "33 local authorities" in response.get_json()["message"]


def test_a_place_outside_london_is_said_plainly(client):
    body = find(client, postcode="M1").get_json()
    assert body["error"] == "outside_london"


def test_an_unknown_postcode_whose_sector_is_unknown_suggests_the_district(client):
    response = find(client, postcode="SW1A 9ZZ")
    assert response.status_code == 404
    assert "enter its district (SW1A)" in response.get_json()["message"]


def test_the_home_page_leads_with_a_postcode_box_for_the_finder(client):
    html = client.get("/").get_data(as_text=True)
    form = html[html.index("<form") : html.index("</form>")]
    assert 'action="/find"' in form and 'name="postcode"' in form


# --------------------------------------------------------------------------------------
# 2. The person's profile selects cohort services
# --------------------------------------------------------------------------------------


def test_a_veteran_with_no_need_ticked_sees_veterans_services_first_and_is_told_so(client):
    body = find(client, postcode="SE1 7TP", veteran="yes").get_json()
    first = body["results"][0]
    assert first["built_for_person"] is True
    assert "veterans" in first["service"]["categories"]
    assert body["order"].startswith("Services built for veterans first")
    assert body["order"].endswith("within each, nearest delivery site first.")
    html = text_of(page(client, postcode="SE1 7TP", veteran="yes"))
    assert "Services built for veterans first" in html
    assert "Built for veterans" in html


def test_a_woman_on_probation_needing_accommodation_sees_the_womens_services(client):
    body = find(client, borough="E09000022", need="accommodation", gender="female", cohort="probation").get_json()
    names = {m["service"]["slug"] for m in body["results"] if "women" in m["service"]["categories"]}
    assert names, "women's services, without ticking Women as a need"
    man = find(client, borough="E09000022", need="accommodation", gender="male", cohort="probation").get_json()
    assert not {m["service"]["slug"] for m in man["results"] if m["service"]["categories"] == ["women"]}


def test_without_a_point_the_order_does_not_claim_nearest_first(client):
    body = find(client, borough="E09000022").get_json()
    assert "nearest" not in body["order"]
    assert body["order"].endswith("by name.")


def test_needs_and_circumstances_are_separate_questions(client):
    html = page(client)
    needs = html[html.index('id="field-need"') : html.index("</fieldset>", html.index('id="field-need"'))]
    for circumstance in ("women", "veterans", "young_adults", "neurodiversity"):
        assert f'value="{circumstance}"' not in needs
    assert 'value="accommodation"' in needs
    assert 'id="veteran"' in html and 'id="gender"' in html


def test_with_a_borough_alone_the_nearest_elsewhere_are_measured_from_its_middle(client):
    steps = find(client, borough="E09000017", need="employment_education_training").get_json()["next_steps"]
    assert steps["elsewhere_distances"] == "from the middle of Hillingdon's postcodes"
    assert steps["elsewhere"]
    known = [m["distance_km"] for m in steps["elsewhere"] if m["distance_km"] is not None]
    assert known == sorted(known)
    # Services without a located site come after those with one.
    located = [m["distance_km"] is not None for m in steps["elsewhere"]]
    assert located == sorted(located, reverse=True)


def test_the_provider_form_lists_disposals_in_force_first_and_labels_the_others(client, login_as):
    login_as("provider")
    html = client.get("/provider/services/new").get_data(as_text=True)
    labels = re.findall(
        r'value="(community_resolution|conditional_caution|diversionary_caution|community_caution)"'
        r"[^>]*>\s*<label[^>]*>([^<]+)</label>",
        html,
    )
    assert [slug for slug, _ in labels] == [
        "community_resolution",
        "conditional_caution",
        "diversionary_caution",
        "community_caution",
    ]
    assert [label.strip().endswith("(not yet in force)") for _, label in labels] == [False, False, True, True]
