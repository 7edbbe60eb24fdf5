"""Buyer pages: the home page, live rooms and replays, products, shops, creators, events,
the cart, orders and notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.models import User
from liveshop.catalog.models import Product, Shop
from liveshop.deps import IdPath, Uow
from liveshop.live.shows.models import Show
from liveshop.web.assets import STATIC_DIR
from liveshop.web.pages.common import LoggedIn, MaybeCaller, exists, missing, render

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=80)]


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico before reading the page's <link rel="icon">."""
    body = (STATIC_DIR / "favicon.svg").read_bytes()
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, caller: MaybeCaller) -> Response:
    return render(request, caller, "home.html", "Shop", q=request.query_params.get("q", ""))


@router.get("/shows/{show_id}", response_class=HTMLResponse)
async def live_room(request: Request, show_id: IdPath, caller: MaybeCaller, uow: Uow) -> Response:
    if not await exists(uow, Show, show_id):
        return missing(request, caller, "show")
    return render(request, caller, "room.html", "Live room", show_id=show_id)


@router.get("/shows/{show_id}/replay", response_class=HTMLResponse)
async def replay_page(request: Request, show_id: IdPath, caller: MaybeCaller, uow: Uow) -> Response:
    if not await exists(uow, Show, show_id):
        return missing(request, caller, "show")
    return render(request, caller, "replay.html", "Replay", show_id=show_id)


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(
    request: Request, product_id: IdPath, caller: MaybeCaller, uow: Uow
) -> Response:
    if not await exists(uow, Product, product_id):
        return missing(request, caller, "product")
    return render(request, caller, "product.html", "Product", product_id=product_id)


@router.get("/shops/{shop_id}", response_class=HTMLResponse)
async def shop_page(request: Request, shop_id: IdPath, caller: MaybeCaller, uow: Uow) -> Response:
    if not await exists(uow, Shop, shop_id):
        return missing(request, caller, "shop")
    return render(request, caller, "shop.html", "Shop", shop_id=shop_id)


@router.get("/creators/{user_id}", response_class=HTMLResponse)
async def creator_page(
    request: Request, user_id: IdPath, caller: MaybeCaller, uow: Uow
) -> Response:
    if not await exists(uow, User, user_id):
        return missing(request, caller, "creator")
    return render(request, caller, "creator.html", "Creator", creator_id=user_id)


@router.get("/events/{slug}", response_class=HTMLResponse)
async def event_page(request: Request, slug: Slug, caller: MaybeCaller) -> Response:
    return render(request, caller, "event.html", "Event", slug=slug)


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "cart.html", "Cart")


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "orders.html", "Your orders")


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "notifications.html", "Notifications")
