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


@pytest.mark.parametrize(("disposal", "counterpart"), [("diversionary_caution", "conditional_caution"), ("community_caution", "community_resolution")])
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
        "community_resolution", "conditional_caution", "diversionary_caution", "community_caution"
    ]
    assert [label.endswith("(not yet in force)") for _, label in options] == [False, False, True, True]
