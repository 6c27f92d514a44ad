"""A commissioner's mapping spreadsheet (CSV or XLSX) in the template the app offers.

One row per service. Lists (boroughs, categories, cohorts, genders, referral routes) are
separated by semicolons; vocabulary values may be our labels or slugs. Boroughs may be
names ("Chelsea" is fine: it is one borough), ONS codes or "pan-London". Every bad row
gets its own messages; good rows import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from datetime import date, datetime

from ..core.imports import duplicate_ids, fold, resolve_places
from ..core.service_rules import check_service
from ..core.vocabulary import CATEGORIES, COHORTS, GENDERS, REFERRAL_ROUTES, STATUSES
from . import MAX_IMPORT_BYTES, TOO_LARGE, Batch, ImportProblem, Mapped, SourceRecord

COLUMNS = (
    ("id", "Your id for this row (required, unique in the sheet; keep it the same next time)"),
    ("name", "Service name (required)"),
    ("organisation", "Organisation that delivers it (required)"),
    ("summary", "One-line summary"),
    ("description", "Description"),
    ("status", "planned, pilot, commissioned, ended or unknown"),
    ("starts_on", "Start date, YYYY-MM-DD"),
    ("ends_on", "End date, YYYY-MM-DD (required if ended)"),
    ("boroughs", "Boroughs separated by ; (names or ONS codes), or pan-London"),
    ("categories", "Categories of need separated by ;"),
    ("cohorts", "Cohorts separated by ;"),
    ("min_age", "Minimum age"),
    ("max_age", "Maximum age"),
    ("genders", "Genders separated by ; (female, male, other); empty means anyone"),
    ("referral_routes", "Referral routes separated by ;"),
    ("how_to_refer", "How to refer"),
    ("website", "Website"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("site_name", "Delivery site name"),
    ("site_address", "Delivery site address"),
    ("site_postcode", "Delivery site postcode (London)"),
    ("source", "Where these facts come from (required): a document, a meeting, a contract"),
    ("source_date", "The date the source says this was true, YYYY-MM-DD (required)"),
)
REQUIRED = ("id", "name", "organisation", "source", "source_date")
HEADER = tuple(name for name, _ in COLUMNS)
EXAMPLE = {
    "id": "row-1",
    "name": "Example mentoring service",
    "organisation": "Example Charity",
    "summary": "Mentoring for young adults on probation",
    "status": "commissioned",
    "starts_on": "2025-04-01",
    "boroughs": "Lambeth; Southwark",
    "categories": "Young adults (18 to 25)",
    "cohorts": "On probation",
    "min_age": "18",
    "max_age": "25",
    "referral_routes": "Probation",
    "source": "Commissioning mapping exercise",
    "source_date": "2025-06-30",
}
SOURCE = "spreadsheet"


def template_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerow([EXAMPLE.get(name, "") for name in HEADER])
    return out.getvalue()


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Services"
    sheet.append(list(HEADER))
    sheet.append([EXAMPLE.get(name, "") for name in HEADER])
    notes = book.create_sheet("Columns")
    notes.append(["column", "what to put in it"])
    for name, description in COLUMNS:
        notes.append([name, description])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rows_from_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportProblem(
            f"The CSV file is not UTF-8 text (byte {error.start + 1} cannot be read). In Excel, "
            'save it as "CSV UTF-8 (Comma delimited)", or upload the .xlsx file instead.'
        ) from None
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise ImportProblem(f"The CSV file cannot be read: {error}.") from None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_from_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportProblem("The file is not an Excel workbook (.xlsx) that can be opened.") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read(data: bytes, filename: str, source: str = SOURCE) -> Batch:
    """A spreadsheet's rows as staged records; each bad row's messages in ``row_errors``."""
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem(TOO_LARGE)
    if not data.strip():
        raise ImportProblem("The file is empty.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        rows = _rows_from_xlsx(data)
    elif name.endswith(".csv"):
        rows = _rows_from_csv(data)
    else:
        raise ImportProblem(
            "Upload a .csv or .xlsx file made from the template, or an Open Referral feed saved as .json."
        )
    rows = [r for r in rows if any((c or "").strip() for c in r)]
    if not rows:
        raise ImportProblem("The file has no rows.")
    header = [fold(c).replace(" ", "_") for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportProblem(
            "The first row must be the template's column names; missing: "
            + ", ".join(missing)
            + ". Download the template and copy your rows into it."
        )
    batch = Batch(source=source, origin=filename, licence=None, file=filename)
    ids = []
    for number, cells in enumerate(rows[1:], 2):
        record = {
            h: (cells[i].strip() if i < len(cells) and cells[i] is not None else "")
            for i, h in enumerate(header)
            if h in HEADER
        }
        foreign_id = record.get("id") or f"row {number}"
        ids.append((number, record.get("id", "")))
        batch.records.append(SourceRecord("service", foreign_id, record, row=number))
    for number, message in duplicate_ids(ids).items():
        batch.row_errors.setdefault(number, []).append(message)
    for record in batch.records:
        if not record.payload.get("id"):
            batch.row_errors.setdefault(record.row, []).append("Give the row an id (column id).")
    return batch


def _terms(text: str, vocabulary: Mapping[str, str], column: str, errors: list[str]) -> list[str]:
    by_name = {fold(label): slug for slug, label in vocabulary.items()}
    by_name.update({fold(slug.replace("_", " ")): slug for slug in vocabulary})
    out = []
    for raw in filter(None, (p.strip() for p in re.split(r"[;\n]", text or ""))):
        slug = raw if raw in vocabulary else by_name.get(fold(raw).replace("_", " "))
        if slug is None:
            errors.append(f"{column}: '{raw}' is not one of ours. Use: {', '.join(vocabulary.values())}.")
        elif slug not in out:
            out.append(slug)
    return out


def _date(text: str, column: str, errors: list[str]) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        errors.append(f"{column}: '{text}' is not a date; write it as YYYY-MM-DD.")
        return None


def _age(text: str, column: str, errors: list[str]) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        errors.append(f"{column}: '{text}' is not a whole number of years.")
        return None
    return int(text)


def map_record(record: SourceRecord, boroughs: Mapping[str, str], aliases, today: date, **_) -> Mapped:
    r = record.payload
    errors: list[str] = []
    unresolved: list[tuple[str, str]] = []
    for column in REQUIRED:
        if not r.get(column):
            errors.append(f"{column}: required.")
    codes: list[str] = []
    pan_london = fold(r.get("boroughs", "")) in ("pan-london", "pan london", "all london", "london")
    if not pan_london:
        for part in filter(None, (p.strip() for p in (r.get("boroughs") or "").split(";"))):
            if part.upper() in boroughs:
                codes.append(part.upper())
                continue
            found = resolve_places(part, boroughs, aliases)
            if found.unresolved or not found.boroughs:
                unresolved.append(("place", fold(part)))
                errors.append(
                    f"boroughs: '{part}' is not one London borough; it has gone to the queue of values to resolve."
                )
            codes += [c for c in found.boroughs if c not in codes]
    categories = _terms(r.get("categories", ""), CATEGORIES, "categories", errors)
    cohorts = _terms(r.get("cohorts", ""), COHORTS, "cohorts", errors)
    genders = _terms(r.get("genders", ""), GENDERS, "genders", errors)
    routes = _terms(r.get("referral_routes", ""), REFERRAL_ROUTES, "referral_routes", errors)
    status = fold(r.get("status") or "unknown")
    if status not in STATUSES:
        by_label = {fold(label): slug for slug, label in STATUSES.items()}
        status = by_label.get(status) or status
        if status not in STATUSES:
            errors.append(f"status: '{r.get('status')}' is not one of: {', '.join(STATUSES)}.")
    starts, ends = _date(r.get("starts_on", ""), "starts_on", errors), _date(r.get("ends_on", ""), "ends_on", errors)
    source_date = _date(r.get("source_date", ""), "source_date", errors)
    if source_date and source_date > today:
        errors.append("source_date: is in the future.")
    min_age, max_age = _age(r.get("min_age", ""), "min_age", errors), _age(r.get("max_age", ""), "max_age", errors)
    has_site = bool(r.get("site_postcode"))
    if r.get("site_postcode") and not r.get("site_name"):
        errors.append("site_name: give the delivery site a name.")
    rules = check_service(
        {
            "min_age": min_age,
            "max_age": max_age,
            "starts_on": starts,
            "ends_on": ends,
            "status": status,
            "pan_london": pan_london,
            "boroughs": codes or [c for c, _ in unresolved],
            "has_sites": has_site,
            "categories": categories,
        }
    )
    errors += [f"{column}: {message}" for column, message in rules.items()]
    values = {
        "name": r.get("name", ""),
        "summary": r.get("summary") or None,
        "description": r.get("description") or None,
        "status": status,
        "starts_on": starts.isoformat() if starts else None,
        "ends_on": ends.isoformat() if ends else None,
        "pan_london": pan_london,
        "boroughs": [] if pan_london else sorted(codes),
        "categories": categories,
        "cohorts": cohorts,
        "min_age": min_age,
        "max_age": max_age,
        "genders": genders,
        "referral_routes": routes,
        "how_to_refer": r.get("how_to_refer") or None,
        "website": r.get("website") or None,
        "email": r.get("email") or None,
        "phone": r.get("phone") or None,
    }
    sites = []
    if has_site:
        sites.append(
            {"name": r.get("site_name"), "address": r.get("site_address") or None, "postcode": r.get("site_postcode")}
        )
    else:
        values["sites"] = []
    return Mapped(
        foreign_id=record.foreign_id,
        row=record.row,
        values=values,
        organisation={"name": r.get("organisation", "")},
        quote=f"{r.get('source')}: row {record.row} ('{r.get('id')}') of the commissioner's spreadsheet",
        unresolved=unresolved,
        errors=errors,
        sites=sites,
        strict_sites=True,
        as_of=source_date,
    )
