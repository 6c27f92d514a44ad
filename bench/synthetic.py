"""SYNTHETIC catalogue data for benchmarks only: never real services, never loaded by `make run`.

``populate(session, services=5000, sites=20000, seed=1)`` adds made-up organisations,
services and delivery sites to a database that already holds the real seed (boroughs,
categories, cohorts). Every row is clearly marked: names start "SYNTHETIC", slugs start
"synthetic-", and no row has a citation. Sites sit at real London postcode points taken from
the postcode directory's ``points()``, so they have a latitude, a longitude and a borough.

The spread is meant to look like a large real catalogue: 1 to 3 categories each (weighted
like the seed), a few cohorts, named boroughs or pan-London or "N boroughs, not named", age
and gender limits on a minority, out-of-court disposals on about a fifth, a mix of statuses,
and a few unpublished (pending) records the finder must ignore. Rows go in with bulk
``INSERT ... executemany``; 5,000 services and 20,000 sites take a few seconds.
"""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timezone

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from directory.core.vocabulary import (
    CATEGORIES,
    COHORTS,
    CONDITION_KINDS,
    DISPOSALS,
    OFFENCES,
    REFERRAL_ROUTES,
    RISK_LEVELS,
)
from directory.geo.postcode_directory import PostcodeDirectory
from directory.models import Borough, Category, Cohort, Organisation, Service, Site
from directory.models.catalogue import service_borough, service_category, service_cohort

PREFIX = "SYNTHETIC"
SLUG_PREFIX = "synthetic-"

# Rough weights from the real catalogue: perpetrator programmes and accommodation dominate.
CATEGORY_WEIGHTS = {
    "domestic_abuse_perpetrators": 10,
    "stalking": 3,
    "substance_misuse": 6,
    "mental_health": 7,
    "accommodation": 8,
    "employment_education_training": 6,
    "women": 5,
    "young_adults": 4,
    "veterans": 2,
    "neurodiversity": 3,
    "hate_crime": 1,
    "family_relationships": 3,
    "wellbeing": 5,
    "restorative_justice": 2,
    "resettlement": 4,
}
STATUS_WEIGHTS = {"commissioned": 45, "pilot": 15, "unknown": 20, "planned": 10, "ended": 10}
LANGUAGES = ["English", "Polish", "Somali", "Bengali", "Arabic", "Portuguese", "Romanian", "Turkish"]
WORDS = [
    "Pathways",
    "Bridge",
    "Horizon",
    "Compass",
    "Anchor",
    "Step",
    "Harbour",
    "Beacon",
    "Gateway",
    "Foundations",
    "Roots",
    "Link",
    "Open Door",
    "Second Chance",
    "Lighthouse",
]


def _london_points(directory: PostcodeDirectory, codes: list[str], n: int, rng: random.Random):
    """``n`` random (la_code, lat, lon, easting, northing) points at real London postcodes
    (reservoir sample)."""
    sample: list[tuple[str, float, float, float, float]] = []
    for i, (la_code, lat, lon, easting, northing) in enumerate(directory.points(codes)):
        if lat is None or lon is None:
            continue
        if len(sample) < n:
            sample.append((la_code, lat, lon, easting, northing))
        else:
            j = rng.randrange(i + 1)
            if j < n:
                sample[j] = (la_code, lat, lon, easting, northing)
    if not sample:
        raise RuntimeError("The postcode directory has no London points: build it first.")
    while len(sample) < n:  # only if the directory is tiny
        sample.append(rng.choice(sample))
    rng.shuffle(sample)
    return sample


