"""Engines, the declarative base and SQLite tuning.

SQLite allows one writer at a time. Rather than let concurrent writers fail with
"database is locked", writes go through a dedicated one-connection engine that starts
transactions with BEGIN IMMEDIATE, so they queue in the pool instead of racing.
Reads use a separate pool and, thanks to WAL, never wait for the writer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which drops tzinfo) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Money columns: 64-bit on PostgreSQL, where INTEGER is 32-bit and the API allows 10**12 (times
# a quantity). SQLite's INTEGER already holds 8 bytes, so it keeps that name there.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Database:
    """The engines of one process: `write` serializes on SQLite, equals `read` elsewhere."""

    url: str
    read: AsyncEngine
    write: AsyncEngine
    # Built once: a new session class per unit of work cost ~1 ms of SQLAlchemy event set-up
    # on every request (most of a 429's cost in a login flood).
    write_maker: async_sessionmaker[AsyncSession] | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    async def dispose(self) -> None:
        await self.read.dispose()
        if self.write is not self.read:
            await self.write.dispose()


def _tune_sqlite(engine: AsyncEngine, *, immediate: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: pysqlite's implicit transactions defer the write lock.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _ensure_sqlite_dir(url: str) -> None:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def create_database(url: str, *, pool_size: int = 10) -> Database:
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        write = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=120)
        # SQLite connections are cheap; readers queued behind the writer each hold one.
        read = create_async_engine(
            url, pool_size=pool_size * 2, max_overflow=pool_size * 2, pool_timeout=120
        )
        _tune_sqlite(write, immediate=True)
        _tune_sqlite(read, immediate=False)
        return Database(url=url, read=read, write=write)
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size * 2, pool_timeout=60
    )
    _ping_when_idle(engine)
    return Database(url=url, read=engine, write=engine)


# A pooled connection is pinged before reuse only when it sat idle for longer than this.
# SQLAlchemy's pool_pre_ping pings every checkout, which costs asyncpg three round trips
# (BEGIN, ping, ROLLBACK) on every request: more than a flash-sale winner's reads. A
# connection that answered within the last second is as good as any a ping would find; a
# database restart in that second fails the requests it catches either way.
IDLE_PING_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")  # None: a new connection, no ping needed
        if returned is None or time.monotonic() - returned < IDLE_PING_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # Like pool_pre_ping: drop the pool's older connections, retry with a new one.
            raise InvalidatePoolError() from exc


def create_oneoff_engine(url: str) -> AsyncEngine:
    """An engine for CLI jobs and tests that should not keep connections around."""
    engine = create_async_engine(url, poolclass=NullPool)
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        _tune_sqlite(engine, immediate=True)
    return engine


class RoutingSession(Session):
    """SQLite only: plain reads use the read pool until the first write, then the writer.

    The writer is one connection, so a request that never writes (most of a flash-sale
    stampede: "sold out") must not queue for it. A DML statement, a flush or a locking read
    (`with_for_update`, which SQLite ignores) moves the session onto the writer for the rest
    of the transaction, so read-check-write logic that locks stays serialized.
    """

    read_bind: Engine
    write_bind: Engine

    def get_bind(self, mapper: Any = None, *, clause: Any = None, **kw: Any) -> Engine:
        if self.info.get("wrote") or self._flushing or _is_write(clause):
            self.info["wrote"] = True
            return self.write_bind
        return self.read_bind


def _is_write(clause: Any) -> bool:
    if clause is None:
        return False
    if getattr(clause, "is_dml", False) or getattr(clause, "_for_update_arg", None) is not None:
        return True
    if isinstance(clause, TextClause):
        return not clause.text.lstrip().lower().startswith(("select", "pragma"))
    return False


@event.listens_for(RoutingSession, "after_transaction_end")
def _back_to_reads(session: Session, transaction: Any) -> None:
    # Only when the whole transaction ends: a savepoint ending inside it must not send
    # later reads to a connection that cannot see this transaction's own writes.
    if transaction.parent is None:
        session.info["wrote"] = False


def write_sessionmaker(db: Database) -> async_sessionmaker[AsyncSession]:
    """Sessions for a unit of work that may write."""
    if db.write_maker is not None:
        return db.write_maker
    if not db.is_sqlite:
        db.write_maker = async_sessionmaker(db.write, expire_on_commit=False)
        return db.write_maker
    routing = type(
        "BoundRoutingSession",
        (RoutingSession,),
        {"read_bind": db.read.sync_engine, "write_bind": db.write.sync_engine},
    )
    db.write_maker = async_sessionmaker(expire_on_commit=False, sync_session_class=routing)
    return db.write_maker


def sessionmaker_for(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)
