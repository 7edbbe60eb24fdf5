"""untracked variants are never sold out by stock (held may exceed stock when not tracked);
Shopify import runs record their progress (bytes read of the file's size)

Revision ID: 0112_gaps
Revises: 0102_webhooks
Create Date: 2026-11-30 16:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0112_gaps"
down_revision: str | None = "0102_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_variants_held_within_stock"
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("variants") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(
            "held_within_stock", "held >= 0 AND (held <= stock OR NOT track_stock)"
        )
    with op.batch_alter_table("shopify_imports") as batch:
        batch.add_column(sa.Column("bytes_read", BIG, server_default="0", nullable=False))
        batch.add_column(sa.Column("total_bytes", BIG, server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("shopify_imports") as batch:
        batch.drop_column("total_bytes")
        batch.drop_column("bytes_read")
    with op.batch_alter_table("variants") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint("held_within_stock", "held >= 0 AND held <= stock")
