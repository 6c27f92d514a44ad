"""Imports: staged source records, import runs and the unresolved-values queue.

Revision ID: 0007_imports
Revises: 0006_referrals
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_imports"
down_revision = "0006_referrals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("origin", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_by", sa.String(length=254), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_run")),
    )
    op.create_index(op.f("ix_import_run_source"), "import_run", ["source"], unique=False)
    op.create_table(
        "staged_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("foreign_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("commit", sa.String(length=64), nullable=True),
        sa.Column("licence", sa.Text(), nullable=True),
        sa.Column("service_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("applied_hash", sa.String(length=64), nullable=True),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gone_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_staged_record_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["import_run.id"],
            name=op.f("fk_staged_record_run_id_import_run"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_staged_record_service_id_service"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staged_record")),
        sa.UniqueConstraint("source", "foreign_id", name="uq_staged_record_source"),
    )
    op.create_table(
        "unresolved_value",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("resolution", sa.JSON(), nullable=False),
        sa.Column("resolved_by", sa.String(length=254), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unresolved_value")),
        sa.UniqueConstraint("source", "field", "value", name="uq_unresolved_value"),
    )


def downgrade():
    op.drop_table("unresolved_value")
    op.drop_table("staged_record")
    op.drop_index(op.f("ix_import_run_source"), table_name="import_run")
    op.drop_table("import_run")
