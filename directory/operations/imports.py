"""The import pipeline: stage -> map -> preview -> apply, the same for every format.

- **stage**: a reader's :class:`~directory.imports.Batch` of source records, each keyed by
  (source, foreign id) and hashed;
- **map**: each record to our service fields through the reader's crosswalk; places and
  terms that cannot be resolved go to the unresolved-values queue, never guessed;
- **preview**: a dry run saying what would be added, changed, ended, sent for review or
  flagged as gone, and every row's errors; nothing is written;
- **apply**: all of it in one transaction. Each fact is cited to its source record; a
  change to a record someone has edited or confirmed in the app becomes a revision in
  the review queue; a record gone from the source is flagged, never deleted; the same
  input again changes nothing.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.imports import FieldChange, content_hash, diff_values, fold
from ..core.slugs import slugify, unique_slug
from ..imports import EXTRA_COLUMNS, Batch, ImportProblem, Mapped, hmpps, openreferral, spreadsheet
from ..models import (
    Citation,
    ImportRun,
    Organisation,
    Revision,
    Service,
    Site,
    StagedRecord,
    UnresolvedValue,
)
from ..models._base import utcnow
from . import audit
from .geocoding import Geocoder, SiteLocationError
from .moderation import borough_names
from .records import apply_service_values, service_values
from .seeding import record_dataset

Mapper = Callable[..., Mapped]
Progress = Callable[[str], None]

ADD, CHANGE, END, REVIEW, UNCHANGED, ERROR, GONE = (
    "add",
    "change",
    "end",
    "review",
    "unchanged",
    "error",
    "gone",
)
ACTION_LABELS = {
    ADD: "would be added",
    CHANGE: "would change",
    END: "would be marked ended",
    REVIEW: "would go to the review queue (edited or confirmed in the app)",
    UNCHANGED: "unchanged",
    ERROR: "has errors and would be skipped",
    GONE: "no longer in the source: would be flagged, not deleted",
}

DONE_LABELS = {
    ADD: "added",
    CHANGE: "changed",
    END: "marked ended",
    REVIEW: "sent to the review queue",
    UNCHANGED: "unchanged",
    ERROR: "skipped (errors)",
    GONE: "flagged as gone from the source",
}


@dataclass
class PreviewItem:
    foreign_id: str
    row: int | None
    name: str
    action: str
    changes: tuple[FieldChange, ...] = ()
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    mapped: Mapped | None = None
    service_id: int | None = None


@dataclass
class Preview:
    source: str
    origin: str
    items: list[PreviewItem]

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)

    def counts(self) -> dict[str, int]:
        return {action: self.count(action) for action in ACTION_LABELS if self.count(action)}

    @property
    def errors(self) -> list[PreviewItem]:
        return [item for item in self.items if item.errors]

    @property
    def unresolved(self) -> list[tuple[str, str]]:
        seen: dict[tuple[str, str], None] = {}
        for item in self.items:
            for pair in item.unresolved:
                seen[pair] = None
        return list(seen)

    def lines(self) -> list[str]:
        counts = self.counts()
        out = [f"{n} {ACTION_LABELS[a]}" for a, n in counts.items()] or ["nothing to import"]
        out += [f"row {i.row or i.foreign_id}: {e}" for i in self.items for e in i.errors]
        out += [f"unresolved {f}: '{v}' (sent to the queue)" for f, v in self.unresolved]
        return out


def place_aliases(session: Session) -> dict[str, list[str]]:
    """Place names a person has resolved before: name -> borough codes (maybe none)."""
    rows = session.scalars(
        select(UnresolvedValue).where(UnresolvedValue.field == "place", UnresolvedValue.state == "resolved")
    )
    return {row.value: list(row.resolution or []) for row in rows}


def _locate_sites(geocoder: Geocoder | None, session: Session, mapped: Mapped) -> list[str]:
    """Place each mapped site by its postcode; a site that cannot be placed is left out
    with a warning (it is still in the staged record)."""
    warnings, located = [], []
    for site in mapped.sites:
        probe = Site(name=site["name"], postcode=site.get("postcode"))
        if geocoder is None:
            warnings.append(f"site {site['name']}: no postcode lookup to place it")
            continue
        try:
            geocoder.locate(probe)
        except SiteLocationError as error:
            warnings.append(f"site {site['name']}: {error}")
            continue
        located.append(
            {
                "name": site["name"],
                "address": site.get("address"),
                "postcode": probe.postcode,
                "opening_details": site.get("opening_details"),
                "lat": probe.lat,
                "lon": probe.lon,
                "borough": probe.borough.code if probe.borough else None,
            }
        )
    mapped.values["sites"] = located
    return warnings


def _is_uuid(value) -> bool:
    try:
        return bool(value) and str(uuid.UUID(str(value))) == str(value).lower()
    except ValueError:
        return False


def _edited_in_app(service: Service, staged: StagedRecord) -> bool:
    return service.last_confirmed_at is not None or (
        staged.applied_version is not None and service.version != staged.applied_version
    )


def preview(
    session: Session,
    batch: Batch,
    mapper: Mapper,
    geocoder: Geocoder | None,
    today: date | None = None,
    progress: Progress = lambda message: None,
    **context,
) -> Preview:
    """What applying ``batch`` would do; writes nothing."""
    today = today or date.today()
    boroughs = borough_names(session)
    aliases = place_aliases(session)
    staged = {s.foreign_id: s for s in session.scalars(select(StagedRecord).where(StagedRecord.source == batch.source))}
    items: list[PreviewItem] = []
    seen: set[str] = set()
    for number, record in enumerate(batch.records, 1):
        if record.kind != "service":
            continue
        if number % 25 == 0:
            progress(f"mapped {number} of {len(batch.records)} records")
        seen.add(record.foreign_id)
        mapped = mapper(record, boroughs=boroughs, aliases=aliases, today=today, **context)
        mapped.errors = list(batch.row_errors.get(record.row, [])) + mapped.errors
        warnings = list(mapped.warnings)
        warnings += _locate_sites(geocoder, session, mapped) if mapped.sites else []
        if mapped.strict_sites:
            mapped.errors += warnings
            warnings = []
        item = PreviewItem(
            record.foreign_id,
            record.row,
            mapped.values.get("name") or "",
            ADD,
            errors=list(mapped.errors),
            warnings=warnings,
            unresolved=list(mapped.unresolved),
            mapped=mapped,
        )
        items.append(item)
        if item.errors:
            item.action = ERROR
            continue
        row = staged.get(record.foreign_id)
        service = row.service if row is not None else None
        if service is None:
            continue
        item.service_id = service.id
        live = service_values(service)
        item.changes = diff_values({k: live.get(k) for k in mapped.values}, mapped.values)
        if row.applied_hash == content_hash(mapped.values) or not item.changes:
            item.action = UNCHANGED
        elif _edited_in_app(service, row):
            item.action = REVIEW
        elif mapped.values.get("status") == "ended" and live.get("status") != "ended":
            item.action = END
        else:
            item.action = CHANGE
    if batch.complete:
        for foreign_id, row in staged.items():
            if foreign_id not in seen and row.kind == "service" and row.gone_since is None:
                items.append(
                    PreviewItem(
                        foreign_id,
                        None,
                        row.service.name if row.service else foreign_id,
                        GONE,
                        service_id=row.service_id,
                    )
                )
    items.sort(key=lambda i: (i.row is None, i.row or 0, i.foreign_id))
    return Preview(batch.source, batch.origin, items)


PUBLISHERS = {"hmpps-contracts": "HM Prison and Probation Service", "hmpps-offices": "HM Prison and Probation Service"}


def cite(
    service: Service | Organisation,
    staged: StagedRecord,
    batch: Batch,
    quote: str,
    facts: list[str],
    as_of: date | None = None,
) -> None:
    """The one place an imported fact is cited: a dataset-record citation of its source record
    (publisher, file, commit, record id, licence), dated when the source says it was true."""
    day = as_of or batch.as_of
    publisher = PUBLISHERS.get(batch.source) or (batch.source.split(":", 1)[1] if ":" in batch.source else batch.source)
    if isinstance(service, Service):
        # The status is as of the source's own date, never the day it was imported.
        service.status_as_of, service.status_as_of_precision = day, "day"
        service.status_source = f"{publisher}, published record {staged.foreign_id}"[:200]
    service.citations = [
        Citation(
            kind="dataset_record",
            note=f"{batch.source}: {staged.foreign_id}"[:120],
            meeting_date=day,
            source_date=day,
            source_date_precision="day" if day else None,
            quote=quote,
            facts=facts,
            publisher=publisher[:200],
            file=(staged.file or batch.origin or "")[:300] or None,
            version=(staged.commit or None),
            record_id=staged.foreign_id[:120],
            licence=(staged.licence or batch.licence or None),
        )
    ]


def _organisation(session: Session, mapped: Mapped, cache: dict[str, Organisation]) -> Organisation | None:
    spec = mapped.organisation
    if not spec or not spec.get("name"):
        return None
    key = fold(spec["name"])
    if key in cache:
        return cache[key]
    org = None
    if mapped.organisation_uuid:
        org = session.scalar(select(Organisation).where(Organisation.uuid == mapped.organisation_uuid))
    if org is None:
        for candidate in session.scalars(select(Organisation)):
            if fold(candidate.name) == key:
                org = candidate
                break
    if org is None:
        base = slugify(spec.get("slug") or spec["name"])
        taken = set(session.scalars(select(Organisation.slug).where(Organisation.slug.startswith(base))))
        org = Organisation(slug=unique_slug(base, taken), name=spec["name"], moderation="published")
        if _is_uuid(mapped.organisation_uuid) and not session.scalar(
            select(Organisation.id).where(Organisation.uuid == mapped.organisation_uuid)
        ):
            org.uuid = mapped.organisation_uuid
        for name in ("description", "website", "email", "phone"):
            setattr(org, name, spec.get(name))
        session.add(org)
        session.flush()
    cache[key] = org
    return org


def _queue_unresolved(session: Session, batch: Batch, preview_: Preview) -> int:
    added = 0
    for item in preview_.items:
        for field_name, value in item.unresolved:
            value = value[:300]
            row = session.scalar(
                select(UnresolvedValue).where(
                    UnresolvedValue.source == batch.source,
                    UnresolvedValue.field == field_name,
                    UnresolvedValue.value == value,
                )
            )
            if row is None:
                session.add(
                    UnresolvedValue(
                        source=batch.source,
                        field=field_name,
                        value=value,
                        context=f"{item.foreign_id}: {item.name}"[:1000],
                    )
                )
                session.flush()
                added += 1
    return added


@dataclass
class ApplySummary:
    run_id: int
    counts: dict[str, int]
    queued: int

    def lines(self) -> list[str]:
        out = [f"{n} {DONE_LABELS[a]}" for a, n in self.counts.items()]
        if self.queued:
            out.append(f"{self.queued} new values for the unresolved queue")
        return out or ["nothing to import"]


def apply(session: Session, batch: Batch, preview_: Preview, actor=None) -> ApplySummary:
    """Write the preview's additions and changes in one transaction; rows with errors are
    skipped. On any failure nothing is written."""
    now = utcnow()
    label = actor if isinstance(actor, str) else getattr(actor, "email", None) or "import"
    try:
        run = ImportRun(
            source=batch.source, origin=batch.origin[:2000], applied_at=now, applied_by=label, summary=preview_.counts()
        )
        session.add(run)
        session.flush()
        staged = {
            s.foreign_id: s for s in session.scalars(select(StagedRecord).where(StagedRecord.source == batch.source))
        }
        by_id = {r.foreign_id: r for r in batch.records}
        organisations: dict[str, Organisation] = {}
        for item in preview_.items:
            if item.action == ERROR:
                continue
            if item.action == GONE:
                staged[item.foreign_id].gone_since = now
                continue
            record, mapped = by_id[item.foreign_id], item.mapped
            row = staged.get(item.foreign_id)
            if row is None:
                row = StagedRecord(source=batch.source, foreign_id=item.foreign_id, kind=record.kind)
                session.add(row)
                staged[item.foreign_id] = row
            row.content_hash = content_hash(record.payload)
            row.payload, row.file, row.commit, row.licence = (
                record.payload,
                batch.file or batch.origin,
                batch.commit,
                batch.licence,
            )
            row.last_seen_at, row.gone_since, row.run_id = now, None, run.id
            values_hash = content_hash(mapped.values)
            if item.action == UNCHANGED:
                row.applied_hash = values_hash
                continue
            if item.action == REVIEW:
                service = row.service
                proposed = {**service_values(service), **mapped.values}
                revision = session.scalar(
                    select(Revision).where(Revision.service_id == service.id, Revision.state == "pending")
                )
                if revision is None:
                    revision = Revision(
                        subject_type="service", service_id=service.id, kind="edit", base_version=service.version
                    )
                    session.add(revision)
                revision.proposed, revision.proposed_at = proposed, now
                row.applied_hash = values_hash
                session.flush()
                audit.record(
                    session,
                    label,
                    "import.revision_proposed",
                    "service",
                    service.id,
                    {"source": batch.source, "record": item.foreign_id, "revision": revision.id},
                )
                continue
            org = _organisation(session, mapped, organisations)
            service = row.service if item.action != ADD else None
            if service is None:
                base = slugify(mapped.values["name"])
                taken = set(session.scalars(select(Service.slug).where(Service.slug.startswith(base))))
                service = Service(slug=unique_slug(base, taken), name=mapped.values["name"], moderation="published")
                if _is_uuid(mapped.uuid) and not session.scalar(select(Service.id).where(Service.uuid == mapped.uuid)):
                    service.uuid = mapped.uuid
                session.add(service)
            service.organisation = org
            apply_service_values(session, service, mapped.values)
            for name in EXTRA_COLUMNS:
                if name in mapped.extra:
                    setattr(service, name, mapped.extra[name])
            for name in ("pan_london", "veterans_only", "neurodivergent_only"):
                setattr(service, name, bool(getattr(service, name)))
            service.moderation = "published"
            cite(
                service,
                row,
                batch,
                mapped.quote,
                [k for k, v in mapped.values.items() if v not in (None, [], "")],
                mapped.as_of,
            )
            session.flush()
            row.service_id, row.organisation_id = service.id, org.id if org else None
            row.applied_hash, row.applied_version = values_hash, service.version
        queued = _queue_unresolved(session, batch, preview_)
        session.flush()
        audit.record(
            session,
            label,
            "import.applied",
            "import_run",
            run.id,
            {"source": batch.source, "origin": batch.origin[:500], "counts": preview_.counts()},
        )
        session.commit()
    except Exception:
        session.rollback()
        raise
    return ApplySummary(run.id, preview_.counts(), queued)


def stage_locations(session: Session, batch: Batch) -> int:
    """Keep a batch of location records (probation offices) staged for provenance; the
    services that use them carry them as sites. Returns how many changed."""
    changed = 0
    now = utcnow()
    staged = {s.foreign_id: s for s in session.scalars(select(StagedRecord).where(StagedRecord.source == batch.source))}
    for record in batch.records:
        row = staged.get(record.foreign_id)
        digest = content_hash(record.payload)
        if row is None:
            row = StagedRecord(source=batch.source, foreign_id=record.foreign_id, kind=record.kind)
            session.add(row)
        elif row.content_hash == digest and row.gone_since is None:
            continue
        row.content_hash, row.payload = digest, record.payload
        row.file, row.commit, row.licence = batch.file, batch.commit, batch.licence
        row.last_seen_at, row.gone_since = now, None
        changed += 1
    seen = {r.foreign_id for r in batch.records}
    for foreign_id, row in staged.items():
        if foreign_id not in seen and row.gone_since is None:
            row.gone_since = now
            changed += 1
    return changed


@dataclass(frozen=True)
class QueueEntry:
    id: int
    source: str
    field: str
    value: str
    context: str | None
    state: str
    resolution: tuple[str, ...]


def unresolved_queue(session: Session, state: str = "open") -> list[QueueEntry]:
    rows = session.scalars(
        select(UnresolvedValue)
        .where(UnresolvedValue.state == state)
        .order_by(UnresolvedValue.field, UnresolvedValue.value)
    )
    return [QueueEntry(r.id, r.source, r.field, r.value, r.context, r.state, tuple(r.resolution or ())) for r in rows]


class QueueError(ValueError):
    pass


def resolve_value(session: Session, actor, entry_id: int, borough_codes: list[str]) -> QueueEntry:
    """A person's decision on an unresolved place: these boroughs (or none: not a place we
    cover). The next import of its source uses it."""
    row = session.get(UnresolvedValue, entry_id)
    if row is None:
        raise QueueError("There is no such value in the queue.")
    known = borough_names(session)
    unknown = [c for c in borough_codes if c not in known]
    if unknown:
        raise QueueError(f"Unknown borough codes: {', '.join(unknown)}.")
    row.state, row.resolution = "resolved", list(dict.fromkeys(borough_codes))
    row.resolved_by = actor if isinstance(actor, str) else getattr(actor, "email", None)
    row.resolved_at = utcnow()
    audit.record(
        session,
        actor,
        "import.value_resolved",
        "unresolved_value",
        row.id,
        {"value": row.value, "boroughs": row.resolution},
    )
    session.commit()
    return QueueEntry(row.id, row.source, row.field, row.value, row.context, row.state, tuple(row.resolution))


def recent_runs(session: Session, limit: int = 20) -> list[ImportRun]:
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def gone_records(session: Session) -> list[StagedRecord]:
    return list(
        session.scalars(
            select(StagedRecord)
            .where(StagedRecord.gone_since.is_not(None), StagedRecord.kind == "service")
            .order_by(StagedRecord.source, StagedRecord.foreign_id)
        )
    )


def import_batch(
    session: Session,
    batch: Batch,
    mapper: Mapper,
    geocoder: Geocoder | None,
    actor=None,
    dry_run: bool = False,
    progress: Progress = lambda message: None,
    **context,
) -> tuple[Preview, ApplySummary | None]:
    previewed = preview(session, batch, mapper, geocoder, progress=progress, **context)
    if dry_run:
        return previewed, None
    return previewed, apply(session, batch, previewed, actor)


def context_offices(batch: Batch) -> list[dict]:
    return [r.payload for r in batch.records]


def import_hmpps(
    session: Session,
    folder,
    geocoder: Geocoder | None,
    actor="flask import hmpps",
    dry_run: bool = False,
    today: date | None = None,
    progress: Progress = lambda message: None,
) -> tuple[Preview, ApplySummary | None]:
    """HMPPS's London contracts as services, its London probation offices as their sites."""
    folder = Path(folder)
    progress("reading probation offices")
    offices = hmpps.offices_batch(folder / "probation-offices-v0.csv")
    progress("reading contracts")
    contracts = hmpps.read_contracts(folder)
    if not dry_run:
        stage_locations(session, offices)
    previewed, summary = import_batch(
        session,
        contracts,
        hmpps.map_record,
        geocoder,
        actor,
        dry_run=dry_run,
        progress=progress,
        offices=context_offices(offices),
        today=today or date.today(),
    )
    if summary is not None and set(summary.counts) - {UNCHANGED}:
        record_dataset(
            session,
            "hmpps",
            title="HMPPS commissioned rehabilitative services (London)",
            source=f"{hmpps.INTERVENTIONS_REPO} @{hmpps.INTERVENTIONS_COMMIT}; "
            f"{hmpps.OFFICES_REPO} @{hmpps.OFFICES_COMMIT}",
            licence=hmpps.LICENCE,
            detail="seed/hmpps/PROVENANCE.md",
            loaded_at=utcnow(),
        )
        session.commit()
    return previewed, summary


