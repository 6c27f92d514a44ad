"""Open Referral UK / HSDS 3.0 feeds, from a file or a URL.

A URL is read page by page to the end, in either paging envelope: HSDS 3.0's
(``contents``, ``total_items``, ``total_pages``, ``page_number``, ``last_page``) or the
older one (``content``, ``totalElements``, ``totalPages``, ``number``, ``last``). A list
item without its nested records is fetched whole from ``/services/{id}``. Our own feed's
``x_directory`` extension, when present, carries the fields HSDS has no place for.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from ..core.imports import fold, resolve_places
from ..core.vocabulary import CATEGORIES, COHORTS, CONDITION_KINDS, DISPOSALS, STATUSES
from . import MAX_IMPORT_BYTES, TOO_LARGE, Batch, ImportProblem, Mapped, SourceRecord

TIMEOUT_SECONDS = 20
MAX_PAGES = 1000
PER_PAGE = 100
ONS_CODE = re.compile(r"^E0[6-9]\d{6}$")
LONDON_CODES = ("E12000007",)
OUR_TAXONOMIES = {
    "categories of need": ("categories", CATEGORIES),
    "criminal justice cohorts": ("cohorts", COHORTS),
    "out-of-court disposal condition kinds": ("oocd_condition_kinds", CONDITION_KINDS),
    "out-of-court disposals": ("oocd_disposals", DISPOSALS),
}
EXTENSION_FIELDS = (
    "genders",
    "risk_levels",
    "offences_accepted",
    "offences_excluded",
    "veterans_only",
    "neurodivergent_only",
    "eligibility_notes",
    "oocd_hours",
    "oocd_completion_weeks",
    "oocd_notes",
    "referral_routes",
    "capacity",
    "funder",
    "coverage_note",
    "summary",
    "description",
)


def _source_key(origin: str) -> str:
    if origin.startswith(("http://", "https://")):
        parts = urllib.parse.urlsplit(origin)
        return f"openreferral:{parts.netloc}{parts.path.rstrip('/')}"[:60]
    return f"openreferral:{Path(origin).name}"[:60]


def _parse(data: bytes, where: str):
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportProblem(TOO_LARGE)
    try:
        return json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportProblem(f"{where} is not UTF-8 text, so it is not an Open Referral feed.") from None
    except json.JSONDecodeError as error:
        raise ImportProblem(
            f"{where} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})."
        ) from None


def page_items(body, where: str) -> tuple[list, bool]:
    """A page's items, and whether it is the last page, in either envelope."""
    if isinstance(body, list):
        return body, True
    if not isinstance(body, dict):
        raise ImportProblem(f"{where} is not an Open Referral page or list of services.")
    if "contents" in body:
        items = body["contents"]
        last = body.get("last_page")
        if last is None:
            last = body.get("page_number", 1) >= body.get("total_pages", 1)
    elif "content" in body:
        items = body["content"]
        last = body.get("last")
        if last is None:
            last = body.get("number", 0) + 1 >= body.get("totalPages", 1)
    elif "id" in body and "name" in body:
        return [body], True
    else:
        raise ImportProblem(
            f"{where} has neither 'contents' (HSDS 3.0) nor 'content' (older feeds): it is not a page of services."
        )
    if not isinstance(items, list):
        raise ImportProblem(f"{where}: the page's items are not a list.")
    return items, bool(last) or not items


def _batch(origin: str, items: list) -> Batch:
    batch = Batch(source=_source_key(origin), origin=origin, licence=None, file=origin)
    seen: dict[str, int] = {}
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("id"):
            batch.records.append(
                SourceRecord("service", f"item {position}", item if isinstance(item, dict) else {}, position)
            )
            batch.row_errors.setdefault(position, []).append("The record has no id.")
            continue
        key = str(item["id"])
        batch.records.append(SourceRecord("service", key, item, position))
        if key in seen:
            batch.row_errors.setdefault(position, []).append(
                f"Id '{key}' is used again (first at record {seen[key]}); each service needs its own id."
            )
        else:
            seen[key] = position
    return batch


