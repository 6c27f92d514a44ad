"""UK postcode normalisation. Pure: no I/O, no framework imports.

The canonical form is upper case with one space before the three-character inward code:
``"sw1a1aa"``, ``" SW1A 1AA "`` and ``"sw1a  1aa"`` all become ``"SW1A 1AA"``.

The shape check follows the UK postcode format (outward code: one or two letters, a digit,
then an optional letter or digit; inward code: a digit and two letters, never C, I, K, M, O or
V), with the first-letter rules (no Q, V or X first; no I, J or Z second) and two special
cases that appear in the ONS Postcode Directory: ``GIR 0AA`` (Girobank) and the legacy
Newport outward code ``NPT``. The check is about shape only; whether a postcode exists is
the postcode directory's business (:mod:`directory.geo.postcode_directory`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "InvalidPostcode",
    "PlaceText",
    "normalise",
    "compact",
    "outward",
    "inward",
    "is_valid",
    "parse_place",
    "borough_key",
]

# Longest sensible input: "SW1A 1AA" with generous whitespace. Anything longer is not a
# postcode, and we refuse it before doing any work on it.
MAX_INPUT_LENGTH = 16

_COMPACT_RE = re.compile(
    r"""^(?:
        GIR0AA                                  # Girobank
      | NPT[0-9][ABD-HJLNP-UW-Z]{2}             # legacy Newport outward code
      | [A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?      # outward: A9, A99, AA9, AA99, A9A, AA9A
        [0-9][ABD-HJLNP-UW-Z]{2}                # inward: 9AA
    )$""",
    re.VERBOSE,
)
_WHITESPACE_RE = re.compile(r"\s+")
_ALNUM_RE = re.compile(r"^[A-Z0-9]+$")


class InvalidPostcode(ValueError):
    """Raised for input that is not shaped like a UK postcode. The message is for people."""


def _compact_checked(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidPostcode("Enter a postcode, for example SW1A 1AA.")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidPostcode("That is too long to be a postcode. Enter a postcode, for example SW1A 1AA.")
    text = _WHITESPACE_RE.sub("", raw).upper()
    if not text:
        raise InvalidPostcode("Enter a postcode, for example SW1A 1AA.")
    if not _ALNUM_RE.match(text):
        raise InvalidPostcode(
            f"“{raw.strip()}” is not a valid UK postcode: a postcode has only letters, "
            "numbers and a space. Enter a postcode, for example SW1A 1AA."
        )
    if len(text) < 5:
        raise InvalidPostcode(
            f"“{raw.strip()}” is too short to be a full postcode. Enter a full postcode, for example SW1A 1AA."
        )
    if len(text) > 7:
        raise InvalidPostcode(f"“{raw.strip()}” is too long to be a postcode. Enter a postcode, for example SW1A 1AA.")
    if not _COMPACT_RE.match(text):
        raise InvalidPostcode(f"“{raw.strip()}” is not a valid UK postcode. Enter a postcode, for example SW1A 1AA.")
    return text


def normalise(raw: str) -> str:
    """Return the canonical form ("SW1A 1AA") or raise :class:`InvalidPostcode`."""
    text = _compact_checked(raw)
    return f"{text[:-3]} {text[-3:]}"


def compact(postcode: str) -> str:
    """Return the postcode without spaces ("SW1A1AA"); validates like :func:`normalise`."""
    return _compact_checked(postcode)


def outward(postcode: str) -> str:
    """The outward code (district), e.g. "SW1A" for "SW1A 1AA"."""
    return _compact_checked(postcode)[:-3]


def inward(postcode: str) -> str:
    """The inward code, e.g. "1AA" for "SW1A 1AA"."""
    return _compact_checked(postcode)[-3:]


def is_valid(raw: str) -> bool:
    """True if ``raw`` is shaped like a UK postcode."""
    try:
        _compact_checked(raw)
    except InvalidPostcode:
        return False
    return True


# --------------------------------------------------------------------------------------
# What someone types for a place: a postcode, a sector, a district or a borough's name
# --------------------------------------------------------------------------------------

POSTCODE = "postcode"  # "SE11 5HE"
SECTOR = "sector"  # "SE11 5": a district and the inward code's digit
DISTRICT = "district"  # "SE11": the outward code
NAME = "name"  # "Lambeth", typed by hand

_DISTRICT_RE = re.compile(r"^(?:[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?|NPT)$")
_SECTOR_RE = re.compile(r"^([A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?|NPT) ?([0-9])$")
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z &'.,-]*$")
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class PlaceText:
    """A place as typed, read as one kind. ``text`` is normalised: "SE11 5", "SE11"."""

    kind: str
    text: str

    @property
    def prefix(self) -> str:
        """The compact start every postcode in this area shares: "SE115" for "SE11 5"."""
        return self.text.replace(" ", "")

    @property
    def outward(self) -> str:
        return self.text.split(" ")[0]

    @property
    def sector(self) -> str | None:
        """ "SE11 5" for the postcode "SE11 5HE" or the sector itself."""
        if self.kind == POSTCODE:
            return self.text[:-2]
        return self.text if self.kind == SECTOR else None


def parse_place(raw: str) -> PlaceText:
    """Read a place; raises :class:`InvalidPostcode` for what cannot be one.

    "SE15" is the district SE15; the sector SE1 5 needs its space ("SE115" is SE11 5).
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPostcode("Enter a postcode, a postcode district or a borough.")
    text = raw.strip()
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidPostcode("That is too long to be a postcode or a borough's name.")
    spaced = _WHITESPACE_RE.sub(" ", text).upper()
    if is_valid(text):
        return PlaceText(POSTCODE, normalise(text))
    if _DISTRICT_RE.match(spaced):
        return PlaceText(DISTRICT, spaced)
    sector = _SECTOR_RE.match(spaced)
    if sector:
        return PlaceText(SECTOR, f"{sector.group(1)} {sector.group(2)}")
    if _NAME_RE.match(text) and any(ch.isalpha() for ch in text) and not any(ch.isdigit() for ch in text):
        return PlaceText(NAME, " ".join(text.split()))
    if any(ch.isdigit() for ch in text):
        # Shaped like neither: say what a postcode looks like.
        normalise(text)
    raise InvalidPostcode(
        f"“{text}” is not a postcode, a postcode district or a London borough. "
        "Enter a postcode (SE1 7TP), a district (SE11) or a borough's name."
    )


_BOROUGH_NOISE = re.compile(r"\b(london borough of|royal borough of|borough of|the|council)\b")


def borough_key(name: str) -> str:
    """A borough's name as compared with what is typed: "Kensington & Chelsea" -> "kensington and chelsea"."""
    text = name.casefold().replace("&", " and ")
    text = re.sub(r"[^a-z ]+", " ", text)
    text = _BOROUGH_NOISE.sub(" ", text)
    return " ".join(text.split())
