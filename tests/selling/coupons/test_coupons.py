"""LIVE coupons: quotas under a race, per-buyer limits, unlocks, funding, and price priority."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from liveshop.db import utcnow
from liveshop.live.campaigns.models import LiveEvent, LiveEventShow
from liveshop.orders.models import Order
from liveshop.selling.coupons import service as coupons
from liveshop.selling.coupons.models import WatchTime
from liveshop.selling.models import CampaignPrice
from liveshop.selling.pricing import CouponIn, LineIn, decide
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import API, db_uow
from tests.kits.shows import LiveShow, live_show, set_show_status


async def make_coupon(
    client: httpx.AsyncClient, show: LiveShow, who: Actor | None = None, **body: Any
) -> httpx.Response:
    payload = {"code": "LIVE10", "kind": "amount", "value": 100, "market": "UK", "quota": 10}
    return await client.post(
        f"{API}/shows/{show.show_id}/coupons",
        headers=(who or show.seller).headers,
        json={**payload, **body},
    )


async def claim(
    client: httpx.AsyncClient, who: Actor, show: LiveShow, code: str = "LIVE10"
) -> httpx.Response:
    return await client.post(
        f"{API}/shows/{show.show_id}/coupons/{code}/claim", headers=who.headers
    )


async def buy(
    client: httpx.AsyncClient,
    who: Actor,
    show: LiveShow,
    codes: list[str],
    *,
    region: str | None = None,
    quantity: int = 1,
) -> httpx.Response:
    return await client.post(
        f"{API}/orders/buy-now",
        headers=who.headers,
        json={
            "market": who.market,
            "variant_id": show.variant_id,
            "quantity": quantity,
            "address": address(who.market, region),
            "show_id": show.show_id,
            "coupons": codes,
        },
    )


async def stored_discounts(app: Any, order_id: int) -> tuple[list[Any], int]:
    """Order.discounts and discount_total, straight from the database."""
    async with db_uow(app) as uow:
        row = (
            await uow.session.execute(
                select(Order.discounts, Order.discount_total).where(Order.id == order_id)
            )
        ).one()
    return list(row.discounts), int(row.discount_total)


def check_totals(order: dict[str, Any]) -> None:
    for line in order["lines"]:
        assert line["net"]["amount"] + line["tax"]["amount"] == line["gross"]["amount"]
    assert order["total"]["amount"] == sum(ln["gross"]["amount"] for ln in order["lines"])
    assert order["subtotal_net"]["amount"] == sum(ln["net"]["amount"] for ln in order["lines"])
    assert order["tax_total"]["amount"] == sum(ln["tax"]["amount"] for ln in order["lines"])


# --- the price priority, as a pure function ---------------------------------------------------

DEAL, CAMPAIGN = True, (77, 800)
SELLER_10 = CouponIn(1, "amount", 100)
PCT_10 = CouponIn(2, "percent", 1000)
STACK_50 = CouponIn(3, "amount", 50, stackable=True, funded_by="platform")
STACK_200 = CouponIn(4, "amount", 200, stackable=True)
STACK_250 = CouponIn(5, "amount", 250, stackable=True)
MIN_900 = CouponIn(6, "amount", 100, min_spend=900)
OTHER_EXCLUSIVE = CouponIn(7, "amount", 300)


@pytest.mark.parametrize(
    ("case", "lines", "coupons_in", "amounts", "applied", "rejected"),
    [
        ("regular price", [LineIn(1, 1, 1000)], [], [1000], [], []),
        (
            "campaign below the price",
            [LineIn(1, 2, 1000, campaign=CAMPAIGN)],
            [],
            [1600],
            [("campaign", 77, 400)],
            [],
        ),
        ("campaign above the price", [LineIn(1, 1, 700, campaign=CAMPAIGN)], [], [700], [], []),
        (
            "flash deal beats campaign",
            [LineIn(1, 1, 500, flash_deal=DEAL, campaign=CAMPAIGN)],
            [],
            [500],
            [],
            [],
        ),
        (
            "flash deal, then a coupon",
            [LineIn(1, 1, 500, flash_deal=DEAL, campaign=CAMPAIGN)],
            [SELLER_10],
            [400],
            [("coupon", 1, 100)],
            [],
        ),
        (
            "campaign, then a coupon",
            [LineIn(1, 1, 1000, campaign=CAMPAIGN)],
            [SELLER_10],
            [700],
            [("campaign", 77, 200), ("coupon", 1, 100)],
            [],
        ),
        (
            "min spend is checked after the campaign",
            [LineIn(1, 1, 1000, campaign=CAMPAIGN)],
            [MIN_900],
            [800],
            [("campaign", 77, 200)],
            [(6, "min_spend")],
        ),
        (
            "percent of the post-campaign price",
            [LineIn(1, 1, 1000, campaign=CAMPAIGN)],
            [PCT_10],
            [720],
            [("campaign", 77, 200), ("coupon", 2, 80)],
            [],
        ),
        (
            "one non-stackable only",
            [LineIn(1, 1, 1000)],
            [SELLER_10, OTHER_EXCLUSIVE],
            [900],
            [("coupon", 1, 100)],
            [(7, "not_stackable")],
        ),
        (
            "stackables add to a non-stackable",
            [LineIn(1, 1, 1000)],
            [PCT_10, STACK_50, STACK_200],
            [650],
            [("coupon", 2, 100), ("coupon", 3, 50), ("coupon", 4, 200)],
            [],
        ),
        (
            "never below zero",
            [LineIn(1, 1, 300)],
            [STACK_200, STACK_250, STACK_50],
            [0],
            [("coupon", 4, 200), ("coupon", 5, 100)],
            [(3, "nothing_to_discount")],
        ),
        (
            "the same coupon twice",
            [LineIn(1, 1, 1000)],
            [SELLER_10, SELLER_10],
            [900],
            [("coupon", 1, 100)],
            [(1, "duplicate")],
        ),
        (
            "coupon spread over lines by amount",
            [LineIn(1, 1, 1000), LineIn(2, 1, 500), LineIn(3, 1, 500, flash_deal=DEAL)],
            [SELLER_10],
            [950, 475, 475],
            [("coupon", 1, 100)],
            [],
        ),
        (
            "largest remainder, ties to the first line",
            [LineIn(1, 1, 1), LineIn(2, 1, 1), LineIn(3, 1, 1)],
            [CouponIn(8, "amount", 2)],
            [0, 0, 1],
            [("coupon", 8, 2)],
            [],
        ),
    ],
)
def test_price_priority(
    case: str,
    lines: list[LineIn],
    coupons_in: list[CouponIn],
    amounts: list[int],
    applied: list[tuple[str, int, int]],
    rejected: list[tuple[int, str]],
) -> None:
    decision = decide(lines, coupons_in)
    assert [ln.amount for ln in decision.lines] == amounts, case
    assert [(a.kind, a.id, a.amount) for a in decision.applied] == applied, case
    assert decision.rejected == rejected, case
    undiscounted = sum(ln.unit_price * ln.quantity for ln in lines)
    assert decision.total == undiscounted - decision.discount_total, case


# --- claiming ---------------------------------------------------------------------------------


async def test_thirty_buyers_race_for_a_ten_use_coupon(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    assert (await make_coupon(client, show, quota=10)).status_code == 201
    buyers = [await api.user("buyer") for _ in range(30)]
    results = await asyncio.gather(*(claim(client, b, show) for b in buyers))
    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 10 and codes.count(409) == 20
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"coupon_exhausted"}
    listed = (await client.get(f"{API}/shows/{show.show_id}/coupons")).json()
    assert listed[0]["claimed"] == 10 and listed[0]["remaining"] == 0


async def test_per_buyer_limit_holds_even_when_racing(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    assert (await make_coupon(client, show, quota=100, per_buyer=2)).status_code == 201
    greedy = await api.user("buyer")
    results = await asyncio.gather(*(claim(client, greedy, show) for _ in range(6)))
    assert sorted(r.status_code for r in results) == [201, 201, 409, 409, 409, 409]
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"coupon_limit_reached"}
    listed = (await client.get(f"{API}/shows/{show.show_id}/coupons")).json()
    assert listed[0]["claimed"] == 2  # refused claims gave their quota back


async def test_follow_unlock(api: Api, client: httpx.AsyncClient) -> None:
    host = await api.user("creator")
    show = await live_show(api, client, host=host)
    r = await make_coupon(client, show, who=host, unlock="follow_host", shop_id=show.shop_id)
    assert r.status_code == 201, r.text
    fan = await api.user("buyer")
    locked = await claim(client, fan, show)
    assert locked.status_code == 403 and locked.json()["code"] == "coupon_locked"
    await client.post(
        f"{API}/me/follows",
        headers=fan.headers,
        json={"target_kind": "creator", "target_id": host.id},
    )
    assert (await claim(client, fan, show)).status_code == 201


async def test_watch_minutes_unlock(api: Api, client: httpx.AsyncClient, app: Any) -> None:
    show = await live_show(api, client)
    r = await make_coupon(client, show, unlock="watch_minutes", unlock_minutes=5)
    assert r.status_code == 201, r.text
    viewer = await api.user("buyer")
    async with db_uow(app) as uow:
        uow.session.add(WatchTime(show_id=show.show_id, user_id=viewer.id, seconds=240))
        await uow.commit()
    locked = await claim(client, viewer, show)
    assert locked.status_code == 403 and locked.json()["watched_seconds"] == 240
    async with db_uow(app) as uow:
        total = await coupons.record_watch(
            session=uow.session, show_id=show.show_id, user_id=viewer.id, seconds=60
        )
        await uow.commit()
    assert total == 300
    assert (await claim(client, viewer, show)).status_code == 201

    newcomer = await api.user("buyer")
    async with db_uow(app) as uow:
        first = await coupons.record_watch(
            session=uow.session, show_id=show.show_id, user_id=newcomer.id, seconds=30
        )
        await uow.commit()
    assert first == 30


async def test_coupons_only_while_live(api: Api, client: httpx.AsyncClient, app: Any) -> None:
    show = await live_show(api, client)
    await make_coupon(client, show)
    buyer = await api.user("buyer")
    assert (await claim(client, buyer, show)).status_code == 201
    await set_show_status(app, show.show_id, "ended")
    late = await claim(client, await api.user("buyer"), show)
    assert late.status_code == 409 and late.json()["code"] == "show_not_live"
    r = await buy(client, buyer, show, ["LIVE10"])
    assert r.status_code == 409 and r.json()["code"] == "coupon_show_not_live"
    assert (await api.variant(show.variant_id))["held"] == 0  # the whole checkout rolled back


# --- funding and checkout ----------------------------------------------------------------------


async def test_funding_is_recorded_and_a_claim_is_spent_once(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client, prices={"UK": 2000})
    admin, buyer = await api.user("admin"), await api.user("buyer")
    r = await make_coupon(client, show, code="SHOP300", value=300)
    assert r.status_code == 201 and r.json()["funded_by"] == "seller"
    r = await make_coupon(
        client, show, who=admin, code="PLAT10", kind="percent", value=1000, stackable=True
    )
    assert r.status_code == 201 and r.json()["funded_by"] == "platform"
    nobody = await make_coupon(client, show, who=buyer, code="MINE")
    assert nobody.status_code == 403

    missing = await buy(client, buyer, show, ["SHOP300"])
    assert missing.status_code == 409 and missing.json()["code"] == "coupon_not_claimed"
    for code in ("SHOP300", "PLAT10"):
        assert (await claim(client, buyer, show, code)).status_code == 201
    r = await buy(client, buyer, show, ["shop300", "PLAT10"])
    assert r.status_code == 201, r.text
    order = r.json()[0]
    check_totals(order)
    assert order["total"]["amount"] == 2000 - 300 - 200
    discounts, discount_total = await stored_discounts(app, order["id"])
    coupon_ids = {
        c["code"]: c["id"] for c in (await client.get(f"{API}/shows/{show.show_id}/coupons")).json()
    }
    assert discounts == [
        {"kind": "coupon", "id": coupon_ids["SHOP300"], "amount": 300, "funded_by": "seller"},
        {"kind": "coupon", "id": coupon_ids["PLAT10"], "amount": 200, "funded_by": "platform"},
    ]
    assert discount_total == 500

    again = await buy(client, buyer, show, ["SHOP300"])
    assert again.status_code == 409 and again.json()["code"] == "coupon_not_claimed"
    unknown = await buy(client, buyer, show, ["NOPE"])
    assert unknown.status_code == 422 and unknown.json()["code"] == "coupon_unknown"


@pytest.mark.parametrize(
    ("market", "region", "price", "expect"),
    [
        # UK prices include VAT: 1500 campaign - 10% = 1350 gross, VAT carved out.
        ("UK", None, 2000, {"net": 1125, "tax": 225, "gross": 1350}),
        # US prices exclude tax: 1350 net, then CA's 7.25 % on top.
        ("US", "CA", 2000, {"net": 1350, "tax": 98, "gross": 1448}),
    ],
)
async def test_campaign_then_coupon_at_checkout(
    api: Api,
    client: httpx.AsyncClient,
    market: str,
    region: str | None,
    price: int,
    expect: dict[str, int],
    app: Any,
) -> None:
    show = await live_show(api, client, prices={market: price}, markets=[market])
    admin = await api.user("admin")
    async with db_uow(app) as uow:
        event = LiveEvent(
            slug=f"sale-{show.show_id}",
            title="Big sale",
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(hours=1),
            created_by=admin.id,
        )
        uow.session.add(event)
        await uow.session.flush()
        uow.session.add(LiveEventShow(event_id=event.id, show_id=show.show_id))
        uow.session.add(
            CampaignPrice(
                event_id=event.id, variant_id=show.variant_id, market_code=market, amount=1500
            )
        )
        await uow.commit()
        campaign_id = (await uow.session.execute(select(CampaignPrice.id))).scalar_one()

    buyer = await api.user("buyer", market=market)
    plain = await buy(client, buyer, show, [], region=region)
    assert plain.status_code == 201, plain.text
    assert plain.json()[0]["lines"][0]["unit_price"]["amount"] == 1500
    check_totals(plain.json()[0])

    r = await make_coupon(client, show, code="TENPC", kind="percent", value=1000, market=market)
    assert r.status_code == 201, r.text
    coupon_id = r.json()["id"]
    assert (await claim(client, buyer, show, "TENPC")).status_code == 201
    r = await buy(client, buyer, show, ["TENPC"], region=region)
    assert r.status_code == 201, r.text
    order = r.json()[0]
    check_totals(order)
    line = order["lines"][0]
    assert {k: line[k]["amount"] for k in ("net", "tax", "gross")} == expect
    discounts, discount_total = await stored_discounts(app, order["id"])
    assert [(d["kind"], d["id"], d["amount"]) for d in discounts] == [
        ("campaign", campaign_id, 500),
        ("coupon", coupon_id, 150),
    ]
    assert discount_total == 650


@pytest.mark.parametrize(
    "patch",
    [
        {"kind": "percent", "value": 10_001},
        {"code": "has space"},
        {"code": "x"},
        {"value": 0},
        {"quota": 0},
        {"unlock": "watch_minutes"},
        {"unlock": "follow_host", "unlock_minutes": 3},
        {"kind": "bogus"},
        {"market": "XX"},
        {"value": 2**70},
    ],
)
async def test_bad_coupon_input_is_a_422(
    api: Api, client: httpx.AsyncClient, patch: dict[str, Any]
) -> None:
    show = await live_show(api, client)
    r = await make_coupon(client, show, **patch)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_coupon_conflicts_and_lookups(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    assert (await make_coupon(client, show)).status_code == 201
    dup = await make_coupon(client, show, code="live10")
    assert dup.status_code == 409 and dup.json()["code"] == "coupon_code_taken"
    buyer = await api.user("buyer")
    assert (await claim(client, buyer, show, "NOSUCH")).status_code == 404
    assert (await claim(client, buyer, show, "bad%20code")).status_code == 422
    r = await client.post(f"{API}/shows/999999/coupons/LIVE10/claim", headers=buyer.headers)
    assert r.status_code == 404
    # The profile's market is no gate (anyone can change it): the delivery address is.
    german = await api.user("buyer", market="DE")
    assert (await claim(client, german, show)).status_code == 201


async def test_a_cancelled_order_gives_its_coupon_claim_back(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    await make_coupon(client, show)
    buyer = await api.user("buyer")
    assert (await claim(client, buyer, show)).status_code == 201
    first = (await buy(client, buyer, show, ["LIVE10"])).json()[0]
    assert first["total"]["amount"] == 900
    r = await client.post(f"{API}/orders/{first['id']}/cancel", headers=buyer.headers)
    assert r.status_code == 200
    second = await buy(client, buyer, show, ["LIVE10"])
    assert second.status_code == 201 and second.json()[0]["total"]["amount"] == 900
    third = await buy(client, buyer, show, ["LIVE10"])
    assert third.status_code == 409 and third.json()["code"] == "coupon_not_claimed"
