"""Postcode normalisation: the canonical form, the shape check and its messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from directory.core.postcodes import (
    InvalidPostcode,
    compact,
    inward,
    is_valid,
    normalise,
    outward,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A 1AA ", "SW1A 1AA"),
        ("sw1a  1aa", "SW1A 1AA"),
        ("Sw1A\t1aA", "SW1A 1AA"),
        ("ec2v7hh", "EC2V 7HH"),
        ("M11AE", "M1 1AE"),
        ("m1 1ae", "M1 1AE"),
        ("B338TH", "B33 8TH"),
        ("CR26XH", "CR2 6XH"),
        ("DN551PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("E1W 1NB", "E1W 1NB"),
        ("W1M 0AA", "W1M 0AA"),  # a district the strict government pattern wrongly rejects
        ("gir0aa", "GIR 0AA"),
        ("GIR 0AA", "GIR 0AA"),
        ("NPT 0AA", "NPT 0AA"),  # legacy Newport code, present in the ONS directory
        ("s1 1aa", "S1 1AA"),
        ("S1  1AA", "S1 1AA"),  # the ONS directory's own 7-character form
    ],
)
def test_normalise_accepts_real_shapes(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("", "Enter a postcode"),
        ("   ", "Enter a postcode"),
        ("SW1", "too short"),
        ("SW1A", "too short"),
        ("SW1A 1AAA", "too long"),
        ("SW1A 1AA SW1A 1AA", "too long"),
        ("12345", "not a valid UK postcode"),
        ("SW1A 1CA", "not a valid UK postcode"),  # C never appears in an inward code
        ("QW1 1AA", "not a valid UK postcode"),  # Q never starts a postcode
        ("SWA 1AA", "not a valid UK postcode"),
        ("SW1A-1AA", "not a valid UK postcode"),
        ("SW1A 11A", "not a valid UK postcode"),
        ("SW1Ä 1AA", "not a valid UK postcode"),
    ],
)
def test_normalise_rejects_malformed_input(raw: str, message_part: str) -> None:
    with pytest.raises(InvalidPostcode) as excinfo:
        normalise(raw)
    assert message_part in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_normalise_rejects_non_strings() -> None:
    with pytest.raises(InvalidPostcode):
        normalise(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "compacted", "out", "inn"),
    [
        ("SW1A 1AA", "SW1A1AA", "SW1A", "1AA"),
        ("m1 1ae", "M11AE", "M1", "1AE"),
        ("cf10 1ep", "CF101EP", "CF10", "1EP"),
        ("GIR 0AA", "GIR0AA", "GIR", "0AA"),
    ],
)
def test_compact_outward_inward(raw: str, compacted: str, out: str, inn: str) -> None:
    assert compact(raw) == compacted
    assert outward(raw) == out
    assert inward(raw) == inn


def test_is_valid() -> None:
    assert is_valid("sw1a1aa")
    assert not is_valid("hello")


# --- properties ------------------------------------------------------------------------

_LETTERS_FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"
_LETTERS_SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_DIGITS = "0123456789"


@st.composite
def postcodes(draw: st.DrawFn) -> str:
    """Well-formed postcodes in a random mix of case and spacing."""
    first = draw(st.sampled_from(_LETTERS_FIRST))
    second = draw(st.sampled_from(["", *_LETTERS_SECOND]))
    district = draw(st.sampled_from(_DIGITS))
    extra = draw(st.sampled_from(["", *_DIGITS, *"ABEHJKMNPRSTUVWXY"]))
    sector = draw(st.sampled_from(_DIGITS))
    unit = draw(st.text(alphabet=_INWARD_LETTERS, min_size=2, max_size=2))
    return f"{first}{second}{district}{extra}{sector}{unit}"


@st.composite
def respelled(draw: st.DrawFn, text: str) -> str:
    """The same characters with random case and up to two runs of whitespace anywhere."""
    chars = [c.lower() if draw(st.booleans()) else c for c in text]
    for _ in range(draw(st.integers(0, 2))):
        where = draw(st.integers(0, len(chars)))
        chars.insert(where, draw(st.sampled_from([" ", "  ", "\t"])))
    return "".join(chars)


@given(postcodes().flatmap(lambda pc: st.tuples(st.just(pc), respelled(pc))))
def test_normalise_is_insensitive_to_case_and_spacing(pair: tuple[str, str]) -> None:
    canonical, variant = pair
    assert normalise(variant) == normalise(canonical)


@given(postcodes())
def test_normalise_is_idempotent(pc: str) -> None:
    once = normalise(pc)
    assert normalise(once) == once
    assert once == once.upper()
    assert once.count(" ") == 1
    assert len(once.split(" ")[1]) == 3
    assert compact(once) == once.replace(" ", "")


@given(st.text(max_size=20))
def test_normalise_either_returns_canonical_or_raises(raw: str) -> None:
    try:
        result = normalise(raw)
    except InvalidPostcode as exc:
        assert str(exc)
    else:
        assert normalise(result) == result


# --------------------------------------------------------------------------------------
# Places: a postcode, a sector, a district or a borough's name
# --------------------------------------------------------------------------------------

from directory.core.postcodes import DISTRICT, NAME, POSTCODE, SECTOR, borough_key, parse_place  # noqa: E402


@pytest.mark.parametrize(
    ("typed", "kind", "text"),
    [
        ("se115he", POSTCODE, "SE11 5HE"),
        ("SE11 5", SECTOR, "SE11 5"),
        ("se11  5", SECTOR, "SE11 5"),
        ("SE115", SECTOR, "SE11 5"),
        ("SE1 5", SECTOR, "SE1 5"),
        ("SE15", DISTRICT, "SE15"),
        ("sw1a", DISTRICT, "SW1A"),
        ("Lambeth", NAME, "Lambeth"),
        ("  kensington   & chelsea ", NAME, "kensington & chelsea"),
    ],
)
def test_a_place_is_read_as_one_kind(typed, kind, text):
    place = parse_place(typed)
    assert (place.kind, place.text) == (kind, text)


def test_a_sector_and_its_postcodes_share_a_prefix():
    assert parse_place("SE11 5").prefix == "SE115"
    assert parse_place("SE11 5HE").sector == "SE11 5"
    assert parse_place("SE11").sector is None


@pytest.mark.parametrize("typed", ["", "   ", "12345", "SE1 7TPX", "x" * 61, "<script>"])
def test_what_cannot_be_a_place_is_refused_with_a_message(typed):
    with pytest.raises(InvalidPostcode) as error:
        parse_place(typed)
    assert str(error.value)


def test_borough_names_compare_without_punctuation_or_titles():
    assert borough_key("Royal Borough of Kensington & Chelsea") == "kensington and chelsea"
    assert borough_key("City of London") == "city of london"
