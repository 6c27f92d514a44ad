"""Sites in British National Grid metres (PostGIS points with a GiST index on PostgreSQL), and
service text search kept by the database: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Revision ID: 0008_spatial_and_search
Revises: 0007_imports

Existing sites get their easting and northing from their latitude and longitude (pyproj).
On PostgreSQL, PostGIS is enabled (``CREATE EXTENSION`` needs a superuser unless it is there
already) and ``site.point`` is a stored ``geometry(Point, 27700)`` generated from them, with
a GiST index; neither is in the models. The search index is a table of the database's own (``service_search``), filled here from the
services already there and kept current by triggers on every insert, update and delete, so
nothing in the app has to remember it. The models do not describe it (see
``directory.database.include_in_migrations``).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_spatial_and_search"
down_revision = "0007_imports"
branch_labels = None
depends_on = None


# -- points ------------------------------------------------------------------------------

POSTGRESQL_POINTS = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    """ALTER TABLE site ADD COLUMN point geometry(Point, 27700)
        GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(easting, northing), 27700)) STORED""",
    "CREATE INDEX ix_site_point ON site USING gist (point)",
]

POSTGRESQL_POINTS_DROP = [
    "DROP INDEX IF EXISTS ix_site_point",
    "ALTER TABLE site DROP COLUMN IF EXISTS point",
]


def _add_grid_points() -> None:
    from pyproj import Transformer

    op.add_column("site", sa.Column("easting", sa.Float(), nullable=True))
    op.add_column("site", sa.Column("northing", sa.Float(), nullable=True))
    op.create_index("ix_site_grid", "site", ["easting", "northing"])
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, lat, lon FROM site WHERE lat IS NOT NULL AND lon IS NOT NULL")).all()
    if rows:
        to_grid = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
        eastings, northings = to_grid.transform([r.lon for r in rows], [r.lat for r in rows])
        connection.execute(
            sa.text("UPDATE site SET easting = :easting, northing = :northing WHERE id = :id"),
            [{"id": r.id, "easting": float(e), "northing": float(n)} for r, e, n in zip(rows, eastings, northings)],
        )


def _drop_grid_points() -> None:
    op.drop_index("ix_site_grid", table_name="site")
    op.drop_column("site", "northing")
    op.drop_column("site", "easting")


# -- text search -------------------------------------------------------------------------

SQLITE_SEARCH = [
    # Porter stemming like PostgreSQL's English configuration; accents kept, as PostgreSQL does.
    """CREATE VIRTUAL TABLE service_search USING fts5(
        name, organisation, summary, description,
        tokenize = 'porter unicode61 remove_diacritics 0'
    )""",
    """CREATE TRIGGER service_search_insert AFTER INSERT ON service BEGIN
        INSERT INTO service_search (rowid, name, organisation, summary, description)
        VALUES (new.id, new.name, (SELECT name FROM organisation WHERE id = new.organisation_id),
                new.summary, new.description);
    END""",
    """CREATE TRIGGER service_search_update
        AFTER UPDATE OF id, name, organisation_id, summary, description ON service BEGIN
        DELETE FROM service_search WHERE rowid = old.id;
        INSERT INTO service_search (rowid, name, organisation, summary, description)
        VALUES (new.id, new.name, (SELECT name FROM organisation WHERE id = new.organisation_id),
                new.summary, new.description);
    END""",
    """CREATE TRIGGER service_search_delete AFTER DELETE ON service BEGIN
        DELETE FROM service_search WHERE rowid = old.id;
    END""",
    """CREATE TRIGGER service_search_organisation AFTER UPDATE OF name ON organisation BEGIN
        UPDATE service_search SET organisation = new.name
        WHERE rowid IN (SELECT id FROM service WHERE organisation_id = new.id);
    END""",
    """INSERT INTO service_search (rowid, name, organisation, summary, description)
       SELECT s.id, s.name, o.name, s.summary, s.description
       FROM service s LEFT JOIN organisation o ON o.id = s.organisation_id""",
]

SQLITE_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS service_search_organisation",
    "DROP TRIGGER IF EXISTS service_search_delete",
    "DROP TRIGGER IF EXISTS service_search_update",
    "DROP TRIGGER IF EXISTS service_search_insert",
    "DROP TABLE IF EXISTS service_search",
]

_DOCUMENT = """
    setweight(to_tsvector('english', coalesce(s.name, '')), 'A')
    || setweight(to_tsvector('english', coalesce(o.name, '')), 'B')
    || setweight(to_tsvector('english', coalesce(s.summary, '')), 'C')
    || setweight(to_tsvector('english', coalesce(s.description, '')), 'D')
"""

POSTGRESQL_SEARCH = [
    """CREATE TABLE service_search (
        service_id integer PRIMARY KEY REFERENCES service (id) ON DELETE CASCADE,
        document tsvector NOT NULL
    )""",
    "CREATE INDEX ix_service_search_document ON service_search USING gin (document)",
    f"""CREATE FUNCTION service_search_refresh() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'service' THEN
            INSERT INTO service_search (service_id, document)
            SELECT s.id, {_DOCUMENT}
            FROM service s LEFT JOIN organisation o ON o.id = s.organisation_id
            WHERE s.id = NEW.id
            ON CONFLICT (service_id) DO UPDATE SET document = EXCLUDED.document;
        ELSE
            INSERT INTO service_search (service_id, document)
            SELECT s.id, {_DOCUMENT}
            FROM service s JOIN organisation o ON o.id = s.organisation_id
            WHERE s.organisation_id = NEW.id
            ON CONFLICT (service_id) DO UPDATE SET document = EXCLUDED.document;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER service_search_service
        AFTER INSERT OR UPDATE OF name, organisation_id, summary, description ON service
        FOR EACH ROW EXECUTE FUNCTION service_search_refresh()""",
    """CREATE TRIGGER service_search_organisation AFTER UPDATE OF name ON organisation
        FOR EACH ROW EXECUTE FUNCTION service_search_refresh()""",
    f"""INSERT INTO service_search (service_id, document)
        SELECT s.id, {_DOCUMENT}
        FROM service s LEFT JOIN organisation o ON o.id = s.organisation_id""",
]

POSTGRESQL_SEARCH_DROP = [
    "DROP TRIGGER IF EXISTS service_search_organisation ON organisation",
    "DROP TRIGGER IF EXISTS service_search_service ON service",
    "DROP FUNCTION IF EXISTS service_search_refresh()",
    "DROP TABLE IF EXISTS service_search",
]


def _run(statements) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _add_grid_points()
    if postgresql:
        _run(POSTGRESQL_POINTS)
    _run(POSTGRESQL_SEARCH if postgresql else SQLITE_SEARCH)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    _run(POSTGRESQL_SEARCH_DROP if postgresql else SQLITE_SEARCH_DROP)
    if postgresql:
        _run(POSTGRESQL_POINTS_DROP)  # PostGIS itself stays: it may serve more than this app
    _drop_grid_points()
