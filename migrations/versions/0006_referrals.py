"""Referrals: coded facts only, their append-only history, and the email outbox.

Revision ID: 0006_referrals
Revises: 0005_catalogue_truth
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_referrals"
down_revision = "0005_catalogue_truth"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("referrer_id", sa.Integer(), nullable=True),
        sa.Column("referrer_role", sa.String(length=20), nullable=False),
        sa.Column("referrer_agency", sa.String(length=30), nullable=False),
        sa.Column("referrer_organisation_id", sa.Integer(), nullable=True),
        sa.Column("borough_code", sa.String(length=9), nullable=False),
        sa.Column("age_band", sa.String(length=10), nullable=False),
        sa.Column("needs", sa.JSON(), nullable=False),
        sa.Column("cohort", sa.String(length=30), nullable=True),
        sa.Column("disposal", sa.String(length=40), nullable=True),
        sa.Column("condition_kind", sa.String(length=30), nullable=True),
        sa.Column("condition_due", sa.Date(), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "state IN ('sent', 'acknowledged', 'accepted', 'declined', 'started', 'completed', 'disengaged', 'withdrawn', 'expired')",
            name=op.f("ck_referral_state"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["referrer_id"], ["user_account.id"], name=op.f("fk_referral_referrer_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["referrer_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_referrer_organisation_id_organisation"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["service_id"], ["service.id"], name=op.f("fk_referral_service_id_service")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_code")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_referrer_id"), ["referrer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_state"), ["state"], unique=False)

    op.create_table(
        "outgoing_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"], ["referral.id"], name=op.f("fk_outgoing_email_referral_id_referral"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_email")),
    )
    with op.batch_alter_table("outgoing_email", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_email_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_email_referral_id"), ["referral_id"], unique=False)

    op.create_table(
        "referral_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_party", sa.String(length=10), nullable=False),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user_account.id"], name=op.f("fk_referral_event_actor_id_user_account"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f("fk_referral_event_referral_id_referral")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_event")),
    )
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_event_referral_id"), ["referral_id"], unique=False)


def downgrade():
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_event_referral_id"))

    op.drop_table("referral_event")
    with op.batch_alter_table("outgoing_email", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_email_referral_id"))
        batch_op.drop_index(batch_op.f("ix_outgoing_email_next_attempt_at"))

    op.drop_table("outgoing_email")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_state"))
        batch_op.drop_index(batch_op.f("ix_referral_service_id"))
        batch_op.drop_index(batch_op.f("ix_referral_referrer_id"))
        batch_op.drop_index(batch_op.f("ix_referral_organisation_id"))

    op.drop_table("referral")
