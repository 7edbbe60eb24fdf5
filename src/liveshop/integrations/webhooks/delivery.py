"""The delivery job: claim due rows under a lease, POST them signed, record what came back.

A row is claimed by one conditional UPDATE (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has
one writer), which stamps a lease token and a lease expiry. Only the holder of that token may
record the attempt's outcome, so two workers never both deliver a row, and a worker that dies
mid-attempt (SIGKILL) leaves a row that another worker takes again once the lease runs out:
nothing is lost. The receiver de-duplicates by `webhook-id`, which stays the same on every
attempt of a delivery.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts import service as accounts
from liveshop.accounts.models import User
from liveshop.broker import Broker
from liveshop.catalog.models import ShopMember
from liveshop.db import Database, sessionmaker_for, utcnow
from liveshop.i18n import N_
from liveshop.integrations.webhooks import signing
from liveshop.integrations.webhooks.models import (
    DeliveryStatus,
    OwnerKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from liveshop.mail import Mail, Mailer
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)
RESPONSE_KEEP = 500  # characters of the receiver's answer kept in the log
RESPONSE_READ = 4096  # bytes read at most: a receiver cannot make us download much


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    token: str


def backoff(settings: Settings, attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: exponential, ±20 % jitter."""
    base = settings.webhook_backoff_base_seconds * 2 ** (attempts - 1)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


async def claim(db: Database, settings: Settings, *, limit: int) -> list[Claimed]:
    """Lease up to `limit` due deliveries to this caller."""
    now = utcnow()
    token = uuid.uuid4().hex
    free = or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until <= now)
    async with sessionmaker_for(db.write)() as session:
        due = (
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending.value,
                WebhookDelivery.next_attempt_at <= now,
                free,
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if db.write.dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True, of=WebhookDelivery)
        ids = list((await session.execute(due)).scalars().all())
        if not ids:
            await session.commit()
            return []
        # Conditional again: whoever lost a race for a row updates nothing for it.
        stmt = (
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(ids),
                WebhookDelivery.status == DeliveryStatus.pending.value,
                free,
            )
            .values(
                lease_token=token,
                leased_until=now + timedelta(seconds=settings.webhook_lease_seconds),
            )
            .returning(WebhookDelivery.id)
            .execution_options(synchronize_session=False)
        )
        got = list((await session.execute(stmt)).scalars().all())
        await session.commit()
    return [Claimed(i, token) for i in sorted(got)]


@dataclass
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str | None
    response: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(
    client: httpx.AsyncClient, settings: Settings, endpoint: WebhookEndpoint, msg_id: str, body: str
) -> Outcome:
    """One signed POST within the timeout (connecting and reading the answer included)."""
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_until and endpoint.previous_until > utcnow():
        keys.append(endpoint.previous_secret)
    headers = signing.headers(keys, msg_id, int(time.time()), body)
    headers["user-agent"] = "Liveshop-Webhooks/1"
    started = time.monotonic()
    code: int | None = None
    error: str | None = None
    answer = b""
    try:
        async with asyncio.timeout(settings.webhook_timeout_seconds):
            async with client.stream("POST", endpoint.url, content=body, headers=headers) as r:
                code = r.status_code
                async for chunk in r.aiter_bytes():
                    answer += chunk
                    if len(answer) >= RESPONSE_READ:
                        break
    except TimeoutError:
        error = f"timed out after {settings.webhook_timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    if code is not None and error is not None:
        error = None  # the status arrived; only the body was slow
    duration = int((time.monotonic() - started) * 1000)
    text = answer.decode("utf-8", "replace")[:RESPONSE_KEEP]
    return Outcome(code, duration, error, text)


async def attempt(
    db: Database,
    broker: Broker,
    settings: Settings,
    client: httpx.AsyncClient,
    claimed: Claimed,
) -> Outcome | None:
    """Deliver one claimed row and record the outcome; None if the row was not ours."""
    async with sessionmaker_for(db.read)() as session:
        delivery = await session.get(WebhookDelivery, claimed.delivery_id)
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None or delivery.lease_token != claimed.token:
        return None
    outcome = await send(client, settings, endpoint, delivery.msg_id, delivery.body)
    await record(db, broker, settings, claimed, outcome)
    return outcome


async def record(
    db: Database, broker: Broker, settings: Settings, claimed: Claimed, outcome: Outcome
) -> None:
    """Write the attempt and the delivery's next state, only while we still hold its lease."""
    now = utcnow()
    async with UnitOfWork(db=db, broker=broker) as uow:
        s = uow.session
        delivery = await s.get(WebhookDelivery, claimed.delivery_id)
        if delivery is None or delivery.lease_token != claimed.token:
            return
        number = delivery.attempts + 1
        values: dict[str, object] = {
            "attempts": number,
            "lease_token": None,
            "leased_until": None,
            "last_status_code": outcome.status_code,
            "last_error": outcome.error,
        }
        if outcome.ok:
            values |= {"status": DeliveryStatus.delivered.value, "delivered_at": now}
        elif number >= settings.webhook_max_attempts:
            values |= {"status": DeliveryStatus.dead.value}
        else:
            values |= {"next_attempt_at": now + backoff(settings, number)}
        done = await s.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery.id, WebhookDelivery.lease_token == claimed.token)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if not getattr(done, "rowcount", 0):
            return
        s.add(
            WebhookAttempt(
                delivery_id=delivery.id,
                number=number,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                response=outcome.response,
                at=now,
            )
        )
        await _count(uow, settings, delivery.endpoint_id, ok=outcome.ok, now=now)
        await uow.commit()