def read_file(path: Path) -> Batch:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportProblem(f"{path} cannot be read ({error.strerror}).") from None
    return read_bytes(data, str(path))


def read_bytes(data: bytes, origin: str) -> Batch:
    """A feed saved as a file: one page, a list of services, or one service."""
    name = Path(origin).name
    if not data.strip():
        raise ImportProblem(f"{name} is empty.")
    items, _ = page_items(_parse(data, name), name)
    return _batch(origin, items)


def _get(url: str, timeout: float):
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "london-directory-import"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (http(s) only, checked)
            data = answer.read(MAX_IMPORT_BYTES + 1)
    except urllib.error.HTTPError as error:
        raise ImportProblem(f"{url} answered {error.code} {error.reason}.") from None
    except (TimeoutError, socket.timeout):
        raise ImportProblem(f"{url} did not answer within {timeout:g} seconds.") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise ImportProblem(f"{url} did not answer within {timeout:g} seconds.") from None
        raise ImportProblem(f"{url} cannot be reached ({reason}).") from None
    return _parse(data, url)


def read_url(base: str, timeout: float = TIMEOUT_SECONDS, progress=lambda message: None) -> Batch:
    """Every service in the feed at ``base`` (its root, or its /services address)."""
    if not base.startswith(("http://", "https://")):
        raise ImportProblem("The feed's address must start with http:// or https://.")
    root = base.rstrip("/")
    if root.endswith("/services"):
        root = root[: -len("/services")]
    items: list = []
    for page in range(1, MAX_PAGES + 1):
        url = f"{root}/services?page={page}&per_page={PER_PAGE}"
        found, last = page_items(_get(url, timeout), url)
        items.extend(found)
        progress(f"page {page}: {len(items)} services")
        if last:
            break
    else:
        raise ImportProblem(f"{root} has more than {MAX_PAGES} pages; import it in parts.")
    full = []
    for item in items:
        if isinstance(item, dict) and item.get("id") and "attributes" not in item and "service_areas" not in item:
            item = _get(f"{root}/services/{urllib.parse.quote(str(item['id']), safe='')}", timeout)
        full.append(item)
    return _batch(root, full)


def _day(text) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")[:25]).date()
    except ValueError:
        try:
            return date.fromisoformat(str(text)[:10])
        except ValueError:
            return None


def _terms(item: dict, unresolved: list, warnings: list) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {field: [] for field, _ in OUR_TAXONOMIES.values()}
    for attribute in item.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        taxonomy = fold(term.get("taxonomy") or (term.get("taxonomy_detail") or {}).get("name") or "")
        code = term.get("code") or ""
        target = OUR_TAXONOMIES.get(taxonomy)
        if target and code in target[1]:
            if code not in out[target[0]]:
                out[target[0]].append(code)
            continue
        label = f"{term.get('taxonomy') or 'taxonomy'}: {term.get('name') or code or attribute.get('taxonomy_term_id')}"
        unresolved.append(("taxonomy_term", label[:300]))
        warnings.append(f"Taxonomy term '{label}' is not one of ours; it has gone to the queue.")
    return out