# --------------------------------------------------------------------------------------
# Spreadsheet uploads: previewed from a kept copy, applied from the same copy
# --------------------------------------------------------------------------------------


class UploadStore:
    """Uploaded files kept between preview and apply, named by a random token."""

    SUFFIXES = (".csv", ".xlsx", ".json")

    def __init__(self, instance_path: str):
        self.folder = Path(instance_path) / "imports"

    def keep(self, data: bytes, filename: str) -> str:
        suffix = next((s for s in self.SUFFIXES if filename.lower().endswith(s)), "")
        self.folder.mkdir(parents=True, exist_ok=True)
        token = secrets.token_hex(16)
        (self.folder / f"{token}{suffix}").write_bytes(data)
        (self.folder / f"{token}.name").write_text(filename[:200], encoding="utf-8")
        return token

    def load(self, token: str) -> tuple[bytes, str]:
        if not re.fullmatch(r"[0-9a-f]{32}", token or ""):
            raise ImportProblem("That upload could not be found: upload the file again.")
        for suffix in self.SUFFIXES:
            path = self.folder / f"{token}{suffix}"
            if path.exists():
                name = (self.folder / f"{token}.name").read_text(encoding="utf-8")
                return path.read_bytes(), name
        raise ImportProblem("That upload could not be found: upload the file again.")

    def forget(self, token: str) -> None:
        for path in self.folder.glob(f"{token}.*"):
            path.unlink(missing_ok=True)


