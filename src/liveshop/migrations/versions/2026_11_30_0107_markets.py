"""markets: rollout (phase, switches, allow-list, invitations, scheduled changes, audit),
each market's default language and time zones

Revision ID: 0107_markets
Revises: 0012
Create Date: 2026-11-30 13:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveshop.db

revision: str = "0107_markets"
down_revision: str | None = "0105_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (not imported from seed.py) so that this migration means the same forever.
LANGUAGES = {
    "UK": "en-GB",
    "DE": "de",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "US": "en-US",
    "ID": "id",
}
TIMEZONES = {
    "UK": ["Europe/London"],
    "DE": ["Europe/Berlin"],
    "FR": ["Europe/Paris"],
    "IT": ["Europe/Rome"],
    "ES": ["Europe/Madrid", "Atlantic/Canary"],
    "US": [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ],
    "ID": ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"],
}


def upgrade() -> None:
    with op.batch_alter_table("markets") as batch:
        # Every existing market stays open with every feature on: today's behaviour.
        batch.add_column(
            sa.Column("phase", sa.String(length=10), server_default="open", nullable=False)
        )
        batch.add_column(sa.Column("switches_off", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("language", sa.String(length=10), server_default="en", nullable=False)
        )
        batch.add_column(sa.Column("timezones", sa.JSON(), nullable=True))
    markets = sa.table(
        "markets",
        sa.column("code", sa.String),
        sa.column("language", sa.String),
        sa.column("timezone", sa.String),
        sa.column("timezones", sa.JSON),
        sa.column("switches_off", sa.JSON),
    )
    conn = op.get_bind()
    for code, zone in conn.execute(sa.select(markets.c.code, markets.c.timezone)).all():
        conn.execute(
            markets.update()
            .where(markets.c.code == code)
            .values(
                language=LANGUAGES.get(code, "en"),
                timezones=TIMEZONES.get(code, [zone]),
                switches_off=[],
            )
        )
    with op.batch_alter_table("markets") as batch:
        batch.alter_column("switches_off", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("timezones", existing_type=sa.JSON(), nullable=False)

    op.create_table(
        "market_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_market_invitations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["market_code"],
            ["markets.code"],
            name=op.f("fk_market_invitations_market_code_markets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_invitations")),
        sa.UniqueConstraint("code", name=op.f("uq_market_invitations_code")),
    )
    op.create_index(
        op.f("ix_market_invitations_market_code"), "market_invitations", ["market_code"]
    )
    op.create_table(
        "market_allowed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["market_invitations.id"],
            name=op.f("fk_market_allowed_invitation_id_market_invitations"),
        ),
        sa.ForeignKeyConstraint(
            ["market_code"], ["markets.code"], name=op.f("fk_market_allowed_market_code_markets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_allowed")),
        sa.UniqueConstraint(
            "market_code",
            "kind",
            "subject_id",
            name=op.f("uq_market_allowed_market_code_kind_subject_id"),
        ),
    )
    op.create_table(
        "market_scheduled_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=10), nullable=False),
        sa.Column("due_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("applied_at", liveshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_market_scheduled_changes_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["market_code"],
            ["markets.code"],
            name=op.f("fk_market_scheduled_changes_market_code_markets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_scheduled_changes")),
    )
    op.create_index("ix_market_scheduled_due", "market_scheduled_changes", ["status", "due_at"])
    op.create_index(
        op.f("ix_market_scheduled_changes_market_code"), "market_scheduled_changes", ["market_code"]
    )
    op.create_table(
        "market_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_market_audit_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["market_code"], ["markets.code"], name=op.f("fk_market_audit_market_code_markets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_audit")),
    )
    op.create_index("ix_market_audit_market", "market_audit", ["market_code", "id"])


def downgrade() -> None:
    op.drop_index("ix_market_audit_market", table_name="market_audit")
    op.drop_table("market_audit")
    op.drop_index(
        op.f("ix_market_scheduled_changes_market_code"), table_name="market_scheduled_changes"
    )
    op.drop_index("ix_market_scheduled_due", table_name="market_scheduled_changes")
    op.drop_table("market_scheduled_changes")
    op.drop_table("market_allowed")
    op.drop_index(op.f("ix_market_invitations_market_code"), table_name="market_invitations")
    op.drop_table("market_invitations")
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("timezones")
        batch.drop_column("language")
        batch.drop_column("switches_off")
        batch.drop_column("phase")
