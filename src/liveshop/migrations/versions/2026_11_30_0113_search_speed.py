"""search speed: an index on the ranking order of the search documents

`search_docs (in_stock, sales, product_id)`, walked backwards, is the ranking order (in stock
first, then units sold, then newest). PostgreSQL walks it to find a page's best matches of a
common word without fetching every match; both engines use it to browse without a query.

Revision ID: 0113_search_speed
Revises: 0110_affiliates
Create Date: 2026-11-30 17:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0113_search_speed"
down_revision: str | None = "0110_affiliates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_search_docs_rank", "search_docs", ["in_stock", "sales", "product_id"])


def downgrade() -> None:
    op.drop_index("ix_search_docs_rank", table_name="search_docs")
