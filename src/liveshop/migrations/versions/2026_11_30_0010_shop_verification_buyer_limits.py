"""shop verification per market, per-buyer product limits

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "requires_verified_shops", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_per_buyer", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("max_per_buyer")
    with op.batch_alter_table("markets", schema=None) as batch_op:
        batch_op.drop_column("requires_verified_shops")
