"""The message bus: how a lower domain tells higher ones that something happened.

Orders must not import selling, live, the ledger or the integrations, yet each of them has to
act when an order is paid or a hold is released. The lower domain publishes a message (a frozen
dataclass it defines); the app subscribes the higher domains' handlers at start-up
(`liveshop.wiring`). The shape is cosmicpython's `messagebus`, with two kinds of handler:

- *in the transaction* (`subscribe`): runs on the publisher's session before the commit, so
  its writes (a deal's sold units, a ledger entry, a webhook outbox row) commit or roll back
  with the change that caused them;
- *after the commit* (`after_commit`): runs only once the change is durable (announcements).

`publish` runs the in-transaction handlers at once. `collect` is for synchronous code (the
order audit trail): the message waits on the session and the unit of work publishes it just
before it commits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

M = TypeVar("M")
InTransaction = Callable[[AsyncSession, Any], Awaitable[None]]
AfterCommit = Callable[[Any], Awaitable[None]]

_in_tx: dict[type, dict[str, InTransaction]] = defaultdict(dict)
_after: dict[type, dict[str, AfterCommit]] = defaultdict(dict)
PENDING = "bus.pending"


def subscribe(
    message: type[M], name: str, handler: Callable[[AsyncSession, M], Awaitable[None]]
) -> None:
    """Run `handler` inside the publisher's transaction. `name` makes re-wiring idempotent."""
    _in_tx[message][name] = handler


def after_commit(message: type[M], name: str, handler: Callable[[M], Awaitable[None]]) -> None:
    """Run `handler` once the publisher's transaction has committed; failures are logged."""
    _after[message][name] = handler


def unsubscribe(name: str) -> None:
    for table in (_in_tx, _after):
        for handlers in table.values():
            handlers.pop(name, None)


async def publish(session: AsyncSession, message: object) -> None:
    """Hand `message` to its subscribers: in-transaction ones now, the others after commit."""
    for handler in list(_in_tx.get(type(message), {}).values()):
        await handler(session, message)
    later = list(_after.get(type(message), {}).values())
    if later:
        queue: list[Callable[[], Awaitable[None]]] = session.info.setdefault("bus.after", [])
        for after in later:
            queue.append(_bind(after, message))


def collect(session: AsyncSession, message: object) -> None:
    """Publish `message` when the unit of work commits (for code that cannot await)."""
    session.info.setdefault(PENDING, []).append(message)


async def flush(session: AsyncSession) -> list[Callable[[], Awaitable[None]]]:
    """Publish what was collected (handlers may collect more) and return the after-commit
    calls; the unit of work runs them once the commit has succeeded."""
    while pending := session.info.pop(PENDING, None):
        for message in pending:
            await publish(session, message)
    after: list[Callable[[], Awaitable[None]]] = session.info.pop("bus.after", [])
    return after


def discard(session: AsyncSession) -> None:
    """Forget what a rolled-back transaction published."""
    session.info.pop(PENDING, None)
    session.info.pop("bus.after", None)


def _bind(handler: AfterCommit, message: object) -> Callable[[], Awaitable[None]]:
    async def call() -> None:
        await handler(message)

    return call
