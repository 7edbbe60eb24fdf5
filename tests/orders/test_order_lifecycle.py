"""Order states, the audit trail, tracking, returns within the market's window."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from liveshop.db import utcnow
from liveshop.orders.models import Order
from liveshop.orders.tasks import complete_delivered
from tests.kits.factories import Api


async def test_paid_order_ships_delivers_and_is_returned(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    product = await api.product(
        seller, (await api.shop(seller))["id"], stock=4, prices={"UK": 1999}
    )
    vid = product["variants"][0]["id"]
    buyer = await api.user("buyer")
    order = await api.paid_order(buyer, vid, quantity=2)
    oid = order["id"]
    assert await api.variant(vid) == {"stock": 2, "held": 0, "available": 2}

    early = await client.post(
        f"/api/v1/orders/{oid}/returns", headers=buyer.headers, json={"reason": "meh"}
    )
    assert early.status_code == 409 and early.json()["code"] == "not_returnable"
    r = await client.post(
        f"/api/v1/orders/{oid}/ship",
        headers=seller.headers,
        json={"carrier": "Royal Mail", "tracking_number": "RM123456789GB"},
    )
    assert r.status_code == 200 and r.json()["status"] == "shipped"
    seen = (await client.get(f"/api/v1/orders/{oid}", headers=buyer.headers)).json()
    assert (seen["carrier"], seen["tracking_number"]) == ("Royal Mail", "RM123456789GB")
    again = await client.post(
        f"/api/v1/orders/{oid}/ship",
        headers=seller.headers,
        json={"carrier": "DPD", "tracking_number": "X"},
    )
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert (await client.post(f"/api/v1/orders/{oid}/deliver", headers=seller.headers)).json()[
        "status"
    ] == "delivered"

    line_id = seen["lines"][0]["id"]
    ret = await client.post(
        f"/api/v1/orders/{oid}/returns",
        headers=buyer.headers,
        json={"reason": "too small", "lines": [{"line_id": line_id, "quantity": 1}]},
    )
    assert ret.status_code == 201, ret.text
    assert ret.json()["amount"]["formatted"] == "£19.99"
    ok = await client.post(
        f"/api/v1/returns/{ret.json()['id']}/approve", headers=seller.headers, json={}
    )
    assert ok.status_code == 200 and ok.json()["status"] == "approved"

    final = (await client.get(f"/api/v1/orders/{oid}", headers=buyer.headers)).json()
    assert final["status"] == "partially_refunded"
    assert final["refunded_total"]["amount"] == 1999
    assert final["lines"][0]["refunded_quantity"] == 1
    assert (await api.variant(vid))["stock"] == 3  # the returned unit is back on the shelf
    events = (await client.get(f"/api/v1/orders/{oid}/events", headers=buyer.headers)).json()
    assert [(e["kind"], e["to_status"]) for e in events] == [
        ("placed", "pending_payment"),
        ("paid", "paid"),
        ("shipped", "shipped"),
        ("delivered", "delivered"),
        ("return_requested", None),
        ("refunded", "partially_refunded"),
    ]


async def test_returns_close_after_the_market_window(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    seller = await api.user("seller")
    product = await api.product(seller, (await api.shop(seller))["id"])
    buyer = await api.user("buyer")
    order = await api.paid_order(buyer, product["variants"][0]["id"])
    oid = order["id"]
    await client.post(
        f"/api/v1/orders/{oid}/ship",
        headers=seller.headers,
        json={"carrier": "Evri", "tracking_number": "E1"},
    )
    await client.post(f"/api/v1/orders/{oid}/deliver", headers=seller.headers)
    async with app.state.db.write.begin() as conn:  # delivered 15 days ago: the UK window is 14
        await conn.execute(
            update(Order).where(Order.id == oid).values(delivered_at=utcnow() - timedelta(days=15))
        )
    r = await client.post(
        f"/api/v1/orders/{oid}/returns", headers=buyer.headers, json={"reason": "late"}
    )
    assert r.status_code == 409 and r.json()["code"] == "return_window_closed"

    assert await complete_delivered(app.state.db, app.state.broker) == 1
    assert (await client.get(f"/api/v1/orders/{oid}", headers=buyer.headers)).json()[
        "status"
    ] == "completed"


async def test_seller_declines_a_return(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    product = await api.product(seller, (await api.shop(seller))["id"])
    buyer = await api.user("buyer")
    oid = (await api.paid_order(buyer, product["variants"][0]["id"]))["id"]
    await client.post(
        f"/api/v1/orders/{oid}/ship",
        headers=seller.headers,
        json={"carrier": "c", "tracking_number": "t"},
    )
    await client.post(f"/api/v1/orders/{oid}/deliver", headers=seller.headers)
    ret = (
        await client.post(
            f"/api/v1/orders/{oid}/returns", headers=buyer.headers, json={"reason": "x"}
        )
    ).json()
    r = await client.post(
        f"/api/v1/returns/{ret['id']}/decline", headers=seller.headers, json={"note": "worn"}
    )
    assert r.json()["status"] == "declined"
    twice = await client.post(
        f"/api/v1/returns/{ret['id']}/approve", headers=seller.headers, json={}
    )
    assert twice.status_code == 409
    assert (await client.get(f"/api/v1/orders/{oid}", headers=buyer.headers)).json()[
        "status"
    ] == "delivered"


async def test_buyer_cancels_unpaid_order_and_stock_returns(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    product = await api.product(seller, (await api.shop(seller))["id"], stock=2)
    vid = product["variants"][0]["id"]
    buyer = await api.user("buyer")
    order = await api.order(buyer, vid, quantity=2)
    r = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert r.json()["status"] == "cancelled"
    assert await api.variant(vid) == {"stock": 2, "held": 0, "available": 2}
