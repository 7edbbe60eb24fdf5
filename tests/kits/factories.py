"""Helpers that act through the public API, as a client would."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from liveshop.accounts.models import User
from liveshop.catalog.models import Shop, Variant
from liveshop.db import create_oneoff_engine
from liveshop.markets.seed import MARKETS
from liveshop.uow import UnitOfWork

CURRENCY = {m["code"]: m["currency"] for m in MARKETS}
CITY = {
    "UK": "Leeds",
    "DE": "Berlin",
    "FR": "Lyon",
    "IT": "Milano",
    "ES": "Madrid",
    "US": "Austin",
    "ID": "Jakarta",
}
_seq = itertools.count(1)


async def db_exec(database_url: str, stmt: Any) -> None:
    """One statement on a database, outside any app (e.g. a child server's)."""
    engine = create_oneoff_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(stmt)
    finally:
        await engine.dispose()


@dataclass
class Actor:
    id: int
    email: str
    token: str
    market: str
    headers: dict[str, str] = field(default_factory=dict)


# A real postcode in each market's format (markets/addresses.py checks them).
POSTCODE = {
    "UK": "LS1 1AA",
    "DE": "10115",
    "FR": "69001",
    "IT": "20121",
    "ES": "28013",
    "US": "78701",
    "ID": "10110",
}


def address(market: str, region: str | None = None) -> dict[str, Any]:
    """A valid address in `market`; a US one is in Texas unless `region` says otherwise."""
    return {
        "name": "Test Buyer",
        "line1": "1 High Street",
        "city": CITY[market],
        "postcode": POSTCODE[market],
        "region": region or ("TX" if market == "US" else None),
        "country": market,
    }


class Api:
    def __init__(
        self, client: httpx.AsyncClient, database_url: str | None = None, *, app: Any = None
    ) -> None:
        """`app`: the in-process app `client` talks to, for arranging state in its database;
        `database_url` instead for a client of a real server. A client that may be either
        (e.g. a stampede's) leaves both to be found here."""
        self.c = client
        self.database_url = database_url
        self.app = app if app is not None else getattr(client._transport, "app", None)

    async def user(self, *roles: str, market: str = "UK", email: str | None = None) -> Actor:
        email = email or f"user{next(_seq)}-{uuid.uuid4().hex[:6]}@example.com"
        self_roles = [r for r in roles if r in ("buyer", "creator", "seller")] or ["buyer"]
        r = await self.c.post(
            "/api/v1/auth/signup",
            json={
                "email": email,
                "password": "correct horse battery",
                "display_name": email.split("@")[0],
                "market": market,
                "roles": self_roles,
            },
        )
        assert r.status_code == 202, r.text
        r = await self.c.post(
            "/api/v1/auth/login", json={"email": email, "password": "correct horse battery"}
        )
        assert r.status_code == 200, r.text
        body = r.json()
        self.c.cookies.clear()  # tests authenticate with bearer tokens unless they test cookies
        actor = Actor(
            body["user"]["id"],
            email,
            body["token"],
            market,
            {"Authorization": f"Bearer {body['token']}"},
        )
        extra = [r for r in roles if r in ("moderator", "admin")]
        if extra:
            await self.grant(actor, *extra)
        return actor

    async def grant(self, actor: Actor, *roles: str) -> None:
        """Give roles only an admin could give, straight in the database (no admin exists yet)."""

        app = self.app
        assert app is not None, "roles are granted in an in-process app's database"
        async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
            user = await uow.session.get(User, actor.id)
            assert user is not None
            user.roles = sorted({*user.roles, *roles})
            await uow.commit()

    async def shop(
        self,
        owner: Actor,
        market: str = "UK",
        name: str | None = None,
        verification: str = "verified",
    ) -> dict[str, Any]:
        """A shop, verified unless asked otherwise (only verified shops go live and sell)."""
        r = await self.c.post(
            "/api/v1/shops",
            headers=owner.headers,
            json={"name": name or f"Shop {next(_seq)}", "market": market},
        )
        assert r.status_code == 201, r.text
        shop: dict[str, Any] = r.json()
        if verification != shop["verification"]:
            await self.set_verification(shop["id"], verification)
            shop["verification"] = verification
        return shop

    async def set_verification(self, shop_id: int, verification: str) -> None:
        """What an operator decides, straight in the database (tests need no admin for it)."""

        stmt = update(Shop).where(Shop.id == shop_id).values(verification=verification)
        app = self.app
        if app is not None:
            async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
                await uow.session.execute(stmt)
                await uow.commit()
            return
        assert self.database_url, "a client of a real server needs Api(client, database_url)"
        await db_exec(self.database_url, stmt)

    async def product(
        self,
        owner: Actor,
        shop_id: int,
        *,
        stock: int = 10,
        prices: dict[str, int] | None = None,
        status: str = "active",
        title: str | None = None,
    ) -> dict[str, Any]:
        prices = prices or {"UK": 1000}
        body = {
            "title": title or f"Product {next(_seq)}",
            "status": status,
            "variants": [
                {
                    "sku": f"SKU-{uuid.uuid4().hex[:10]}",
                    "stock": stock,
                    "prices": [
                        {"market": m, "currency": CURRENCY[m], "amount": a}
                        for m, a in prices.items()
                    ],
                }
            ],
        }
        r = await self.c.post(f"/api/v1/shops/{shop_id}/products", headers=owner.headers, json=body)
        assert r.status_code == 201, r.text
        return r.json()

    async def buy(
        self,
        buyer: Actor,
        variant_id: int,
        *,
        market: str | None = None,
        quantity: int = 1,
        key: str | None = None,
        region: str | None = None,
    ) -> httpx.Response:
        market = market or buyer.market
        headers = dict(buyer.headers)
        if key:
            headers["Idempotency-Key"] = key
        return await self.c.post(
            "/api/v1/orders/buy-now",
            headers=headers,
            json={
                "market": market,
                "variant_id": variant_id,
                "quantity": quantity,
                "address": address(market, region),
            },
        )

    async def order(self, buyer: Actor, variant_id: int, **kw: Any) -> dict[str, Any]:
        r = await self.buy(buyer, variant_id, **kw)
        assert r.status_code == 201, r.text
        order: dict[str, Any] = r.json()[0]
        return order

    async def pay(
        self, buyer: Actor, order_id: int, *, card: str = "4242424242424242", key: str | None = None
    ) -> httpx.Response:
        headers = {**buyer.headers, "Idempotency-Key": key or f"pay-{uuid.uuid4().hex}"}
        return await self.c.post(
            f"/api/v1/orders/{order_id}/payments", headers=headers, json={"card_number": card}
        )

    async def paid_order(self, buyer: Actor, variant_id: int, **kw: Any) -> dict[str, Any]:
        order = await self.order(buyer, variant_id, **kw)
        r = await self.pay(buyer, order["id"])
        assert r.status_code == 201, r.text
        return order

    async def variant(self, variant_id: int, viewer: Actor | None = None) -> dict[str, Any]:
        """Read a variant's live stock through the product endpoint."""

        app = self.app
        assert app is not None, "stock is read from an in-process app's database"
        async with app.state.db.read.connect() as conn:
            row = (
                await conn.execute(
                    select(Variant.stock, Variant.held).where(Variant.id == variant_id)
                )
            ).one()
        return {"stock": row.stock, "held": row.held, "available": row.stock - row.held}


@pytest.fixture
def api(client: httpx.AsyncClient, app: Any) -> Api:
    return Api(client, app=app)
