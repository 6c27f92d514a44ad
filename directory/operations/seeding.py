"""Loading the seed files into the database, idempotently.

A second run adds what is new in the seed files and leaves existing records alone, so
edits made in the app are never overwritten; ``refresh=True`` rewrites seeded records
from the files.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.citations import Source, latest_for
from ..core.types import PartialDate
from ..core.vocabulary import CATEGORIES, COHORTS
from ..geo.authorities import london_authorities
from ..models._base import utcnow
from ..models import (
    BCU,
    PDU,
    Borough,
    Category,
    Citation,
    Cohort,
    Dataset,
    KnownAbsence,
    MinimumOfferItem,
    Organisation,
    Service,
    Site,
)
from .geocoding import Geocoder, SiteLocationError

NO_STATUS_SOURCE = "no source found states its status"
RECORD_NAMESPACE = uuid.UUID("6f1c1d2e-8a53-4d0b-9a57-2b8f0f1c7e11")
CITY_OF_LONDON = "E09000001"

Progress = Callable[[str], None]


def stable_uuid(kind: str, slug: str) -> str:
    """The same UUID for the same seeded record on every machine, for the ORUK feed."""
    return str(uuid.uuid5(RECORD_NAMESPACE, f"{kind}:{slug}"))


def confirmation_reference(service: Service):
    """When a person last stood behind this record: its confirmation, or its creation in the
    app. A seeded record's creation is not a person confirming it (the six-month flag)."""
    if service.last_confirmed_at is not None:
        return service.last_confirmed_at
    seeded = service.uuid == stable_uuid("service", service.slug)
    return None if seeded else service.created_at


@dataclass
class SeedSummary:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str, added: bool) -> None:
        target = self.added if added else self.updated
        target[kind] = target.get(kind, 0) + 1

    def lines(self) -> list[str]:
        kinds = sorted(set(self.added) | set(self.updated))
        out = [f"{kind}: {self.added.get(kind, 0)} added, {self.updated.get(kind, 0)} updated" for kind in kinds] or [
            "nothing new"
        ]
        return out + [f"warning: {w}" for w in self.warnings]


def parse_partial_date(value) -> PartialDate | None:
    """A YAML date value (2023, "2023-01", 2023-01-15) as a date and its precision."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return PartialDate(value, "day")
    text = str(value)
    parts = text.split("-")
    try:
        if len(parts) == 1:
            return PartialDate(date(int(parts[0]), 1, 1), "year")
        if len(parts) == 2:
            return PartialDate(date(int(parts[0]), int(parts[1]), 1), "month")
        return PartialDate(date.fromisoformat(text), "day")
    except ValueError as error:
        raise ValueError(f"'{text}' is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)") from error


class SeedError(ValueError):
    """A seed file that cannot be loaded as it is; nothing from it has been written."""


def _read_yaml(path: Path):
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _read_records(path: Path) -> list[dict]:
    """A catalogue file's records: a non-empty list of mappings, or a SeedError saying why."""
    try:
        records = _read_yaml(path)
    except (OSError, yaml.YAMLError) as error:
        raise SeedError(f"{path.name}: cannot be read ({error})") from error
    if not records:
        raise SeedError(f"{path.name}: no records (an empty catalogue file is never loaded)")
    if not isinstance(records, list):
        raise SeedError(f"{path.name}: must be a list of records, not a {type(records).__name__}")
    for number, record in enumerate(records, 1):
        if not isinstance(record, dict) or not record.get("slug"):
            raise SeedError(f"{path.name}: record {number} is not a mapping with a slug")
    return records


def seed_vocabularies(session: Session, summary: SeedSummary) -> None:
    for model, vocabulary, kind in ((Category, CATEGORIES, "categories"), (Cohort, COHORTS, "cohorts")):
        existing = {row.slug: row for row in session.scalars(select(model))}
        for position, (slug, label) in enumerate(vocabulary.items()):
            row = existing.get(slug)
            if row is None:
                session.add(model(slug=slug, name=label, position=position))
                summary.count(kind, True)
            elif (row.name, row.position) != (label, position):
                row.name, row.position = label, position
                summary.count(kind, False)
    session.flush()