def spreadsheet_source(filename: str, name: str | None) -> str:
    label = name or PurePath(filename).stem or "spreadsheet"
    return f"spreadsheet:{slugify(label, 40)}"


@dataclass
class UploadPreview:
    token: str
    source: str | None
    preview: Preview


def _read_upload(data: bytes, filename: str, name: str | None):
    """The batch and mapper for an uploaded file: a spreadsheet, or an Open Referral feed (.json)."""
    if filename.lower().endswith(".json"):
        batch = openreferral.read_bytes(data, filename)
        if name:
            batch.source = f"openreferral:{slugify(name, 40)}"
        return batch, openreferral.map_record
    return spreadsheet.read(data, filename, spreadsheet_source(filename, name)), spreadsheet.map_record


def preview_upload(
    session: Session,
    store: UploadStore,
    data: bytes,
    filename: str,
    name: str | None,
    geocoder: Geocoder | None,
) -> UploadPreview:
    batch, mapper = _read_upload(data, filename, name)
    previewed = preview(session, batch, mapper, geocoder)
    return UploadPreview(store.keep(data, filename), name, previewed)


def apply_upload(
    session: Session,
    store: UploadStore,
    token: str,
    name: str | None,
    geocoder: Geocoder | None,
    actor,
) -> ApplySummary:
    data, filename = store.load(token)
    batch, mapper = _read_upload(data, filename, name)
    summary = apply(session, batch, preview(session, batch, mapper, geocoder), actor)
    store.forget(token)
    return summary
