"""Indexes on the service id of sites and citations: a service page reads a service's own
sites and citations, which without them means reading every site (20,000 at scale).

Revision ID: 0009_service_child_indexes
Revises: 0008_spatial_and_search
"""

from alembic import op

revision = "0009_service_child_indexes"
down_revision = "0008_spatial_and_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_site_service_id", "site", ["service_id"])
    op.create_index("ix_citation_service_id", "citation", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_citation_service_id", table_name="citation")
    op.drop_index("ix_site_service_id", table_name="site")