def _boundaries(seed_dir: Path, name: str) -> dict[str, str]:
    path = seed_dir / "geo" / f"{name}.geojson"
    if not path.exists():
        return {}
    collection = json.loads(path.read_text(encoding="utf-8"))
    return {
        feature["properties"]["code"]: json.dumps(feature["geometry"], separators=(",", ":"))
        for feature in collection["features"]
    }


def seed_areas(session: Session, seed_dir: Path, summary: SeedSummary) -> None:
    areas = _read_yaml(seed_dir / "areas.yaml")
    borough_shapes = _boundaries(seed_dir, "boroughs")
    bcu_shapes = _boundaries(seed_dir, "bcus")
    pdu_shapes = _boundaries(seed_dir, "pdus")
    if not borough_shapes:
        summary.warnings.append("seed/geo/boroughs.geojson is missing: boroughs have no boundaries")

    boroughs = {b.code: b for b in session.scalars(select(Borough))}
    for code, name in london_authorities():
        row = boroughs.get(code)
        force = "City of London Police" if code == CITY_OF_LONDON else "Metropolitan Police Service"
        if row is None:
            row = Borough(code=code, name=name, police_force=force)
            session.add(row)
            boroughs[code] = row
            summary.count("boroughs", True)
        elif row.boundary_geojson != borough_shapes.get(code) and borough_shapes.get(code):
            summary.count("boroughs", False)
        row.name, row.police_force = name, force
        if borough_shapes.get(code):
            row.boundary_geojson = borough_shapes[code]

    for model, key, shapes, attribute in (
        (BCU, "bcus", bcu_shapes, "bcu"),
        (PDU, "pdus", pdu_shapes, "pdu"),
    ):
        existing = {row.code: row for row in session.scalars(select(model))}
        for item in areas[key]["items"]:
            row = existing.get(item["code"])
            if row is None:
                row = model(code=item["code"], name=item["name"])
                session.add(row)
                summary.count(key, True)
            row.name = item["name"]
            if shapes.get(item["code"]):
                row.boundary_geojson = shapes[item["code"]]
            for code in item["boroughs"]:
                if code not in boroughs:
                    raise ValueError(f"areas.yaml: {item['code']} names unknown borough {code}")
                setattr(boroughs[code], attribute, row)
    session.flush()


@dataclass(frozen=True)
class SourceRegistry:
    """The sources citations point to by id: public web pages (with a copy of the words
    quoted, for checking offline) and published datasets (with a copy of the file)."""

    pages: dict[str, dict] = field(default_factory=dict)
    datasets: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, seed_dir: Path) -> SourceRegistry:
        def by_id(name: str) -> dict[str, dict]:
            path = seed_dir / "sources" / name
            return {item["id"]: item for item in (_read_yaml(path) or [])} if path.exists() else {}

        return cls(pages=by_id("pages.yaml"), datasets=by_id("datasets.yaml"))


def _day(value) -> date | None:
    when = parse_partial_date(value)
    return when.value if when else None


