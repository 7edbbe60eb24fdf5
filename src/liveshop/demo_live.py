"""Demo shows: per creator, one show that goes live when the demo starts (its encoder and
audience are simulated by liveshop.demo_audience) and one scheduled for later; plus the
simulated viewers' accounts and the tokens the simulation uses over the real API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from liveshop.accounts import service as accounts
from liveshop.accounts.models import User
from liveshop.affiliates.models import Collaboration, RateChange, ShowcaseItem
from liveshop.catalog.models import Product
from liveshop.db import utcnow
from liveshop.live.shows import service as live
from liveshop.live.shows.schemas import ShowCreate
from liveshop.uow import UnitOfWork

LIVE_SHOWS = [
    ("maya@demo.liveshop", "Cosy night in: loungewear live from Leeds", 1, "UK"),
    ("jonas@demo.liveshop", "Espresso-Abend: Kaffee live aus Berlin", 2, "DE"),
    ("tasha@demo.liveshop", "Brooklyn glow-up: skincare live", 3, "US"),
]
# Simulated viewers: four per live show, in that show's market.
BOTS = [
    (f"viewer{n:02d}@demo.liveshop", f"{first} {market}", market)
    for n, (market, first) in enumerate(
        ((m, f) for m in ("UK", "DE", "US") for f in ("Alex", "Sam", "Robin", "Kim")), start=1
    )
]
SHOWS = [
    ("maya@demo.liveshop", "Lounge Drop — cosy picks under £30", 1, "UK"),
    ("jonas@demo.liveshop", "Kaffee-Klatsch: espresso gear live", 2, "DE"),
    ("tasha@demo.liveshop", "Glow-up Hour: flash deals on skincare", 3, "US"),
]


async def add_shows(uow: UnitOfWork) -> dict[str, Any]:
    """The shows, and what the simulation needs: each live show with its host's token."""
    s = uow.session
    live_shows = []
    for email, title, shop_id, market in LIVE_SHOWS:
        host = (await s.execute(select(User).where(User.email == email))).scalar_one()
        # The shop invites its creator at 10%, up to half off; she accepted and showcased
        # them all (the demo skips the clicks).
        for product_id in await _products(uow, shop_id):
            collab = Collaboration(
                shop_id=shop_id, product_id=product_id, kind="targeted", creator_id=host.id,
                status="accepted", rate_bp=1000, floor_bp=5000,
            )  # fmt: skip
            s.add(collab)
            await s.flush()
            s.add(RateChange(collaboration_id=collab.id, rate_bp=1000, previous_bp=None))
            s.add(ShowcaseItem(creator_id=host.id, product_id=product_id))
        await s.flush()
        show = await live.create(
            session=s,
            host=host,
            data=ShowCreate.model_validate(
                {
                    "title": title,
                    "starts_at": utcnow(),
                    "markets": [market],
                    "product_ids": await _products(uow, shop_id),
                    "cover_url": "/img/placeholder.svg?t=LIVE&c=%23e63946",
                }
            ),
        )
        token = await accounts.create_token(session=s, user=host, kind="api", name="demo encoder")
        live_shows.append({"id": show.id, "market": market, "host_token": token})
    for n, (email, title, shop_id, market) in enumerate(SHOWS):
        host = (await s.execute(select(User).where(User.email == email))).scalar_one()
        products = await _products(uow, shop_id)
        await live.create(
            session=s,
            host=host,
            data=ShowCreate.model_validate(
                {
                    "title": title,
                    "starts_at": utcnow() + timedelta(hours=1 + n * 24),
                    "markets": [market],
                    "product_ids": products,
                    "cover_url": "/img/placeholder.svg?t=LIVE&c=%23e63946",
                }
            ),
        )
    bots = []
    for email, _name, market in BOTS:
        bot = (await s.execute(select(User).where(User.email == email))).scalar_one()
        token = await accounts.create_token(session=s, user=bot, kind="api", name="demo viewer")
        bots.append({"market": market, "token": token})
    return {"shows": live_shows, "bots": bots}


async def _products(uow: UnitOfWork, shop_id: int) -> list[int]:
    stmt = select(Product.id).where(Product.shop_id == shop_id).order_by(Product.id).limit(5)
    return list((await uow.session.execute(stmt)).scalars())
