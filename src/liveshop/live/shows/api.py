"""The show API: scheduling, going live, RSVPs, co-hosts and the shops a creator sells for."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.deps import CurrentUser
from liveshop.accounts.models import User
from liveshop.catalog.schemas import ShopPublic
from liveshop.deps import IdPath, PageDep, Uow
from liveshop.live.shows import audience, service
from liveshop.live.shows.models import Show
from liveshop.live.shows.schemas import (
    AllowedShopPublic,
    CohostInvite,
    CohostPublic,
    ShowCreate,
    ShowPublic,
    ShowUpdate,
)

router = APIRouter(tags=["live"])


StatusFilter = Literal["live", "scheduled", "ended", "cancelled"]


async def show_public(session: AsyncSession, show: Show) -> ShowPublic:
    return (await shows_public(session, [show]))[0]


async def shows_public(session: AsyncSession, shows: list[Show]) -> list[ShowPublic]:
    """Four queries for any number of shows (not four per show)."""
    if not shows:
        return []
    ids = [s.id for s in shows]
    products = await service.products_of(session=session, show_ids=ids)
    rsvps = await service.rsvp_counts(session=session, show_ids=ids)
    cohosts = await service.cohosts_of(session=session, show_ids=ids)
    host_ids = {s.host_id for s in shows}
    hosts = {
        u.id: u
        for u in (await session.execute(select(User).where(User.id.in_(host_ids)))).scalars()
    }
    out = []
    for show in shows:
        public = ShowPublic.model_validate(show)
        public.product_ids = products[show.id]
        public.rsvp_count = rsvps[show.id]
        host = hosts.get(show.host_id)
        public.host_name = host.display_name if host else ""
        public.cohosts = [
            CohostPublic(user_id=u.id, display_name=u.display_name, status=c.status)
            for c, u in cohosts[show.id]
        ]
        out.append(public)
    return out


@router.post("/shows", status_code=status.HTTP_201_CREATED)
async def create_show(data: ShowCreate, user: CurrentUser, uow: Uow) -> ShowPublic:
    """Schedule a show with the products it will sell."""
    show = await service.create(session=uow.session, host=user, data=data)
    out = await show_public(uow.session, show)
    await uow.commit()
    return out


@router.get("/shows")
async def list_shows(
    uow: Uow,
    page: PageDep,
    status_: Annotated[list[StatusFilter] | None, Query(alias="status")] = None,
    host_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    shop_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[ShowPublic]:
    """Live and upcoming shows by default, soonest first; filter by host or shop."""
    statuses: list[str] = [str(s) for s in status_] if status_ else service.ACTIVE
    rows = await service.list_(
        session=uow.session,
        statuses=statuses,
        limit=page.limit,
        offset=page.offset,
        host_id=host_id,
        shop_id=shop_id,
    )
    return await shows_public(uow.session, rows)


@router.get("/shows/{show_id}")
async def get_show(show_id: IdPath, uow: Uow) -> ShowPublic:
    return await show_public(uow.session, await service.get(session=uow.session, show_id=show_id))


@router.patch("/shows/{show_id}")
async def update_show(show_id: IdPath, data: ShowUpdate, user: CurrentUser, uow: Uow) -> ShowPublic:
    show = await service.update(session=uow.session, host=user, show_id=show_id, data=data)
    out = await show_public(uow.session, show)
    await uow.commit()
    return out


@router.post("/shows/{show_id}/cancel")
async def cancel_show(show_id: IdPath, user: CurrentUser, uow: Uow) -> ShowPublic:
    """Cancel a scheduled show; everyone who RSVP'd is told."""
    show = await service.cancel(uow=uow, host=user, show_id=show_id)
    out = await show_public(uow.session, show)
    await uow.commit()
    return out


@router.put("/shows/{show_id}/rsvp", status_code=status.HTTP_204_NO_CONTENT)
async def rsvp(show_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    """Be told when the show goes live."""
    await audience.rsvp(session=uow.session, user=user, show_id=show_id)
    await uow.commit()


@router.delete("/shows/{show_id}/rsvp", status_code=status.HTTP_204_NO_CONTENT)
async def cancel_rsvp(show_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await audience.cancel_rsvp(session=uow.session, user=user, show_id=show_id)
    await uow.commit()


@router.get("/me/rsvps")
async def my_rsvps(user: CurrentUser, uow: Uow) -> list[int]:
    return await audience.my_rsvps(session=uow.session, user=user)


@router.post("/shows/{show_id}/cohosts", status_code=status.HTTP_201_CREATED)
async def invite_cohost(
    show_id: IdPath, data: CohostInvite, user: CurrentUser, uow: Uow
) -> ShowPublic:
    """Invite another creator; the original host keeps the orders."""
    await audience.invite_cohost(uow=uow, host=user, show_id=show_id, user_id=data.user_id)
    out = await show_public(uow.session, await service.get(session=uow.session, show_id=show_id))
    await uow.commit()
    return out


@router.post("/shows/{show_id}/cohosts/accept")
async def accept_cohost(show_id: IdPath, user: CurrentUser, uow: Uow) -> ShowPublic:
    await audience.accept_cohost(session=uow.session, user=user, show_id=show_id)
    out = await show_public(uow.session, await service.get(session=uow.session, show_id=show_id))
    await uow.commit()
    return out


@router.delete("/shows/{show_id}/cohosts/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_cohost(show_id: IdPath, user_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    await audience.remove_cohost(session=uow.session, actor=user, show_id=show_id, user_id=user_id)
    await uow.commit()


@router.post("/shows/{show_id}/visits", status_code=status.HTTP_204_NO_CONTENT)
async def record_visit(show_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    """The room or replay page says a signed-in viewer opened it (attribution's touch)."""
    await service.record_visit(session=uow.session, viewer=user, show_id=show_id)
    await uow.commit()


@router.get("/me/allowed-shops")
async def my_allowed_shops(user: CurrentUser, uow: Uow) -> list[AllowedShopPublic]:
    """Shops whose products I may sell in my shows: my own, then those that allow me."""
    rows = await audience.allowed_shops(session=uow.session, user=user)
    return [
        AllowedShopPublic(**ShopPublic.model_validate(shop).model_dump(), via=via)
        for shop, via in rows
    ]
