"""HMPPS's London commissioned rehabilitative services (contracts JSON) and probation offices (CSV)."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

from ..core.imports import (
    OFFICE_TOWNS,
    categories_for,
    clean_text,
    office_matches,
    postcode_in,
    resolve_places,
)
from . import Batch, ImportProblem, Mapped, SourceRecord

CONTRACTS_SOURCE = "hmpps-contracts"
OFFICES_SOURCE = "hmpps-probation-offices"
LONDON_REGION = "J"
INTERVENTIONS_REPO = "ministryofjustice/hmpps-interventions-service"
INTERVENTIONS_COMMIT = "6cc17e91bb5e364c92ed41e2244f5dd9bcb252e2"
OFFICES_REPO = "ministryofjustice/hmpps-community-support-api"
OFFICES_COMMIT = "24caa63ed861c5555b65d930027029b1479a8b4a"
LICENCE = "MIT; Crown Copyright (Ministry of Justice)"
# The commit's date: HMPPS's service still ran on these contract files then (the London
# files were last changed on 8 August 2023, which each citation also says).
CONTRACTS_AS_OF = date(2026, 8, 21)
CONTRACTS_LAST_CHANGED = date(2023, 8, 8)
OFFICES_AS_OF = date(2026, 8, 21)  # the commit the offices file was copied from
FUNDER = "HM Prison and Probation Service (Ministry of Justice)"
HOW_TO_REFER = "Through the person's probation practitioner, in HMPPS's Refer and monitor an intervention service."


def _read_json(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportProblem(f"{path.name}: not readable JSON ({error}).") from error


def read_contracts(folder: Path) -> Batch:
    """The London region's contracts in ``folder/contracts``, with provider names and types."""
    contracts_dir = folder / "contracts"
    if not contracts_dir.is_dir():
        raise ImportProblem(f"{contracts_dir} is not a folder of contract files.")
    providers = {p["code"]: p["name"] for p in _read_json(folder / "providers.json")}
    types = {}
    with (folder / "contract-types.csv").open(encoding="utf-8", newline="") as handle:
        types = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    batch = Batch(
        source=CONTRACTS_SOURCE,
        origin=str(contracts_dir),
        licence=LICENCE,
        file=f"{INTERVENTIONS_REPO}/src/main/resources/contracts/",
        commit=INTERVENTIONS_COMMIT,
        as_of=CONTRACTS_AS_OF,
    )
    for path in sorted(contracts_dir.glob("*.json")):
        contract = _read_json(path)
        if (contract.get("region") or {}).get("nps_region_code") != LONDON_REGION:
            continue
        reference = contract.get("contract_reference")
        if not reference:
            raise ImportProblem(f"{path.name}: no contract_reference.")
        payload = dict(contract)
        payload["_file"] = path.name
        prime = (contract.get("providers") or {}).get("prime_provider_code")
        payload["_provider_names"] = {
            code: providers.get(code)
            for code in [prime, *((contract.get("providers") or {}).get("subcontractor_codes") or [])]
            if code
        }
        payload["_contract_type_name"] = types.get(contract.get("contract_type_id"))
        batch.records.append(SourceRecord("service", reference, payload))
    return batch


