"""shopify import and webhooks; the catalog fields a Shopify product carries

Revision ID: 0101_shopify
Revises: 0012
Create Date: 2026-11-30 14:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveshop.db

revision: str = "0101_shopify"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # --- catalog: what a Shopify product carries (handle is the re-import key) ---
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("handle", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("vendor", sa.String(length=255), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("product_type", sa.String(length=255), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("image_alts", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("gift_card", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.create_unique_constraint(op.f("uq_products_shop_id_handle"), ["shop_id", "handle"])
    with op.batch_alter_table("variants") as batch:
        batch.add_column(
            sa.Column("barcode", sa.String(length=64), server_default="", nullable=False)
        )
        batch.add_column(
            sa.Column("track_stock", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(
            sa.Column("continue_selling", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("image_url", sa.String(length=500), nullable=True))
    op.execute("UPDATE products SET tags = '[]', image_alts = '[]'")
    with op.batch_alter_table("products") as batch:
        batch.alter_column("tags", existing_type=sa.JSON(), nullable=False)
        batch.alter_column("image_alts", existing_type=sa.JSON(), nullable=False)

    # --- integrations.shopify ---
    op.create_table(
        "shopify_links",
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("store_domain", sa.String(length=255), nullable=False),
        sa.Column("webhook_secret", sa.String(length=255), nullable=False),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shopify_links_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shop_id", name=op.f("pk_shopify_links")),
    )
    op.create_table(
        "shopify_refs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column(
            "external_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("local_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shopify_refs_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_refs")),
        sa.UniqueConstraint(
            "shop_id", "kind", "external_id", name=op.f("uq_shopify_refs_shop_id_kind_external_id")
        ),
    )
    op.create_table(
        "shopify_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("webhook_id", sa.String(length=100), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("received_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shopify_receipts_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_receipts")),
        sa.UniqueConstraint(
            "shop_id", "webhook_id", name=op.f("uq_shopify_receipts_shop_id_webhook_id")
        ),
    )
    op.create_index("ix_shopify_receipts_received", "shopify_receipts", ["received_at"])
    op.create_table(
        "shopify_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("dialect", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("products", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", liveshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_shopify_imports_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_shopify_imports_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shopify_imports")),
    )
    op.create_index("ix_shopify_imports_shop", "shopify_imports", ["shop_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_shopify_imports_shop", table_name="shopify_imports")
    op.drop_table("shopify_imports")
    op.drop_index("ix_shopify_receipts_received", table_name="shopify_receipts")
    op.drop_table("shopify_receipts")
    op.drop_table("shopify_refs")
    op.drop_table("shopify_links")
    with op.batch_alter_table("variants") as batch:
        for name in ("image_url", "continue_selling", "track_stock", "barcode"):
            batch.drop_column(name)
    with op.batch_alter_table("products") as batch:
        batch.drop_constraint(op.f("uq_products_shop_id_handle"), type_="unique")
        for name in ("gift_card", "image_alts", "tags", "product_type", "vendor", "handle"):
            batch.drop_column(name)
