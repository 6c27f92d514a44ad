"""The domain rules a service record must keep, whatever form or feed it comes from. Pure.

``check_service`` takes the submitted values and returns ``{field: message}``; an empty
dict means the record is consistent. Field names match the service form's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from .oocd import RULES, OocdRules
from .vocabulary import DISPOSALS

OLDEST_AGE = 120
MOST_HOURS = 1000
MOST_WEEKS = 520


def _number(values: Mapping, name: str):
    value = values.get(name)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _not_finite(values: Mapping) -> dict[str, str]:
    """Numbers that are not numbers (inf, nan) never reach a record, whatever sent them."""
    return {
        name: "Enter a number, like 12 or 7.5."
        for name, value in values.items()
        if isinstance(value, float) and not math.isfinite(value)
    }


def check_service(values: Mapping, rules: OocdRules = RULES) -> dict[str, str]:
    errors = _not_finite(values)
    if errors:
        return errors

    min_age, max_age = _number(values, "min_age"), _number(values, "max_age")
    for name, value in (("min_age", min_age), ("max_age", max_age)):
        if value is not None and not 0 <= value <= OLDEST_AGE:
            errors[name] = f"Age must be between 0 and {OLDEST_AGE}."
    if min_age is not None and max_age is not None and "max_age" not in errors:
        if min_age > max_age:
            errors["max_age"] = "Maximum age must be the same as or more than the minimum age."

    starts, ends = values.get("starts_on"), values.get("ends_on")
    if isinstance(starts, date) and isinstance(ends, date) and ends < starts:
        errors["ends_on"] = "End date must be the same as or after the start date."
    if values.get("status") == "ended" and not isinstance(ends, date):
        errors["ends_on"] = "Enter the date the service ended."

    if not values.get("pan_london") and not values.get("boroughs") and not values.get("has_sites"):
        errors["boroughs"] = "Select the boroughs the service is delivered in, or pan-London."
    if values.get("pan_london") and values.get("boroughs"):
        errors["boroughs"] = "Choose pan-London or named boroughs, not both."

    if not values.get("categories"):
        errors["categories"] = "Select at least one category of need."

    accepted = set(values.get("offences_accepted") or ())
    excluded = set(values.get("offences_excluded") or ())
    both = accepted & excluded
    if both:
        errors["offences_excluded"] = (
            "An offence cannot be both accepted and excluded: " + ", ".join(sorted(both)) + "."
        )

    disposals = [d for d in values.get("oocd_disposals") or () if d in DISPOSALS]
    kinds = set(values.get("oocd_condition_kinds") or ())
    hours = _number(values, "oocd_hours")
    weeks = _number(values, "oocd_completion_weeks")
    if hours is not None and not 0 < hours <= MOST_HOURS:
        errors["oocd_hours"] = f"Hours must be more than 0 and at most {MOST_HOURS}."
    if weeks is not None and not 0 < weeks <= MOST_WEEKS:
        errors["oocd_completion_weeks"] = f"Completion time must be more than 0 weeks and at most {MOST_WEEKS}."
    if (kinds or hours is not None or weeks is not None) and not disposals:
        errors["oocd_disposals"] = (
            "Select the out-of-court disposals this service can be a condition of, "
            "or leave the condition kinds, hours and completion time empty."
        )
    allowed_kinds = set()
    for disposal in disposals:
        kinds_rule = rules.kinds_for(disposal)
        allowed_kinds |= set(kinds_rule.kinds) if kinds_rule else kinds
    if disposals and kinds - allowed_kinds:
        bad = ", ".join(sorted(k.replace("_", " ") for k in kinds - allowed_kinds))
        errors["oocd_condition_kinds"] = f"None of the disposals selected can carry {bad} conditions."
    for disposal in disposals:
        if hours is not None and "oocd_hours" not in errors:
            for cap in rules.caps_for(disposal):
                applies = cap.kind in kinds and not (kinds & cap.not_counting)
                if applies and cap.max_hours is not None and hours > cap.max_hours:
                    errors["oocd_hours"] = (
                        f"A {DISPOSALS[disposal].lower()} caps {cap.description} at "
                        f"{cap.max_hours:g} hours ({cap.citation})."
                    )
                    break
        completion = rules.completion_for(disposal)
        if weeks is not None and completion is not None and "oocd_completion_weeks" not in errors:
            limit = completion.exceptional_weeks or completion.normal_weeks
            if weeks > limit:
                errors["oocd_completion_weeks"] = (
                    f"A {DISPOSALS[disposal].lower()} must be completed within {limit:g} weeks ({completion.citation})."
                )
    return errors
