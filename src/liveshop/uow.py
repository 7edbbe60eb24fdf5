"""The per-request unit of work: the one place that commits, and that sends events after it."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from liveshop import bus
from liveshop.broker import Broker
from liveshop.db import Database, write_sessionmaker

log = logging.getLogger(__name__)


class UnitOfWork:
    """Opens a session; rolls back unless `commit()` is called; runs after-commit hooks."""

    def __init__(self, *, db: Database, broker: Broker, write: bool = True) -> None:
        self._db = db
        self.broker = broker
        self.write = write
        self._maker: async_sessionmaker[AsyncSession] = (
            write_sessionmaker(db) if write else async_sessionmaker(db.read, expire_on_commit=False)
        )
        self._session: AsyncSession | None = None
        self._after_commit: list[Callable[[], Awaitable[None]]] = []
        self.committed = False

    @property
    def db(self) -> Database:
        return self._db

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._maker()
        # Lets services that only hold the session still queue after-commit events.
        self._session.info["uow"] = self
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        try:
            if not self.committed:
                await self._session.rollback()
        finally:
            await self._session.close()
            self._session = None

    def on_commit(self, hook: Callable[[], Awaitable[None]]) -> None:
        self._after_commit.append(hook)

    def send_event_on_commit(self, channel: str, event: BaseModel | dict[str, Any]) -> None:
        """Publish `event` on `channel` once, and only if, the transaction commits."""
        payload = event.model_dump_json() if isinstance(event, BaseModel) else _dumps(event)

        async def _send() -> None:
            await self.broker.publish(channel, payload)

        self._after_commit.append(_send)

    async def commit(self) -> None:
        # Messages collected during the work are handled inside this transaction (bus.py).
        after_bus = await bus.flush(self.session)
        await self.session.commit()
        self.committed = True
        hooks, self._after_commit = [*self._after_commit, *after_bus], []
        for hook in hooks:
            try:
                await hook()
            except Exception:  # The change is durable; a lost broadcast must not undo it.
                log.exception("after-commit hook failed")

    async def rollback(self) -> None:
        await self.session.rollback()
        bus.discard(self.session)
        self._after_commit.clear()


def _dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, default=str)


def of(session: AsyncSession) -> UnitOfWork:
    """The unit of work a session belongs to."""
    uow = session.info.get("uow")
    if not isinstance(uow, UnitOfWork):
        raise RuntimeError("session was not opened by a UnitOfWork")
    return uow
