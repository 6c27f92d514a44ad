"""Parsing what people type into query strings, with a specific message for each mistake."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from .postcodes import POSTCODE, InvalidPostcode, PlaceText, parse_place
from .vocabulary import (
    CATEGORIES,
    COHORTS,
    DASH_LEVELS,
    DISPOSALS,
    GENDERS,
    OFFENCES,
    PERSON_COHORTS,
    RISK_LEVELS,
    STATUSES,
)

MAX_TEXT = 200


class InvalidInput(ValueError):
    """A query value we cannot use. ``field`` names it; ``allowed`` lists the valid values."""

    def __init__(self, field: str, message: str, allowed: Sequence[str] | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.allowed = list(allowed) if allowed is not None else None

    def as_dict(self) -> dict:
        body = {"error": f"invalid_{self.field}", "field": self.field, "message": self.message}
        if self.allowed is not None:
            body["allowed"] = self.allowed
        return body


@dataclass(frozen=True)
class ServiceFilters:
    borough: str | None = None
    categories: tuple[str, ...] = ()
    cohort: str | None = None
    status: str | None = None
    text: str | None = None
    page: int = 1
    per_page: int = 20


Args = Mapping[str, Sequence[str]]


def first(args: Args, name: str) -> str | None:
    """The first non-blank value of a parameter, stripped, or None."""
    for value in args.get(name, ()):
        if value is not None and value.strip():
            return value.strip()
    return None


def choice(args: Args, name: str, allowed: Collection[str], label: str) -> str | None:
    value = first(args, name)
    if value is None:
        return None
    if value not in allowed:
        raise InvalidInput(name, f"'{value[:40]}' is not a known {label}.", sorted(allowed))
    return value


def choices(args: Args, name: str, allowed: Collection[str], label: str) -> tuple[str, ...]:
    values: list[str] = []
    for raw in args.get(name, ()):
        value = (raw or "").strip()
        if not value:
            continue
        if value not in allowed:
            raise InvalidInput(name, f"'{value[:40]}' is not a known {label}.", sorted(allowed))
        if value not in values:
            values.append(value)
    return tuple(values)


def whole_number(args: Args, name: str, *, minimum: int, maximum: int, default: int | None = None) -> int | None:
    value = first(args, name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput(name, f"{name} must be a whole number, not '{value[:20]}'.")
    number = int(value)
    if not minimum <= number <= maximum:
        raise InvalidInput(name, f"{name} must be between {minimum} and {maximum}.")
    return number


def text(args: Args, name: str) -> str | None:
    value = first(args, name)
    if value is not None and len(value) > MAX_TEXT:
        raise InvalidInput(name, f"Search text must be {MAX_TEXT} characters or fewer.")
    return value


def parse_service_filters(
    args: Args, borough_codes: Collection[str], *, per_page: int = 20, max_per_page: int = 100
) -> ServiceFilters:
    borough = first(args, "borough")
    if borough is not None:
        borough = borough.upper()
        if borough not in borough_codes:
            raise InvalidInput(
                "borough",
                f"'{borough[:20]}' is not a London borough code. "
                "Use an ONS code from E09000001 (City of London) to E09000033 (Westminster).",
                sorted(borough_codes),
            )
    return ServiceFilters(
        borough=borough,
        categories=choices(args, "category", CATEGORIES, "category"),
        cohort=choice(args, "cohort", COHORTS, "cohort"),
        status=choice(args, "status", STATUSES, "status"),
        text=text(args, "q"),
        page=whole_number(args, "page", minimum=1, maximum=100_000, default=1) or 1,
        per_page=whole_number(args, "per_page", minimum=1, maximum=max_per_page, default=per_page) or per_page,
    )


@dataclass(frozen=True)
class FinderQuery:
    """What an officer or practitioner asks the finder: where, what for, and who."""

    postcode: str | None = None  # a full postcode, normalised
    borough: str | None = None
    needs: tuple[str, ...] = ()
    place: PlaceText | None = None  # what was typed for where: postcode, sector, district or name
    age: int | None = None
    gender: str | None = None
    cohort: str | None = None
    risk_level: str | None = None
    disposal: str | None = None
    offence: str | None = None
    dash_risk: str | None = None
    veteran: bool = False
    neurodivergent: bool = False
    language: str | None = None


TRUE_WORDS = {"1", "true", "yes", "on", "y"}
FALSE_WORDS = {"0", "false", "no", "off", "n"}


def flag(args: Args, name: str) -> bool:
    value = first(args, name)
    if value is None:
        return False
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise InvalidInput(name, f"{name} must be yes or no, not '{value[:20]}'.", ["yes", "no"])


def parse_finder_query(args: Args, borough_codes: Collection[str]) -> FinderQuery:
    """Raises InvalidInput naming the first field that cannot be used."""
    place = None
    typed = first(args, "postcode")
    if typed is not None:
        try:
            place = parse_place(typed)
        except InvalidPostcode as error:
            raise InvalidInput("postcode", str(error)) from error
    postcode = place.text if place is not None and place.kind == POSTCODE else None
    borough = first(args, "borough")
    if borough is not None:
        borough = borough.upper()
        if borough not in borough_codes:
            raise InvalidInput("borough", f"'{borough[:20]}' is not a London borough code.", sorted(borough_codes))
    if place is None and borough is None:
        raise InvalidInput("postcode", "Enter a postcode or choose a borough.")
    language = text(args, "language")
    return FinderQuery(
        postcode=postcode,
        place=place,
        borough=borough,
        needs=choices(args, "need", CATEGORIES, "need"),
        age=whole_number(args, "age", minimum=10, maximum=120),
        gender=choice(args, "gender", GENDERS, "gender"),
        cohort=choice(args, "cohort", PERSON_COHORTS, "cohort"),
        risk_level=choice(args, "risk", RISK_LEVELS, "risk level"),
        disposal=choice(args, "disposal", DISPOSALS, "disposal"),
        offence=choice(args, "offence", OFFENCES, "offence type"),
        dash_risk=choice(args, "dash", DASH_LEVELS, "DASH risk level"),
        veteran=flag(args, "veteran"),
        neurodivergent=flag(args, "neurodivergent"),
        language=language.lower() if language else None,
    )
