"""Citations of every kind, known absences, status as of a date and source, funding and referral.

Revision ID: 0005_catalogue_truth
Revises: 0004_data_version
"""

import json

import sqlalchemy as sa
from alembic import op

BOARD = "Reported to the London Reducing Reoffending Board"
NO_STATUS_SOURCE = "no source found states its status"

revision = "0005_catalogue_truth"
down_revision = "0004_data_version"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "known_absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("disposal", sa.String(length=40), nullable=True),
        sa.Column("offence", sa.String(length=40), nullable=True),
        sa.Column("next_step", sa.Text(), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_absence")),
        sa.UniqueConstraint("slug", name=op.f("uq_known_absence_slug")),
    )
    with op.batch_alter_table("service") as batch:
        batch.add_column(sa.Column("funded_until", sa.Date(), nullable=True))
        batch.add_column(sa.Column("funded_until_precision", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("status_as_of", sa.Date(), nullable=True))
        batch.add_column(sa.Column("status_as_of_precision", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("status_source", sa.Text(), nullable=True))
        batch.add_column(sa.Column("referral_where", sa.Text(), nullable=True))
    with op.batch_alter_table("citation") as batch:
        batch.add_column(sa.Column("absence_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("kind", sa.String(length=20), server_default="board_note", nullable=False))
        batch.add_column(sa.Column("url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("title", sa.Text(), nullable=True))
        batch.add_column(sa.Column("publisher", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("source_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("source_date_precision", sa.String(length=5), nullable=True))
        batch.add_column(sa.Column("read_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("file", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("version", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("record_id", sa.String(length=120), nullable=True))
        batch.add_column(sa.Column("licence", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("stated_by", sa.String(length=200), nullable=True))
        batch.alter_column("note", existing_type=sa.String(length=120), nullable=True)
        batch.create_foreign_key(
            op.f("fk_citation_absence_id_known_absence"),
            "known_absence",
            ["absence_id"],
            ["id"],
            ondelete="CASCADE",
        )
    _date_existing_statuses()


def _date_existing_statuses():
    """Records seeded before this revision cite only board notes: their status is as of the
    latest note that states it (never of the day they were loaded)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT service_id, meeting_date, facts FROM citation WHERE service_id IS NOT NULL")
    ).all()
    latest, cited = {}, set()
    for service_id, meeting, facts in rows:
        cited.add(service_id)
        facts = json.loads(facts) if isinstance(facts, str) else (facts or [])
        if "status" in facts and meeting is not None:
            latest[service_id] = max(latest.get(service_id, meeting), meeting)
    for service_id in cited:
        if service_id in latest:
            bind.execute(
                sa.text(
                    "UPDATE service SET status_as_of = :as_of, status_as_of_precision = 'day', "
                    "status_source = :source WHERE id = :id"
                ),
                {"as_of": latest[service_id], "source": BOARD, "id": service_id},
            )
        else:
            bind.execute(
                sa.text("UPDATE service SET status_source = :source WHERE id = :id"),
                {"source": NO_STATUS_SOURCE, "id": service_id},
            )


def downgrade():
    with op.batch_alter_table("citation") as batch:
        batch.drop_constraint(op.f("fk_citation_absence_id_known_absence"), type_="foreignkey")
        batch.alter_column("note", existing_type=sa.String(length=120), nullable=False)
        for name in (
            "stated_by",
            "licence",
            "record_id",
            "version",
            "file",
            "read_on",
            "source_date_precision",
            "source_date",
            "publisher",
            "title",
            "url",
            "kind",
            "absence_id",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("service") as batch:
        for name in (
            "referral_where",
            "status_source",
            "status_as_of_precision",
            "status_as_of",
            "funded_until_precision",
            "funded_until",
        ):
            batch.drop_column(name)
    op.drop_table("known_absence")
