"""Room moderation: who may act on a room, sanctions, deleted messages and keyword lists.

Authorization lives here, in the service layer: a moderator acts only on the rooms they were
appointed to (the host, accepted co-hosts and admins count as moderators of their rooms).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.analytics.ingest import recorder as analytics
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.room.events import ModerationEvent, send_room_event
from liveshop.live.room.models import ChatMessage, PlatformKeyword, RoomModerator, RoomSanction
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show, ShowCohost
from liveshop.uow import UnitOfWork

MUTE = "mute"
BAN = "ban"


# --- who may act --------------------------------------------------------------------------


async def is_host(*, session: AsyncSession, user: User, show: Show) -> bool:
    """The host, an accepted co-host, or an admin: may run the room (pins, settings)."""
    if user.has_role(Role.admin):
        return True
    return await is_cohost_or_host(session=session, user=user, show=show)


async def is_cohost_or_host(*, session: AsyncSession, user: User, show: Show) -> bool:
    """The show's own people (host or accepted co-host), admins not included."""
    if show.host_id == user.id:
        return True
    stmt = select(ShowCohost.id).where(
        ShowCohost.show_id == show.id,
        ShowCohost.user_id == user.id,
        ShowCohost.status == "accepted",
    )
    return (await session.execute(stmt)).first() is not None


async def is_moderator(*, session: AsyncSession, user: User, show: Show) -> bool:
    if await is_host(session=session, user=user, show=show):
        return True
    stmt = select(RoomModerator.id).where(
        RoomModerator.show_id == show.id, RoomModerator.user_id == user.id
    )
    return (await session.execute(stmt)).first() is not None


async def check_host(*, session: AsyncSession, actor: User, show_id: int) -> Show:
    show = await shows.get(session=session, show_id=show_id)
    if not await is_host(session=session, user=actor, show=show):
        raise forbidden("Only the show's host can do that.")
    return show


async def check_moderator(*, session: AsyncSession, actor: User, show_id: int) -> Show:
    show = await shows.get(session=session, show_id=show_id)
    if not await is_moderator(session=session, user=actor, show=show):
        raise forbidden("Only this room's moderators can do that.")
    return show


# --- moderators -----------------------------------------------------------------------------


async def list_moderators(*, session: AsyncSession, actor: User, show_id: int) -> list[User]:
    await check_moderator(session=session, actor=actor, show_id=show_id)
    stmt = (
        select(User)
        .join(RoomModerator, RoomModerator.user_id == User.id)
        .where(RoomModerator.show_id == show_id)
        .order_by(RoomModerator.id)
    )
    return list((await session.execute(stmt)).scalars())


async def add_moderator(*, session: AsyncSession, actor: User, show_id: int, user_id: int) -> User:
    await check_host(session=session, actor=actor, show_id=show_id)
    user = await session.get(User, user_id)
    if user is None:
        raise not_found("user", user_id)
    exists = select(RoomModerator.id).where(
        RoomModerator.show_id == show_id, RoomModerator.user_id == user_id
    )
    if (await session.execute(exists)).first() is None:
        session.add(RoomModerator(show_id=show_id, user_id=user_id))
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            pass  # appointed concurrently: the first appointment stands
    return user


async def remove_moderator(
    *, session: AsyncSession, actor: User, show_id: int, user_id: int
) -> None:
    await check_host(session=session, actor=actor, show_id=show_id)
    await session.execute(
        delete(RoomModerator).where(
            RoomModerator.show_id == show_id, RoomModerator.user_id == user_id
        )
    )


# --- sanctions ------------------------------------------------------------------------------


async def active_sanction(
    *, session: AsyncSession, show_id: int, user_id: int
) -> RoomSanction | None:
    """The ban, else the longest-running mute, in force for `user_id` now."""
    stmt = select(RoomSanction).where(
        RoomSanction.show_id == show_id,
        RoomSanction.user_id == user_id,
        or_(RoomSanction.until.is_(None), RoomSanction.until > utcnow()),
    )
    rows = list((await session.execute(stmt)).scalars())
    bans = [r for r in rows if r.kind == BAN]
    if bans:
        return bans[0]
    mutes = sorted((r for r in rows if r.until is not None), key=lambda r: r.until or utcnow())
    return mutes[-1] if mutes else None


async def is_banned(*, session: AsyncSession, show_id: int, user_id: int) -> bool:
    found = await active_sanction(session=session, show_id=show_id, user_id=user_id)
    return found is not None and found.kind == BAN


