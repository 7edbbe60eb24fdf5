"""The WebSocket endpoint /ws/shows/{id}: one socket per viewer.

Query parameters: `after` (resume after this seq), `token` (bearer token; the session cookie
works too when the page is same-origin), `viewer` (an anonymous device id, for unique counts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket
from pydantic import BaseModel, ValidationError

from liveshop.accounts import service as accounts
from liveshop.accounts.deps import SESSION_COOKIE
from liveshop.accounts.models import User
from liveshop.analytics.ingest import recorder as analytics
from liveshop.deps import IdPath
from liveshop.errors import Problem
from liveshop.live.room import moderation
from liveshop.live.room import service as room_service
from liveshop.live.room.events import ErrorCode, ErrorEvent, PongEvent
from liveshop.live.room.hub import (
    CLOSE_BANNED,
    CLOSE_INVALID_TOKEN,
    CLOSE_NOT_FOUND,
    RoomHub,
    Viewer,
)
from liveshop.live.room.store import encode
from liveshop.live.room.wire import raw_writer
from liveshop.live.shows.models import Show
from liveshop.metrics import WS_CONNECTIONS
from liveshop.realtime.protocol import (
    BidIn,
    ChatIn,
    EnterGiveawayIn,
    LikeIn,
    PingIn,
    client_message,
)
from liveshop.selling.auctions import service as auctions
from liveshop.selling.giveaways import service as giveaways
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)
router = APIRouter()

MAX_MESSAGE_CHARS = 4096


class _Refused(Exception):
    def __init__(self, code: ErrorCode, message: str, close: int) -> None:
        super().__init__(message)
        self.event, self.close = ErrorEvent(code=code, message=message), close


class _Sink:
    def __init__(self, websocket: WebSocket) -> None:
        self.ws = websocket

    async def send(self, text: str) -> None:
        await self.ws.send_text(text)

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code, reason)


def _same_origin(websocket: WebSocket) -> bool:
    """Cookies ride along on cross-site sockets too; only trust them from our own pages."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host")


async def _caller(websocket: WebSocket, uow: UnitOfWork) -> tuple[User, str] | None:
    """The signed-in user and their token's digest (so a logout can close this socket)."""
    token = websocket.query_params.get("token")
    from_query = bool(token)
    if not token and _same_origin(websocket):
        token = websocket.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    found = await accounts.get_by_token(session=uow.session, token=token)
    if found is None:
        if from_query:
            raise _Refused("invalid_token", "The token is unknown or expired.", CLOSE_INVALID_TOKEN)
        return None  # a stale cookie still lets you watch
    user, auth = found
    if user.banned_at is not None:
        raise _Refused("banned", "This account is banned.", CLOSE_BANNED)
    return user, auth.token_hash


def _after(raw: str | None) -> int | None:
    if raw is None or not raw.isdigit() or len(raw) > 18:
        return None  # nothing usable to resume from: start over with a snapshot
    return int(raw)


def _viewer_key(websocket: WebSocket, user: User | None) -> str:
    if user is not None:
        return f"u{user.id}"
    device = websocket.query_params.get("viewer", "")[:64]
    if device:
        return f"d{device}"
    return f"ip{websocket.client.host if websocket.client else '?'}"


@router.websocket("/ws/shows/{show_id}")
async def room_socket(websocket: WebSocket, show_id: IdPath) -> None:
    """Frames `{"seq", "events"}` out; typed chat/like/ping messages in."""
    with WS_CONNECTIONS.track_inprogress():
        await _room_socket(websocket, show_id)