async def _count(
    uow: UnitOfWork, settings: Settings, endpoint_id: int, *, ok: bool, now: datetime
) -> None:
    """The endpoint's run of failures, counted atomically: attempts finish concurrently."""
    ep = WebhookEndpoint
    if ok:
        await uow.session.execute(
            update(ep)
            .where(ep.id == endpoint_id)
            .values(consecutive_failures=0, failing_since=None)
            .execution_options(synchronize_session=False)
        )
        return
    row = (
        await uow.session.execute(
            update(ep)
            .where(ep.id == endpoint_id)
            .values(
                consecutive_failures=ep.consecutive_failures + 1,
                failing_since=func.coalesce(ep.failing_since, now),
            )
            .returning(ep.consecutive_failures, ep.failing_since, ep.enabled)
            .execution_options(synchronize_session=False)
        )
    ).one()
    failing_for = (now - (row.failing_since or now)).total_seconds()
    if (
        row.enabled
        and row.consecutive_failures >= settings.webhook_disable_after_failures
        and failing_for >= settings.webhook_disable_after_seconds
    ):
        reason = (
            f"{row.consecutive_failures} failed attempts in a row since "
            f"{(row.failing_since or now):%Y-%m-%d %H:%M} UTC"
        )
        won = await uow.session.execute(
            update(ep)
            .where(ep.id == endpoint_id, ep.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason)
            .execution_options(synchronize_session=False)
        )
        if getattr(won, "rowcount", 0):  # one attempt disables it and tells the owners once
            endpoint = await uow.session.get(ep, endpoint_id, populate_existing=True)
            assert endpoint is not None
            await tell_disabled(uow, settings, endpoint)


async def owner_users(session: AsyncSession, endpoint: WebhookEndpoint) -> list[User]:
    """Who is told about the endpoint: the creator, or the shop's owners."""
    if endpoint.owner_kind == OwnerKind.creator:
        user = await session.get(User, endpoint.owner_id)
        return [user] if user else []
    stmt = (
        select(User)
        .join(ShopMember, ShopMember.user_id == User.id)
        .where(ShopMember.shop_id == endpoint.owner_id, ShopMember.role == "owner")
    )
    return list((await session.execute(stmt)).scalars().all())


async def tell_disabled(uow: UnitOfWork, settings: Settings, endpoint: WebhookEndpoint) -> None:
    """Tell a disabled endpoint's owners in the app and by e-mail (after the commit)."""
    users = await owner_users(uow.session, endpoint)
    page = "/seller/webhooks" if endpoint.owner_kind == OwnerKind.shop else "/studio/webhooks"
    title = f"Webhook endpoint disabled: {endpoint.url[:120]}"
    body = (
        f"Liveshop stopped sending events to {endpoint.url} after "
        f"{endpoint.disabled_reason}. Fix the receiver, then enable the endpoint again at "
        f"{settings.base_url}{page}; undelivered events can be redelivered from its log."
    )
    await accounts.notify(
        uow=uow,
        user_ids=[u.id for u in users],
        kind="webhook_disabled",
        title=N_("Webhook endpoint disabled: {url}"),
        params={"url": endpoint.url[:120]},
        url=page,
    )
    mailer = Mailer(settings)
    for user in users:
        mail = Mail(user.email, title, body)

        async def _send(mail: Mail = mail) -> None:
            await mailer.send(mail)

        uow.on_commit(_send)


async def deliver_due(
    db: Database, broker: Broker, settings: Settings, client: httpx.AsyncClient
) -> int:
    """One pass: claim a batch and deliver it concurrently; how many rows were attempted."""
    batch = await claim(db, settings, limit=settings.webhook_batch)
    if batch:
        await asyncio.gather(*(attempt(db, broker, settings, client, c) for c in batch))
    return len(batch)


def client_for(settings: Settings) -> httpx.AsyncClient:
    # No redirects: a receiver could bounce a signed event anywhere. No proxies from the
    # environment either: deliveries go where the owner pointed them.
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=settings.webhook_timeout_seconds,
        limits=httpx.Limits(max_connections=settings.webhook_batch),
    )


async def prune(db: Database, settings: Settings) -> int:
    """Forget finished deliveries (and their attempts) past the retention; how many."""
    cutoff = utcnow() - timedelta(days=settings.webhook_retention_days)
    async with sessionmaker_for(db.write)() as session:
        result = await session.execute(
            delete(WebhookDelivery).where(
                WebhookDelivery.status != DeliveryStatus.pending.value,
                WebhookDelivery.created_at < cutoff,
            )
        )
        await session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


PRUNE_EVERY = 3600.0  # seconds


async def run_webhook_delivery(db: Database, broker: Broker, settings: Settings) -> None:
    """Forever: deliver what is due, then wait a poll interval when nothing was."""
    pruned_at = 0.0
    async with client_for(settings) as client:
        while True:
            try:
                if time.monotonic() - pruned_at > PRUNE_EVERY:
                    pruned_at = time.monotonic()
                    await prune(db, settings)
                sent = await deliver_due(db, broker, settings, client)
            except Exception:  # the database is away: try again on the next tick
                log.exception("webhook delivery pass failed")
                sent = 0
            if not sent:
                await asyncio.sleep(settings.webhook_poll_seconds)
