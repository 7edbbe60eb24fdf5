"""Outgoing webhooks end to end: outbox rows from real changes, signed delivery to a real HTTP
receiver, retries with backoff, dead letters, redelivery by hand, disabling and notifying."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from liveshop.db import create_database, utcnow
from liveshop.integrations.webhooks import delivery, signing
from liveshop.integrations.webhooks.models import WebhookDelivery
from liveshop.settings import Settings
from tests.integrations.receiver import Receiver, verify
from tests.integrations.webhooks.conftest import Hooks
from tests.kits.mail import Inbox


def _payload(arrival: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(arrival.body)
    return body


async def test_order_events_arrive_signed_and_a_forgery_is_refused(
    hooks: Hooks, receiver: Receiver
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created", "order.paid"])
    receiver.secret = ep["secret"]
    buyer = await hooks.api.user("buyer")
    order = await hooks.api.paid_order(buyer, hooks.variant_id)

    assert await hooks.deliver() == 2
    # A batch goes out concurrently: arrival order is not promised, the payload timestamps are.
    arrivals = sorted(receiver.arrivals, key=lambda a: _payload(a)["timestamp"])
    assert [_payload(a)["type"] for a in arrivals] == ["order.created", "order.paid"]
    assert all(a.verified for a in receiver.arrivals)  # checked by the receiver's own code
    first = arrivals[1]
    data = _payload(first)["data"]
    assert data["id"] == order["id"] and data["status"] == "paid"
    assert data["total"] == order["total"]["amount"] and data["currency"] == "GBP"

    # A forged delivery: the same headers on another body, or a guessed secret, or stale.
    forged = first.body.replace(b'"paid"', b'"refunded"')
    assert not verify(ep["secret"], first.msg_id, first.timestamp, forged, first.signature)
    other = signing.new_secret()
    assert not verify(other, first.msg_id, first.timestamp, first.body, first.signature)
    headers = {
        "webhook-id": first.msg_id,
        "webhook-timestamp": first.timestamp,
        "webhook-signature": first.signature,
    }
    signing.verify(ep["secret"], headers, first.body.decode())
    with pytest.raises(signing.InvalidSignature):
        signing.verify(ep["secret"], headers, forged.decode())
    with pytest.raises(signing.InvalidSignature):
        signing.verify(ep["secret"], headers, first.body.decode(), now=time.time() + 600)
    # Endpoints get only what they chose: shipping was not chosen.
    r = await hooks.api.c.post(
        f"/api/v1/orders/{order['id']}/ship",
        headers=hooks.seller.headers,
        json={"carrier": "Royal Mail", "tracking_number": "RM123"},
    )
    assert r.status_code == 200, r.text
    assert await hooks.deliver() == 0


def test_the_default_schedule_spans_about_four_hours_then_dead_letters() -> None:
    s = Settings()
    waits = [delivery.backoff(s, n).total_seconds() for n in range(1, s.webhook_max_attempts)]
    assert s.webhook_timeout_seconds == 5
    assert 3 * 3600 < sum(waits) < 5 * 3600
    assert all(b > a for a, b in itertools.pairwise(waits))  # grows despite jitter
    assert len({delivery.backoff(s, 3) for _ in range(20)}) > 1  # jittered


async def test_a_retry_succeeds_after_the_receiver_failed_twice(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    receiver.secret = ep["secret"]
    receiver.plan = lambda _id, n: 500 if n <= 2 else 200
    buyer = await hooks.api.user("buyer")
    await hooks.api.order(buyer, hooks.variant_id)
    slower = Settings(**{**settings.model_dump(), "webhook_backoff_base_seconds": 0.25})

    deadline = time.monotonic() + 10
    while len(receiver.ok()) < 1:
        assert time.monotonic() < deadline
        await hooks.deliver(slower)
        await asyncio.sleep(0.01)
    assert [a.status for a in receiver.arrivals] == [500, 500, 200]
    assert len(receiver.count()) == 1  # one webhook-id on every attempt
    assert all(a.verified for a in receiver.arrivals)
    gaps = [b.at - a.at for a, b in zip(receiver.arrivals, receiver.arrivals[1:], strict=False)]
    # Never before its time: 0.25 s, then twice that (each ±20 %); slack above for a busy box.
    assert 0.2 <= gaps[0] < 1.5 and 0.4 <= gaps[1] < 2.5

    (row,) = await hooks.deliveries(ep["id"])
    assert row["status"] == "delivered" and row["attempts"] == 3
    r = await hooks.api.c.get(
        f"/api/v1/integrations/webhook-deliveries/{row['id']}", headers=hooks.seller.headers
    )
    log = r.json()["log"]
    assert [a["status_code"] for a in reversed(log)] == [500, 500, 200]
    assert all(a["duration_ms"] >= 0 and a["response"].startswith("answer") for a in log)


async def test_a_dead_lettered_delivery_is_redelivered_by_hand(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    receiver.secret = ep["secret"]
    broken = True
    receiver.plan = lambda _id, _n: 503 if broken else 204
    buyer = await hooks.api.user("buyer")
    await hooks.api.order(buyer, hooks.variant_id)

    deadline = time.monotonic() + 10
    while (await hooks.deliveries(ep["id"]))[0]["status"] != "dead":
        assert time.monotonic() < deadline
        await hooks.deliver()
        await asyncio.sleep(0.05)
    assert len(receiver.arrivals) == settings.webhook_max_attempts
    await asyncio.sleep(0.5)
    assert await hooks.deliver() == 0  # dead means no more attempts on its own

    broken = False
    (row,) = await hooks.deliveries(ep["id"])
    r = await hooks.api.c.post(
        f"/api/v1/integrations/webhook-deliveries/{row['id']}/redeliver",
        headers=hooks.seller.headers,
    )
    assert r.status_code == 200, r.text
    assert await hooks.deliver() == 1
    assert receiver.arrivals[-1].status == 204 and receiver.arrivals[-1].verified
    assert receiver.arrivals[-1].msg_id == receiver.arrivals[0].msg_id
    assert (await hooks.deliveries(ep["id"]))[0]["status"] == "delivered"


async def test_two_workers_never_deliver_the_same_row(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    receiver.secret = ep["secret"]
    receiver.delay = 0.02
    n = 30
    for _ in range(n):
        r = await hooks.api.c.post(
            f"/api/v1/integrations/webhooks/{ep['id']}/test", headers=hooks.seller.headers
        )
        assert r.status_code == 202, r.text
    small = Settings(**{**settings.model_dump(), "webhook_batch": 4})
    dbs = [create_database(settings.database_url) for _ in range(2)]

    async def worker(db: Any) -> int:
        done = 0
        async with delivery.client_for(small) as client:
            while sent := await delivery.deliver_due(db, hooks.app.state.broker, small, client):
                done += sent
        return done

    try:
        counts = await asyncio.gather(*(worker(db) for db in dbs))
    finally:
        for db in dbs:
            await db.dispose()
    assert sum(counts) == n and all(counts), counts  # both worked, and no row twice
    assert len(receiver.arrivals) == n
    assert set(receiver.count().values()) == {1}
    async with hooks.app.state.db.read.connect() as conn:
        delivered = await conn.scalar(
            select(func.count()).where(WebhookDelivery.status == "delivered")
        )
    assert delivered == n


async def test_a_failing_endpoint_is_disabled_and_its_owner_told(
    hooks: Hooks, receiver: Receiver, settings: Settings, smtp: Inbox
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    receiver.plan = lambda _id, _n: 500
    strict = Settings(**{**settings.model_dump(), "webhook_disable_after_failures": 3})
    buyer = await hooks.api.user("buyer")
    for _ in range(2):
        await hooks.api.order(buyer, hooks.variant_id)
    url = f"/api/v1/integrations/webhooks/{ep['id']}"
    deadline = time.monotonic() + 10
    while (await hooks.api.c.get(url, headers=hooks.seller.headers)).json()["enabled"]:
        assert time.monotonic() < deadline
        await hooks.deliver(strict)
        await asyncio.sleep(0.05)
    tried = len(receiver.arrivals)
    assert 3 <= tried <= 4  # the third failure disables it; one attempt may be in flight then
    await asyncio.sleep(0.5)
    await hooks.deliver(strict)
    assert len(receiver.arrivals) == tried  # nothing more goes to a disabled endpoint

    r = await hooks.api.c.get(url, headers=hooks.seller.headers)
    assert r.json()["enabled"] is False and "failed attempts" in r.json()["disabled_reason"]
    mail = await smtp.wait_for(hooks.seller.email, "Webhook endpoint disabled")
    assert receiver.url in str(mail)
    r = await hooks.api.c.get("/api/v1/me/notifications", headers=hooks.seller.headers)
    assert [n["kind"] for n in r.json()["items"]].count("webhook_disabled") == 1
    assert len([m for m in smtp.to(hooks.seller.email) if "disabled" in m["Subject"]]) == 1

    # Enabled again once fixed: the deliveries still pending go out.
    receiver.plan = lambda _id, _n: 200
    r = await hooks.api.c.patch(
        f"/api/v1/integrations/webhooks/{ep['id']}",
        headers=hooks.seller.headers,
        json={"enabled": True},
    )
    assert r.status_code == 200 and r.json()["consecutive_failures"] == 0
    await asyncio.sleep(0.5)
    await hooks.deliver(strict)
    assert len(receiver.ok()) == 2


async def test_a_slow_receiver_times_out(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    receiver.delay = 1.5
    quick = Settings(**{**settings.model_dump(), "webhook_timeout_seconds": 0.3})
    await hooks.api.c.post(
        f"/api/v1/integrations/webhooks/{ep['id']}/test", headers=hooks.seller.headers
    )
    started = time.monotonic()
    await hooks.deliver(quick, until_idle=False)
    assert time.monotonic() - started < 1.2
    (row,) = await hooks.deliveries(ep["id"])
    assert row["status"] == "pending" and "timed out" in row["last_error"]


async def test_finished_deliveries_are_forgotten_after_the_retention(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    for _ in range(2):
        await hooks.api.c.post(
            f"/api/v1/integrations/webhooks/{ep['id']}/test", headers=hooks.seller.headers
        )
    await hooks.deliver()
    await hooks.api.c.post(
        f"/api/v1/integrations/webhooks/{ep['id']}/test", headers=hooks.seller.headers
    )  # still pending: kept whatever its age
    db = hooks.app.state.db
    async with db.write.begin() as conn:
        await conn.execute(update(WebhookDelivery).values(created_at=utcnow() - timedelta(days=31)))
    assert await delivery.prune(db, settings) == 2
    assert [d["status"] for d in await hooks.deliveries(ep["id"])] == ["pending"]
