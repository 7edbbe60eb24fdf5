"""The per-process room hub: coalescing, fan-out, resume and room-wide counters.

Events are numbered when published (`room_store`), so this layer never invents a `seq`: each
process keeps, per room with local viewers, the state as of `last_seq` (a snapshot kept current
with `events.apply`) and a small ring of recent events. Every tick it turns what arrived into at
most one frame, serialized once and shared by every viewer's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from liveshop.accounts.service import KICK_CHANNEL
from liveshop.analytics.ingest import recorder as analytics
from liveshop.broker import Broker
from liveshop.db import Database, utcnow
from liveshop.live.room import service as room_service
from liveshop.live.room.events import (
    ErrorEvent,
    HeartbeatEvent,
    LikeCountEvent,
    ModerationEvent,
    RoomState,
    ShowStateEvent,
    SnapshotEvent,
    ViewersEvent,
    apply,
    room_event,
)
from liveshop.live.room.store import RoomStore, decode, encode, room_channel, store_for
from liveshop.live.room.wire import RawWrite, text_frame
from liveshop.metrics import SLOW_CONSUMER_CUTOFFS
from liveshop.settings import Settings

log = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 1001
CLOSE_SLOW_CONSUMER = 4008  # reconnect with ?after=<last seq> to resume
CLOSE_INVALID_TOKEN = 4401
CLOSE_BANNED = 4403
CLOSE_NOT_FOUND = 4404
IDLE_ROOM_SECONDS = 5.0  # keep a room warm briefly so a reconnect storm does not reload it


class Sink(Protocol):
    async def send(self, text: str) -> None: ...

    async def close(self, code: int, reason: str) -> None: ...


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str


@dataclass
class _Frame:
    first: int
    last: int
    events: list[str]
    text: str
    _wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        """The WebSocket frame, built once however many viewers get it."""
        if self._wire is None:
            self._wire = text_frame(self.text)
        return self._wire


@dataclass(eq=False)
class Viewer:
    """One connection's queue: frames already serialized, shared with other viewers."""

    sink: Sink
    user_id: int | None
    key: str
    bound: int
    counted: bool = True  # False for the show's own people: they are not its audience
    cursor: int = 0
    closed: bool = False
    holding: list[_Frame] | None = None
    queue: asyncio.Queue[str | _Close] = field(default_factory=asyncio.Queue)
    room: Room | None = None
    raw: RawWrite | None = None  # see live/wire.py; None: every frame goes through `sink`
    token_hash: str | None = None  # the session or token it signed in with, to end it on logout
    sending: bool = False
    _task: asyncio.Task[None] | None = None

    def deliver(self, frame: _Frame) -> None:
        if self.closed:
            return
        if self.holding is not None:
            self.holding.append(frame)
            return
        if frame.last <= self.cursor:
            return
        if frame.first <= self.cursor:  # resumed mid-frame: only the part not yet seen
            unseen = frame.events[self.cursor - frame.first + 1 :]
            self.cursor = frame.last
            self._push(encode(frame.last, unseen))
            return
        self.cursor = frame.last
        if self.raw is not None and not self.sending and self.queue.empty():
            # Nothing queued or in flight, so writing now keeps the order.
            if not self.raw(frame.wire):
                self.kick(CLOSE_SLOW_CONSUMER, "slow_consumer", drop_backlog=True)
            return
        self._push(frame.text)

    def send_event(self, event: BaseModel) -> None:
        """A personal event (error, pong): it carries the seq already delivered."""
        if not self.closed:
            self._push(encode(self.cursor, [event.model_dump_json()]))

    def _push(self, text: str) -> None:
        if self.queue.qsize() >= self.bound:
            # Dropping frames would leave a gap; the client resumes from its last seq instead.
            self.kick(CLOSE_SLOW_CONSUMER, "slow_consumer", drop_backlog=True)
            return
        self.queue.put_nowait(text)

    def kick(
        self, code: int, reason: str, *, event: BaseModel | None = None, drop_backlog: bool = False
    ) -> None:
        if self.closed:
            return
        if reason == "slow_consumer":
            SLOW_CONSUMER_CUTOFFS.inc()
        if event is not None:
            self.send_event(event)
        self.closed = True
        if self.room is not None:
            self.room.viewers.discard(self)
        if drop_backlog and self._task is not None:
            # The sender may be stuck writing to a peer that stopped reading: do not queue
            # behind it, stop it and close from the side.
            while not self.queue.empty():
                self.queue.get_nowait()
            self._task.cancel()
            _background(self._close(code, reason))
        else:
            self.queue.put_nowait(_Close(code, reason))

    def start(self) -> asyncio.Task[None]:
        """Start the sender task: queued frames go out in order until a close is queued."""
        self._task = asyncio.create_task(self._pump())
        return self._task

    async def _pump(self) -> None:
        while True:
            item = await self.queue.get()
            if isinstance(item, _Close):
                await self._close(item.code, item.reason)
                return
            self.sending = True
            try:
                await self.sink.send(item)
            finally:
                self.sending = False

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sink.close(code, reason), 5)


