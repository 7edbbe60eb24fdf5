"""Buyer pages beyond the room: shops, creators, events, replays, notifications, returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.models import User
from liveshop.catalog.models import Shop
from liveshop.deps import IdPath, Uow
from liveshop.live.shows.models import Show
from liveshop.web.pages import MaybeCaller, exists, login_first, missing, render

router = APIRouter(include_in_schema=False)

Slug = Annotated[str, Path(min_length=1, max_length=80)]


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


@router.get("/shows/{show_id}/replay", response_class=HTMLResponse)
async def replay_page(request: Request, show_id: IdPath, caller: MaybeCaller, uow: Uow) -> Response:
    if not await exists(uow, Show, show_id):
        return missing(request, caller, "show")
    return render(request, caller, "replay.html", "Replay", show_id=show_id)


@router.get("/notifications", response_class=HTMLResponse)
async def notifications_page(request: Request, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "notifications.html", "Notifications")
