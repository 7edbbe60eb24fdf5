"""The one factory for a show: a seller, a shop, products, the show selling them, and (unless
told otherwise) the show live. Every other show builder in the kits is this one with presets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from sqlalchemy import update

from liveshop.live.media import nginx as media
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show
from liveshop.uow import UnitOfWork
from tests.kits.affiliates import collaborate
from tests.kits.factories import Actor, Api

API = "/api/v1"


@dataclass
class LiveShow:
    seller: Actor  # the shop's owner
    shop_id: int
    show_id: int
    product_id: int  # the first product
    variant_id: int  # its first variant
    shop: dict[str, Any] = field(default_factory=dict)
    show: dict[str, Any] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)
    collaborations: list[int] = field(default_factory=list)  # the host's, if not the seller


async def live_show(
    api: Api,
    client: httpx.AsyncClient | None = None,
    *,
    seller: Actor | None = None,
    shop_name: str | None = None,
    verification: str = "verified",
    products: int | list[dict[str, Any]] = 1,
    stock: int = 5,
    prices: dict[str, int] | None = None,
    host: Actor | None = None,
    markets: list[str] | None = None,
    title: str = "Live now",
    pins: int = 0,
    live: Literal["status", "room"] | None = "status",
) -> LiveShow:
    """A seller's show selling its products.

    `products`: how many (`stock` each, priced `prices`), or the product bodies to create.
    `host`: a creator the shop collaborates with on every product (accepted, showcased, any
    price), who then hosts the show instead of the seller.
    `pins`: how many of the products the show pins, in order.
    `live`: "status" switches it live in the database only (the promotion tests need no room),
    "room" through the service as the media hook does (the room hears it), None leaves it
    scheduled (the studio, a real server)."""
    client = client or api.c
    prices = prices or {"UK": 1000}
    seller = seller or await api.user("seller")
    shop = await api.shop(seller, name=shop_name, verification=verification)
    if isinstance(products, int):
        items = [
            await api.product(seller, shop["id"], stock=stock, prices=prices)
            for _ in range(products)
        ]
    else:
        items = []
        for body in products:
            r = await client.post(
                f"{API}/shops/{shop['id']}/products", headers=seller.headers, json=body
            )
            assert r.status_code == 201, r.text
            items.append(r.json())
    collabs: list[int] = []
    if host is not None:  # the shop invites the creator for every product, any price allowed
        collabs = await collaborate(client, seller, host, [p["id"] for p in items])
    owner = host or seller
    body: dict[str, Any] = {
        "title": title,
        "starts_at": "2030-01-01T18:00:00Z",
        "markets": markets or sorted(prices),
        "product_ids": [p["id"] for p in items],
    }
    if host is None:
        body["shop_id"] = shop["id"]
    r = await client.post(f"{API}/shows", headers=owner.headers, json=body)
    assert r.status_code == 201, r.text
    show = r.json()
    for p in items[:pins]:
        r = await client.post(
            f"{API}/shows/{show['id']}/pins", headers=owner.headers, json={"product_id": p["id"]}
        )
        assert r.status_code == 201, r.text
    if live == "status":
        await set_show_status(api.app, show["id"], "live")
    elif live == "room":
        await go_live(api.app, show["id"])
    return LiveShow(
        seller,
        shop["id"],
        show["id"],
        items[0]["id"],
        items[0]["variants"][0]["id"],
        shop,
        show,
        items,
        collabs,
    )


def app_of(app_or_client: Any) -> Any:
    """The app itself, or the app behind an in-process client (as `Api` finds it)."""
    return getattr(getattr(app_or_client, "_transport", None), "app", app_or_client)


async def set_show_status(app: Any, show_id: int, status: str) -> None:
    """The show's status, straight in the app's database (no event, no room)."""
    app = app_of(app)
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        await uow.session.execute(update(Show).where(Show.id == show_id).values(status=status))
        await uow.commit()


async def go_live(app: Any, show_id: int) -> None:
    """Live the way the media hook makes it: through the service, so the room hears it."""
    app = app_of(app)
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        show = await uow.session.get(Show, show_id)
        assert show is not None
        url = media.live_playlist_url(app.state.settings, show_id)
        await shows.go_live(uow=uow, show=show, hls_url=url)
        await uow.commit()
