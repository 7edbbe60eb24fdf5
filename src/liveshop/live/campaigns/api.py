"""The campaign API: a multi-brand live event and its shows."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import PageDep, Uow
from liveshop.live.campaigns import service as campaigns
from liveshop.live.campaigns.models import LiveEvent
from liveshop.live.campaigns.schemas import EventCreate, EventPublic, EventShowsIn
from liveshop.live.shows.api import shows_public

router = APIRouter(tags=["live"])


async def event_public(session: AsyncSession, event: LiveEvent) -> EventPublic:
    rows = await campaigns.shows_of(session=session, event_id=event.id)
    shows = await shows_public(session, rows)
    return EventPublic(
        id=event.id,
        slug=event.slug,
        title=event.title,
        description=event.description,
        cover_url=event.cover_url,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        shows=shows,
        shop_ids=sorted({s.shop_id for s in rows if s.shop_id is not None}),
    )


@router.post("/events", status_code=status.HTTP_201_CREATED)
async def create_event(data: EventCreate, user: CurrentUser, uow: Uow) -> EventPublic:
    """A multi-brand campaign grouping shows from several shops (operators only)."""
    event = await campaigns.create(session=uow.session, actor=user, data=data)
    out = await event_public(uow.session, event)
    await uow.commit()
    return out


@router.get("/events")
async def list_events(uow: Uow, page: PageDep) -> list[EventPublic]:
    rows = await campaigns.list_(session=uow.session, limit=page.limit, offset=page.offset)
    return [await event_public(uow.session, e) for e in rows]


@router.get("/events/{slug}")
async def get_event(slug: str, uow: Uow) -> EventPublic:
    return await event_public(
        uow.session, await campaigns.get_by_slug(session=uow.session, slug=slug)
    )


@router.post("/events/{slug}/shows")
async def add_event_shows(
    slug: str, data: EventShowsIn, user: CurrentUser, uow: Uow
) -> EventPublic:
    event = await campaigns.get_by_slug(session=uow.session, slug=slug)
    await campaigns.add_shows(session=uow.session, actor=user, event=event, show_ids=data.show_ids)
    out = await event_public(uow.session, event)
    await uow.commit()
    return out