async def _check_target(session: AsyncSession, show: Show, user_id: int) -> User:
    target = await session.get(User, user_id)
    if target is None:
        raise not_found("user", user_id)
    if await is_moderator(session=session, user=target, show=show):
        raise Problem(409, "target_is_moderator", "Hosts and moderators cannot be sanctioned.")
    return target


async def mute(
    *, uow: UnitOfWork, actor: User, show_id: int, user_id: int, minutes: int
) -> datetime:
    show = await check_moderator(session=uow.session, actor=actor, show_id=show_id)
    await _check_target(uow.session, show, user_id)
    until = utcnow() + timedelta(minutes=minutes)
    uow.session.add(
        RoomSanction(show_id=show_id, user_id=user_id, kind=MUTE, until=until, created_by=actor.id)
    )
    await uow.session.flush()
    send_room_event(
        uow, show_id, ModerationEvent(action="user_muted", user_id=user_id, until=until)
    )
    uow.on_commit(analytics.later("moderation", show_id=show_id))
    return until


async def ban(*, uow: UnitOfWork, actor: User, show_id: int, user_id: int) -> None:
    """Ban from this room; every process disconnects the user when the event arrives."""
    show = await check_moderator(session=uow.session, actor=actor, show_id=show_id)
    await _check_target(uow.session, show, user_id)
    if not await is_banned(session=uow.session, show_id=show_id, user_id=user_id):
        uow.session.add(
            RoomSanction(
                show_id=show_id, user_id=user_id, kind=BAN, until=None, created_by=actor.id
            )
        )
        await uow.session.flush()
    send_room_event(uow, show_id, ModerationEvent(action="user_banned", user_id=user_id))
    uow.on_commit(analytics.later("moderation", show_id=show_id))


async def lift(
    *, session: AsyncSession, actor: User, show_id: int, user_id: int, kind: str
) -> None:
    """Unmute or unban."""
    await check_moderator(session=session, actor=actor, show_id=show_id)
    await session.execute(
        delete(RoomSanction).where(
            RoomSanction.show_id == show_id,
            RoomSanction.user_id == user_id,
            RoomSanction.kind == kind,
        )
    )


async def delete_message(*, uow: UnitOfWork, actor: User, show_id: int, message_id: int) -> None:
    """Delete a chat message for every viewer."""
    await check_moderator(session=uow.session, actor=actor, show_id=show_id)
    message = await uow.session.get(ChatMessage, message_id)
    if message is None or message.show_id != show_id:
        raise not_found("message", message_id)
    if message.deleted_at is not None:
        return
    message.deleted_at, message.deleted_by = utcnow(), actor.id
    await uow.session.flush()
    send_room_event(uow, show_id, ModerationEvent(action="message_deleted", message_id=message_id))
    uow.on_commit(analytics.later("moderation", show_id=show_id))


# --- keywords -------------------------------------------------------------------------------


def normalize_words(words: list[str]) -> list[str]:
    return sorted({w.strip().casefold() for w in words if w.strip()})


async def set_show_keywords(
    *, session: AsyncSession, actor: User, show_id: int, words: list[str]
) -> list[str]:
    show = await check_host(session=session, actor=actor, show_id=show_id)
    show.keywords = normalize_words(words)
    await session.flush()
    return show.keywords


async def blocked_word(*, session: AsyncSession, show: Show, text: str) -> str | None:
    """The first blocked word `text` contains as a whole word, host's list or platform's."""
    platform = list((await session.execute(select(PlatformKeyword.word))).scalars())
    words = [*show.keywords, *platform]
    if not words:
        return None
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(w.casefold()) for w in words) + r")(?!\w)"
    )
    found = pattern.search(text.casefold())
    return found.group(1) if found else None


def _check_admin(actor: User) -> None:
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins manage the platform keyword list.")


async def list_platform_keywords(*, session: AsyncSession, actor: User) -> list[PlatformKeyword]:
    _check_admin(actor)
    stmt = select(PlatformKeyword).order_by(PlatformKeyword.word)
    return list((await session.execute(stmt)).scalars())


async def add_platform_keyword(*, session: AsyncSession, actor: User, word: str) -> PlatformKeyword:
    _check_admin(actor)
    word = word.strip().casefold()
    stmt = select(PlatformKeyword).where(PlatformKeyword.word == word)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        row = PlatformKeyword(word=word)
        session.add(row)
        try:
            async with session.begin_nested():
                await session.flush()
        except IntegrityError:
            row = (await session.execute(stmt)).scalar_one()
    return row


async def delete_platform_keyword(*, session: AsyncSession, actor: User, keyword_id: int) -> None:
    _check_admin(actor)
    row = await session.get(PlatformKeyword, keyword_id)
    if row is None:
        raise not_found("keyword", keyword_id)
    await session.delete(row)
