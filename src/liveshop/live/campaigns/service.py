"""Multi-brand events: one page and schedule grouping shows from several shops."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.campaigns.models import LiveEvent, LiveEventShow
from liveshop.live.campaigns.schemas import EventCreate
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show


async def create(*, session: AsyncSession, actor: User, data: EventCreate) -> LiveEvent:
    """Operators run campaigns; only admins create them."""
    if not actor.has_role(Role.admin):
        raise forbidden("Only operators create multi-brand events.")
    if (await session.execute(select(LiveEvent.id).where(LiveEvent.slug == data.slug))).first():
        raise Problem(
            409, "slug_taken", "An event called '{slug}' exists.", values={"slug": data.slug}
        )
    event = LiveEvent(
        slug=data.slug,
        title=data.title,
        description=data.description,
        cover_url=data.cover_url,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        created_by=actor.id,
    )
    session.add(event)
    await session.flush()
    await add_shows(session=session, actor=actor, event=event, show_ids=data.show_ids)
    return event


async def add_shows(
    *, session: AsyncSession, actor: User, event: LiveEvent, show_ids: list[int]
) -> None:
    if not actor.has_role(Role.admin):
        raise forbidden("Only operators change multi-brand events.")
    for show_id in dict.fromkeys(show_ids):
        await shows.get(session=session, show_id=show_id)
        exists = select(LiveEventShow.id).where(
            LiveEventShow.event_id == event.id, LiveEventShow.show_id == show_id
        )
        if (await session.execute(exists)).first():
            continue
        session.add(LiveEventShow(event_id=event.id, show_id=show_id))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "conflict", "That show was just added to this event.") from exc


async def get_by_slug(*, session: AsyncSession, slug: str) -> LiveEvent:
    event = (
        await session.execute(select(LiveEvent).where(LiveEvent.slug == slug))
    ).scalar_one_or_none()
    if event is None:
        raise not_found("event", slug)
    return event


async def shows_of(*, session: AsyncSession, event_id: int) -> list[Show]:
    stmt = (
        select(Show)
        .join(LiveEventShow, LiveEventShow.show_id == Show.id)
        .where(LiveEventShow.event_id == event_id)
        .order_by(Show.starts_at, Show.id)
    )
    return list((await session.execute(stmt)).scalars())


async def list_(*, session: AsyncSession, limit: int, offset: int) -> list[LiveEvent]:
    stmt = select(LiveEvent).order_by(LiveEvent.starts_at.desc()).limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars())
