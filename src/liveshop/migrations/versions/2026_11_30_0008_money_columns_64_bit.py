"""money columns 64-bit

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30 10:38:46.436385

The API accepts amounts up to 10**12 minor units (times a quantity for line totals), but
PostgreSQL's INTEGER stops at 2**31 - 1, so such values failed with a 500. SQLite's INTEGER is
already 64-bit and keeps its name there (see liveshop.db.BigInt), so only PostgreSQL changes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, nullable)
MONEY_COLUMNS = [
    ("auctions", "start_price", False),
    ("auctions", "current_price", True),
    ("auctions", "leader_max", True),
    ("bids", "amount", False),
    ("bids", "max_amount", False),
    ("campaign_prices", "amount", False),
    ("coupons", "value", False),
    ("coupons", "min_spend", False),
    ("order_lines", "unit_price", False),
    ("order_lines", "net", False),
    ("order_lines", "tax", False),
    ("order_lines", "gross", False),
    ("orders", "subtotal_net", False),
    ("orders", "tax_total", False),
    ("orders", "shipping_total", False),
    ("orders", "total", False),
    ("orders", "refunded_total", False),
    ("orders", "discount_total", False),
    ("payments", "amount", False),
    ("payments", "refunded_amount", False),
    ("refunds", "amount", False),
    ("return_requests", "amount", False),
    ("sandbox_charges", "amount", False),
    ("sandbox_charges", "refunded", False),
    ("variant_prices", "amount", False),
    ("variant_prices", "compare_at", True),
]


def _retype(old: sa.types.TypeEngine[int], new: sa.types.TypeEngine[int]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, nullable in MONEY_COLUMNS:
        op.alter_column(table, column, existing_type=old, type_=new, existing_nullable=nullable)


def upgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    _retype(sa.BigInteger(), sa.Integer())
