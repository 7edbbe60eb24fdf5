"""Webhook endpoints of shops and creators: who may manage them, and what they can do.

Authorization lives here: a shop's endpoints are its members' (admins may act on any); a
creator's are the creator's own. A public API token (`grant`) must carry `webhooks:write` and
belong to the same owner.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.integrations import owners
from liveshop.integrations.tokens.grants import Grant
from liveshop.integrations.webhooks import events, outbox, signing
from liveshop.integrations.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from liveshop.integrations.webhooks.schemas import EndpointCreate, EndpointUpdate
from liveshop.settings import Settings

MAX_ENDPOINTS = 10  # per owner
ROTATION_GRACE = timedelta(hours=24)  # the old secret still signs this long after a rotation
SCOPE = "webhooks:write"


async def check_owner(
    *, session: AsyncSession, user: User, grant: Grant | None, owner_kind: str, owner_id: int
) -> None:
    """The caller may manage `owner`'s endpoints, or Problem 403/404."""
    if grant is not None:
        grant.require(SCOPE)
        if (grant.owner_kind, grant.owner_id) != (owner_kind, owner_id):
            raise forbidden("This token belongs to another shop or creator.")
    await owners.check_owner(session=session, user=user, owner_kind=owner_kind, owner_id=owner_id)


def _check_url(settings: Settings, url: str) -> None:
    allow = settings.webhook_allow_private_hosts
    if allow is None:
        allow = settings.env != "production"
    if allow:
        return
    host = (urlsplit(url).hostname or "").lower()
    private = host in ("", "localhost") or host.endswith((".localhost", ".internal", ".local"))
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if private or (ip is not None and not ip.is_global):
        raise Problem(422, "webhook_url_private", "Give a public address for the endpoint.")


async def get(
    *, session: AsyncSession, user: User, grant: Grant | None, endpoint_id: int
) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise not_found("webhook_endpoint", endpoint_id)
    try:
        await check_owner(
            session=session,
            user=user,
            grant=grant,
            owner_kind=endpoint.owner_kind,
            owner_id=endpoint.owner_id,
        )
    except Problem as exc:
        if exc.status == 403 and exc.code == "forbidden":
            raise not_found("webhook_endpoint", endpoint_id) from None  # do not reveal it
        raise
    return endpoint


