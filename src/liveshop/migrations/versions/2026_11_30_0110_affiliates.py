"""affiliate collaborations, showcases, touches; attribution on order lines

The shop-wide creator allowance (`shop_creators`) becomes collaborations: each allowed
creator gets an accepted targeted collaboration at 10% on each of the shop's active products,
already in their showcase, with the default floor (no discount without the shop's approval).

Revision ID: 0110_affiliates
Revises: 0112_gaps
Create Date: 2026-11-30 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveshop.db

revision: str = "0110_affiliates"
down_revision: str | None = "0112_gaps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

When = liveshop.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "collaborations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("floor_bp", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("decided_at", When, nullable=True),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_collaborations_product", "collaborations", ["product_id", "status"])
    op.create_index("ix_collaborations_shop_id", "collaborations", ["shop_id"])
    op.create_index("ix_collaborations_creator_id", "collaborations", ["creator_id"])
    op.create_table(
        "collaboration_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("collaboration_id", sa.Integer(), nullable=False),
        sa.Column("rate_bp", sa.Integer(), nullable=False),
        sa.Column("previous_bp", sa.Integer(), nullable=True),
        sa.Column("changed_at", When, nullable=False),
        sa.Column("holders_from", When, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", When, nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["collaboration_id"], ["collaborations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_collaboration_rates_collaboration_id", "collaboration_rates", ["collaboration_id"]
    )
    op.create_table(
        "showcase_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("added_at", When, nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("creator_id", "product_id"),
    )
    op.create_table(
        "affiliate_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("at", When, nullable=False),
        sa.ForeignKeyConstraint(["buyer_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["show_id"], ["shows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_affiliate_touches_buyer_at", "affiliate_touches", ["buyer_id", "at"])
    with op.batch_alter_table("order_lines") as batch:
        batch.add_column(sa.Column("attr_kind", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("attr_touch_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attr_show_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attr_creator_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attr_rate_bp", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("attr_why", sa.String(length=300), nullable=True))
        batch.create_foreign_key(
            "fk_order_lines_attr_creator_id_users", "users", ["attr_creator_id"], ["id"]
        )
    with op.batch_alter_table("markets") as batch:
        batch.add_column(
            sa.Column("link_window_days", sa.Integer(), nullable=False, server_default="7")
        )
    # Every allowance becomes accepted targeted collaborations, already showcased.
    now = sa.func.current_timestamp()
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT sc.shop_id, sc.creator_id, p.id FROM shop_creators sc"
            " JOIN products p ON p.shop_id = sc.shop_id AND p.status = 'active'"
        )
    ).all()
    collabs = sa.table(
        "collaborations",
        sa.column("id", sa.Integer()),
        sa.column("shop_id", sa.Integer()),
        sa.column("product_id", sa.Integer()),
        sa.column("kind", sa.String()),
        sa.column("creator_id", sa.Integer()),
        sa.column("status", sa.String()),
        sa.column("rate_bp", sa.Integer()),
        sa.column("floor_bp", sa.Integer()),
        sa.column("created_at", When),
    )
    for shop_id, creator_id, product_id in rows:
        new_id = conn.execute(
            collabs.insert()
            .values(
                shop_id=shop_id, product_id=product_id, kind="targeted", creator_id=creator_id,
                status="accepted", rate_bp=1000, floor_bp=10_000, created_at=now,
            )
            .returning(collabs.c.id)
        ).scalar_one()  # fmt: skip
        conn.execute(
            sa.text(
                "INSERT INTO collaboration_rates (collaboration_id, rate_bp, changed_at,"
                " holders_from) VALUES (:c, 1000, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"c": new_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO showcase_items (creator_id, product_id, added_at)"
                " VALUES (:u, :p, CURRENT_TIMESTAMP)"
            ),
            {"u": creator_id, "p": product_id},
        )
    op.drop_table("shop_creators")


def downgrade() -> None:
    op.create_table(
        "shop_creators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["shop_id"], ["shops.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_id", "creator_id"),
    )
    op.create_index("ix_shop_creators_creator_id", "shop_creators", ["creator_id"])
    with op.batch_alter_table("markets") as batch:
        batch.drop_column("link_window_days")
    with op.batch_alter_table("order_lines") as batch:
        batch.drop_constraint("fk_order_lines_attr_creator_id_users", type_="foreignkey")
        for col in ("attr_why", "attr_rate_bp", "attr_creator_id", "attr_show_id",
                    "attr_touch_id", "attr_kind"):  # fmt: skip
            batch.drop_column(col)
    op.drop_table("affiliate_touches")
    op.drop_table("showcase_items")
    op.drop_index("ix_collaboration_rates_collaboration_id", "collaboration_rates")
    op.drop_table("collaboration_rates")
    op.drop_index("ix_collaborations_creator_id", "collaborations")
    op.drop_index("ix_collaborations_shop_id", "collaborations")
    op.drop_index("ix_collaborations_product", "collaborations")
    op.drop_table("collaborations")
