"""Public API tokens: scopes, revocation at once, owner bounds, rate limits, hashed storage."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
from sqlalchemy import delete, insert, select

from liveshop.accounts.models import AuthToken
from liveshop.catalog.models import ShopMember
from liveshop.db import utcnow
from liveshop.integrations.tokens.models import ApiToken
from tests.kits.factories import Actor, Api

TOKENS = "/api/v1/integrations/tokens"
SHIP = {"carrier": "DPD", "tracking_number": "DPD-1"}


async def _token(
    client: httpx.AsyncClient, who: Actor, scopes: list[str], owner: tuple[str, int]
) -> dict[str, str]:
    r = await client.post(
        TOKENS,
        headers=who.headers,
        json={"owner_kind": owner[0], "owner_id": owner[1], "name": "warehouse", "scopes": scopes},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def _paid_order(api: Api, seller: Actor, shop: dict[str, Any]) -> dict[str, Any]:
    product = await api.product(seller, shop["id"])
    buyer = await api.user("buyer")
    return await api.paid_order(buyer, product["variants"][0]["id"])


async def test_a_token_without_orders_write_cannot_ship(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    order = await _paid_order(api, seller, shop)
    ship = f"/api/v1/orders/{order['id']}/ship"
    reader = await _token(client, seller, ["orders:read", "catalog:read"], ("shop", shop["id"]))
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=reader)).status_code == 200
    r = await client.post(ship, headers=reader, json=SHIP)
    assert r.status_code == 403 and r.json()["code"] == "token_scope", r.text
    got = await client.get(f"/api/v1/orders/{order['id']}", headers=seller.headers)
    assert got.json()["status"] == "paid"  # nothing changed
    writer = await _token(client, seller, ["orders:write"], ("shop", shop["id"]))
    r = await client.post(ship, headers=writer, json=SHIP)
    assert r.status_code == 200 and r.json()["status"] == "shipped", r.text


async def test_a_revoked_token_is_refused_at_once(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    token = await _token(client, seller, ["catalog:read"], ("shop", shop["id"]))
    manage = f"/api/v1/shops/{shop['id']}/products/manage"
    assert (await client.get(manage, headers=token)).status_code == 200
    listed = await client.get(
        TOKENS, params={"owner_kind": "shop", "owner_id": shop["id"]}, headers=seller.headers
    )
    (row,) = listed.json()
    assert "token" not in row and row["scopes"] == ["catalog:read"]
    r = await client.delete(f"{TOKENS}/{row['id']}", headers=seller.headers)
    assert r.status_code == 204
    r = await client.get(manage, headers=token)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    listed = await client.get(
        TOKENS, params={"owner_kind": "shop", "owner_id": shop["id"]}, headers=seller.headers
    )
    assert listed.json() == []


async def test_the_rate_limit_answers_429_with_retry_after(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    token = await _token(client, seller, ["catalog:read"], ("shop", shop["id"]))
    other = await _token(client, seller, ["catalog:read"], ("shop", shop["id"]))
    manage = f"/api/v1/shops/{shop['id']}/products/manage"
    codes = [(await client.get(manage, headers=token)).status_code for _ in range(6)]
    assert codes == [200] * 6
    r = await client.get(manage, headers=token)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert (await client.get(manage, headers=other)).status_code == 200  # per token
    assert (await client.get(manage, headers=seller.headers)).status_code == 200


async def test_a_token_stays_within_its_shop_and_its_routes(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    seller = await api.user("seller")
    shop_a, shop_b = await api.shop(seller), await api.shop(seller)
    order_b = await _paid_order(api, seller, shop_b)
    token = await _token(client, seller, ["orders:read", "orders:write"], ("shop", shop_a["id"]))
    r = await client.post(f"/api/v1/orders/{order_b['id']}/ship", headers=token, json=SHIP)
    assert r.status_code == 403, r.text
    assert (
        await client.get(f"/api/v1/shops/{shop_b['id']}/orders", headers=token)
    ).status_code == 403
    assert (
        await client.get(f"/api/v1/shops/{shop_a['id']}/orders", headers=token)
    ).status_code == 200
    # Not a way into the account: no password change, no new tokens, no sessions.
    r = await client.post(
        TOKENS,
        headers=token,
        json={
            "owner_kind": "shop",
            "owner_id": shop_a["id"],
            "name": "x",
            "scopes": ["orders:read"],
        },
    )
    assert r.status_code == 403 and r.json()["code"] == "token_route"
    assert (await client.get("/api/v1/auth/tokens", headers=token)).status_code == 403
    assert (await client.post("/api/v1/auth/logout", headers=token)).status_code == 403
    # Its maker leaves the shop: the token ends with the rights it was made from.
    async with app.state.db.write.begin() as conn:
        await conn.execute(delete(ShopMember).where(ShopMember.shop_id == shop_a["id"]))
    r = await client.get(f"/api/v1/shops/{shop_a['id']}/orders", headers=token)
    assert r.status_code == 403 and r.json()["code"] == "token_owner_rights"


async def test_tokens_are_stored_hashed_and_only_people_make_them(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    creator = await api.user("creator")
    buyer = await api.user("buyer")
    r = await client.post(
        TOKENS,
        headers=creator.headers,
        json={
            "owner_kind": "creator",
            "owner_id": creator.id,
            "name": "obs",
            "scopes": ["shows:write"],
        },
    )
    assert r.status_code == 201
    secret = r.json()["token"]
    assert secret.startswith("lsk_") and r.json()["prefix"] == secret[:10]
    async with app.state.db.read.connect() as conn:
        row = (await conn.execute(select(ApiToken.__table__))).one()
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(tuple(row))
    # Shows on the creator's own account, through the token.
    token = {"Authorization": f"Bearer {secret}"}
    r = await client.post(
        "/api/v1/shows",
        headers=token,
        json={"title": "From OBS", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]},
    )
    assert r.status_code == 201, r.text
    # A buyer is not a creator; nobody makes tokens for someone else.
    for who, owner in ((buyer, buyer.id), (buyer, creator.id)):
        r = await client.post(
            TOKENS,
            headers=who.headers,
            json={
                "owner_kind": "creator",
                "owner_id": owner,
                "name": "x",
                "scopes": ["shows:write"],
            },
        )
        assert r.status_code == 403
    r = await client.post(
        TOKENS,
        headers=creator.headers,
        json={"owner_kind": "creator", "owner_id": creator.id, "name": "x", "scopes": ["root"]},
    )
    assert r.status_code == 422


async def test_a_webhooks_token_manages_only_its_owners_endpoints(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop_a, shop_b = await api.shop(seller), await api.shop(seller)
    token = await _token(client, seller, ["webhooks:write"], ("shop", shop_a["id"]))
    hooks = "/api/v1/integrations/webhooks"
    body = {"url": "https://example.com/hook", "events": ["order.paid"], "owner_kind": "shop"}
    r = await client.post(hooks, headers=token, json={**body, "owner_id": shop_a["id"]})
    assert r.status_code == 201, r.text
    r = await client.post(hooks, headers=token, json={**body, "owner_id": shop_b["id"]})
    assert r.status_code == 403
    reader = await _token(client, seller, ["orders:read"], ("shop", shop_a["id"]))
    r = await client.get(
        hooks, headers=reader, params={"owner_kind": "shop", "owner_id": shop_a["id"]}
    )
    assert r.status_code == 403 and r.json()["code"] == "token_scope"


async def test_a_session_token_that_looks_like_an_api_token_still_signs_in(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    """Session secrets are random: one in ~17 million starts with the API tokens' prefix."""
    user = await api.user("buyer")
    lookalike = "lsk_" + uuid.uuid4().hex + uuid.uuid4().hex
    async with app.state.db.write.begin() as conn:
        await conn.execute(
            insert(AuthToken).values(
                user_id=user.id,
                token_hash=hashlib.sha256(lookalike.encode()).hexdigest(),
                kind="api",
                name="lookalike",
                created_at=utcnow(),
            )
        )
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {lookalike}"})
    assert r.status_code == 200 and r.json()["id"] == user.id
    r = await client.get("/api/v1/me", headers={"Authorization": "Bearer lsk_unknown"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