async def list_(
    *, session: AsyncSession, user: User, grant: Grant | None, owner_kind: str, owner_id: int
) -> list[WebhookEndpoint]:
    await check_owner(
        session=session, user=user, grant=grant, owner_kind=owner_kind, owner_id=owner_id
    )
    stmt = (
        select(WebhookEndpoint)
        .where(WebhookEndpoint.owner_kind == owner_kind, WebhookEndpoint.owner_id == owner_id)
        .order_by(WebhookEndpoint.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def create(
    *,
    session: AsyncSession,
    user: User,
    grant: Grant | None,
    settings: Settings,
    data: EndpointCreate,
) -> WebhookEndpoint:
    await check_owner(
        session=session, user=user, grant=grant, owner_kind=data.owner_kind, owner_id=data.owner_id
    )
    _check_url(settings, data.url)
    count = await session.scalar(
        select(func.count(WebhookEndpoint.id)).where(
            WebhookEndpoint.owner_kind == data.owner_kind,
            WebhookEndpoint.owner_id == data.owner_id,
        )
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Problem(
            409,
            "too_many_endpoints",
            "At most {MAX_ENDPOINTS} endpoints; remove one first.",
            values={"MAX_ENDPOINTS": MAX_ENDPOINTS},
        )
    endpoint = WebhookEndpoint(
        owner_kind=data.owner_kind,
        owner_id=data.owner_id,
        url=data.url,
        description=data.description,
        events=list(dict.fromkeys(data.events)),
        secret=signing.new_secret(),
        enabled=True,
        consecutive_failures=0,
        created_by=user.id,
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def update_(
    *,
    session: AsyncSession,
    user: User,
    grant: Grant | None,
    settings: Settings,
    endpoint_id: int,
    data: EndpointUpdate,
) -> WebhookEndpoint:
    endpoint = await get(session=session, user=user, grant=grant, endpoint_id=endpoint_id)
    if data.url is not None:
        _check_url(settings, data.url)
        endpoint.url = data.url
    if data.description is not None:
        endpoint.description = data.description
    if data.events is not None:
        endpoint.events = list(dict.fromkeys(data.events))
    if data.enabled is not None:
        if data.enabled and not endpoint.enabled:
            # A fresh start: the failures that disabled it do not count against it again.
            endpoint.consecutive_failures = 0
            endpoint.failing_since = None
            endpoint.disabled_reason = None
        elif not data.enabled and endpoint.enabled:
            endpoint.disabled_reason = "disabled by its owner"
        endpoint.enabled = data.enabled
    await session.flush()
    return endpoint


async def delete(
    *, session: AsyncSession, user: User, grant: Grant | None, endpoint_id: int
) -> None:
    endpoint = await get(session=session, user=user, grant=grant, endpoint_id=endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def rotate_secret(
    *, session: AsyncSession, user: User, grant: Grant | None, endpoint_id: int
) -> WebhookEndpoint:
    """A new secret at once; the old one also signs for a day so receivers can switch."""
    endpoint = await get(session=session, user=user, grant=grant, endpoint_id=endpoint_id)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_until = utcnow() + ROTATION_GRACE
    endpoint.secret = signing.new_secret()
    await session.flush()
    return endpoint


async def send_test(
    *, session: AsyncSession, user: User, grant: Grant | None, endpoint_id: int
) -> WebhookDelivery:
    """Queue a `webhook.test` event for this endpoint (through the outbox, so it is logged)."""
    endpoint = await get(session=session, user=user, grant=grant, endpoint_id=endpoint_id)
    key = f"{events.TEST}:{outbox.new_msg_id()}"
    data: dict[str, Any] = {"endpoint_id": endpoint.id, "message": "Hello from Liveshop"}
    await outbox.enqueue(
        session, owners=[], event_type=events.TEST, key=key, data=data, endpoint_id=endpoint.id
    )
    row = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_key == key
        )
    )
    assert row is not None
    return row


async def list_deliveries(
    *,
    session: AsyncSession,
    user: User,
    grant: Grant | None,
    endpoint_id: int,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[WebhookDelivery], int]:
    await get(session=session, user=user, grant=grant, endpoint_id=endpoint_id)
    where = [WebhookDelivery.endpoint_id == endpoint_id]
    if status is not None:
        where.append(WebhookDelivery.status == status)
    total = await session.scalar(select(func.count(WebhookDelivery.id)).where(*where)) or 0
    stmt = (
        select(WebhookDelivery)
        .where(*where)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list((await session.execute(stmt)).scalars().all()), total


async def get_delivery(
    *, session: AsyncSession, user: User, grant: Grant | None, delivery_id: int
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise not_found("webhook_delivery", delivery_id)
    try:
        await get(session=session, user=user, grant=grant, endpoint_id=delivery.endpoint_id)
    except Problem as exc:
        if exc.status == 404:
            raise not_found("webhook_delivery", delivery_id) from None
        raise
    attempts = (
        await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.id.desc())
            .limit(100)
        )
    ).scalars()
    return delivery, list(attempts)


async def redeliver(
    *, session: AsyncSession, user: User, grant: Grant | None, delivery_id: int
) -> WebhookDelivery:
    """Send it again now, with the same webhook-id (receivers that have it ignore it)."""
    delivery, _ = await get_delivery(
        session=session, user=user, grant=grant, delivery_id=delivery_id
    )
    # Not while a worker holds it: that attempt's outcome would overwrite this request.
    now = utcnow()
    done = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery.id,
            (WebhookDelivery.leased_until.is_(None)) | (WebhookDelivery.leased_until <= now),
        )
        .values(
            status=DeliveryStatus.pending.value,
            attempts=0,
            next_attempt_at=now,
            lease_token=None,
            leased_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if not getattr(done, "rowcount", 0):
        raise Problem(409, "delivery_in_flight", "It is being sent right now; try again shortly.")
    await session.refresh(delivery)
    return delivery
