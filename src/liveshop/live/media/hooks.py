"""Video service logic: the nginx-rtmp callbacks, stream sessions, stream keys and playback.

A show goes live on the first accepted publish and ends once its encoder has been gone for
`media_reconnect_grace_seconds`, so a flaky uplink that reconnects keeps the show (and its
replay) in one piece. Each publish is one StreamSession; more than one means disconnects.
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.live.media import nginx as media
from liveshop.live.media import stream_keys
from liveshop.live.media.models import StreamSession
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

STARTABLE = (ShowStatus.scheduled.value, ShowStatus.live.value)


def check_secret(settings: Settings, secret: str | None) -> None:
    """Only our nginx knows the hook secret; anyone else gets a 403."""
    expected = media.hook_secret(settings)
    if not secret or not hmac.compare_digest(secret.encode(), expected.encode()):
        raise Problem(403, "hook_secret_invalid", "Unknown media hook secret.")


async def lock_show(session: AsyncSession, show_id: int) -> Show:
    # Serializes concurrent hooks and the monitor on one show (SQLite serializes writers anyway).
    stmt = (
        select(Show)
        .where(Show.id == show_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one()


async def open_sessions(*, session: AsyncSession, show_id: int) -> list[StreamSession]:
    stmt = (
        select(StreamSession)
        .where(StreamSession.show_id == show_id, StreamSession.ended_at.is_(None))
        .order_by(StreamSession.id.desc())
    )
    return list((await session.execute(stmt)).scalars())


def close_session(row: StreamSession, reason: str) -> None:
    row.ended_at = utcnow()
    row.end_reason = reason


async def check_publish(*, session: AsyncSession, settings: Settings, key: str) -> Show:
    """Validate a publish and lock the show; raises a 4xx Problem, changing nothing, to deny."""
    found = await stream_keys.find(session=session, key=key)
    if found is None:
        raise Problem(403, "stream_key_invalid", "Unknown stream key.")
    show = await lock_show(session, found.id)
    if show.status not in STARTABLE:
        raise Problem(
            409,
            "show_not_startable",
            "A {status} show cannot go live.",
            values={"status": show.status},
        )
    await shows.check_can_go_live(session=session, show=show)
    still_open = await open_sessions(session=session, show_id=show.id)
    if still_open and await stream_active(settings, show.id):
        # A second encoder on the key. nginx would refuse it too, but only after we opened a
        # session for it. When nginx cannot be asked, the open row is more likely a leftover
        # of a crashed nginx than a duplicate, so the publish goes ahead.
        raise Problem(409, "already_publishing", "This show's stream is already publishing.")
    return show


async def do_publish(
    *, uow: UnitOfWork, settings: Settings, show: Show, client_addr: str | None
) -> StreamSession:
    """Open a stream session and, on the first publish, take the show live.

    Precondition: `show` is locked by `check_publish`.
    """
    for stale in await open_sessions(session=uow.session, show_id=show.id):
        close_session(stale, "lost")  # nginx no longer has it: its publish_done never came
    row = StreamSession(show_id=show.id, started_at=utcnow(), client_addr=client_addr)
    uow.session.add(row)
    if show.status == ShowStatus.scheduled:
        # A reconnect of a live show tells nobody: viewers never saw it go.
        await shows.go_live(uow=uow, show=show, hls_url=media.live_playlist_url(settings, show.id))
    await uow.session.flush()
    return row


async def stream_active(settings: Settings, show_id: int) -> bool | None:
    """Whether nginx reports the show's stream as publishing; None when it cannot be asked."""
    streams = await media.fetch_streams(settings, wait=1.0)
    if streams is None:
        return None
    return media.stream_name(show_id) in streams


