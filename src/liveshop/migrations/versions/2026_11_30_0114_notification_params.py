"""notification params: inbox entries are msgids filled in the reader's language

`notifications.params` holds the values of a notification's `{name}` placeholders; its title
and body are the English msgids. Rows from before have no params and stay as written.

Revision ID: 0114_notification_params
Revises: 0113_search_speed
Create Date: 2026-11-30 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0114_notification_params"
down_revision: str | None = "0113_search_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("params")
