"""Free text to borough codes, crosswalks and hashes: resolve what is unambiguous, never guess."""

from directory.core.imports import (
    categories_for,
    content_hash,
    duplicate_ids,
    office_matches,
    postcode_in,
    resolve_places,
)

BOROUGHS = {
    "E09000001": "City of London",
    "E09000002": "Barking and Dagenham",
    "E09000010": "Enfield",
    "E09000012": "Hackney",
    "E09000013": "Hammersmith and Fulham",
    "E09000020": "Kensington and Chelsea",
    "E09000031": "Waltham Forest",
    "E09000032": "Wandsworth",
    "E09000033": "Westminster",
}


def test_a_part_of_a_borough_name_resolves_to_that_borough():
    assert resolve_places("Chelsea", BOROUGHS).boroughs == ("E09000020",)
    assert resolve_places("Hammersmith, Fulham", BOROUGHS).boroughs == ("E09000013",)


def test_a_lot_description_gives_its_boroughs():
    found = resolve_places(
        "Community, All Lot 2 boroughs ( Barking, City of London, Dagenham, Enfield, Hackney and Waltham Forest)",
        BOROUGHS,
    )
    assert found.boroughs == ("E09000002", "E09000001", "E09000010", "E09000012", "E09000031")
    assert found.unresolved == ()


def test_what_is_not_one_borough_is_left_for_a_person():
    found = resolve_places("West London, Kings Cross, Wandswroth, Wandsworth", BOROUGHS)
    assert found.boroughs == ("E09000032",)
    assert found.unresolved == ("west london", "kings cross", "wandswroth")


def test_a_persons_earlier_decision_is_used():
    found = resolve_places("West London, Chelsea", BOROUGHS, {"west london": ["E09000013"]})
    assert found.boroughs == ("E09000013", "E09000020") and not found.unresolved


def test_prisons_are_noted_not_taken_for_boroughs():
    found = resolve_places("Hackney, HMP Belmarsh, HMP Wandsworth", BOROUGHS)
    assert found.boroughs == ("E09000012",)
    assert found.prisons == ("belmarsh", "wandsworth")


def test_need_areas_without_a_category_of_ours_are_reported():
    categories, unmapped = categories_for("FBD-L", ["Finance Benefits & Debt"])
    assert categories == () and unmapped == ("Finance Benefits & Debt",)
    categories, unmapped = categories_for("WOS", ["Accommodation", "Dependency & Recovery"])
    assert categories == ("women", "accommodation", "substance_misuse") and not unmapped


def test_offices_postcodes_hashes_and_duplicates():
    assert office_matches("Shepherds Bush", "Shepherd's Bush Probation Office", "191a Askew Road")
    assert not office_matches("Bush", "Borough Office", "1 Bushey Road")
    assert postcode_in("Probation Office, 208 Lewisham High Street, London, SE13 6JP") == "SE13 6JP"
    assert content_hash({"a": 1, "b": [2]}) == content_hash({"b": [2], "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
    assert duplicate_ids([(2, "x"), (3, "y"), (4, "x")]) == {
        4: "Id 'x' is used again (first on row 2); each row needs its own id."
    }
