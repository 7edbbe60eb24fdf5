"""The issue's ledger test: a scripted sequence, hand-computed balances, `ledger check`."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from liveshop.ledger import posting
from liveshop.ledger.models import ImmutableTransfer, LedgerTransfer
from liveshop.orders import service as orders
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow
from tests.kits.shows import live_show
from tests.ledger.ledger_kit import balances, deliver, ledger_check, payout_run, program, refund


async def test_two_currencies_coupon_refunds_commission_subsidy_and_two_payout_runs(
    api: Api, client: httpx.AsyncClient, database_url: str
) -> None:
    admin = await api.user("admin")
    creator = await api.user("creator")
    show = await live_show(api, client, prices={"UK": 2000}, stock=10)
    shop = show.shop_id
    us_seller = await api.user("seller", market="US")
    us_shop = (await api.shop(us_seller, market="US"))["id"]
    us_product = await api.product(us_seller, us_shop, prices={"US": 5000})

    r = await client.put(
        f"{API}/ledger/admin/shops/{shop}/terms",
        headers=admin.headers,
        json={"reserve_bp": 1000, "reserve_days": 30},
    )
    assert r.status_code == 200, r.text
    bonus = await program(
        client,
        admin,
        name="New sellers",
        kind="new_seller",
        budget=10_000,
        bonus=100,
        first_orders=1,
    )
    r = await client.post(
        f"{API}/shows/{show.show_id}/coupons",
        headers=admin.headers,
        json={"code": "PLAT300", "kind": "amount", "value": 300, "market": "UK", "quota": 10},
    )
    assert r.status_code == 201 and r.json()["funded_by"] == "platform", r.text

    # Order 1: 2000 less the platform's 300 coupon, with a creator's commission of 150.
    buyer1 = await api.user("buyer")
    r = await client.post(
        f"{API}/shows/{show.show_id}/coupons/PLAT300/claim", headers=buyer1.headers
    )
    assert r.status_code == 201, r.text
    r = await client.post(
        f"{API}/orders/buy-now",
        headers=buyer1.headers,
        json={
            "market": "UK",
            "variant_id": show.variant_id,
            "quantity": 1,
            "address": {
                "name": "A",
                "line1": "1 St",
                "city": "Leeds",
                "postcode": "LS1 6HD",
                "country": "UK",
            },
            "show_id": show.show_id,
            "coupons": ["PLAT300"],
        },
    )
    assert r.status_code == 201, r.text
    o1 = r.json()[0]["id"]
    assert r.json()[0]["total"]["amount"] == 1700
    assert (await api.pay(buyer1, o1)).status_code == 201
    async with db_uow(client) as uow:
        order = await orders.load(session=uow.session, order_id=o1)
        await posting.post_commission(
            uow.session, order_id=o1, line_id=order.lines[0].id, creator_id=creator.id, amount=150
        )
        await uow.commit()

    # Order 2: 2000, 500 refunded before it settles. Order 3: USD 5000 plus Texas sales tax.
    o2 = (await api.paid_order(await api.user("buyer"), show.variant_id))["id"]
    buyer_us = await api.user("buyer", market="US")
    o3 = (await api.paid_order(buyer_us, us_product["variants"][0]["id"]))["id"]
    for order_id, seller in ((o1, show.seller), (o2, show.seller), (o3, us_seller)):
        await deliver(client, seller, order_id, days_ago=9)  # UK settles after 8 days, US 7
    await refund(client, show.seller, o2, 500)  # delivered, not settled yet

    # Everything is pending until settlement.
    before = await balances(client)
    assert before[("GBP", "seller_payable", shop)] == (
        0,
        1700 + 2000 - 180 - 180 + 300 + 100 - 150 - 500,
    )
    assert before[("GBP", "fee_revenue", 0)] == (0, 360)

    r = await client.post(f"{API}/ledger/admin/settle", headers=admin.headers)
    assert r.json() == {"settled": 3, "released": 0}, r.text
    r = await client.post(f"{API}/ledger/admin/settle", headers=admin.headers)
    assert r.json() == {"settled": 0, "released": 0}, r.text

    # Hand computation, GBP (pence):
    #   order 1: 1700 paid, fee 9% of (1700 + 300 coupon) = 180, coupon subsidy 300,
    #            new-seller bonus 100, commission 150 -> seller net 1770, reserve 10% = 177
    #   order 2: 2000 paid, 500 refunded, fee 180 * 1500/2000 = 135 -> net 1365, reserve 136
    payable = (1770 - 177) + (1365 - 136)
    assert payable == 2822
    settled = await balances(client)
    assert settled[("GBP", "seller_payable", shop)] == (2822, 0)
    assert settled[("GBP", "reserve", shop)] == (313, 0)
    assert settled[("GBP", "creator_payable", creator.id)] == (150, 0)
    assert settled[("GBP", "fee_revenue", 0)] == (315, 0)
    assert settled[("GBP", "subsidy_expense", 0)] == (-400, 0)
    # USD: 5000 + 313 Texas sales tax (6.25%, collected with the price and passed to the
    # seller) paid; the fee is 8% of the 5000 net of tax = 400.
    assert settled[("USD", "seller_payable", us_shop)] == (4913, 0)
    assert settled[("USD", "fee_revenue", 0)] == (400, 0)

    first = await payout_run(client, admin, "GBP", "run-one-0001")
    assert (first["payouts"], first["total"]["amount"]) == (2, 2822 + 150)
    again = await payout_run(client, admin, "GBP", "run-one-0001")
    assert again["id"] == first["id"] and again["payouts"] == 2

    # A full refund after the payout: the seller and the creator now owe it back.
    await refund(client, show.seller, o1)
    second = await payout_run(client, admin, "GBP", "run-two-0002")
    assert (second["payouts"], second["total"]["amount"]) == (0, 0)

    final = await balances(client)
    owed = 1700 - 180 + 300 + 100 - 150  # refund, less the reversed fee, plus reversed subsidies
    expected = {
        ("GBP", "seller_payable", shop): (0, 0),
        ("GBP", "seller_receivable", shop): (-owed, 0),
        ("GBP", "reserve", shop): (313, 0),
        ("GBP", "creator_payable", creator.id): (0, 0),
        ("GBP", "creator_receivable", creator.id): (-150, 0),
        ("GBP", "fee_revenue", 0): (135, 0),
        ("GBP", "subsidy_expense", 0): (0, 0),
        ("GBP", "refunds", 0): (0, 0),
        ("GBP", "payouts_in_transit", 0): (0, 0),
        # in 1700 + 2000; out: refunds 500 + 1700, payouts 2822 + 150
        ("GBP", "buyer_clearing", 0): (500 + 1700 + 2822 + 150 - 3700, 0),
        ("USD", "seller_payable", us_shop): (4913, 0),
        ("USD", "fee_revenue", 0): (400, 0),
        ("USD", "buyer_clearing", 0): (-5313, 0),
    }
    assert {k: v for k, v in final.items() if v != (0, 0) or k in expected} == expected
    for ccy in ("GBP", "USD"):
        assert sum(p for (c, _k, _o), (p, _q) in final.items() if c == ccy) == 0
        assert sum(q for (c, _k, _o), (_p, q) in final.items() if c == ccy) == 0

    r = await client.get(f"{API}/ledger/admin/programs", headers=admin.headers)
    spent = {p["id"]: p["spent"] for p in r.json()}
    assert spent[bonus["id"]] == 100

    r = await client.get(f"{API}/ledger/admin/trial-balance", headers=admin.headers)
    assert r.json()["ok"] is True, r.json()

    ok = ledger_check(database_url)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "GBP" in ok.stdout and "USD" in ok.stdout

    # The database refuses edits of written transfers, and so does the service layer.
    async with db_uow(client) as uow:
        with pytest.raises(Exception, match="immutable"):
            await uow.session.execute(text("UPDATE ledger_transfers SET amount = amount + 1"))
    async with db_uow(client) as uow:
        with pytest.raises(Exception, match="immutable"):
            await uow.session.execute(text("DELETE FROM ledger_transfers"))
    async with db_uow(client) as uow:
        row = await uow.session.get(LedgerTransfer, f"o{o1}:pay")
        assert row is not None
        row.amount += 1
        with pytest.raises(ImmutableTransfer):
            await uow.session.flush()

    # A deliberately corrupted account row: the check names it and exits 1.
    async with db_uow(client) as uow:
        await uow.session.execute(
            text(
                "UPDATE ledger_accounts SET credits_posted = credits_posted + 1"
                " WHERE kind = 'fee_revenue' AND ledger = 'GBP'"
            )
        )
        await uow.commit()
    bad = ledger_check(database_url)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "fee_revenue" in bad.stdout and "GBP does not sum to zero" in bad.stdout