async def publish_done(
    *, uow: UnitOfWork, settings: Settings, key: str, client_addr: str | None
) -> Show | None:
    """Close the publish's session; the show ends after the grace unless the encoder returns."""
    found = await stream_keys.find(session=uow.session, key=key)
    if found is None:
        return None  # the key was rotated or never valid: nothing of ours is open
    show = await lock_show(uow.session, found.id)
    rows = await open_sessions(session=uow.session, show_id=show.id)
    if not rows:
        # The monitor may have seen the stream vanish from /stat a moment before this hook
        # arrived and closed the session as lost; nginx's own word is the better reason.
        latest = (
            await uow.session.execute(
                select(StreamSession)
                .where(StreamSession.show_id == show.id)
                .order_by(StreamSession.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if latest is not None and latest.end_reason == "lost":
            latest.end_reason = "publish_done"
        return show
    # nginx names the publisher only by address; prefer the newest session from it.
    row = next((r for r in rows if r.client_addr == client_addr), rows[0])
    close_session(row, "publish_done")
    await uow.session.flush()
    await finish_if_due(uow=uow, settings=settings, show=show)
    return show


async def finish_if_due(*, uow: UnitOfWork, settings: Settings, show: Show) -> bool:
    """End a live show whose encoder is gone past the grace; True when it ended.

    Shows that never had a stream session (marked live by hand) are left alone.
    Precondition: `show` is locked.
    """
    if show.status != ShowStatus.live:
        return False
    stmt = select(
        func.count(StreamSession.id),
        func.count(StreamSession.id).filter(StreamSession.ended_at.is_(None)),
        func.max(StreamSession.ended_at),
    ).where(StreamSession.show_id == show.id)
    total, still_open, last_end = (await uow.session.execute(stmt)).one()
    if not total or still_open or last_end is None:
        return False
    if last_end > utcnow() - timedelta(seconds=settings.media_reconnect_grace_seconds):
        return False
    await finish(uow=uow, settings=settings, show=show)
    return True


async def finish(*, uow: UnitOfWork, settings: Settings, show: Show) -> None:
    """Close the replay playlist and end the show.  Precondition: `show` is locked."""
    for row in await open_sessions(session=uow.session, show_id=show.id):
        close_session(row, "show_ended")
    replay = await asyncio.to_thread(media.merge_replay, settings, show.id, final=True)
    show.replay_path = replay or show.replay_path
    await shows.end(uow=uow, show=show)


async def rotate_stream_key(
    *, session: AsyncSession, settings: Settings, host: User, show_id: int
) -> str:
    """Give the show a new key; the old one stops working at once. Not while live."""
    found = await shows.get_for_host(session=session, host=host, show_id=show_id)
    show = await lock_show(session, found.id)
    if show.status == ShowStatus.live:
        raise Problem(409, "show_live", "Stop streaming before rotating the stream key.")
    if show.status not in STARTABLE:
        raise Problem(
            409,
            "show_not_startable",
            "A {status} show needs no stream key.",
            values={"status": show.status},
        )
    key = stream_keys.issue(settings, show)
    await session.flush()
    return key


async def ingest_key(*, uow: UnitOfWork, settings: Settings, host: User, show_id: int) -> str:
    """The show's stream key for its host, issued on the first request.

    `uow` may be read-only (a GET): issuing opens its own write unit of work.
    """
    show = await shows.get_for_host(session=uow.session, host=host, show_id=show_id)
    key = stream_keys.reveal(settings, show)
    if key is not None:
        return key
    async with UnitOfWork(db=uow.db, broker=uow.broker) as writer:
        locked = await lock_show(writer.session, show.id)
        key = stream_keys.reveal(settings, locked)  # a concurrent first request won
        if key is None:
            if locked.status == ShowStatus.live:
                raise Problem(
                    409, "show_live", "Stop streaming before a new stream key can be issued."
                )
            key = stream_keys.issue(settings, locked)
            await writer.commit()
    return key


async def list_sessions(*, session: AsyncSession, show_id: int) -> list[StreamSession]:
    stmt = select(StreamSession).where(StreamSession.show_id == show_id).order_by(StreamSession.id)
    return list((await session.execute(stmt)).scalars())
