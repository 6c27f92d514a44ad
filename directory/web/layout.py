"""Template context every page needs: navigation, and where the data came from."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader
from sqlalchemy.exc import SQLAlchemyError

from ..core.citations import CITATION_KINDS
from ..core.ranking import TIER_LABELS
from ..core.status import read_status
from ..core.vocabulary import (
    CATEGORIES,
    COHORTS,
    DISPOSALS,
    OFFENCES,
    PERSON_COHORTS,
    RISK_LEVELS,
    STATUSES,
)
from ..extensions import db
from ..operations.catalogue import catalogue_last_updated, reach, status_evidence

ONS_CREDIT = (
    "Contains OS data © Crown copyright and database right. Contains Royal Mail data © Royal "
    "Mail copyright and database right. Source: Office for National Statistics, licensed "
    "under the Open Government Licence v3.0."
)


def format_date(value) -> str:
    if value is None:
        return "not known"
    if isinstance(value, datetime):
        return f"{value.day} {value.strftime('%B %Y')}"
    return f"{value.day} {value.strftime('%B %Y')}"


def partial_date(value, precision) -> str:
    if value is None:
        return "Not known"
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return value.strftime("%B %Y")
    return format_date(value)


def query_with(**changes) -> dict[str, list[str]]:
    """This request's query arguments with some replaced: for pagination links."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    return args


def status_on(evidence, today: date | None = None):
    """The one status rule read for a page, on today's date by the clock (or ``today``)."""
    return read_status(evidence, today or date.today()) if evidence is not None else None


def init_app(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    WTFormsHelpers(app)
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals.update(
        query_with=query_with,
        partial_date=partial_date,
        ONS_CREDIT=ONS_CREDIT,
        CATEGORIES=CATEGORIES,
        COHORTS=COHORTS,
        STATUSES=STATUSES,
        DISPOSALS=DISPOSALS,
        OFFENCES=OFFENCES,
        PERSON_COHORTS=PERSON_COHORTS,
        RISK_LEVELS=RISK_LEVELS,
        TIER_LABELS=TIER_LABELS,
        CITATION_KINDS=CITATION_KINDS,
        status_on=status_on,
        service_status=status_evidence,
        service_reach=reach,
    )

    @app.context_processor
    def provenance():
        def last_updated():
            try:
                return catalogue_last_updated(db.session)
            except SQLAlchemyError:
                db.session.rollback()
                return None

        return {"catalogue_last_updated": last_updated}
