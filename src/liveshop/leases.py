"""Leases: one holder at a time for a named piece of background work, across every host.

A lease lives in the database (both engines), so it needs nothing but what every process
already has. Taking it is one conditional UPDATE: it succeeds for the current holder (a
renewal) or for anyone once the lease has expired, so a holder that died mid-job is replaced
within one lease time, and two live holders can never both believe they hold it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, Database, sessionmaker_for, utcnow


class JobLease(Base):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120), default="")
    expires_at: Mapped[datetime]


async def hold(db: Database, *, name: str, holder: str, seconds: float) -> bool:
    """Take or renew `name` for `seconds`; False while someone else holds it."""
    now = utcnow()
    insert = pg_insert if db.write.dialect.name == "postgresql" else sqlite_insert
    async with sessionmaker_for(db.write)() as session:
        await session.execute(
            insert(JobLease)
            .values(name=name, holder="", expires_at=now)
            .on_conflict_do_nothing(index_elements=["name"])
        )
        result = await session.execute(
            update(JobLease)
            .where(
                JobLease.name == name,
                or_(JobLease.holder == holder, JobLease.expires_at <= now),
            )
            .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
        return bool(getattr(result, "rowcount", 0))


async def release(db: Database, *, name: str, holder: str) -> None:
    """Give the lease up at a clean stop, so a standby takes over at once."""
    async with sessionmaker_for(db.write)() as session:
        await session.execute(
            update(JobLease)
            .where(JobLease.name == name, JobLease.holder == holder)
            .values(expires_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        await session.commit()