def _weighted_sample(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    keys, w = list(weights), list(weights.values())
    chosen: list[str] = []
    while len(chosen) < k:
        pick = rng.choices(keys, w)[0]
        if pick not in chosen:
            chosen.append(pick)
    return chosen


def populate(
    session: Session,
    services: int = 5000,
    sites: int = 20000,
    seed: int = 1,
    directory: PostcodeDirectory | None = None,
) -> None:
    """Insert SYNTHETIC organisations, ``services`` services and ``sites`` sites, and commit.

    The database must already hold the real seed's vocabularies and boroughs. ``directory``
    defaults to the app's configured postcode lookup (needs an app context).
    """
    if directory is None:
        from directory.web.postcodes import postcode_directory

        directory = postcode_directory()
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    boroughs = {code: bid for bid, code in session.execute(select(Borough.id, Borough.code))}
    if len(boroughs) < 33:
        raise RuntimeError("Seed the real catalogue (boroughs, vocabularies) before populate().")
    borough_codes = sorted(boroughs)
    categories = {slug: cid for cid, slug in session.execute(select(Category.id, Category.slug))}
    cohorts = {slug: cid for cid, slug in session.execute(select(Cohort.id, Cohort.slug))}
    cat_weights = {k: v for k, v in CATEGORY_WEIGHTS.items() if k in categories}
    cohort_slugs = [c for c in COHORTS if c in cohorts]

    def ident(kind: str, n: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"synthetic:{seed}:{kind}:{n}"))

    next_org = (session.scalar(select(func.max(Organisation.id))) or 0) + 1
    next_service = (session.scalar(select(func.max(Service.id))) or 0) + 1
    next_site = (session.scalar(select(func.max(Site.id))) or 0) + 1

    n_orgs = max(1, services // 10)
    org_rows = [
        {
            "id": next_org + i,
            "slug": f"{SLUG_PREFIX}org-{seed}-{i}",
            "name": f"{PREFIX} Organisation {i} ({rng.choice(WORDS)} Trust)",
            "description": "SYNTHETIC benchmark organisation: not a real provider.",
            "moderation": "published",
            "uuid": ident("org", i),
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n_orgs)
    ]

    service_rows, sb_rows, sc_rows, sco_rows = [], [], [], []
    for i in range(services):
        sid = next_service + i
        cats = _weighted_sample(rng, cat_weights, rng.choices([1, 2, 3], [55, 30, 15])[0])
        roll = rng.random()
        pan_london, unnamed, named = False, None, []
        if roll < 0.15:
            pan_london = True
        elif roll < 0.75:
            named = rng.sample(borough_codes, rng.choices([1, 2, 3, 4, 6], [45, 25, 15, 10, 5])[0])
        elif roll < 0.85:
            unnamed = rng.randint(3, 12)
            named = rng.sample(borough_codes, rng.randint(0, 2))
        # else: coverage only through its sites (or not known at all)
        min_age = max_age = None
        age_roll = rng.random()
        if age_roll < 0.25:
            min_age = 18
        elif age_roll < 0.35:
            min_age, max_age = 18, 25
        elif age_roll < 0.40:
            min_age, max_age = 10, 17
        gender_roll = rng.random()
        genders = ["female"] if gender_roll < 0.10 else ["male"] if gender_roll < 0.18 else []
        disposals, kinds, hours, weeks = [], [], None, None
        if rng.random() < 0.20:
            disposals = rng.sample(list(DISPOSALS), rng.randint(1, 3))
            kinds = rng.sample(list(CONDITION_KINDS), rng.randint(1, 2))
            hours = rng.choice([None, 2, 4, 6, 8, 12, 20])
            weeks = rng.choice([None, 4, 8, 12, 16])
        starts = date(rng.randint(2015, 2024), rng.randint(1, 12), 1)
        status = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        service_rows.append(
            {
                "id": sid,
                "slug": f"{SLUG_PREFIX}{seed}-{i}",
                "name": f"{PREFIX} {rng.choice(WORDS)} {CATEGORIES[cats[0]]} service {i}",
                "organisation_id": next_org + rng.randrange(n_orgs),
                "summary": f"SYNTHETIC benchmark record {i}: {', '.join(CATEGORIES[c] for c in cats)}.",
                "description": "SYNTHETIC: generated for benchmarking, not a real service.",
                "status": status,
                "moderation": "pending" if rng.random() < 0.03 else "published",
                "starts_on": starts,
                "starts_on_precision": rng.choice(["day", "month", "year"]),
                "ends_on": date(starts.year + rng.randint(1, 4), 3, 31) if rng.random() < 0.4 else None,
                "ends_on_precision": "day",
                "pan_london": pan_london,
                "unnamed_borough_count": unnamed,
                "coverage_note": None,
                "min_age": min_age,
                "max_age": max_age,
                "genders": genders,
                "risk_levels": rng.sample(list(RISK_LEVELS), rng.randint(1, 3)) if rng.random() < 0.2 else [],
                "offences_accepted": rng.sample(list(OFFENCES), 2) if rng.random() < 0.1 else [],
                "offences_excluded": rng.sample(list(OFFENCES), 2) if rng.random() < 0.15 else [],
                "languages": rng.sample(LANGUAGES, rng.randint(1, 3)) if rng.random() < 0.1 else [],
                "veterans_only": "veterans" in cats and rng.random() < 0.5,
                "neurodivergent_only": "neurodiversity" in cats and rng.random() < 0.3,
                "eligibility_notes": None,
                "oocd_disposals": disposals,
                "oocd_condition_kinds": kinds,
                "oocd_hours": hours,
                "oocd_completion_weeks": weeks,
                "oocd_notes": None,
                "referral_routes": rng.sample(list(REFERRAL_ROUTES), rng.randint(1, 3)),
                "how_to_refer": "SYNTHETIC: no real referral route.",
                "capacity": None,
                "cost": None,
                "funder": None,
                "website": None,
                "email": None,
                "phone": None,
                "last_confirmed_at": None,
                "version": 1,
                "uuid": ident("service", i),
                "created_at": now,
                "updated_at": now,
            }
        )
        sb_rows += [{"service_id": sid, "borough_id": boroughs[c]} for c in named]
        sc_rows += [{"service_id": sid, "category_id": categories[c]} for c in cats]
        if rng.random() < 0.7:
            chosen = rng.sample(cohort_slugs, rng.randint(1, 2))
            sco_rows += [{"service_id": sid, "cohort_id": cohorts[c]} for c in chosen]

    points = _london_points(directory, borough_codes, sites, rng)
    # Three services in four have sites: most a few, a long tail many (Pareto weights).
    with_sites = rng.sample(range(services), max(1, (services * 3) // 4))
    weights = [rng.paretovariate(1.5) for _ in with_sites]
    owners = [next_service + i for i in rng.choices(with_sites, weights, k=sites)]
    site_rows = [
        {
            "id": next_site + k,
            "service_id": owners[k],
            "name": f"{PREFIX} site {k}",
            "address": f"{k} Synthetic Street",
            "postcode": None,
            "lat": lat,
            "lon": lon,
            "easting": easting,
            "northing": northing,
            "borough_id": boroughs.get(la_code),
            "opening_details": None,
            "uuid": ident("site", k),
            "created_at": now,
            "updated_at": now,
        }
        for k, (la_code, lat, lon, easting, northing) in enumerate(points)
    ]

    for model, rows in (
        (Organisation, org_rows),
        (Service, service_rows),
        (Site, site_rows),
    ):
        for start in range(0, len(rows), 2000):
            session.execute(insert(model.__table__), rows[start : start + 2000])
    for table, rows in ((service_borough, sb_rows), (service_category, sc_rows), (service_cohort, sco_rows)):
        if rows:
            session.execute(insert(table), rows)
    session.commit()


def remove(session: Session) -> None:
    """Delete every SYNTHETIC row (services cascade to their sites and links)."""
    from sqlalchemy import delete

    ids = select(Service.id).where(Service.slug.like(f"{SLUG_PREFIX}%"))
    for table in (service_borough, service_category, service_cohort):
        session.execute(delete(table).where(table.c.service_id.in_(ids)))
    session.execute(delete(Site).where(Site.service_id.in_(ids)))
    session.execute(delete(Service).where(Service.slug.like(f"{SLUG_PREFIX}%")))
    session.execute(delete(Organisation).where(Organisation.slug.like(f"{SLUG_PREFIX}%")))
    session.commit()
