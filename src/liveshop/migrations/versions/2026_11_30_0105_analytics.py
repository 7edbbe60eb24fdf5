"""analytics: raw events (month-partitioned on PostgreSQL) and rollups

Revision ID: 0105_analytics
Revises: 0012
Create Date: 2026-11-30 13:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import liveshop.db

revision: str = "0105_analytics"
down_revision: str | None = "0101_shopify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = liveshop.db.UTCDateTime(timezone=True)


def _counter(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, BIG, nullable=False)


def upgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    if pg:
        op.execute("CREATE SEQUENCE analytics_event_seq")
        op.execute(
            """
            CREATE TABLE analytics_events (
                id varchar(40) NOT NULL,
                at timestamptz NOT NULL,
                seq bigint NOT NULL DEFAULT nextval('analytics_event_seq'),
                kind varchar(20) NOT NULL,
                market varchar(2),
                show_id integer,
                shop_id integer,
                product_id integer,
                viewer varchar(64),
                value bigint NOT NULL,
                qty integer NOT NULL,
                currency varchar(3),
                CONSTRAINT pk_analytics_events PRIMARY KEY (id, at)
            ) PARTITION BY RANGE (at)
            """
        )
        op.execute("ALTER SEQUENCE analytics_event_seq OWNED BY analytics_events.seq")
        # Months without their own partition (the job adds them ahead of time) land here.
        op.execute("CREATE TABLE analytics_events_default PARTITION OF analytics_events DEFAULT")
        op.execute("CREATE INDEX ix_analytics_events_seq ON analytics_events (seq)")
        # This month and the next two, before any event arrives; the rollup job keeps adding
        # months ahead (a month whose rows already sit in the default partition cannot get
        # its own one without moving them).
        today = datetime.now(UTC)
        month = datetime(today.year, today.month, 1, tzinfo=UTC)
        for _ in range(3):
            upper = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=UTC)
            op.execute(
                f'CREATE TABLE "analytics_events_{month:%Y_%m}" PARTITION OF analytics_events'
                f" FOR VALUES FROM ('{month.isoformat()}') TO ('{upper.isoformat()}')"
            )
            month = upper
    else:
        op.create_table(
            "analytics_events",
            sa.Column("id", sa.String(length=40), nullable=False),
            sa.Column("at", TS, nullable=False),
            sa.Column("seq", BIG, nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("market", sa.String(length=2), nullable=True),
            sa.Column("show_id", sa.Integer(), nullable=True),
            sa.Column("shop_id", sa.Integer(), nullable=True),
            sa.Column("product_id", sa.Integer(), nullable=True),
            sa.Column("viewer", sa.String(length=64), nullable=True),
            sa.Column("value", BIG, nullable=False),
            sa.Column("qty", sa.Integer(), nullable=False),
            sa.Column("currency", sa.String(length=3), nullable=True),
            sa.PrimaryKeyConstraint("id", "at", name=op.f("pk_analytics_events")),
        )
        op.create_index("ix_analytics_events_seq", "analytics_events", ["seq"])
    op.create_table(
        "analytics_rollup_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("seq", BIG, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_analytics_rollup_state")),
    )
    op.create_table(
        "analytics_shows",
        sa.Column("show_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("show_id", name=op.f("pk_analytics_shows")),
    )
    op.create_index("ix_analytics_shows_creator", "analytics_shows", ["creator_id"])
    op.create_index("ix_analytics_shows_shop", "analytics_shows", ["shop_id"])
    op.create_table(
        "analytics_show_minutes",
        sa.Column("show_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("minute", TS, nullable=False),
        *[
            _counter(c)
            for c in (
                "views",
                "watch_seconds",
                "viewers_peak",
                "viewers_sum",
                "viewer_samples",
                "likes",
                "chats",
                "impressions",
                "clicks",
                "carts",
                "checkouts",
                "follows",
                "shares",
            )
        ],
        sa.PrimaryKeyConstraint("show_id", "minute", name=op.f("pk_analytics_show_minutes")),
    )
    op.create_table(
        "analytics_show_sales",
        sa.Column("show_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("minute", TS, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        *[_counter(c) for c in ("orders", "units", "gmv", "refunds", "refunded")],
        sa.PrimaryKeyConstraint(
            "show_id", "minute", "currency", name=op.f("pk_analytics_show_sales")
        ),
    )
    op.create_table(
        "analytics_show_viewers",
        sa.Column("show_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("viewer", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("show_id", "viewer", name=op.f("pk_analytics_show_viewers")),
    )
    op.create_table(
        "analytics_show_marks",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_show_marks")),
    )
    op.create_index("ix_analytics_show_marks_show", "analytics_show_marks", ["show_id", "at"])
    op.create_table(
        "analytics_market_hours",
        sa.Column("market", sa.String(length=2), nullable=False),
        sa.Column("hour", TS, nullable=False),
        *[
            _counter(c)
            for c in (
                "views",
                "watch_seconds",
                "impressions",
                "clicks",
                "carts",
                "checkouts",
                "orders",
                "gmv",
                "chats",
                "likes",
                "support_contacts",
                "moderation_actions",
            )
        ],
        sa.PrimaryKeyConstraint("market", "hour", name=op.f("pk_analytics_market_hours")),
    )


def downgrade() -> None:
    for table in (
        "analytics_market_hours",
        "analytics_show_marks",
        "analytics_show_viewers",
        "analytics_show_sales",
        "analytics_show_minutes",
        "analytics_shows",
        "analytics_rollup_state",
        "analytics_events",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS analytics_event_seq")
