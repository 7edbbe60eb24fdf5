"""The live room's operations: chat, pins, the pinned message, slow mode, purchase news, state.

Every write emits its room event through the unit of work, so viewers hear of it only after
it is committed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop import uow as unit_of_work
from liveshop.accounts.models import User
from liveshop.analytics.ingest import recorder as analytics
from liveshop.analytics.live.service import ShowLive
from liveshop.catalog.models import Product, Variant
from liveshop.catalog.schemas import price_public
from liveshop.db import Database, sessionmaker_for, utcnow
from liveshop.errors import Problem, not_found
from liveshop.live.media import nginx as media
from liveshop.live.room import moderation
from liveshop.live.room.events import (
    ChatEvent,
    ChatUser,
    ErrorCode,
    PinEvent,
    PinnedMessageEvent,
    PinnedProduct,
    PinnedVariant,
    PurchaseEvent,
    RoomState,
    ShowStateEvent,
    SlowModeEvent,
    StockEvent,
    UnpinEvent,
    send_room_event,
)
from liveshop.live.room.models import ChatMessage, ShowPin
from liveshop.live.shows import service as shows
from liveshop.live.shows.messages import ShowStateChanged
from liveshop.live.shows.models import Show, ShowProduct, ShowStatus
from liveshop.orders.messages import OrderPaid
from liveshop.orders.models import Order, OrderLine
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

if TYPE_CHECKING:
    from liveshop.live.room.store import RoomStore

MAX_PINS = 3
OPEN = (ShowStatus.scheduled.value, ShowStatus.live.value)


class Rejected(Exception):
    """A room action refused with a stable code; the socket answers with an error event."""

    def __init__(self, code: ErrorCode, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


# --- state ----------------------------------------------------------------------------------


async def pinned_products(*, session: AsyncSession, pins: Iterable[ShowPin]) -> list[PinnedProduct]:
    pins = list(pins)
    stmt = (
        select(Product)
        .where(Product.id.in_([p.product_id for p in pins]))
        .options(selectinload(Product.variants).selectinload(Variant.prices))
        .execution_options(populate_existing=True)
    )
    products = {p.id: p for p in (await session.execute(stmt)).scalars()}
    return [_pinned(products[p.product_id], p) for p in pins if p.product_id in products]


def _pinned(product: Product, pin: ShowPin) -> PinnedProduct:
    return PinnedProduct(
        product_id=product.id,
        title=product.title,
        image=product.images[0] if product.images else None,
        pinned_at=pin.pinned_at,
        variants=[
            PinnedVariant(
                id=v.id,
                option_values=v.option_values,
                available=v.available,
                track_stock=v.track_stock,
                prices=[price_public(p) for p in v.prices],
            )
            for v in product.variants
        ],
    )


async def _current_pins(session: AsyncSession, show_id: int) -> list[ShowPin]:
    stmt = (
        select(ShowPin)
        .where(ShowPin.show_id == show_id, ShowPin.unpinned_at.is_(None))
        .order_by(ShowPin.pinned_at, ShowPin.id)
    )
    return list((await session.execute(stmt)).scalars())


async def build_state(*, session: AsyncSession, show_id: int, settings: Settings) -> RoomState:
    """The room as the database has it (counters as last persisted).

    Everything here comes from stored state, never from events some process happened to see:
    a viewer who arrives after the show went live, on any process, gets the same room.
    """
    recent_chat = settings.room_recent_chat
    show = await session.get(Show, show_id)
    if show is None:
        raise not_found("show", show_id)
    chat_rows = (
        await session.execute(
            select(ChatMessage, User.display_name)
            .join(User, User.id == ChatMessage.user_id)
            .where(ChatMessage.show_id == show_id, ChatMessage.deleted_at.is_(None))
            .order_by(ChatMessage.id.desc())
            .limit(recent_chat)
        )
    ).all()
    return RoomState(
        show_id=show.id,
        title=show.title,
        status=show.status,
        hls_url=media.live_playlist_url(settings, show.id)
        if show.status == ShowStatus.live
        else None,
        pins=await pinned_products(session=session, pins=await _current_pins(session, show_id)),
        pinned_message=show.pinned_message,
        slow_mode_seconds=show.slow_mode_seconds,
        likes=show.likes,
        peak_viewers=show.peak_viewers,
        unique_viewers=show.unique_viewers,
        chat=[_chat_event(m, name) for m, name in reversed(chat_rows)],
    )


async def load_state(*, db: Database, show_id: int, settings: Settings) -> RoomState:
    async with sessionmaker_for(db.read)() as session:
        return await build_state(session=session, show_id=show_id, settings=settings)


def _chat_event(message: ChatMessage, name: str) -> ChatEvent:
    return ChatEvent(
        id=message.id,
        user=ChatUser(id=message.user_id, name=name),
        text=message.text,
        at=message.created_at,
    )


async def stock_changes(*, db: Database, state: RoomState) -> list[StockEvent]:
    """Stock events for pinned variants whose availability moved since `state`."""
    known = {
        v.id: (pin.product_id, v.available)
        for pin in state.pins
        for v in pin.variants
        if v.track_stock  # an untracked variant never runs out
    }
    if not known:
        return []
    async with sessionmaker_for(db.read)() as session:
        rows = await session.execute(
            select(Variant.id, Variant.stock - Variant.held).where(Variant.id.in_(list(known)))
        )
        return [
            StockEvent(product_id=known[vid][0], variant_id=vid, available=int(available))
            for vid, available in rows.all()
            if int(available) != known[vid][1]
        ]


class HasStore(Protocol):
    """The room hub, as far as the figures need it (the hub imports this module)."""

    store: RoomStore


async def live_figures(
    session: AsyncSession, rooms: HasStore, actor: User, show_id: int
) -> ShowLive:
    """The live side of a show's studio figures (analytics.live adds the sales): the room's
    counters, never below what the room last persisted; its host, co-hosts and admins only."""
    show = await moderation.check_host(session=session, actor=actor, show_id=show_id)
    now, peak, unique = await rooms.store.totals(show.id)
    likes = await rooms.store.likes(show.id)
    return ShowLive(
        show_id=show.id,
        status=show.status,
        viewers=now,
        peak_viewers=max(peak, show.peak_viewers, now),
        unique_viewers=max(unique, show.unique_viewers),
        likes=max(likes, show.likes),
    )


async def persist_stats(*, db: Database, show_id: int, peak: int, unique: int, likes: int) -> None:
    """Write the room-wide counters to the show; never lowers what is already there."""
    async with sessionmaker_for(db.write)() as session:
        show = await session.get(Show, show_id, with_for_update=True)
        if show is None:
            return
        show.peak_viewers = max(show.peak_viewers, peak)
        show.unique_viewers = max(show.unique_viewers, unique)
        show.likes = max(show.likes, likes)
        await session.commit()


# --- chat -----------------------------------------------------------------------------------


async def post_chat(
    *, uow: UnitOfWork, store: RoomStore, user: User, show_id: int, text: str
) -> ChatEvent:
    """Check sanctions, keywords and slow mode, then store and announce the message."""
    session = uow.session
    show = await session.get(Show, show_id)
    if show is None or show.status not in OPEN:
        raise Rejected("room_closed", "This room is not open for chat.")
    if user.banned_at is not None:
        raise Rejected("banned", "This account is banned.")
    sanction = await moderation.active_sanction(session=session, show_id=show_id, user_id=user.id)
    if sanction is not None and sanction.kind == moderation.BAN:
        raise Rejected("banned", "You are banned from this room.")
    if sanction is not None and sanction.until is not None:
        wait = (sanction.until - utcnow()).total_seconds()
        raise Rejected("muted", "You are muted in this room.", retry_after=round(wait, 1))
    word = await moderation.blocked_word(session=session, show=show, text=text)
    if word is not None:
        raise Rejected("blocked_word", "Your message contains a word this room does not allow.")
    if show.slow_mode_seconds and not await moderation.is_moderator(
        session=session, user=user, show=show
    ):
        left = await store.cooldown(f"slow:{show_id}:{user.id}", show.slow_mode_seconds)
        if left is not None:
            raise Rejected("slow_mode", "Slow mode is on; wait a moment.", retry_after=left)
    message = ChatMessage(show_id=show_id, user_id=user.id, text=text, created_at=utcnow())
    session.add(message)
    await session.flush()
    event = _chat_event(message, user.display_name)
    send_room_event(uow, show_id, event)
    return event


# --- pins, pinned message, slow mode ----------------------------------------------------------


async def _lock_show(session: AsyncSession, show_id: int) -> Show:
    show = await session.get(Show, show_id, with_for_update=True, populate_existing=True)
    if show is None:
        raise not_found("show", show_id)
    return show


async def list_pins(*, session: AsyncSession, show_id: int) -> list[PinnedProduct]:
    await _show(session, show_id)
    return await pinned_products(session=session, pins=await _current_pins(session, show_id))


async def _show(session: AsyncSession, show_id: int) -> Show:
    show = await session.get(Show, show_id)
    if show is None:
        raise not_found("show", show_id)
    return show


async def pin(*, uow: UnitOfWork, actor: User, show_id: int, product_id: int) -> PinnedProduct:
    """Pin one of the show's products; at most three at a time. Locks the show row."""
    session = uow.session
    await moderation.check_host(session=session, actor=actor, show_id=show_id)
    show = await _lock_show(session, show_id)
    if show.status not in OPEN:
        raise Problem(
            409, "show_not_open", "A {status} show takes no pins.", values={"status": show.status}
        )
    listed = select(ShowProduct.id).where(
        ShowProduct.show_id == show_id, ShowProduct.product_id == product_id
    )
    if (await session.execute(listed)).first() is None:
        raise Problem(
            409,
            "product_not_in_show",
            "Product {product_id} is not in this show.",
            values={"product_id": product_id},
        )
    listed_product = await session.get(Product, product_id)
    assert listed_product is not None  # the show lists it, and listed products stay
    await shows.check_sellable(session=session, actor=actor, show=show, product=listed_product)
    current = await _current_pins(session, show_id)
    existing = next((p for p in current if p.product_id == product_id), None)
    if existing is not None:
        return (await pinned_products(session=session, pins=[existing]))[0]
    if len(current) >= MAX_PINS:
        raise Problem(
            409,
            "too_many_pins",
            "At most {MAX_PINS} products can be pinned; unpin one first.",
            values={"MAX_PINS": MAX_PINS},
        )
    row = ShowPin(show_id=show_id, product_id=product_id, pinned_at=utcnow())
    session.add(row)
    await session.flush()
    product = (await pinned_products(session=session, pins=[row]))[0]
    send_room_event(uow, show_id, PinEvent(product=product))
    uow.on_commit(analytics.later("pin", show_id=show_id, product_id=product_id, id=f"pin{row.id}"))
    return product


