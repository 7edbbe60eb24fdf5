"""Demo shows: one scheduled show per creator, selling from the matching demo shop."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from liveshop.accounts.models import User
from liveshop.catalog.models import Product
from liveshop.db import utcnow
from liveshop.live import service as live
from liveshop.live.models import ShopCreator
from liveshop.live.schemas import ShowCreate
from liveshop.uow import UnitOfWork

SHOWS = [
    ("maya@demo.liveshop", "Lounge Drop — cosy picks under £30", 1, "UK"),
    ("jonas@demo.liveshop", "Kaffee-Klatsch: espresso gear live", 2, "DE"),
    ("tasha@demo.liveshop", "Glow-up Hour: flash deals on skincare", 3, "US"),
]


async def add_shows(uow: UnitOfWork) -> None:
    s = uow.session
    for n, (email, title, shop_id, market) in enumerate(SHOWS):
        host = (await s.execute(select(User).where(User.email == email))).scalar_one()
        # The shop lets its creator sell its products (the demo skips the seller's click).
        s.add(ShopCreator(shop_id=shop_id, creator_id=host.id))
        products = list(
            (
                await s.execute(
                    select(Product.id)
                    .where(Product.shop_id == shop_id)
                    .order_by(Product.id)
                    .limit(5)
                )
            ).scalars()
        )
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
