"""Who commissions a service, beside who delivers it.

Revision ID: 0003_commissioners
Revises: 0002_accounts
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_commissioners"
down_revision = "0002_accounts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "service_commissioner",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_service_commissioner_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"],
            ["service.id"],
            name=op.f("fk_service_commissioner_service_id_service"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("service_id", "organisation_id", name=op.f("pk_service_commissioner")),
    )


def downgrade():
    op.drop_table("service_commissioner")