def seed_source(item: dict, registry: SourceRegistry) -> Source:
    """A citation in a seed file as a :class:`Source`; unknown page or dataset ids fail."""
    facts = tuple(item.get("facts") or ())
    quote = item.get("quote") or ""
    if "page" in item:
        page = registry.pages.get(item["page"])
        if page is None:
            raise ValueError(f"citation names unknown page '{item['page']}'")
        return Source(
            kind="web_page",
            quote=quote,
            facts=facts,
            url=page["url"],
            title=page["title"],
            publisher=page["publisher"],
            source_date=parse_partial_date(page.get("date")),
            read_on=_day(page.get("read_on")),
        )
    if "dataset" in item:
        dataset = registry.datasets.get(item["dataset"])
        if dataset is None:
            raise ValueError(f"citation names unknown dataset '{item['dataset']}'")
        return Source(
            kind="dataset_record",
            quote=quote,
            facts=facts,
            url=dataset.get("url"),
            title=dataset.get("title"),
            publisher=dataset["publisher"],
            file=dataset["file"],
            version=dataset["version"],
            record_id=str(item["record_id"]),
            licence=dataset["licence"],
            source_date=parse_partial_date(dataset.get("date")),
        )
    if "stated_by" in item:
        return Source(
            kind="app_statement",
            quote=quote,
            facts=facts,
            stated_by=item["stated_by"],
            source_date=parse_partial_date(item.get("date")),
        )
    return Source(
        kind="board_note",
        quote=quote,
        facts=facts,
        note=item["note"],
        meeting_date=_day(item.get("meeting")),
    )


def citation_row(source: Source) -> Citation:
    return Citation(
        kind=source.kind,
        note=source.note,
        meeting_date=source.meeting_date,
        quote=source.quote,
        facts=list(source.facts),
        url=source.url,
        title=source.title,
        publisher=source.publisher,
        source_date=source.source_date.value if source.source_date else None,
        source_date_precision=source.source_date.precision if source.source_date else None,
        read_on=source.read_on,
        file=source.file,
        version=source.version,
        record_id=source.record_id,
        licence=source.licence,
        stated_by=source.stated_by,
    )


def _citations(items: list[dict] | None, registry: SourceRegistry) -> list[Citation]:
    return [citation_row(seed_source(c, registry)) for c in items or []]


def status_provenance(record: dict, registry: SourceRegistry) -> tuple[date | None, str, str | None]:
    """The date (and its precision) and source of a seeded status: the latest dated citation
    that backs it (else an undated one)."""
    backing = latest_for([seed_source(c, registry) for c in record.get("citations") or []], "status")
    if backing is None:
        return None, "day", NO_STATUS_SOURCE
    return backing.dated, backing.dated_precision, backing.status_source


def _row_to_write(session: Session, existing: dict, model, kind: str, slug: str, refresh: bool):
    """The row a seed record should write to, and whether it is new; None to leave it alone."""
    row = existing.get(slug)
    if row is not None:
        return (row, False) if refresh else (None, False)
    row = model(slug=slug, uuid=stable_uuid(kind, slug))
    session.add(row)
    existing[slug] = row
    return row, True


def seed_organisations(
    session: Session,
    records: list[dict],
    summary: SeedSummary,
    refresh: bool,
    registry: SourceRegistry = SourceRegistry(),
) -> dict[str, Organisation]:
    existing = {o.slug: o for o in session.scalars(select(Organisation))}
    for record in records:
        row, added = _row_to_write(session, existing, Organisation, "organisation", record["slug"], refresh)
        if row is None:
            continue
        row.name = record["name"]
        row.description = record.get("description")
        row.website = record.get("website")
        row.email = record.get("email")
        row.phone = record.get("phone")
        row.moderation = "published"
        row.citations = _citations(record.get("citations"), registry)
        summary.count("organisations", added)
    session.flush()
    return existing


