"""stream keys stored hashed

The plaintext `stream_key` column goes; a show keeps the key's SHA-256 and the salt its key
derives from (live/stream_keys.py). Existing keys keep working for publishing (their hash is
kept), but cannot be shown again: such a show gets a new key on its host's next `/ingest`.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 11:00:00
"""

import hashlib
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

shows = sa.table(
    "shows",
    sa.column("id", sa.Integer()),
    sa.column("stream_key", sa.String()),
    sa.column("stream_key_hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_key_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("stream_key_salt", sa.String(length=32), nullable=True))
    conn = op.get_bind()
    for show_id, key in conn.execute(sa.select(shows.c.id, shows.c.stream_key)).all():
        digest = hashlib.sha256(key.encode()).hexdigest()
        conn.execute(shows.update().where(shows.c.id == show_id).values(stream_key_hash=digest))
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_shows_stream_key"), type_="unique")
        batch_op.drop_column("stream_key")
        batch_op.create_unique_constraint(
            batch_op.f("uq_shows_stream_key_hash"), ["stream_key_hash"]
        )


def downgrade() -> None:
    # The old keys cannot be recovered: every show gets a fresh one.
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stream_key", sa.String(length=64), nullable=True))
    conn = op.get_bind()
    for (show_id,) in conn.execute(sa.select(shows.c.id)).all():
        key = "sk_" + secrets.token_urlsafe(32)
        conn.execute(shows.update().where(shows.c.id == show_id).values(stream_key=key))
    with op.batch_alter_table("shows", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_shows_stream_key_hash"), type_="unique")
        batch_op.drop_column("stream_key_salt")
        batch_op.drop_column("stream_key_hash")
        batch_op.alter_column("stream_key", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_shows_stream_key"), ["stream_key"])
