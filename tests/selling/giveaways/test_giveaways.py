"""Giveaways: eligibility, one per room, a draw anyone can reproduce, claims and redraws."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from liveshop.db import utcnow
from liveshop.selling import tasks as promo_tasks
from liveshop.selling.giveaways.models import Giveaway
from liveshop.selling.giveaways.service import draw_winner, winner_index
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import API, db_uow
from tests.kits.shows import LiveShow, live_show


async def open_giveaway(
    client: httpx.AsyncClient, show: LiveShow, who: Actor | None = None, **body: Any
) -> httpx.Response:
    return await client.post(
        f"{API}/shows/{show.show_id}/giveaways",
        headers=(who or show.seller).headers,
        json={"variant_id": show.variant_id, **body},
    )


async def enter(client: httpx.AsyncClient, who: Actor, gid: int) -> httpx.Response:
    return await client.post(f"{API}/giveaways/{gid}/entries", headers=who.headers)


async def giveaway(client: httpx.AsyncClient, gid: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{API}/giveaways/{gid}")).json()
    return body


async def redraw_due(app: Any, gid: int) -> int:
    async with db_uow(app) as uow:
        await uow.session.execute(
            update(Giveaway)
            .where(Giveaway.id == gid)
            .values(claim_deadline=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()
    return await promo_tasks.redraw_unclaimed(app.state.db, app.state.broker)


def test_the_draw_is_a_pure_function_of_seed_and_entrants() -> None:
    ids = [42, 7, 19, 3]
    seed = "00ff" * 8
    assert draw_winner(seed, ids) == draw_winner(seed, list(reversed(ids)))
    assert draw_winner(seed, ids) == sorted(ids)[winner_index(seed, ids)]
    # Different seeds spread the wins over everybody.
    assert {draw_winner(f"{n:032x}", ids) for n in range(200)} == set(ids)


async def test_followers_only_giveaway(api: Api, client: httpx.AsyncClient) -> None:
    host = await api.user("creator")
    show = await live_show(api, client, host=host)
    fan, passer_by = await api.user("buyer"), await api.user("buyer")
    r = await client.post(
        f"{API}/me/follows",
        headers=fan.headers,
        json={"target_kind": "creator", "target_id": host.id},
    )
    assert r.status_code == 201, r.text
    r = await open_giveaway(client, show, who=host, eligibility="followers")
    assert r.status_code == 201, r.text
    gid = r.json()["id"]

    refused = await enter(client, passer_by, gid)
    assert refused.status_code == 403 and refused.json()["code"] == "not_eligible"
    ok = await enter(client, fan, gid)
    assert ok.status_code == 201 and ok.json() == {"giveaway_id": gid, "entered": True, "count": 1}
    again = await enter(client, fan, gid)
    assert again.json() == {"giveaway_id": gid, "entered": False, "count": 1}
    assert (await enter(client, host, gid)).status_code == 403


async def test_market_giveaway_and_one_open_per_room(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client, stock=3)
    r = await open_giveaway(client, show, eligibility="market", market="UK")
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    second = await open_giveaway(client, show)
    assert second.status_code == 409 and second.json()["code"] == "giveaway_active"

    uk, de = await api.user("buyer", market="UK"), await api.user("buyer", market="DE")
    assert (await enter(client, uk, gid)).status_code == 201
    # The profile's market is no gate (anyone can change it): the prize's address is.
    assert (await enter(client, de, gid)).status_code == 201
    bad = await open_giveaway(client, show, eligibility="market")
    assert bad.status_code == 422
    stranger = await api.user("seller")
    assert (await open_giveaway(client, show, who=stranger)).status_code == 403


async def test_draw_is_reproducible_and_the_winner_claims_a_free_order(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client, stock=2)
    gid = (await open_giveaway(client, show)).json()["id"]
    assert (await api.variant(show.variant_id))["held"] == 1  # the prize is set aside
    players = {}
    for _ in range(5):
        p = await api.user("buyer")
        players[p.id] = p
        assert (await enter(client, p, gid)).status_code == 201
    nobody = await client.post(f"{API}/giveaways/{gid}/draw", headers=players[p.id].headers)
    assert nobody.status_code == 403

    r = await client.post(f"{API}/giveaways/{gid}/draw", headers=show.seller.headers)
    assert r.status_code == 200, r.text
    g = r.json()
    assert g["status"] == "drawn" and len(g["draws"]) == 1
    record = g["draws"][0]
    assert record["entrants"] == 5 and len(record["seed"]) == 32 and record["excluded"] == []

    # Anyone can recompute the winner from the public record and the sorted entrant ids.
    entrants = (await client.get(f"{API}/giveaways/{gid}/entrants")).json()
    assert entrants == sorted(players)
    assert draw_winner(record["seed"], entrants) == record["winner_id"]
    winner = players[record["winner_id"]]
    assert g["winner"] and g["claim_deadline"]
    assert (await enter(client, await api.user("buyer"), gid)).status_code == 409

    order = (await client.get(f"{API}/orders/{record['order_id']}", headers=winner.headers)).json()
    assert order["total"]["amount"] == 0 and order["status"] == "pending_payment"
    assert order["source"]["channel"] == "giveaway" and order["source"]["giveaway_id"] == gid

    loser = next(p for pid, p in players.items() if pid != winner.id)
    r = await client.post(
        f"{API}/giveaways/{gid}/claim", headers=loser.headers, json={"address": address("UK")}
    )
    assert r.status_code == 403
    r = await client.post(
        f"{API}/giveaways/{gid}/claim", headers=winner.headers, json={"address": address("DE")}
    )
    assert r.status_code == 422 and r.json()["code"] == "address_outside_market"
    r = await client.post(
        f"{API}/giveaways/{gid}/claim", headers=winner.headers, json={"address": address("UK")}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "paid" and r.json()["address"]["city"] == "Leeds"
    assert (await giveaway(client, gid))["status"] == "claimed"
    assert await api.variant(show.variant_id) == {"stock": 1, "held": 0, "available": 1}
    assert await redraw_due(app, gid) == 0  # claimed: the window no longer matters


async def test_unclaimed_prize_is_redrawn_after_the_window(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client, stock=1)
    gid = (await open_giveaway(client, show)).json()["id"]
    players = {}
    for _ in range(2):
        p = await api.user("buyer")
        players[p.id] = p
        await enter(client, p, gid)
    first = (await client.post(f"{API}/giveaways/{gid}/draw", headers=show.seller.headers)).json()
    first_winner = first["draws"][0]["winner_id"]
    first_order = first["draws"][0]["order_id"]

    assert await redraw_due(app, gid) == 1
    g = await giveaway(client, gid)
    assert g["status"] == "drawn" and len(g["draws"]) == 2
    second = g["draws"][1]
    assert second["excluded"] == [first_winner] and second["entrants"] == 1
    pool = [
        i for i in (await client.get(f"{API}/giveaways/{gid}/entrants")).json() if i != first_winner
    ]
    assert draw_winner(second["seed"], pool) == second["winner_id"] != first_winner
    cancelled = (
        await client.get(f"{API}/orders/{first_order}", headers=players[first_winner].headers)
    ).json()
    assert cancelled["status"] == "cancelled"
    assert await api.variant(show.variant_id) == {"stock": 1, "held": 1, "available": 0}

    late = await client.post(
        f"{API}/giveaways/{gid}/claim",
        headers=players[first_winner].headers,
        json={"address": address("UK")},
    )
    assert late.status_code == 403

    # Nobody left after the second winner also lets it lapse: no winner, the unit returns.
    assert await redraw_due(app, gid) == 1
    g = await giveaway(client, gid)
    assert g["status"] == "no_winner" and g["draws"][2]["winner_id"] is None
    assert await api.variant(show.variant_id) == {"stock": 1, "held": 0, "available": 1}


async def test_bad_giveaway_input(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    buyer = await api.user("buyer")
    for body in ({"eligibility": "friends"}, {"variant_id": 0}, {"variant_id": "x"}):
        r = await client.post(
            f"{API}/shows/{show.show_id}/giveaways", headers=show.seller.headers, json=body
        )
        assert r.status_code == 422
    assert (await enter(client, buyer, 999_999)).status_code == 404
    r = await client.post(f"{API}/giveaways/999999/claim", headers=buyer.headers, json={})
    assert r.status_code == 422
    assert (await client.get(f"{API}/giveaways/{2**40}")).status_code == 422
