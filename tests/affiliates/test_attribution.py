"""Collaborations and attribution: windows, targeted over open, rate cuts, last touch, show
ids, revocation, commission on paid and refund, and who may do what."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from liveshop.affiliates.models import RateChange, ShowcaseItem, Touch
from liveshop.affiliates.tasks import remind_once
from liveshop.db import utcnow
from liveshop.ledger.models import LedgerTransfer
from liveshop.orders.models import OrderLine
from tests.kits.affiliates import collaborate, revoke
from tests.kits.deals import buy_body, open_now
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import db_uow
from tests.kits.shows import LiveShow, live_show, set_show_status
from tests.ledger.ledger_kit import deliver, refund

API = "/api/v1"


async def buy(
    client: httpx.AsyncClient, buyer: Actor, variant_id: int, show_id: int | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"market": "UK", "variant_id": variant_id, "quantity": 1,
                            "address": address("UK")}  # fmt: skip
    if show_id is not None:
        body["show_id"] = show_id
    r = await client.post(
        f"{API}/orders/buy-now",
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        json=body,
    )
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()[0]
    return out


async def line_of(client: httpx.AsyncClient, order_id: int) -> OrderLine:
    async with db_uow(client) as uow:
        line = (
            await uow.session.execute(select(OrderLine).where(OrderLine.order_id == order_id))
        ).scalar_one()
        uow.session.expunge(line)
        return line


async def click(client: httpx.AsyncClient, buyer: Actor, creator: Actor, product_id: int) -> None:
    r = await client.get(f"{API}/a/{creator.id}/{product_id}", headers=buyer.headers)
    assert r.status_code == 303 and r.headers["location"] == f"/products/{product_id}"


async def age_touches(client: httpx.AsyncClient, buyer: Actor, by: timedelta) -> None:
    async with db_uow(client) as uow:
        for touch in (
            await uow.session.execute(select(Touch).where(Touch.buyer_id == buyer.id))
        ).scalars():
            touch.at = touch.at - by
        await uow.commit()


@pytest.fixture
async def affiliate(api: Api, client: httpx.AsyncClient) -> tuple[LiveShow, Actor]:
    """A creator's live show selling a shop's product (targeted, 10%, any price)."""
    creator = await api.user("creator")
    return await live_show(api, client, host=creator, prices={"UK": 2000}, stock=20), creator


@pytest.mark.parametrize(("age", "counts"), [(timedelta(days=6, hours=23), True),
                                             (timedelta(days=7, hours=1), False)])  # fmt: skip
async def test_link_window_edges(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor], age: timedelta,
    counts: bool,
) -> None:  # fmt: skip
    show, creator = affiliate
    buyer = await api.user("buyer")
    await click(client, buyer, creator, show.product_id)
    await age_touches(client, buyer, age)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    if counts:
        assert (line.attr_kind, line.attr_creator_id, line.attr_rate_bp) == (
            "link", creator.id, 1000,
        )  # fmt: skip
    else:
        assert line.attr_creator_id is None and line.attr_rate_bp is None


async def test_targeted_beats_open(api: Api, client: httpx.AsyncClient) -> None:
    seller, creator, other = (
        await api.user("seller"), await api.user("creator"), await api.user("creator"),
    )  # fmt: skip
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], prices={"UK": 2000})
    r = await client.post(
        f"{API}/collaborations",
        headers={**seller.headers, "Idempotency-Key": "open-offer-1"},
        json={"product_id": product["id"], "kind": "open", "rate_bp": 500},
    )
    assert r.status_code == 201, r.text
    again = await client.post(
        f"{API}/collaborations",
        headers={**seller.headers, "Idempotency-Key": "open-offer-1"},
        json={"product_id": product["id"], "kind": "open", "rate_bp": 500},
    )
    assert again.json()["id"] == r.json()["id"]  # a retry makes no second offer
    await collaborate(client, seller, creator, [product["id"]], rate_bp=2500)
    assert (
        await client.put(f"{API}/me/showcase/{product['id']}", headers=other.headers)
    ).is_success
    mine = (await client.get(f"{API}/me/showcase", headers=creator.headers)).json()
    theirs = (await client.get(f"{API}/me/showcase", headers=other.headers)).json()
    assert mine[0]["rate_bp"] == 2500 and mine[0]["why"].startswith("targeted")
    assert theirs[0]["rate_bp"] == 500 and theirs[0]["why"].startswith("open")
    buyer = await api.user("buyer")
    await click(client, buyer, creator, product["id"])
    line = await line_of(client, (await buy(client, buyer, product["variants"][0]["id"]))["id"])
    assert (line.attr_creator_id, line.attr_rate_bp) == (creator.id, 2500)


async def test_a_cut_reaches_showcase_holders_after_30_days(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, creator = affiliate
    cid = show.collaborations[0]
    r = await client.post(
        f"{API}/collaborations/{cid}/rate",
        headers={**show.seller.headers, "Idempotency-Key": "cut-to-5pc"},
        json={"rate_bp": 500},
    )
    assert r.status_code == 201, r.text
    inbox = (await client.get(f"{API}/me/notifications", headers=creator.headers)).json()
    assert any("falls to 5%" in n["title"] for n in inbox["items"]), inbox
    buyer = await api.user("buyer")
    await click(client, buyer, creator, show.product_id)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert line.attr_rate_bp == 1000 and "held" in (line.attr_why or "")

    async def back(days: int) -> None:  # the cut happened `days` ago
        async with db_uow(client) as uow:
            await uow.session.execute(
                update(RateChange)
                .where(RateChange.collaboration_id == cid, RateChange.previous_bp.is_not(None))
                .values(changed_at=utcnow() - timedelta(days=days),
                        holders_from=utcnow() - timedelta(days=days - 30))
            )  # fmt: skip
            long_ago = utcnow() - timedelta(days=60)
            await uow.session.execute(
                update(RateChange)
                .where(RateChange.collaboration_id == cid, RateChange.previous_bp.is_(None))
                .values(changed_at=long_ago, holders_from=long_ago)
            )
            await uow.session.execute(
                update(ShowcaseItem)
                .where(ShowcaseItem.creator_id == creator.id)
                .values(added_at=utcnow() - timedelta(days=60))
            )
            await uow.commit()

    await back(29)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert line.attr_rate_bp == 1000
    await back(31)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert line.attr_rate_bp == 500
    history = await client.get(f"{API}/collaborations/{cid}/rates", headers=creator.headers)
    assert [h["rate_bp"] for h in history.json()] == [1000, 500]


async def test_removing_the_product_loses_the_lock(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, creator = affiliate
    r = await client.post(
        f"{API}/collaborations/{show.collaborations[0]}/rate",
        headers=show.seller.headers, json={"rate_bp": 500},
    )  # fmt: skip
    assert r.status_code == 201
    r = await client.delete(f"{API}/me/showcase/{show.product_id}", headers=creator.headers)
    assert r.status_code == 204
    await client.put(f"{API}/me/showcase/{show.product_id}", headers=creator.headers)
    mine = (await client.get(f"{API}/me/showcase", headers=creator.headers)).json()
    assert mine[0]["rate_bp"] == 500


async def test_the_last_touch_wins(api: Api, client: httpx.AsyncClient) -> None:
    first, second = await api.user("creator"), await api.user("creator")
    show = await live_show(api, client, host=first, prices={"UK": 2000}, stock=20)
    await collaborate(client, show.seller, second, [show.product_id], rate_bp=3000)
    buyer = await api.user("buyer")
    r = await client.post(f"{API}/shows/{show.show_id}/visits", headers=buyer.headers)
    assert r.status_code == 204
    await age_touches(client, buyer, timedelta(minutes=5))
    await click(client, buyer, second, show.product_id)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert (line.attr_kind, line.attr_creator_id, line.attr_rate_bp) == ("link", second.id, 3000)
    # Back in the room and buying there: the room is the last touch now.
    line = await line_of(client, (await buy(client, buyer, show.variant_id, show.show_id))["id"])
    assert (line.attr_kind, line.attr_creator_id, line.attr_show_id) == (
        "live", first.id, show.show_id,
    )  # fmt: skip


async def test_a_show_id_for_a_show_without_the_product_is_ignored(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, _ = affiliate
    other = await live_show(api, client, host=await api.user("creator"))
    buyer = await api.user("buyer")
    order = await buy(client, buyer, show.variant_id, other.show_id)  # no error
    line = await line_of(client, order["id"])
    assert line.attr_creator_id is None and line.attr_show_id is None


SELLING = ["pin", "deal", "coupon"]


def _action(show: LiveShow, kind: str, price: int = 1) -> tuple[str, dict[str, Any]]:
    base = f"{API}/shows/{show.show_id}"
    return {
        "pin": (f"{base}/pins", {"product_id": show.product_id}),
        "deal": (f"{base}/deals", {"variant_id": show.variant_id, "prices": {"UK": price},
                                   "stock": 1}),
        "coupon": (f"{base}/coupons", {"code": f"C{uuid.uuid4().hex[:6].upper()}",
                                       "kind": "amount", "value": 2000 - price, "market": "UK",
                                       "quota": 5, "shop_id": show.shop_id}),
    }[kind]  # fmt: skip


@pytest.mark.parametrize("kind", SELLING)
async def test_a_revoked_collaboration_stops_selling_at_once(
    client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor], kind: str
) -> None:
    show, creator = affiliate
    url, body = _action(show, kind)
    assert (await client.post(url, headers=creator.headers, json=body)).status_code == 201
    await revoke(client, show.seller, show.collaborations)
    url, body = _action(show, kind)
    r = await client.post(url, headers=creator.headers, json=body)
    assert (r.status_code, r.json()["code"]) == (403, "product_not_allowed"), r.text


@pytest.mark.parametrize("kind", ["deal", "coupon"])
async def test_a_price_below_the_floor_is_refused(
    api: Api, client: httpx.AsyncClient, kind: str
) -> None:
    seller, creator = await api.user("seller"), await api.user("creator")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], prices={"UK": 2000})
    await collaborate(client, seller, creator, [product["id"]], floor_bp=9000)
    r = await client.post(
        f"{API}/shows", headers=creator.headers,
        json={"title": "Haul", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"],
              "product_ids": [product["id"]]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    show = LiveShow(seller, shop["id"], r.json()["id"], product["id"],
                    product["variants"][0]["id"])  # fmt: skip
    await set_show_status(client, show.show_id, "live")
    url, body = _action(show, kind, price=1799)
    r = await client.post(url, headers=creator.headers, json=body)
    assert (r.status_code, r.json()["code"]) == (422, "below_price_floor"), r.text
    url, body = _action(show, kind, price=1800)
    assert (await client.post(url, headers=creator.headers, json=body)).status_code == 201


async def _commission(client: httpx.AsyncClient, order_id: int) -> list[tuple[str, int]]:
    async with db_uow(client) as uow:
        rows = await uow.session.execute(
            select(LedgerTransfer.phase, LedgerTransfer.amount)
            .where(LedgerTransfer.order_id == order_id, LedgerTransfer.code == "commission")
            .order_by(LedgerTransfer.id)
        )
        return [(p, a) for p, a in rows.all()]


async def test_commission_on_paid_and_pro_rata_on_partial_refund(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, _ = affiliate
    admin = await api.user("admin")
    buyer = await api.user("buyer")
    order = await buy(client, buyer, show.variant_id, show.show_id)
    assert (await api.pay(buyer, order["id"])).status_code == 201
    # £20.00 incl. 20% VAT: 1666 net of VAT, 10% -> 166, pending until settlement.
    assert await _commission(client, order["id"]) == [("pending", 166)]
    await deliver(client, show.seller, order["id"], days_ago=9)
    await refund(client, show.seller, order["id"], 500)  # a quarter back
    r = await client.post(f"{API}/ledger/admin/settle", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert await _commission(client, order["id"]) == [
        ("pending", 166),
        ("post", 166 * 1500 // 2000),
    ]


async def test_a_full_refund_cancels_the_commission(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, _ = affiliate
    buyer = await api.user("buyer")
    order = await buy(client, buyer, show.variant_id, show.show_id)
    assert (await api.pay(buyer, order["id"])).status_code == 201
    await refund(client, show.seller, order["id"])
    assert await _commission(client, order["id"]) == [("pending", 166), ("void", 0)]


# --- who may do what ---------------------------------------------------------------------


async def test_authorization_matrix(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, creator = affiliate
    cid = show.collaborations[0]
    stranger_seller, uninvited = await api.user("seller"), await api.user("creator")
    await api.shop(stranger_seller)

    async def code(r: httpx.Response) -> tuple[int, str]:
        return r.status_code, r.json().get("code", "")

    # Another shop's seller can't offer, invite, re-rate, revoke or list this shop's deals.
    offer = {"product_id": show.product_id, "kind": "open", "rate_bp": 1000}
    assert (
        await code(
            await client.post(f"{API}/collaborations", headers=stranger_seller.headers, json=offer)
        )
    )[0] == 403
    for path, body in ((f"{cid}/rate", {"rate_bp": 2000}), (f"{cid}/revoke", None)):
        r = await client.post(f"{API}/collaborations/{path}", headers=stranger_seller.headers,
                              json=body)  # fmt: skip
        assert r.status_code == 403, r.text
    r = await client.get(
        f"{API}/shops/{show.shop_id}/collaborations", headers=stranger_seller.headers
    )
    assert r.status_code == 403
    # A creator not invited can't accept someone else's invitation, nor showcase the product,
    # nor sell it, nor earn through a link to it.
    assert (
        await client.post(f"{API}/collaborations/{cid}/accept", headers=uninvited.headers)
    ).status_code == 403
    assert await code(
        await client.put(f"{API}/me/showcase/{show.product_id}", headers=uninvited.headers)
    ) == (403, "no_collaboration")
    r = await client.post(f"{API}/shows", headers=uninvited.headers,
                          json={"title": "x", "starts_at": "2030-01-01T18:00:00Z",
                                "markets": ["UK"], "product_ids": [show.product_id]})  # fmt: skip
    assert await code(r) == (403, "product_not_allowed")
    buyer = await api.user("buyer")
    await click(client, buyer, uninvited, show.product_id)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert line.attr_creator_id is None
    # Revoked: the invited creator can no longer pin, and their link earns nothing new.
    await revoke(client, show.seller, [cid])
    r = await client.post(f"{API}/shows/{show.show_id}/pins", headers=creator.headers,
                          json={"product_id": show.product_id})  # fmt: skip
    assert await code(r) == (403, "product_not_allowed")
    await click(client, buyer, creator, show.product_id)
    line = await line_of(client, (await buy(client, buyer, show.variant_id))["id"])
    assert line.attr_creator_id is None
    # The shop's own seller sees its collaborations; the rate must stay within 1%..80%.
    r = await client.get(f"{API}/shops/{show.shop_id}/collaborations", headers=show.seller.headers)
    assert [c["status"] for c in r.json()] == ["revoked"]
    bad = {**offer, "rate_bp": 9000}
    r = await client.post(f"{API}/collaborations", headers=show.seller.headers, json=bad)
    assert r.status_code == 422


async def test_holders_hear_again_two_days_before_a_cut(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor], app: Any
) -> None:
    show, creator = affiliate
    cid = show.collaborations[0]
    r = await client.post(f"{API}/collaborations/{cid}/rate", headers=show.seller.headers,
                          json={"rate_bp": 700})  # fmt: skip
    assert r.status_code == 201, r.text

    async def titles() -> list[str]:
        inbox = (await client.get(f"{API}/me/notifications", headers=creator.headers)).json()
        return [n["title"] for n in inbox["items"] if "falls to 7%" in n["title"]]

    assert len(await titles()) == 1  # told at the change
    assert await remind_once(app.state.db, app.state.broker) == 0  # 30 days to go: not yet
    async with db_uow(client) as uow:  # 28 days later
        await uow.session.execute(
            update(RateChange)
            .where(RateChange.collaboration_id == cid, RateChange.previous_bp.is_not(None))
            .values(changed_at=utcnow() - timedelta(days=28, minutes=1),
                    holders_from=utcnow() + timedelta(days=2) - timedelta(minutes=1))
        )  # fmt: skip
        await uow.session.execute(
            update(ShowcaseItem).values(added_at=utcnow() - timedelta(days=40))
        )
        await uow.commit()
    assert await remind_once(app.state.db, app.state.broker) == 1
    assert await remind_once(app.state.db, app.state.broker) == 0  # once only
    assert len(await titles()) == 2


async def test_commission_base_is_net_of_a_coupon_and_vat(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor]
) -> None:
    show, creator = affiliate
    url, body = _action(show, "coupon", price=1500)  # £5.00 off, funded by the shop
    r = await client.post(url, headers=creator.headers, json=body)
    assert r.status_code == 201, r.text
    buyer = await api.user("buyer")
    claim = f"{API}/shows/{show.show_id}/coupons/{body['code']}/claim"
    assert (await client.post(claim, headers=buyer.headers)).status_code == 201
    r = await client.post(
        f"{API}/orders/buy-now",
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"market": "UK", "variant_id": show.variant_id, "quantity": 1,
              "address": address("UK"), "show_id": show.show_id, "coupons": [body["code"]]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    order = r.json()[0]
    assert order["total"]["amount"] == 1500
    assert (await api.pay(buyer, order["id"])).status_code == 201
    # £15.00 paid incl. 20% VAT: 1250 net, 10% -> 125.
    assert await _commission(client, order["id"]) == [("pending", 125)]


async def test_a_flash_deal_bought_in_the_creators_room_is_credited(
    api: Api, client: httpx.AsyncClient, affiliate: tuple[LiveShow, Actor], app: Any
) -> None:
    show, creator = affiliate
    url, body = _action(show, "deal", price=1200)
    r = await client.post(url, headers=creator.headers, json=body)
    assert r.status_code == 201, r.text
    await open_now(app.state.db, r.json()["id"])
    buyer = await api.user("buyer")
    r = await client.post(
        f"{API}/deals/{r.json()['id']}/buy",
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        json=buy_body(),
    )
    assert r.status_code == 201, r.text
    order_id = r.json()["id"] if isinstance(r.json(), dict) else r.json()[0]["id"]
    line = await line_of(client, order_id)
    assert (line.attr_kind, line.attr_creator_id, line.attr_show_id, line.attr_rate_bp) == (
        "live", creator.id, show.show_id, 1000,
    )  # fmt: skip
    assert (await api.pay(buyer, order_id)).status_code == 201
    assert await _commission(client, order_id) == [("pending", 100)]  # 10% of 1000 net