def map_record(record: SourceRecord, boroughs: Mapping[str, str], aliases, today: date, **_) -> Mapped:
    s = record.payload
    errors: list[str] = []
    unresolved: list[tuple[str, str]] = []
    warnings: list[str] = []
    ours = s.get("x_directory") if isinstance(s.get("x_directory"), dict) else {}
    if not s.get("name"):
        errors.append("The service has no name.")
    codes: list[str] = []
    pan_london = bool(ours.get("pan_london"))
    for area in s.get("service_areas") or []:
        extent = str(area.get("extent") or "").strip()
        if extent in LONDON_CODES:
            pan_london = True
        elif ONS_CODE.match(extent) and extent in boroughs:
            codes.append(extent)
        else:
            found = resolve_places(area.get("name") or extent, boroughs, aliases)
            codes += list(found.boroughs)
            unresolved += [("place", v) for v in found.unresolved]
    terms = _terms(s, unresolved, warnings)
    hsds_status = s.get("status")
    status = ours.get("status") if ours.get("status") in STATUSES else None
    if status is None:
        status = "ended" if hsds_status == "defunct" else "unknown"
    if hsds_status not in (None, "active", "inactive", "defunct", "temporarily closed"):
        errors.append(f"Status '{hsds_status}' is not one of HSDS's (active, inactive, defunct, temporarily closed).")
    organisation = s.get("organization") if isinstance(s.get("organization"), dict) else None
    phones = [p.get("number") for p in s.get("phones") or [] if isinstance(p, dict) and p.get("number")]
    funding = [f.get("source") for f in s.get("funding") or [] if isinstance(f, dict) and f.get("source")]
    values = {
        "name": (s.get("name") or "")[:200],
        "summary": ours.get("summary") if ours else None,
        "description": ours.get("description") if ours else s.get("description"),
        "status": status,
        "starts_on": ours.get("starts_on"),
        "ends_on": ours.get("ends_on"),
        "pan_london": pan_london,
        "boroughs": [] if pan_london else sorted(dict.fromkeys(codes)),
        "categories": terms["categories"],
        "cohorts": terms["cohorts"],
        "oocd_condition_kinds": terms["oocd_condition_kinds"],
        "oocd_disposals": terms["oocd_disposals"],
        "min_age": s.get("minimum_age"),
        "max_age": s.get("maximum_age"),
        "how_to_refer": s.get("application_process"),
        "cost": s.get("fees_description"),
        "website": s.get("url"),
        "email": s.get("email"),
        "phone": phones[0] if phones else None,
        "funder": funding[0] if funding else None,
        "languages": [
            lang.get("name") for lang in s.get("languages") or [] if isinstance(lang, dict) and lang.get("name")
        ],
    }
    for name in EXTENSION_FIELDS:
        if name in ours:
            values[name] = ours[name]
    if status == "ended" and not values["ends_on"]:
        values["coverage_note"] = (
            values.get("coverage_note") or "The source feed marks this service defunct; its end date is not known."
        )
    if not ours and hsds_status:
        values["eligibility_notes"] = s.get("eligibility_description")
    sites = []
    for link in s.get("service_at_locations") or []:
        location = link.get("location") or {}
        address = (location.get("addresses") or [{}])[0]
        if not address.get("postal_code"):
            continue
        line = ", ".join(filter(None, (address.get("address_1"), address.get("address_2"))))
        sites.append(
            {
                "name": location.get("name") or address.get("address_1") or "Site",
                "address": line or None,
                "postcode": address.get("postal_code"),
            }
        )
    if not sites:
        values["sites"] = []
    extra = {}
    if ours:
        extra = {
            k: ours.get(k) for k in ("unnamed_borough_count", "starts_on_precision", "ends_on_precision") if k in ours
        }
    as_of = _day(s.get("assured_date")) or _day(s.get("last_modified"))
    return Mapped(
        foreign_id=record.foreign_id,
        row=record.row,
        values=values,
        organisation={k: organisation.get(k) for k in ("name", "description", "email")}
        | {"website": organisation.get("website")}
        if organisation
        else None,
        organisation_uuid=organisation.get("id") if organisation else None,
        uuid=s.get("id"),
        quote=f"{s.get('name')}: Open Referral record {s.get('id')}"
        + (f", last modified {s.get('last_modified')}" if s.get("last_modified") else ""),
        unresolved=list(dict.fromkeys(unresolved)),
        errors=errors,
        sites=sites,
        as_of=as_of,
        warnings=warnings,
        extra=extra,
    )
