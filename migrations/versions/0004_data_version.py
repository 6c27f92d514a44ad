"""A data version row, so caches learn of a change in one primary-key lookup.

Revision ID: 0004_data_version
Revises: 0003_commissioners
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0004_data_version"
down_revision = "0003_commissioners"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"id": 1, "number": 0, "changed_at": datetime.now(UTC)}])


def downgrade():
    op.drop_table("data_version")
