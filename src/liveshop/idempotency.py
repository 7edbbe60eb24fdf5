"""Idempotency-Key handling shared by every retryable write.

The record is inserted *before* the work, in the same transaction. A concurrent request
with the same key blocks on the unique index (PostgreSQL) or queues behind the single
writer (SQLite); when the first commits, the second finds the stored response and replays
it, so the work happens exactly once.

The rule, the same on every path (the deal edge, the gate, the database):
- A key names one request: the same user reusing it with a different body or on a
  different endpoint gets 422 `idempotency_key_reused`, never the first result.
- The first result is what the operation did: an order placed, a charge made or declined by
  the card issuer, a bid recorded. Those are stored and replayed verbatim.
- A refusal that changed nothing (`sold_out`, `buyer_limit_reached`, `deal_not_open`,
  `out_of_stock`, a validation error, ...) is not a result: nothing is stored, so a retry
  with the same key asks again and may succeed, e.g. once a held unit comes back. This is
  what Stripe does for requests that fail before they start executing. The deal edge can
  answer `sold_out` without writing anything precisely because of this rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Header
from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow
from liveshop.errors import Problem
from liveshop.uow import UnitOfWork

Outcome = tuple[int, Any]


class IdempotencyRecord(Base):
    """The first response to a (user, Idempotency-Key); replays get it back verbatim."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def idempotency_key(
    key: str | None = Header(
        default=None,
        alias="Idempotency-Key",
        min_length=8,
        max_length=200,
        description="Unique per logical operation; a retry with the same key replays the result.",
    ),
) -> str | None:
    return key


def require_key(key: str | None) -> str:
    if not key:
        raise Problem(
            400, "idempotency_key_required", "This request needs an Idempotency-Key header."
        )
    return key


def _hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replay(record: IdempotencyRecord, scope: str, digest: str) -> Outcome:
    if record.scope != scope or record.request_hash != digest:
        raise Problem(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used for a different request.",
        )
    return record.status_code, record.response


async def run_once(
    uow: UnitOfWork,
    *,
    user_id: int,
    key: str | None,
    scope: str,
    body: Any,
    work: Callable[[], Awaitable[Outcome]],
    last: Callable[[], Awaitable[None]] | None = None,
    looked: bool = False,
) -> Outcome:
    """Run `work` once per (user, key) and commit; replays return the first outcome.
    Without a key (the route allows that) the work runs and commits like any other write.

    `last` runs after the outcome is written, right before the commit: the place for a
    statement that locks a hot row, so that the lock is held as briefly as possible.
    `looked`: the caller has just found no record (`finished`), so go straight to the
    insert; a record that appeared since still wins through the unique index.
    """
    if key is None:  # the client did not ask for a safe retry: just do the work once
        outcome = await work()
        if last is not None:
            await last()
        await uow.commit()
        return outcome
    session = uow.session
    digest = _hash(body)
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
    )
    if not looked:
        existing = (await session.execute(stmt)).scalar_one_or_none()
        if existing is not None:
            return _replay(existing, scope, digest)

    record = IdempotencyRecord(
        user_id=user_id, key=key, scope=scope, request_hash=digest, status_code=0, response=None
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError:
        await uow.rollback()
        winner = (await session.execute(stmt)).scalar_one()
        return _replay(winner, scope, digest)

    status, response = await work()
    record.status_code, record.response = status, response
    if last is not None:
        await session.flush()
        await last()
    await uow.commit()
    return status, response


async def finished(
    uow: UnitOfWork, *, user_id: int, key: str, scope: str, body: Any
) -> Outcome | None:
    """The stored outcome of a finished request with this key, if any (no write).

    Like `run_once`, a key first used for a different request is refused (422).
    """
    stmt = select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key
    )
    record = (await uow.session.execute(stmt)).scalar_one_or_none()
    return outcome(record, scope=scope, body=body)


def outcome(record: IdempotencyRecord | None, *, scope: str, body: Any) -> Outcome | None:
    """`finished` for a record the caller read itself (e.g. in a query it makes anyway)."""
    if record is None or record.status_code == 0:
        return None
    return _replay(record, scope, _hash(body))
