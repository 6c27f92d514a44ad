"""The pure rules behind the forms: service consistency, diffs, accounts. No app, no DB."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from directory.core.accounts import (
    is_stale,
    looks_like_email,
    may,
    password_problem,
)
from directory.core.changes import diff
from directory.core.service_rules import check_service
from directory.core.slugs import slugify, unique_slug

VALID = {"categories": ["stalking"], "boroughs": ["E09000022"], "status": "commissioned"}


def test_a_consistent_service_has_no_problems():
    assert check_service(VALID) == {}


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"min_age": 30, "max_age": 20}, "max_age"),
        ({"min_age": -1}, "min_age"),
        ({"max_age": 130}, "max_age"),
        ({"starts_on": date(2024, 5, 1), "ends_on": date(2024, 1, 1)}, "ends_on"),
        ({"status": "ended"}, "ends_on"),
        ({"boroughs": []}, "boroughs"),
        ({"pan_london": True}, "boroughs"),
        ({"categories": []}, "categories"),
        ({"offences_accepted": ["theft"], "offences_excluded": ["theft"]}, "offences_excluded"),
        ({"oocd_hours": 5}, "oocd_disposals"),
        (
            {"oocd_disposals": ["community_caution"], "oocd_condition_kinds": ["unpaid_work"], "oocd_hours": 10.5},
            "oocd_hours",
        ),
        (
            {"oocd_disposals": ["conditional_caution"], "oocd_condition_kinds": ["attendance"], "oocd_hours": 21},
            "oocd_hours",
        ),
        ({"oocd_disposals": ["conditional_caution"], "oocd_completion_weeks": 21}, "oocd_completion_weeks"),
        ({"oocd_disposals": ["community_resolution"], "oocd_condition_kinds": ["unpaid_work"]}, "oocd_condition_kinds"),
        ({"oocd_disposals": ["community_caution"], "oocd_hours": 0}, "oocd_hours"),
    ],
)
def test_inconsistent_services_are_caught_on_the_right_field(changes, field):
    assert field in check_service({**VALID, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"min_age": 18, "max_age": 18},
        {"starts_on": date(2024, 1, 1), "ends_on": date(2024, 1, 1)},
        {"boroughs": [], "has_sites": True},
        {"boroughs": [], "pan_london": True},
        # attendance that is rehabilitative is not capped
        {
            "oocd_disposals": ["conditional_caution"],
            "oocd_condition_kinds": ["attendance", "rehabilitative"],
            "oocd_hours": 40,
        },
        {"oocd_disposals": ["community_caution"], "oocd_condition_kinds": ["unpaid_work"], "oocd_hours": 10},
        {"oocd_disposals": ["conditional_caution"], "oocd_completion_weeks": 20},
        {"status": "ended", "ends_on": date(2023, 3, 1)},
    ],
)
def test_edge_cases_that_are_allowed(changes):
    assert check_service({**VALID, **changes}) == {}


def test_diff_lists_changed_fields_only_with_labels():
    old = {"name": "A", "categories": ["stalking"], "min_age": 18, "pan_london": False, "boroughs": ["E09000022"]}
    new = {
        "name": "A",
        "categories": ["stalking", "women"],
        "min_age": 21,
        "pan_london": False,
        "boroughs": ["E09000022"],
    }
    changes = diff(old, new, names={"E09000022": "Lambeth"})
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("categories", "Stalking", "Stalking, Women"),
        ("min_age", "18", "21"),
    ]


def test_diff_treats_empty_values_alike_and_ignores_site_coordinates():
    old = {"description": None, "languages": [], "sites": [{"name": "Hub", "postcode": "SE1 7TP", "lat": 51.4}]}
    new = {"description": "", "languages": [], "sites": [{"name": "Hub", "postcode": "SE1 7TP"}]}
    assert diff(old, new) == ()


def test_diff_of_a_new_record_shows_every_given_field():
    changes = diff({}, {"name": "<b>New</b>", "status": "pilot"})
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("Name", "(none)", "<b>New</b>"),
        ("Status", "(none)", "Pilot"),
    ]


def test_roles_and_permissions():
    assert may("commissioner", "review") and not may("provider", "review")
    assert may("admin", "manage_users") and not may("commissioner", "manage_users")
    assert may("provider", "manage_own_organisation") and not may(None, "search")


@pytest.mark.parametrize(
    "password, ok",
    [("short", False), ("aaaaaaaaaaaaaaaa", False), ("me@example.org", False), ("a long enough passphrase", True)],
)
def test_password_rule(password, ok):
    assert (password_problem(password, "me@example.org") is None) is ok


@pytest.mark.parametrize(
    "text, ok",
    [
        ("name@example.org", True),
        ("a.b+c@sub.example.co.uk", True),
        ("name@example", False),
        ("name@.org", False),
        ("name@example.", False),
        ("@example.org", False),
        ("name@@example.org", False),
        ("na me@example.org", False),
        ("", False),
        ("a@" + "b" * 250 + ".org", False),  # over 254 characters
    ],
)
def test_email_shape(text, ok):
    assert looks_like_email(text) is ok


def test_email_check_refuses_long_hostile_input_before_looking():
    """The shape that made the old pattern backtrack: many dots, no match at the end."""
    assert looks_like_email("a@" + "a." * 100_000 + "@") is False
    assert looks_like_email("a@" + "a." * 100_000 + "a") is False
    assert looks_like_email("a@" + "a." * 120 + "a") is True  # 244 characters: looked at


def test_stale_after_six_months():
    now = datetime(2024, 7, 1, tzinfo=timezone.utc)
    assert is_stale(now - timedelta(days=200), None, now)
    assert not is_stale(now - timedelta(days=30), now - timedelta(days=400), now)
    assert not is_stale(None, now - timedelta(days=10), now)


def test_slugs():
    assert slugify("St Mungo's — Housing & Work!") == "st-mungo-s-housing-work"
    assert unique_slug("a", {"a", "a-2", "a-20"}) == "a-3"
    assert unique_slug("b", {"a"}) == "b"
