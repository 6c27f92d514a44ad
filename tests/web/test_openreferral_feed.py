"""The Open Referral UK feed: every endpoint's answers are valid HSDS 3.0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from directory.models import Service, Site
from directory.operations.geocoding import Geocoder
from directory.operations.imports import import_hmpps

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas" / "hsds"
BASE = "https://hsds.example/"
HMPPS = Path(__file__).resolve().parents[2] / "seed" / "hmpps"
PAGE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.rglob("*.json"):
        uri = BASE + path.relative_to(SCHEMAS).as_posix()
        resources.append((uri, Resource.opaque(json.loads(path.read_text(encoding="utf-8")))))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(document, schema: str) -> None:
    validator = Draft202012Validator({"$ref": BASE + schema}, registry=REGISTRY, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def validate_page(body: dict, schema: str) -> None:
    assert set(body) == PAGE_KEYS
    assert isinstance(body["total_items"], int) and isinstance(body["empty"], bool)
    assert body["size"] == len(body["contents"])
    for item in body["contents"]:
        validate(item, schema)


@pytest.fixture
def feed(client, session, postcode_directory):
    import_hmpps(session, HMPPS, Geocoder(postcode_directory, session))
    return client


def test_the_schemas_themselves_catch_a_bad_record():
    with pytest.raises(AssertionError):
        validate({"id": "not-a-uuid", "name": "x", "status": "open"}, "service.json")


def test_meta(feed):
    body = feed.get("/openreferral/").get_json()
    assert body["version"] == "3.0"
    assert body["profile"].endswith("/openreferral/docs")
    assert feed.get(body["openapi_url"]).get_json()["paths"]["/services"]


def test_every_endpoint_answers_valid_hsds(feed):
    services = feed.get("/openreferral/services?per_page=500").get_json()
    validate_page(services, "compiled/service_list.json")
    assert services["total_items"] >= 10
    full = feed.get("/openreferral/services?per_page=5&full=true").get_json()
    validate_page(full, "service.json")
    for item in services["contents"]:
        answer = feed.get(f"/openreferral/services/{item['id']}")
        assert answer.status_code == 200
        validate(answer.get_json(), "service.json")

    taxonomies = feed.get("/openreferral/taxonomies").get_json()
    validate_page(taxonomies, "taxonomy.json")
    for item in taxonomies["contents"]:
        validate(feed.get(f"/openreferral/taxonomies/{item['id']}").get_json(), "taxonomy.json")
    terms = feed.get("/openreferral/taxonomy_terms?per_page=100").get_json()
    validate_page(terms, "taxonomy_term.json")
    for item in terms["contents"][:5]:
        validate(feed.get(f"/openreferral/taxonomy_terms/{item['id']}").get_json(), "taxonomy_term.json")

    organisations = feed.get("/openreferral/organizations?per_page=500").get_json()
    validate_page(organisations, "compiled/organization_list.json")
    for item in organisations["contents"]:
        body = feed.get(f"/openreferral/organizations/{item['id']}?full_service=true").get_json()
        validate(body, "organization.json")
        for service in body["services"]:
            validate(service, "service.json")

    places = feed.get("/openreferral/service_at_locations?per_page=500").get_json()
    validate_page(places, "compiled/service_at_location_list.json")
    for item in places["contents"][:10]:
        validate(feed.get(f"/openreferral/service_at_locations/{item['id']}").get_json(), "service_at_location.json")


def test_anonymous_and_open_to_every_origin(feed):
    for path in ("/openreferral/", "/openreferral/services", "/openreferral/taxonomies", "/openreferral/organizations"):
        answer = feed.get(path)
        assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"


def test_paging_envelope(feed):
    first = feed.get("/openreferral/services?per_page=3").get_json()
    last = feed.get(f"/openreferral/services?per_page=3&page={first['total_pages']}").get_json()
    assert first["first_page"] and not first["last_page"] and first["size"] == 3
    assert last["last_page"] and not last["first_page"]
    beyond = feed.get(f"/openreferral/services?per_page=3&page={first['total_pages'] + 1}").get_json()
    assert beyond["empty"] and beyond["contents"] == []
    ids = set()
    for page in range(1, first["total_pages"] + 1):
        ids |= {s["id"] for s in feed.get(f"/openreferral/services?per_page=3&page={page}").get_json()["contents"]}
    assert len(ids) == first["total_items"]


def test_categories_are_taxonomy_terms_attached_as_attributes(feed):
    terms = feed.get("/openreferral/taxonomy_terms?search=accommodation").get_json()["contents"]
    [accommodation] = [t for t in terms if t["code"] == "accommodation"]
    found = feed.get(f"/openreferral/services?taxonomy_term_id={accommodation['id']}&per_page=500").get_json()
    names = {s["name"] for s in found["contents"]}
    assert "Accommodation Services for London" in names
    assert "Dependency and Recovery Services in London" not in names
    service = next(s for s in found["contents"] if s["name"] == "Accommodation Services for London")
    body = feed.get(f"/openreferral/services/{service['id']}").get_json()
    codes = {a["taxonomy_term"]["code"] for a in body["attributes"]}
    assert {"accommodation", "probation"} <= codes
    assert body["status"] == "active" and body["x_directory"]["genders"] == ["male"]
    assert {a["extent"] for a in body["service_areas"]} >= {"E09000023", "E09000022"}
    assert "PRJ_6263" in body["x_sources"][0]["source"]
    assert body["assured_date"] == "2026-08-21"


def test_ended_contracts_are_defunct(feed):
    found = feed.get("/openreferral/services?search=Women's Services for London (north)").get_json()
    assert [s["status"] for s in found["contents"]] == ["defunct"]


def test_nearest_locations_to_a_postcode(feed):
    body = feed.get("/openreferral/service_at_locations?postcode=SE13 6LH&proximity=1500&per_page=500").get_json()
    distances = [item["x_distance_m"] for item in body["contents"]]
    assert distances == sorted(distances) and distances and max(distances) <= 1500
    assert body["contents"][0]["location"]["name"] == "Lewisham Probation Office"


def test_a_refuges_address_is_never_published(feed, session):
    service = session.query(Service).filter_by(moderation="published").first()
    service.sites.append(
        Site(name="Safe women's refuge", address="1 Hidden Road", postcode="SE13 6JP", lat=51.46, lon=-0.01)
    )
    session.commit()
    body = feed.get(f"/openreferral/services/{service.uuid}").get_data(as_text=True)
    assert "Hidden Road" not in body and "refuge" not in body.lower()
    everything = feed.get("/openreferral/service_at_locations?per_page=500").get_data(as_text=True)
    assert "Hidden Road" not in everything


def test_unpublished_services_are_not_in_the_feed(feed, session):
    service = session.query(Service).filter_by(moderation="published").first()
    service.moderation = "pending"
    session.commit()
    assert feed.get(f"/openreferral/services/{service.uuid}").status_code == 404
    listed = feed.get("/openreferral/services?per_page=500").get_json()
    assert service.uuid not in {s["id"] for s in listed["contents"]}


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("page=0", "page"),
        ("per_page=100000", "per_page"),
        ("modified_after=yesterday", "modified_after"),
        ("taxonomy_term_id=00000000-0000-0000-0000-000000000000", "taxonomy_term_id"),
    ],
)
def test_bad_parameters_are_a_clear_400(feed, query, parameter):
    answer = feed.get(f"/openreferral/services?{query}")
    assert answer.status_code == 400 and answer.get_json()["parameter"] == parameter


def test_bad_postcode_and_proximity_without_one(feed):
    assert feed.get("/openreferral/service_at_locations?postcode=nonsense").status_code == 400
    assert feed.get("/openreferral/service_at_locations?proximity=100").get_json()["parameter"] == "proximity"


def test_documentation_page_names_the_extension_fields(feed):
    page = feed.get("/openreferral/docs").get_data(as_text=True)
    assert "x_directory" in page and "x_sources" in page and "service_areas" in page


def test_the_feed_reads_status_by_the_one_rule_never_running_on_an_old_note(feed, session):
    """Commissioned as reported to the board in 2021-23 is not 'active' in 2026; an HMPPS
    contract whose dated record confirms it is; an ended one is defunct."""
    from sqlalchemy import select

    from directory.models import Service

    def status_of(slug: str) -> str:
        uuid = session.scalar(select(Service.uuid).where(Service.slug == slug))
        return feed.get(f"/openreferral/services/{uuid}").get_json()["status"]

    assert session.scalar(select(Service.status).where(Service.slug == "penrose-drive-iap")) == "commissioned"
    assert status_of("penrose-drive-iap") == "inactive"
    accommodation = session.scalar(select(Service.slug).where(Service.name == "Accommodation Services for London"))
    assert status_of(accommodation) == "active"
    north = session.scalar(select(Service.slug).where(Service.name == "Women's Services for London (north)"))
    assert status_of(north) == "defunct"
