"""A market's rollout through the API: phases, switches, the pilot allow-list, invitations,
scheduled changes and the audit log, and the refusals guarded actions get."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.live.shows import service as shows
from liveshop.markets.rollout import tasks as rollout_tasks
from tests.kits.factories import Actor, Api
from tests.kits.promotions import API, db_uow
from tests.kits.shows import live_show

PROBLEM = "application/problem+json"


async def post(client: httpx.AsyncClient, who: Actor, path: str, body: dict[str, Any]) -> Any:
    r = await client.post(f"{API}{path}", headers=who.headers, json=body)
    assert r.status_code in (200, 201), r.text
    return r.json()


def refused(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


async def audit(client: httpx.AsyncClient, admin: Actor, market: str) -> list[dict[str, Any]]:
    r = await client.get(f"{API}/admin/markets/{market}/audit", headers=admin.headers)
    assert r.status_code == 200, r.text
    rows: list[dict[str, Any]] = r.json()
    return rows


async def de_shop_product(api: Api) -> tuple[Actor, dict[str, Any], int]:
    seller = await api.user("seller", market="DE")
    shop = await api.shop(seller, market="DE")
    product = await api.product(seller, shop["id"], prices={"DE": 1500})
    return seller, shop, product["variants"][0]["id"]


async def test_a_pilot_admits_only_the_allow_list(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    _, listed_shop, listed_variant = await de_shop_product(api)
    _, other_shop, other_variant = await de_shop_product(api)
    buyer, stranger = await api.user("buyer", market="DE"), await api.user("buyer", market="DE")

    await post(
        client,
        admin,
        "/admin/markets/DE/phase",
        {"phase": "pilot", "reason": "Pilot: 20 Berlin shops"},
    )
    await post(
        client,
        admin,
        "/admin/markets/DE/allowed",
        {"kind": "shop", "subject_id": listed_shop["id"], "reason": "Signed the pilot terms"},
    )
    await post(
        client,
        admin,
        "/admin/markets/DE/allowed",
        {"kind": "buyer", "subject_id": buyer.id, "reason": "Staff tester"},
    )

    # The allow-listed shop sells to an allow-listed buyer; the other shop is refused.
    assert (await api.buy(buyer, listed_variant)).status_code == 201
    body = refused(await api.buy(buyer, other_variant), 403, "not_in_pilot")
    assert body["detail"] == (
        "Liveshop is in a pilot in Germany: only invited shops can sell or go live there for now."
    )
    assert body["subject_id"] == other_shop["id"]
    # Nothing was held for the refused purchase.
    assert (await api.variant(other_variant))["held"] == 0

    # A buyer not on the list needs an invitation; with one they buy.
    refused(await api.buy(stranger, listed_variant), 403, "invitation_required")
    invitation = await post(
        client,
        admin,
        "/admin/markets/DE/invitations",
        {"max_uses": 1, "reason": "Friends and family"},
    )
    r = await client.post(
        f"{API}/markets/DE/join",
        headers=stranger.headers,
        json={"invitation_code": invitation["code"]},
    )
    assert r.status_code == 200, r.text
    assert (await api.buy(stranger, listed_variant)).status_code == 201
    # The invitation was for one buyer only.
    third = await api.user("buyer", market="DE")
    r = await client.post(
        f"{API}/markets/DE/join",
        headers=third.headers,
        json={"invitation_code": invitation["code"]},
    )
    refused(r, 409, "invitation_used_up")

    # Opening the market lets everyone in; closing it stops everyone.
    await post(
        client, admin, "/admin/markets/DE/phase", {"phase": "open", "reason": "Pilot went well"}
    )
    assert (await api.buy(third, other_variant)).status_code == 201
    await post(
        client, admin, "/admin/markets/DE/phase", {"phase": "closed", "reason": "Payment incident"}
    )
    body = refused(await api.buy(buyer, listed_variant), 409, "market_closed")
    assert body["detail"] == "Liveshop isn't open in Germany yet."
    # Other markets are untouched.
    uk_seller = await api.user("seller")
    uk_shop = await api.shop(uk_seller)
    uk_variant = (await api.product(uk_seller, uk_shop["id"]))["variants"][0]["id"]
    assert (await api.buy(await api.user("buyer"), uk_variant)).status_code == 201


async def test_pilot_going_live_needs_the_creator_and_shops_listed(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin = await api.user("admin")
    show = await live_show(api, client, prices={"UK": 1000})
    await post(
        client, admin, "/admin/markets/UK/phase", {"phase": "pilot", "reason": "Relaunch pilot"}
    )

    async def go_live() -> None:
        async with db_uow(client) as uow:
            await shows.check_can_go_live(
                session=uow.session, show=await shows.get(session=uow.session, show_id=show.show_id)
            )

    with pytest.raises(Problem) as caught:
        await go_live()
    assert caught.value.code == "not_in_pilot" and caught.value.extra["kind"] == "shop"
    await post(
        client,
        admin,
        "/admin/markets/UK/allowed",
        {"kind": "shop", "subject_id": show.shop_id, "reason": "Launch partner"},
    )
    with pytest.raises(Problem) as caught:
        await go_live()
    assert caught.value.code == "not_in_pilot" and caught.value.extra["kind"] == "creator"
    await post(
        client,
        admin,
        "/admin/markets/UK/allowed",
        {"kind": "creator", "subject_id": show.seller.id, "reason": "Launch partner's host"},
    )
    await go_live()

    # Live shopping switched off stops going live even for the allow-list.
    await post(
        client,
        admin,
        "/admin/markets/UK/switches",
        {"feature": "live", "on": False, "reason": "Video CDN migration"},
    )
    with pytest.raises(Problem) as caught:
        await go_live()
    assert caught.value.code == "feature_off"
    assert caught.value.detail == "Live shopping isn't open in the UK yet."


async def test_giveaways_off_in_one_market_only(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    show = await live_show(api, client, prices={"UK": 1000, "DE": 1200}, stock=5)
    await post(
        client,
        admin,
        "/admin/markets/DE/switches",
        {"feature": "giveaways", "on": False, "reason": "Prize promotion rules under review"},
    )

    async def open_giveaway(market: str) -> httpx.Response:
        return await client.post(
            f"{API}/shows/{show.show_id}/giveaways",
            headers=show.seller.headers,
            json={"variant_id": show.variant_id, "eligibility": "market", "market": market},
        )

    body = refused(await open_giveaway("DE"), 409, "feature_off")
    assert body["detail"] == "Giveaways aren't open in Germany yet."
    assert body["feature"] == "giveaways" and body["market"] == "DE"
    assert (await open_giveaway("UK")).status_code == 201
    # Everything else in DE still works: an auction for DE buyers opens.
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions",
        headers=show.seller.headers,
        json={
            "variant_id": show.variant_id,
            "market": "DE",
            "start_price": 100,
            "increments": [[0, 100]],
            "duration_seconds": 60,
        },
    )
    assert r.status_code == 201, r.text
    # Auctions off in the UK refuses a UK auction.
    await post(
        client,
        admin,
        "/admin/markets/UK/switches",
        {"feature": "auctions", "on": False, "reason": "Auction fees not set"},
    )
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions",
        headers=show.seller.headers,
        json={
            "variant_id": show.variant_id,
            "market": "UK",
            "start_price": 100,
            "increments": [[0, 100]],
            "duration_seconds": 60,
        },
    )
    assert refused(r, 409, "feature_off")["detail"] == "Auctions aren't open in the UK yet."


async def test_the_shop_tab_switch_guards_buying_outside_a_show(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin = await api.user("admin")
    _, _, variant = await de_shop_product(api)
    await post(
        client,
        admin,
        "/admin/markets/DE/switches",
        {"feature": "shop_tab", "on": False, "reason": "Live-only launch"},
    )
    body = refused(await api.buy(await api.user("buyer", market="DE"), variant), 409, "feature_off")
    assert body["detail"] == "The Shop tab isn't open in Germany yet."


async def test_a_scheduled_phase_change_takes_effect_at_its_time(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    admin = await api.user("admin")
    _, _, variant = await de_shop_product(api)
    buyer = await api.user("buyer", market="DE")
    berlin = ZoneInfo("Europe/Berlin")
    soon = (datetime.now(berlin) + timedelta(seconds=3)).replace(tzinfo=None, microsecond=0)
    change = await post(client, admin, "/admin/markets/DE/scheduled", {
        "target": "phase", "value": "closed", "local_time": soon.isoformat(),
        "zone": "Europe/Berlin", "reason": "Close for the payment provider switch",
    })  # fmt: skip
    assert change["status"] == "pending"
    assert (
        abs(
            (datetime.fromisoformat(change["due_at"]) - soon.replace(tzinfo=berlin)).total_seconds()
        )
        < 1
    )

    # Before its time the job leaves it alone.
    assert await rollout_tasks.apply_due(app.state.db, app.state.broker) == 0
    assert (await api.buy(buyer, variant)).status_code == 201
    wait = (datetime.fromisoformat(change["due_at"]) - utcnow()).total_seconds()
    await asyncio.sleep(max(0.0, wait) + 0.1)
    assert await rollout_tasks.apply_due(app.state.db, app.state.broker) == 1
    assert await rollout_tasks.apply_due(app.state.db, app.state.broker) == 0  # once only
    refused(await api.buy(buyer, variant), 409, "market_closed")
    rollout = (await client.get(f"{API}/admin/markets/DE/rollout", headers=admin.headers)).json()
    assert rollout["phase"] == "closed"
    assert rollout["scheduled"][0]["status"] == "applied"
    applied = (await audit(client, admin, "DE"))[0]
    assert applied["action"] == "scheduled" and applied["actor_id"] is None
    assert applied["reason"] == "Close for the payment provider switch"
    assert applied["data"]["scheduled_by"] == admin.id


async def test_scheduling_refuses_bad_times(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")

    async def schedule(**body: Any) -> httpx.Response:
        data = {"target": "giveaways", "value": "off", "reason": "Regulator asked", **body}
        return await client.post(
            f"{API}/admin/markets/{body.pop('market', 'DE')}/scheduled",
            headers=admin.headers,
            json=data,
        )

    refused(
        await schedule(local_time="2030-06-01T09:00", zone="America/Chicago"),
        422,
        "zone_not_in_market",
    )
    # 02:30 on the last Sunday of March 2030 never happens in Berlin.
    refused(await schedule(local_time="2030-03-31T02:30"), 422, "time_skipped")
    refused(await schedule(local_time="2020-01-01T09:00"), 422, "time_in_past")
    refused(await schedule(local_time="2030-01-01T09:00", value="pilot"), 422, "validation_error")
    # The US spans several zones; Chicago is one of them.
    r = await client.post(f"{API}/admin/markets/US/scheduled", headers=admin.headers, json={
        "target": "phase", "value": "open", "local_time": "2030-06-01T09:00",
        "zone": "America/Chicago", "reason": "US launch",
    })  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["due_at"].startswith("2030-06-01T14:00")  # CDT is UTC-5


async def test_every_change_is_in_the_audit_log_with_its_reason(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin, buyer = await api.user("admin"), await api.user("buyer", market="FR")
    changes: list[tuple[str, dict[str, Any]]] = [
        ("/phase", {"phase": "pilot", "reason": "R1 pilot"}),
        ("/switches", {"feature": "affiliates", "on": False, "reason": "R2 contracts pending"}),
        ("/allowed", {"kind": "buyer", "subject_id": buyer.id, "reason": "R3 tester"}),
        ("/allowed/remove", {"kind": "buyer", "subject_id": buyer.id, "reason": "R4 done"}),
        ("/invitations", {"max_uses": 5, "reason": "R5 press"}),
        (
            "/scheduled",
            {
                "target": "phase",
                "value": "open",
                "local_time": "2030-05-01T10:00",
                "reason": "R6 launch day",
            },
        ),
    ]
    for path, body in changes:
        await post(client, admin, f"/admin/markets/FR{path}", body)
    scheduled = (await client.get(f"{API}/admin/markets/FR/rollout", headers=admin.headers)).json()[
        "scheduled"
    ][0]
    await post(
        client,
        admin,
        f"/admin/markets/FR/scheduled/{scheduled['id']}/cancel",
        {"reason": "R7 launch moved"},
    )
    # Setting what is already set writes nothing.
    await post(client, admin, "/admin/markets/FR/phase", {"phase": "pilot", "reason": "R8 no-op"})

    log = await audit(client, admin, "FR")
    assert [(e["action"], e["reason"]) for e in reversed(log)] == [
        ("phase", "R1 pilot"),
        ("switch", "R2 contracts pending"),
        ("allow", "R3 tester"),
        ("disallow", "R4 done"),
        ("invitation", "R5 press"),
        ("schedule", "R6 launch day"),
        ("cancel", "R7 launch moved"),
    ]
    assert all(e["actor_id"] == admin.id and e["actor"] for e in log)
    assert log[-1]["data"] == {"target": "phase", "from": "open", "to": "pilot"}
    assert log[-2]["data"] == {"target": "affiliates", "from": "on", "to": "off"}
    assert await audit(client, admin, "DE") == []  # per market

    # No reason, no change; and only admins change or read a rollout.
    r = await client.post(
        f"{API}/admin/markets/FR/phase", headers=admin.headers, json={"phase": "open"}
    )
    refused(r, 422, "validation_error")
    r = await client.post(
        f"{API}/admin/markets/FR/phase",
        headers=admin.headers,
        json={"phase": "open", "reason": "  "},
    )
    refused(r, 422, "validation_error")
    r = await client.post(
        f"{API}/admin/markets/FR/phase",
        headers=buyer.headers,
        json={"phase": "open", "reason": "let me in"},
    )
    refused(r, 403, "forbidden")
    refused(
        await client.get(f"{API}/admin/markets/FR/audit", headers=buyer.headers), 403, "forbidden"
    )
    refused(await client.get(f"{API}/admin/markets/FR/audit"), 401, "unauthenticated")
    assert (await client.get(f"{API}/markets/FR")).json()["phase"] == "pilot"


async def test_affiliate_collaborations_switch(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    seller, creator = await api.user("seller"), await api.user("creator")
    shop = await api.shop(seller)
    await post(
        client,
        admin,
        "/admin/markets/UK/switches",
        {"feature": "affiliates", "on": False, "reason": "Commission terms pending"},
    )
    product = await api.product(seller, shop["id"])
    r = await client.post(
        f"{API}/collaborations",
        headers=seller.headers,
        json={"product_id": product["id"], "kind": "targeted", "creator_id": creator.id,
              "rate_bp": 1000},
    )  # fmt: skip
    assert (
        refused(r, 409, "feature_off")["detail"]
        == "Affiliate collaborations aren't open in the UK yet."
    )