def _apply_service(
    row: Service,
    record: dict,
    organisations: dict[str, Organisation],
    boroughs: dict[str, Borough],
    categories: dict[str, Category],
    cohorts: dict[str, Cohort],
    registry: SourceRegistry,
) -> None:
    org_slug = record.get("organisation")
    if org_slug and org_slug not in organisations:
        raise ValueError(f"service {record['slug']}: unknown organisation '{org_slug}'")
    row.organisation = organisations.get(org_slug) if org_slug else None
    unknown_commissioners = [c for c in record.get("commissioners") or [] if c not in organisations]
    if unknown_commissioners:
        raise ValueError(f"service {record['slug']}: unknown commissioners {unknown_commissioners}")
    row.commissioners = [organisations[c] for c in record.get("commissioners") or []]
    row.name = record["name"]
    row.summary = record.get("summary")
    row.description = record.get("description")
    row.status = record.get("status") or "unknown"
    row.moderation = "published"
    row.status_as_of, row.status_as_of_precision, row.status_source = status_provenance(record, registry)
    for attr in ("starts_on", "ends_on", "funded_until"):
        when = parse_partial_date(record.get(attr))
        setattr(row, attr, when.value if when else None)
        setattr(row, f"{attr}_precision", when.precision if when else None)

    coverage = record.get("coverage") or {}
    row.pan_london = bool(coverage.get("pan_london"))
    row.unnamed_borough_count = coverage.get("unnamed_borough_count")
    row.coverage_note = coverage.get("note")
    unknown = [c for c in coverage.get("boroughs") or [] if c not in boroughs]
    if unknown:
        raise ValueError(f"service {record['slug']}: unknown borough codes {unknown}")
    row.boroughs = [boroughs[c] for c in coverage.get("boroughs") or []]
    row.categories = [categories[c] for c in record.get("categories") or []]
    row.cohorts = [cohorts[c] for c in record.get("cohorts") or []]

    eligibility = record.get("eligibility") or {}
    row.min_age = eligibility.get("min_age")
    row.max_age = eligibility.get("max_age")
    row.genders = list(eligibility.get("genders") or [])
    row.risk_levels = list(eligibility.get("risk_levels") or [])
    row.offences_accepted = list(eligibility.get("offences_accepted") or [])
    row.offences_excluded = list(eligibility.get("offences_excluded") or [])
    row.languages = list(eligibility.get("languages") or [])
    row.veterans_only = bool(eligibility.get("veterans_only"))
    row.neurodivergent_only = bool(eligibility.get("neurodivergent_only"))
    row.eligibility_notes = eligibility.get("notes")

    oocd = record.get("oocd") or {}
    row.oocd_disposals = list(oocd.get("disposals") or [])
    row.oocd_condition_kinds = list(oocd.get("condition_kinds") or [])
    row.oocd_hours = oocd.get("hours")
    row.oocd_completion_weeks = oocd.get("completion_weeks")
    row.oocd_notes = oocd.get("notes")

    referral = record.get("referral") or {}
    row.referral_routes = list(referral.get("routes") or [])
    row.how_to_refer = referral.get("how_to_refer")
    row.referral_where = referral.get("where")
    row.capacity = record.get("capacity")
    row.cost = record.get("cost")
    row.funder = record.get("funder")
    contact = record.get("contact") or {}
    row.website = contact.get("website")
    row.email = contact.get("email")
    row.phone = contact.get("phone")
    row.citations = _citations(record.get("citations"), registry)


def seed_services(
    session: Session,
    records: list[dict],
    organisations: dict[str, Organisation],
    geocoder: Geocoder | None,
    summary: SeedSummary,
    refresh: bool,
    registry: SourceRegistry = SourceRegistry(),
) -> None:
    boroughs = {b.code: b for b in session.scalars(select(Borough))}
    categories = {c.slug: c for c in session.scalars(select(Category))}
    cohorts = {c.slug: c for c in session.scalars(select(Cohort))}
    existing = {s.slug: s for s in session.scalars(select(Service))}
    for record in records:
        row, added = _row_to_write(session, existing, Service, "service", record["slug"], refresh)
        if row is None:
            continue
        _apply_service(row, record, organisations, boroughs, categories, cohorts, registry)
        row.sites = []
        for site in record.get("sites") or []:
            entry = Site(
                name=site["name"],
                address=site.get("address"),
                postcode=site.get("postcode"),
                uuid=stable_uuid("site", f"{record['slug']}:{site['name']}"),
            )
            if entry.postcode and geocoder is not None:
                try:
                    geocoder.locate(entry)
                except SiteLocationError as error:
                    summary.warnings.append(f"{record['slug']}: site {site['name']}: {error}")
            row.sites.append(entry)
        summary.count("services", added)
    session.flush()


