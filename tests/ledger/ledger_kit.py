"""Set-up for ledger tests: operators, delivered orders, time travel, reading balances."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from liveshop.db import utcnow
from liveshop.ledger.models import LedgerAccount
from liveshop.orders.models import Order
from tests.kits.factories import Actor
from tests.kits.promotions import API, db_uow

# (currency, kind, owner) -> credits - debits, posted and pending
Balances = dict[tuple[str, str, int], tuple[int, int]]


async def deliver(
    client: httpx.AsyncClient, seller: Actor, order_id: int, *, days_ago: float
) -> None:
    """Ship and deliver through the API, then move the delivery `days_ago` into the past."""
    r = await client.post(
        f"{API}/orders/{order_id}/ship",
        headers=seller.headers,
        json={"carrier": "Royal Mail", "tracking_number": f"RM{order_id}"},
    )
    assert r.status_code == 200, r.text
    r = await client.post(f"{API}/orders/{order_id}/deliver", headers=seller.headers)
    assert r.status_code == 200, r.text
    async with db_uow(client) as uow:
        await uow.session.execute(
            update(Order)
            .where(Order.id == order_id)
            .values(delivered_at=utcnow() - timedelta(days=days_ago))
        )
        await uow.commit()


async def refund(
    client: httpx.AsyncClient, seller: Actor, order_id: int, amount: int | None = None
) -> None:
    headers = {**seller.headers, "Idempotency-Key": f"refund-{uuid.uuid4().hex}"}
    body: dict[str, Any] = {"reason": "test"}
    if amount is not None:
        body["amount"] = amount
    r = await client.post(f"{API}/orders/{order_id}/refunds", headers=headers, json=body)
    assert r.status_code == 201, r.text


async def balances(client: httpx.AsyncClient) -> Balances:
    async with db_uow(client) as uow:
        rows = (await uow.session.execute(select(LedgerAccount))).scalars()
        return {
            (a.ledger, a.kind, a.owner_id): (
                a.credits_posted - a.debits_posted,
                a.credits_pending - a.debits_pending,
            )
            for a in rows
        }


async def program(client: httpx.AsyncClient, admin: Actor, **body: Any) -> dict[str, Any]:
    now = utcnow()
    payload = {
        "name": "Programme",
        "currency": "GBP",
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        **body,
    }
    r = await client.post(f"{API}/ledger/admin/programs", headers=admin.headers, json=payload)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


async def payout_run(
    client: httpx.AsyncClient, admin: Actor, currency: str, key: str
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/ledger/admin/payout-runs",
        headers={**admin.headers, "Idempotency-Key": key},
        json={"currency": currency},
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def ledger_check(database_url: str) -> subprocess.CompletedProcess[str]:
    """`liveshop ledger check` as an operator runs it, in its own process."""
    env = {**os.environ, "LIVESHOP_DATABASE_URL": database_url, "LIVESHOP_ENV": "test"}
    return subprocess.run(
        [sys.executable, "-m", "liveshop", "ledger", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
