"""Alembic environment: async engines for both SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

import liveshop.models  # noqa: F401 - registers every table on Base.metadata
from liveshop.db import Base, create_oneoff_engine
from liveshop.discovery.models import ENGINE_OWNED
from liveshop.settings import get_settings

config = context.config
target_metadata = Base.metadata
# Hosts that start together all run `liveshop serve` (which migrates first): on PostgreSQL the
# first takes this transaction-level advisory lock and migrates, the others wait for its
# commit and then find nothing left to do.
MIGRATION_LOCK = 0x4C495645  # "LIVE"


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _include_name(name: str | None, type_: str, _parents: object) -> bool:
    # The monthly partitions of analytics_events (PostgreSQL) are made by the analytics job,
    # not by models: they are part of the one partitioned table the models describe.
    return not (type_ == "table" and (name or "").startswith("analytics_events_"))


def _include(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    """Leave alone what a migration made for a search engine (FTS5 tables, tsvector)."""
    return not (reflected and other is None and name and name.startswith(ENGINE_OWNED))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_name=_include_name,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()


async def _run_async() -> None:
    engine = create_oneoff_engine(_url())
    async with engine.connect() as conn:
        await conn.run_sync(_run)
        await conn.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