def seed_absences(
    session: Session,
    records: list[dict] | None,
    summary: SeedSummary,
    refresh: bool,
    registry: SourceRegistry,
) -> None:
    """Gaps the sources establish ("no London course ... was found"), each with its sources."""
    existing = {a.slug: a for a in session.scalars(select(KnownAbsence))}
    for record in records or []:
        row = existing.get(record["slug"])
        added = row is None
        if row is not None and not refresh:
            continue
        if row is None:
            row = KnownAbsence(slug=record["slug"])
            session.add(row)
        row.statement = record["statement"]
        row.categories = list(record.get("categories") or [])
        row.disposal = record.get("disposal")
        row.offence = record.get("offence")
        row.next_step = record.get("next_step")
        row.as_of = _day(record.get("as_of"))
        row.citations = _citations(record.get("citations"), registry)
        summary.count("known absences", added)
    session.flush()


def seed_minimum_offer(session: Session, seed_dir: Path, summary: SeedSummary) -> None:
    """The default offer is loaded once; after that it belongs to commissioners."""
    path = seed_dir / "minimum_offer.yaml"
    if not path.exists() or session.scalar(select(MinimumOfferItem.id).limit(1)) is not None:
        return
    offer = _read_yaml(path)
    categories = {c.slug: c for c in session.scalars(select(Category))}
    cohorts = {c.slug: c for c in session.scalars(select(Cohort))}
    for item in offer["items"]:
        session.add(
            MinimumOfferItem(
                category=categories[item["category"]],
                cohort=cohorts[item["cohort"]] if item.get("cohort") else None,
                citations=[
                    {k: str(v) if isinstance(v, date) else v for k, v in c.items()} for c in item.get("citations") or []
                ],
                changed_by="seed",
            )
        )
        summary.count("minimum offer items", True)
    session.flush()


def record_dataset(session: Session, key: str, **fields) -> None:
    row = session.scalar(select(Dataset).where(Dataset.key == key))
    if row is None:
        row = Dataset(key=key, **fields)
        session.add(row)
    else:
        for name, value in fields.items():
            setattr(row, name, value)


def seed_all(
    session: Session,
    seed_dir: Path,
    geocoder: Geocoder | None,
    progress: Progress = lambda message: None,
    refresh: bool = False,
) -> SeedSummary:
    summary = SeedSummary()
    catalogue = seed_dir / "catalogue"
    organisation_records = _read_records(catalogue / "organisations.yaml")
    service_records = _read_records(catalogue / "services.yaml")
    progress("vocabularies")
    seed_vocabularies(session, summary)
    progress("boroughs, BCUs and PDUs")
    seed_areas(session, seed_dir, summary)
    registry = SourceRegistry.load(seed_dir)
    progress("organisations")
    organisations = seed_organisations(session, organisation_records, summary, refresh, registry)
    progress("services")
    seed_services(
        session,
        service_records,
        organisations,
        geocoder,
        summary,
        refresh,
        registry,
    )
    progress("known absences")
    seed_absences(
        session,
        _read_yaml(catalogue / "absences.yaml") if (catalogue / "absences.yaml").exists() else [],
        summary,
        refresh,
        registry,
    )
    progress("minimum service offer")
    seed_minimum_offer(session, seed_dir, summary)
    if summary.added or summary.updated:
        record_dataset(
            session,
            "catalogue",
            title="Seed catalogue",
            source=(
                "London Reducing Reoffending Board meeting notes, March 2021 to May 2023 (MOPAC); "
                "public web pages and HMPPS published data, each cited"
            ),
            licence=None,
            detail=(
                "Every seeded fact cites its source (a board note, a public web page with an "
                "exact quote, or a dataset record) and the date it was true; see each "
                "service's sources."
            ),
            loaded_at=utcnow(),
        )
    session.commit()
    return summary