def read_offices(path: Path) -> list[dict]:
    """London's probation offices (region J), with their postcodes; one per address."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ImportProblem(f"{path.name}: not readable CSV ({error}).") from error
    offices: dict[str, dict] = {}
    for row in rows:
        if row.get("probation_region_id") != LONDON_REGION:
            continue
        postcode = postcode_in(row.get("address") or "")
        street = (row.get("address") or "").strip()
        if postcode and street.upper().endswith(postcode):
            street = street[: -len(postcode)].rstrip(" ,")
        office = {
            "id": row["probation_office_id"],
            "name": row["name"].split(": ", 1)[-1],
            "full_name": row["name"],
            "address": row["address"],
            "street": street,
            "postcode": postcode,
            "url": row.get("gov_uk_url") or None,
        }
        key = f"{postcode}|{office['name'].lower()}"
        offices[key] = office  # the later row of a repeated office (same place, same name)
    return sorted(offices.values(), key=lambda o: int(o["id"]))


def offices_batch(path: Path) -> Batch:
    batch = Batch(
        source=OFFICES_SOURCE,
        origin=str(path),
        licence=LICENCE,
        file=f"{OFFICES_REPO}/src/main/resources/reference-data/probation-offices-v0.csv",
        commit=OFFICES_COMMIT,
        as_of=OFFICES_AS_OF,
    )
    batch.records = [SourceRecord("location", o["id"], o) for o in read_offices(path)]
    return batch


def _day(value) -> date | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)[:10]).date()


def _provider_slug(code: str) -> str:
    return code.lower().replace("_", "-")


def map_record(
    record: SourceRecord,
    boroughs: Mapping[str, str],
    aliases: Mapping[str, list[str]],
    offices: list[dict],
    today: date,
) -> Mapped:
    """One contract as our service: who, for whom, where, and whether it is running today."""
    c = record.payload
    eligibility = c.get("eligibility") or {}
    scheduling = c.get("scheduling") or {}
    activities = c.get("activities") or []
    names = c.get("_provider_names") or {}
    prime = (c.get("providers") or {}).get("prime_provider_code")
    subcontractors = [names.get(code) or code for code in (c.get("providers") or {}).get("subcontractor_codes") or []]
    unresolved: list[tuple[str, str]] = []
    errors: list[str] = []

    categories, unmapped = categories_for(
        c.get("contract_type_id") or "", [a.get("need_area") or "" for a in activities]
    )
    unresolved += [("need_area", area) for area in unmapped]

    codes: list[str] = []
    prisons: list[str] = []
    sites: list[dict] = []
    for location in dict.fromkeys(a.get("delivery_location") or "" for a in activities):
        found = resolve_places(location, boroughs, aliases)
        codes += [code for code in found.boroughs if code not in codes]
        prisons += [p for p in found.prisons if p not in prisons]
        unresolved += [("place", value) for value in found.unresolved]
        if not any(place in OFFICE_TOWNS for place in found.places):
            continue  # boroughs, hubs or prisons: not a list of probation offices
        for place in found.places:
            for office in offices:
                if office_matches(place, office["name"], office["address"]) and office not in sites:
                    sites.append(office)

    starts, ends = _day(scheduling.get("hide_before")), _day(scheduling.get("hide_after"))
    ended = ends is not None and ends < today
    description = clean_text(c.get("short_description"))
    if subcontractors:
        description = f"{description or ''}\n\nSubcontractors: {', '.join(subcontractors)}.".strip()
    genders = [
        g
        for g, allowed in (("female", eligibility.get("allows_female")), ("male", eligibility.get("allows_male")))
        if allowed
    ]
    cohorts = ["probation"]
    text = (c.get("short_description") or "").lower()
    if "pre-release" in text and "not be delivered pre-release" not in text:
        cohorts.append("prison_leaver")
    type_name = c.get("_contract_type_name") or c.get("contract_type_id")
    notes = []
    if prisons:
        notes.append("Also delivered in custody at HMP " + ", ".join(p.title() for p in prisons) + ".")
    if not codes and not sites:
        notes.append("The contract's delivery locations name no borough we could resolve.")
    values = {
        "name": c.get("intervention_title") or record.foreign_id,
        "summary": f"{type_name} for people on probation in London: HMPPS contract {record.foreign_id}.",
        "description": description,
        "status": "ended" if ended else "commissioned",
        "starts_on": starts.isoformat() if starts else None,
        "ends_on": ends.isoformat() if ends else None,
        "pan_london": False,
        "coverage_note": " ".join(notes) or None,
        "boroughs": sorted(codes),
        "categories": list(categories),
        "cohorts": cohorts,
        "min_age": eligibility.get("minimum_age"),
        "max_age": eligibility.get("maximum_age"),
        "genders": genders,
        "referral_routes": ["probation"],
        "how_to_refer": HOW_TO_REFER,
        "funder": FUNDER,
        "oocd_disposals": [],
        "oocd_condition_kinds": [],
    }
    if not prime or not names.get(prime):
        errors.append(f"Prime provider '{prime}' is not in providers.json.")
    organisation = {
        "foreign_id": prime,
        "slug": _provider_slug(prime or record.foreign_id),
        "name": names.get(prime) or prime or "",
    }
    quote = (
        f"{c.get('intervention_title')} ({record.foreign_id}, {c.get('_file')}, last changed "
        f"{CONTRACTS_LAST_CHANGED:%-d %B %Y}, still in the service's contracts on {CONTRACTS_AS_OF:%-d %B %Y}): contract type "
        f"{c.get('contract_type_id')}; eligibility {json.dumps(eligibility, sort_keys=True)}; "
        f"scheduling {json.dumps(scheduling, sort_keys=True)}"
    )
    if sites:
        quote += (
            f"; delivery sites: probation offices {', '.join(o['id'] for o in sites)} of "
            f"probation-offices-v0.csv ({OFFICES_REPO} @{OFFICES_COMMIT[:7]})"
        )
    return Mapped(
        foreign_id=record.foreign_id,
        row=record.row,
        values=values,
        organisation=organisation,
        quote=quote,
        unresolved=list(dict.fromkeys(unresolved)),
        errors=errors,
        sites=[
            {
                "name": o["name"],
                "address": o.get("street") or o["address"],
                "postcode": o["postcode"],
                "record": f"{OFFICES_SOURCE}:{o['id']}",
            }
            for o in sites
        ],
    )