async def unpin(*, uow: UnitOfWork, actor: User, show_id: int, product_id: int) -> None:
    session = uow.session
    await moderation.check_host(session=session, actor=actor, show_id=show_id)
    await _lock_show(session, show_id)
    result = await session.execute(
        update(ShowPin)
        .where(
            ShowPin.show_id == show_id,
            ShowPin.product_id == product_id,
            ShowPin.unpinned_at.is_(None),
        )
        .values(unpinned_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) == 0:
        raise not_found("pin", product_id)
    send_room_event(uow, show_id, UnpinEvent(product_id=product_id))


async def set_pinned_message(
    *, uow: UnitOfWork, actor: User, show_id: int, text: str | None
) -> None:
    show = await moderation.check_host(session=uow.session, actor=actor, show_id=show_id)
    show.pinned_message = text
    await uow.session.flush()
    send_room_event(uow, show_id, PinnedMessageEvent(text=text))


async def set_slow_mode(*, uow: UnitOfWork, actor: User, show_id: int, seconds: int) -> None:
    show = await moderation.check_moderator(session=uow.session, actor=actor, show_id=show_id)
    show.slow_mode_seconds = seconds
    await uow.session.flush()
    send_room_event(uow, show_id, SlowModeEvent(seconds=seconds))


# --- purchases ------------------------------------------------------------------------------


async def announce_purchase(*, session: AsyncSession, order: Order) -> None:
    """Tell the room something sold, after commit; only the buyer's city, nothing personal."""
    source = order.source or {}
    show_id = source.get("show_id")
    if source.get("channel") != "live" or not isinstance(show_id, int):
        return
    if not isinstance(session.info.get("uow"), UnitOfWork):
        return  # nothing can promise the news waits for the commit, so there is none
    city = (order.address or {}).get("city")
    city = city.strip()[:80] if isinstance(city, str) and city.strip() else None
    lines = await session.execute(
        select(OrderLine.product_id, Product.title, OrderLine.quantity)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    )
    uow = unit_of_work.of(session)
    for product_id, title, quantity in lines.all():
        where = f" in {city}" if city else ""
        send_room_event(
            uow,
            show_id,
            PurchaseEvent(
                product_id=product_id,
                title=title,
                quantity=quantity,
                city=city,
                message=f"Someone{where} just bought {title}",
            ),
        )


async def on_order_paid(session: AsyncSession, message: OrderPaid) -> None:
    """The bus hands the room every paid order (wired in liveshop.wiring)."""
    order = await session.get(Order, message.order_id)
    if order is not None:
        await announce_purchase(session=session, order=order)


async def on_show_state(session: AsyncSession, message: ShowStateChanged) -> None:
    """Tell the room a show went live or ended (wired in liveshop.wiring)."""
    if message.status == ShowStatus.scheduled.value:
        return  # a new show has no room yet
    event = ShowStateEvent(
        show_id=message.show_id, status=message.status, hls_url=message.hls_url, at=message.at
    )
    send_room_event(unit_of_work.of(session), message.show_id, event)


@dataclass
class PinAt:
    product_id: int
    pinned_at: datetime
    unpinned_at: datetime | None
    offset_seconds: float | None


async def pins(*, session: AsyncSession, show: Show) -> list[PinAt]:
    """Product pins with their offset into the video, for replay chapter marks."""
    stmt = select(ShowPin).where(ShowPin.show_id == show.id).order_by(ShowPin.pinned_at)
    out = []
    for pin in (await session.execute(stmt)).scalars():
        offset = None
        if show.went_live_at is not None:
            offset = max(0.0, (pin.pinned_at - show.went_live_at).total_seconds())
        out.append(PinAt(pin.product_id, pin.pinned_at, pin.unpinned_at, offset))
    return out