async def _room_socket(websocket: WebSocket, show_id: int) -> None:
    state = websocket.app.state
    hub: RoomHub = state.rooms
    await websocket.accept()
    try:
        async with UnitOfWork(db=state.db, broker=state.broker, write=False) as uow:
            signed_in = await _caller(websocket, uow)
            user, token_hash = signed_in if signed_in else (None, None)
            user_id = user.id if user else None
            key = _viewer_key(websocket, user)
            show = await uow.session.get(Show, show_id)
            if show is None:
                raise _Refused("show_not_found", f"No show {show_id} exists.", CLOSE_NOT_FOUND)
            # The host and co-hosts watching their own room (the studio) are not audience.
            hosting = user is not None and await moderation.is_cohost_or_host(
                session=uow.session, user=user, show=show
            )
            if user_id is not None and await moderation.is_banned(
                session=uow.session, show_id=show_id, user_id=user_id
            ):
                raise _Refused("banned", "You are banned from this room.", CLOSE_BANNED)
    except _Refused as refused:
        with contextlib.suppress(Exception):
            await websocket.send_text(encode(0, [refused.event.model_dump_json()]))
            await websocket.close(refused.close, refused.event.code)
        return

    bound = hub.settings.room_queue_frames
    viewer = Viewer(
        sink=_Sink(websocket),
        user_id=user_id,
        key=key,
        bound=bound,
        counted=not hosting,
        # The same backlog in bytes as the queue allows in frames (frames are small).
        raw=raw_writer(websocket.scope, max_buffered=bound * 4096),
        token_hash=token_hash,
    )
    session = _Session(hub, show_id, viewer, user_id)
    try:
        await hub.join(show_id, viewer, after=_after(websocket.query_params.get("after")))
    except Exception:
        log.exception("joining room %s failed", show_id)
        with contextlib.suppress(Exception):
            await websocket.close(1011, "internal_error")
        return
    watch = analytics.start_watch(show_id, key) if not hosting else None
    sender = viewer.start()
    reader = asyncio.create_task(session.read(websocket))
    try:
        await asyncio.wait({sender, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.leave(viewer)
        if watch is not None:
            analytics.end_watch(watch)
        for task in (sender, reader):
            task.cancel()
        for task in (sender, reader):
            with contextlib.suppress(BaseException):
                await task


class _Session:
    """What one socket may do: handlers keyed by client message type."""

    def __init__(self, hub: RoomHub, show_id: int, viewer: Viewer, user_id: int | None) -> None:
        self.hub, self.show_id, self.viewer, self.user_id = hub, show_id, viewer, user_id
        self._like_window = (0.0, 0)

    def error(
        self, code: ErrorCode, message: str, retry: float | None = None, ref: str | None = None
    ) -> None:
        self.viewer.send_event(ErrorEvent(code=code, message=message, retry_after=retry, ref=ref))

    async def read(self, websocket: WebSocket) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None or len(text) > MAX_MESSAGE_CHARS:
                self.error("invalid_message", "Send JSON text messages of at most 4 KB.")
                continue
            try:
                parsed = client_message.validate_json(text)
            except ValidationError as exc:
                self.error("invalid_message", _first_error(exc))
                continue
            try:
                await self.handle(parsed)
            except room_service.Rejected as rejected:
                ref = getattr(parsed, "ref", None)
                self.error(rejected.code, rejected.message, rejected.retry_after, ref)
            except Exception:  # a failed action must not end the viewer's socket
                log.exception("room %s: handling %s failed", self.show_id, parsed.type)
                self.error("internal_error", "Something went wrong on our side.")

    async def handle(self, message: BaseModel) -> None:
        match message:
            case PingIn():
                self.viewer.send_event(PongEvent(nonce=message.nonce))
            case LikeIn():
                self._require_user()
                self._check_like_rate()
                self.hub.like(self.show_id, message.count)
                analytics.record("like", show_id=self.show_id, value=message.count)
            case ChatIn():
                await self.chat(message)
            case BidIn():
                await self.bid(message)
            case EnterGiveawayIn():
                await self.enter_giveaway(message)

    @contextlib.asynccontextmanager
    async def _acting(self) -> AsyncIterator[tuple[UnitOfWork, User]]:
        """A unit of work and the logged-in caller, for an action that writes."""
        user_id = self._require_user()
        async with UnitOfWork(db=self.hub.db, broker=self.hub.broker) as uow:
            user = await uow.session.get(User, user_id)
            if user is None:
                raise room_service.Rejected("auth_required", "Log in to take part.")
            yield uow, user

    def _require_user(self) -> int:
        if self.user_id is None:
            raise room_service.Rejected("auth_required", "Log in to take part.")
        return self.user_id

    def _check_like_rate(self) -> None:
        # Per connection and in memory: likes are only counted, so this just caps the cost.
        now = time.monotonic()
        start, count = self._like_window
        if now - start >= 1.0:
            start, count = now, 0
        self._like_window = (start, count + 1)
        if count >= self.hub.settings.room_like_limit:
            raise room_service.Rejected(
                "rate_limited", "Too many likes.", round(1 - now + start, 3)
            )

    async def _pace(self, action: str, message: str) -> None:
        """Bids and entries share their per-user budget with HTTP (selling/promo_api.py)."""
        user_id = self._require_user()
        limit, window = self.hub.settings.pace(action)
        wait = await self.hub.store.hit(f"{action}:{user_id}", limit, window)
        if wait is not None:
            raise room_service.Rejected("rate_limited", message, wait)

    async def chat(self, message: ChatIn) -> None:
        user_id = self._require_user()
        settings = self.hub.settings
        wait = await self.hub.store.hit(
            f"chat:{user_id}", settings.room_chat_limit, settings.room_chat_window_seconds
        )
        if wait is not None:
            raise room_service.Rejected("rate_limited", "You are sending messages too fast.", wait)
        async with self._acting() as (uow, user):
            await room_service.post_chat(
                uow=uow, store=self.hub.store, user=user, show_id=self.show_id, text=message.text
            )
            await uow.commit()
        analytics.record("chat", show_id=self.show_id, viewer=self.viewer.key)

    async def bid(self, message: BidIn) -> None:
        """Bids over the socket go through the same service as HTTP bids (and its audit)."""
        await self._pace("bid", "You are bidding too fast.")
        async with self._acting() as (uow, user):
            try:
                bid = await auctions.place_bid(
                    session=uow.session,
                    bidder=user,
                    auction_id=message.auction_id,
                    amount=message.amount,
                    max_amount=message.max_amount,
                    via="ws",
                )
            except Problem as exc:
                raise room_service.Rejected("bid_rejected", f"{exc.code}: {exc.detail}") from exc
            accepted, reason = bid.accepted, bid.reason
            await uow.commit()  # refused bids are kept for audit too
        if not accepted:
            raise room_service.Rejected("bid_rejected", reason or "The bid did not stand.")

    async def enter_giveaway(self, message: EnterGiveawayIn) -> None:
        await self._pace("entry", "You are entering giveaways too fast.")
        async with self._acting() as (uow, user):
            try:
                await giveaways.enter(
                    session=uow.session, user=user, giveaway_id=message.giveaway_id
                )
            except Problem as exc:
                raise room_service.Rejected(
                    "giveaway_rejected", f"{exc.code}: {exc.detail}"
                ) from exc
            await uow.commit()


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err.get("loc", ()))
    if err.get("type") == "union_tag_invalid":
        return "Unsupported message type; expected chat, like, ping, bid or enter_giveaway."
    return f"{where}: {err.get('msg')}" if where else str(err.get("msg"))