_closing: set[asyncio.Task[None]] = set()


def _background(coro: Coroutine[Any, Any, None]) -> None:
    task = asyncio.ensure_future(coro)
    _closing.add(task)
    task.add_done_callback(_closing.discard)


class Room:
    def __init__(self, hub: RoomHub, show_id: int) -> None:
        self.hub, self.show_id = hub, show_id
        self.viewers: set[Viewer] = set()
        self.state: RoomState | None = None
        self.last_seq = 0
        self.ring: deque[tuple[int, str]] = deque(maxlen=hub.settings.room_history_events)
        self._inbox: list[tuple[int, list[dict[str, object]]]] = []
        self.pending_likes = 0
        self._heal = False
        self._epoch = hub.broker.epoch
        self._unsubscribe = hub.broker.subscribe(room_channel(show_id), self._on_message)
        self._task: asyncio.Task[None] | None = None
        self._idle_since = time.monotonic()

    @property
    def store(self) -> RoomStore:
        return self.hub.store

    def _on_message(self, _channel: str, message: str) -> None:
        try:
            self._inbox.append(decode(message))
        except (ValueError, KeyError, TypeError):
            log.warning("dropped a malformed room message on %s", _channel)

    async def open(self) -> None:
        # Read the head before the database: anything committed later is numbered after it.
        self.last_seq = await self.store.head(self.show_id)
        self.state = await room_service.load_state(
            db=self.hub.db, show_id=self.show_id, settings=self.hub.settings
        )
        await self.store.seed(self.show_id, likes=self.state.likes, peak=self.state.peak_viewers)
        await self._load_counters()
        self._task = asyncio.create_task(self._run())

    async def _load_counters(self) -> None:
        """Room-wide counters as the store has them now.

        The leader publishes `viewers` only when the totals change, so a process that opens
        the room later must not start from the database's (persisted, stale) figures.
        """
        assert self.state is not None
        st = self.state
        st.likes = max(st.likes, await self.store.likes(self.show_id))
        count, peak, unique = await self.store.totals(self.show_id)
        st.viewers = count
        st.peak_viewers, st.unique_viewers = (
            max(st.peak_viewers, peak),
            max(st.unique_viewers, unique),
        )

    # --- viewers -------------------------------------------------------------------------

    async def add(self, viewer: Viewer, after: int | None) -> None:
        """Register `viewer` and queue what it missed: history after `after`, or a snapshot."""
        assert self.state is not None
        viewer.room, viewer.holding = self, []
        self.viewers.add(viewer)
        try:
            if after is None:
                self._send_snapshot(viewer)
            elif after == self.last_seq:
                viewer.cursor = after
            elif after < self.last_seq and self.ring and self.ring[0][0] <= after + 1:
                self._send_tail(viewer, after, [t for s, t in self.ring if s > after])
            else:  # older than this process remembers, or ahead of it: ask the shared history
                await self._send_history(viewer, after)
        finally:
            held, viewer.holding = viewer.holding or [], None
            for frame in held:
                viewer.deliver(frame)
        if viewer.counted:
            await self.store.add_unique(self.show_id, viewer.key)

    def _send_snapshot(self, viewer: Viewer) -> None:
        assert self.state is not None
        viewer.cursor = self.last_seq
        viewer._push(encode(self.last_seq, [SnapshotEvent(state=self.state).model_dump_json()]))

    def _send_tail(self, viewer: Viewer, after: int, events: list[str]) -> None:
        viewer.cursor = after + len(events)
        if events:
            viewer._push(encode(viewer.cursor, events))

    async def _send_history(self, viewer: Viewer, after: int) -> None:
        head, events = await self.store.since(self.show_id, after)
        if events is None or after > head:
            self._send_snapshot(viewer)  # too far behind, or a seq this room never had
        else:
            self._send_tail(viewer, after, events)

    def remove(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers:
            self._idle_since = time.monotonic()

    # --- the tick loop -------------------------------------------------------------------

    async def _run(self) -> None:
        settings = self.hub.settings
        next_stats = next_heartbeat = time.monotonic()
        next_heartbeat += settings.room_heartbeat_seconds
        while True:
            await asyncio.sleep(settings.room_tick_seconds)
            try:
                if self._epoch != self.hub.broker.epoch:
                    # Redis was away: events published meanwhile are gone (pub/sub and the
                    # history alike), so every viewer gets the room as stored now.
                    epoch = self.hub.broker.epoch
                    await self._resync()
                    self._epoch = epoch
                if self.pending_likes:
                    count, self.pending_likes = self.pending_likes, 0
                    total = await self.store.add_likes(self.show_id, count)
                    await self.store.publish(
                        self.show_id, [LikeCountEvent(count=total).model_dump_json()]
                    )
                await self._drain()
                now = time.monotonic()
                if now >= next_stats:
                    next_stats = now + settings.room_stats_seconds
                    await self._stats()
                if now >= next_heartbeat:
                    next_heartbeat = now + settings.room_heartbeat_seconds
                    beat = HeartbeatEvent(at=utcnow())
                    for viewer in list(self.viewers):
                        viewer.send_event(beat)
                if not self.viewers and now - self._idle_since > IDLE_ROOM_SECONDS:
                    await self.hub._retire(self)
                    return
            except asyncio.CancelledError:
                raise
            except Exception:  # one bad tick (Redis blip, DB hiccup) must not end the room
                log.exception("room %s tick failed", self.show_id)
                await asyncio.sleep(0.5)

    async def _drain(self) -> None:
        inbox, self._inbox = self._inbox, []
        events: list[tuple[int, dict[str, object]]] = []
        for last, batch in inbox:
            first = last - len(batch) + 1
            events.extend(
                (first + i, ev) for i, ev in enumerate(batch) if first + i > self.last_seq
            )
        events.sort(key=lambda e: e[0])
        if self._heal or (events and not _contiguous(self.last_seq, events)):
            self._heal = False
            head, raw = await self.store.since(self.show_id, self.last_seq)
            if raw is None:
                await self._resync()
                return
            fetched = [(self.last_seq + 1 + i, json.loads(r)) for i, r in enumerate(raw)]
            events = fetched + [e for e in events if e[0] > head]
        if not events:
            return
        texts, kicked = [], []
        expected = self.last_seq + 1
        for seq, ev in events:
            if seq != expected:
                if seq > expected:
                    self._heal = True  # a hole the next tick fills from the history
                    break
                continue
            expected += 1
            text = json.dumps(ev, separators=(",", ":"), ensure_ascii=False)
            texts.append(text)
            self.ring.append((seq, text))
            kicked += self._apply(ev)
        if not texts:
            return
        frame = _Frame(self.last_seq + 1, expected - 1, texts, encode(expected - 1, texts))
        self.last_seq = frame.last
        for viewer in list(self.viewers):
            viewer.deliver(frame)
        for user_id in kicked:
            for viewer in [v for v in self.viewers if v.user_id == user_id]:
                viewer.kick(
                    CLOSE_BANNED,
                    "banned",
                    event=ErrorEvent(code="banned", message="You are banned from this room."),
                )

    def _apply(self, raw: dict[str, object]) -> list[int]:
        """Fold an event into the state; returns users to disconnect."""
        assert self.state is not None
        try:
            event = room_event.validate_python(raw)
        except ValidationError:
            # Not a room event: selling's announcements and the like pass through unfolded.
            return []
        apply(self.state, event, recent_chat=self.hub.settings.room_recent_chat)
        if isinstance(event, ShowStateEvent) and event.status == "ended":
            self.hub._spawn(self._persist())
        if isinstance(event, ModerationEvent) and event.action == "user_banned" and event.user_id:
            return [event.user_id]
        return []

    async def _resync(self) -> None:
        """This process fell out of the history: reload and give every viewer a snapshot."""
        self.last_seq = await self.store.head(self.show_id)
        self.state = await room_service.load_state(
            db=self.hub.db, show_id=self.show_id, settings=self.hub.settings
        )
        await self._load_counters()
        self.ring.clear()
        for viewer in list(self.viewers):
            self._send_snapshot(viewer)

    async def _stats(self) -> None:
        assert self.state is not None
        settings, store = self.hub.settings, self.store
        await store.report(self.show_id, self.hub.proc, sum(v.counted for v in self.viewers))
        head = await store.head(self.show_id)
        if head < self.last_seq:
            await self._resync()  # Redis came back empty: numbering starts again
        elif head > self.last_seq and not self._inbox:
            self._heal = True  # pub/sub is at-most-once; the history is not
        ttl = int(settings.room_stats_seconds * 3000)
        if not await store.lead(self.show_id, self.hub.proc, ttl):
            return
        count, peak, unique = await store.totals(self.show_id)
        analytics.sample_viewers(self.show_id, count)
        st = self.state
        if (count, peak, unique) != (st.viewers, st.peak_viewers, st.unique_viewers):
            event = ViewersEvent(count=count, peak=peak, unique=unique)
            await store.publish(self.show_id, [event.model_dump_json()])
        changes = await room_service.stock_changes(db=self.hub.db, state=st)
        if changes:
            await store.publish(self.show_id, [c.model_dump_json() for c in changes])
        now = time.monotonic()
        if now - self.hub.persisted.get(self.show_id, 0.0) >= settings.room_persist_seconds:
            await self._persist()

    async def _persist(self) -> None:
        self.hub.persisted[self.show_id] = time.monotonic()
        _count, peak, unique = await self.store.totals(self.show_id)
        likes = await self.store.likes(self.show_id)
        await room_service.persist_stats(
            db=self.hub.db, show_id=self.show_id, peak=peak, unique=unique, likes=likes
        )

    async def close(self) -> None:
        self._unsubscribe()
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.store.report(self.show_id, self.hub.proc, 0)
            if await self.store.lead(self.show_id, self.hub.proc, 1000):
                await self._persist()


def _contiguous(last: int, events: Sequence[tuple[int, object]]) -> bool:
    expected = last + 1
    for seq, _ in events:
        if seq != expected:
            return False
        expected += 1
    return True


class RoomHub:
    """The rooms this process has viewers in; `app.state.rooms`."""

    def __init__(self, *, broker: Broker, db: Database, settings: Settings) -> None:
        self.broker, self.db, self.settings = broker, db, settings
        self.store: RoomStore = store_for(broker, settings.room_history_events)
        self.proc = uuid.uuid4().hex[:12]
        self.rooms: dict[int, Room] = {}
        self.persisted: dict[int, float] = {}
        self._opening: dict[int, asyncio.Task[Room]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._unkick: Callable[[], None] = lambda: None

    async def start(self) -> None:
        self._unkick = self.broker.subscribe(KICK_CHANNEL, self._on_kick)

    def _on_kick(self, _channel: str, message: str) -> None:
        """Logout, revocation or a ban elsewhere: close that user's sockets in this process."""
        try:
            kick = json.loads(message)
            user_id, tokens = int(kick["user_id"]), kick.get("tokens")
            banned = kick.get("reason") == "banned"
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed kick message")
            return
        event = ErrorEvent(
            code="banned" if banned else "invalid_token",
            message="This account is banned." if banned else "You were signed out.",
        )
        for room in list(self.rooms.values()):
            for viewer in list(room.viewers):
                if viewer.user_id == user_id and (tokens is None or viewer.token_hash in tokens):
                    viewer.kick(
                        CLOSE_BANNED if banned else CLOSE_INVALID_TOKEN, "signed_out", event=event
                    )

    async def close(self) -> None:
        self._unkick()
        for room in list(self.rooms.values()):
            for viewer in list(room.viewers):
                viewer.kick(CLOSE_GOING_AWAY, "server_restart")
            await room.close()
        self.rooms.clear()
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task

    async def join(self, show_id: int, viewer: Viewer, *, after: int | None) -> None:
        room = await self._room(show_id)
        await room.add(viewer, after)

    def leave(self, viewer: Viewer) -> None:
        viewer.closed = True
        if viewer.room is not None:
            viewer.room.remove(viewer)

    def like(self, show_id: int, count: int) -> None:
        room = self.rooms.get(show_id)
        if room is not None:
            room.pending_likes += count

    async def _room(self, show_id: int) -> Room:
        room = self.rooms.get(show_id)
        if room is not None:
            return room
        opening = self._opening.get(show_id)
        if opening is None:
            opening = asyncio.create_task(self._open(show_id))
            self._opening[show_id] = opening
        return await asyncio.shield(opening)

    async def _open(self, show_id: int) -> Room:
        room = Room(self, show_id)
        try:
            await room.open()
        except BaseException:
            room._unsubscribe()
            raise
        finally:
            self._opening.pop(show_id, None)
        self.rooms[show_id] = room
        return room

    async def _retire(self, room: Room) -> None:
        if self.rooms.get(room.show_id) is room:
            del self.rooms[room.show_id]
        await room.close()

    def _spawn(self, coro: object) -> None:
        async def _run() -> None:
            try:
                await coro  # type: ignore[misc]
            except Exception:
                log.exception("room background job failed")

        task = asyncio.ensure_future(_run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
