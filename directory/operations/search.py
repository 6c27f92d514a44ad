"""Searching services by their words: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Both read the index table ``service_search`` that migration ``0008_spatial_and_search``
makes and keeps current with triggers (a service's name, organisation, summary and
description). What someone types becomes plain word prefixes (:mod:`directory.core.search`),
so no input can be a query syntax error.
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, Subquery, select, text
from sqlalchemy.orm import Session

from ..core.search import fts5_query, search_terms, tsquery

# A lower rank is a better match. Name counts most, then organisation, summary, description.
_SQLITE = text(
    "SELECT rowid AS service_id, bm25(service_search, 8.0, 4.0, 2.0, 1.0) AS rank "
    "FROM service_search WHERE service_search MATCH :query"
)
_POSTGRESQL = text(
    "SELECT service_id, -ts_rank(document, query) AS rank "
    "FROM service_search, to_tsquery('english', :query) AS query WHERE document @@ query"
)
_NOTHING = text("SELECT 0 AS service_id, 0.0 AS rank WHERE 1 = 0")


def matching_services(session: Session, typed: str | None) -> Subquery:
    """Services whose words match ``typed``, as ``(service_id, rank)`` rows (lower ranks first).

    Nothing matches text with no searchable words (punctuation or stop words only).
    """
    terms = search_terms(typed)
    if not terms:
        statement = _NOTHING
    elif session.get_bind().dialect.name == "postgresql":
        statement = _POSTGRESQL.bindparams(query=tsquery(terms))
    else:
        statement = _SQLITE.bindparams(query=fts5_query(terms))
    return statement.columns(service_id=Integer, rank=Float).subquery("search_match")


def search_service_ids(session: Session, typed: str | None) -> list[int]:
    """Ids of the services matching ``typed``, best match first (ties by id), any moderation."""
    matches = matching_services(session, typed)
    return list(session.scalars(select(matches.c.service_id).order_by(matches.c.rank, matches.c.service_id)))
