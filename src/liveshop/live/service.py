"""Shows: scheduling, editing, cancelling, going live and ending, attribution."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.models import ShopCreator, Show, ShowCohost, ShowProduct, ShowRsvp, ShowStatus
from liveshop.live.schemas import ShowCreate, ShowUpdate
from liveshop.uow import UnitOfWork

ACTIVE = [ShowStatus.live.value, ShowStatus.scheduled.value]


def new_stream_key() -> str:
    """Long and random: the key alone authorizes publishing video."""
    return "sk_" + secrets.token_urlsafe(32)


async def sellable_shop_ids(*, session: AsyncSession, host: User) -> set[int]:
    """Shops whose products this host may sell: its own, plus those that allow the creator."""
    own = set(await catalog.shop_ids_of(session=session, user=host))
    stmt = select(ShopCreator.shop_id).where(ShopCreator.creator_id == host.id)
    return own | set((await session.execute(stmt)).scalars())


async def _set_products(
    session: AsyncSession, show: Show, host: User, product_ids: list[int]
) -> None:
    allowed = await sellable_shop_ids(session=session, host=host)
    await session.execute(delete(ShowProduct).where(ShowProduct.show_id == show.id))
    for position, product_id in enumerate(dict.fromkeys(product_ids)):
        product = await session.get(Product, product_id)
        if product is None:
            raise not_found("product", product_id)
        if product.shop_id not in allowed and not host.has_role(Role.admin):
            raise Problem(
                403,
                "product_not_allowed",
                f"Product {product_id} belongs to a shop that has not allowed you to sell it.",
            )
        session.add(ShowProduct(show_id=show.id, product_id=product_id, position=position))
    await session.flush()


async def create(*, session: AsyncSession, host: User, data: ShowCreate) -> Show:
    if not (host.has_role(Role.creator) or host.has_role(Role.seller)):
        raise forbidden("Only creators and sellers can host shows.")
    if data.shop_id is not None:
        await catalog.check_member(session=session, user=host, shop_id=data.shop_id)
    show = Show(
        host_id=host.id,
        shop_id=data.shop_id,
        title=data.title,
        cover_url=data.cover_url,
        starts_at=data.starts_at,
        markets=list(data.markets),
        stream_key=new_stream_key(),
    )
    session.add(show)
    await session.flush()
    await _set_products(session, show, host, data.product_ids)
    return show


async def get(*, session: AsyncSession, show_id: int) -> Show:
    show = await session.get(Show, show_id)
    if show is None:
        raise not_found("show", show_id)
    return show


async def products_of(*, session: AsyncSession, show_ids: list[int]) -> dict[int, list[int]]:
    """Each show's product ids in position order, for many shows in one query."""
    stmt = (
        select(ShowProduct.show_id, ShowProduct.product_id)
        .where(ShowProduct.show_id.in_(show_ids))
        .order_by(ShowProduct.show_id, ShowProduct.position)
    )
    out: dict[int, list[int]] = {i: [] for i in show_ids}
    for show_id, product_id in await session.execute(stmt):
        out[show_id].append(product_id)
    return out


async def rsvp_counts(*, session: AsyncSession, show_ids: list[int]) -> dict[int, int]:
    stmt = (
        select(ShowRsvp.show_id, func.count())
        .where(ShowRsvp.show_id.in_(show_ids))
        .group_by(ShowRsvp.show_id)
    )
    counts = {show_id: int(n) for show_id, n in await session.execute(stmt)}
    return {i: counts.get(i, 0) for i in show_ids}


async def cohosts_of(
    *, session: AsyncSession, show_ids: list[int]
) -> dict[int, list[tuple[ShowCohost, User]]]:
    stmt = (
        select(ShowCohost, User)
        .join(User, User.id == ShowCohost.user_id)
        .where(ShowCohost.show_id.in_(show_ids))
        .order_by(ShowCohost.id)
    )
    out: dict[int, list[tuple[ShowCohost, User]]] = {i: [] for i in show_ids}
    for cohost, user in (await session.execute(stmt)).all():
        out[cohost.show_id].append((cohost, user))
    return out


async def list_(
    *,
    session: AsyncSession,
    statuses: list[str],
    limit: int,
    offset: int,
    host_id: int | None = None,
    shop_id: int | None = None,
) -> list[Show]:
    stmt = select(Show).where(Show.status.in_(statuses))
    if host_id is not None:
        stmt = stmt.where(Show.host_id == host_id)
    if shop_id is not None:
        stmt = stmt.where(Show.shop_id == shop_id)
    stmt = stmt.order_by(Show.starts_at, Show.id)
    return list((await session.execute(stmt.limit(limit).offset(offset))).scalars())


async def get_for_host(*, session: AsyncSession, host: User, show_id: int) -> Show:
    """The original host (or an admin) manages the show and sees its stream key."""
    show = await get(session=session, show_id=show_id)
    if show.host_id != host.id and not host.has_role(Role.admin):
        raise forbidden("Only the host can do that.")
    return show


async def update(*, session: AsyncSession, host: User, show_id: int, data: ShowUpdate) -> Show:
    show = await get_for_host(session=session, host=host, show_id=show_id)
    if show.status != ShowStatus.scheduled:
        raise Problem(409, "show_not_editable", f"A {show.status} show cannot be edited.")
    for field in ("title", "cover_url", "starts_at"):
        if field in data.model_fields_set and getattr(data, field) is not None:
            setattr(show, field, getattr(data, field))
    if data.markets is not None:
        show.markets = list(data.markets)
    if data.product_ids is not None:
        await _set_products(session, show, host, data.product_ids)
    await session.flush()
    return show


async def cancel(*, uow: UnitOfWork, host: User, show_id: int) -> Show:
    """Cancel a scheduled show and tell everyone who RSVP'd."""
    show = await get_for_host(session=uow.session, host=host, show_id=show_id)
    if show.status != ShowStatus.scheduled:
        raise Problem(409, "show_not_cancellable", f"A {show.status} show cannot be cancelled.")
    show.status = ShowStatus.cancelled.value
    rsvps = await rsvp_user_ids(session=uow.session, show_id=show.id)
    await accounts.notify(
        uow=uow,
        user_ids=rsvps,
        kind="show_cancelled",
        title=f"Cancelled: {show.title}",
        url=f"/shows/{show.id}",
    )
    return show


async def rsvp_user_ids(*, session: AsyncSession, show_id: int) -> list[int]:
    stmt = select(ShowRsvp.user_id).where(ShowRsvp.show_id == show_id)
    return list((await session.execute(stmt)).scalars())


async def rotate_key(*, session: AsyncSession, host: User, show_id: int) -> Show:
    show = await get_for_host(session=session, host=host, show_id=show_id)
    if show.status == ShowStatus.live:
        raise Problem(409, "show_is_live", "Stop streaming before rotating the stream key.")
    show.stream_key = new_stream_key()
    await session.flush()
    return show


# --- going live and ending (called by the media hooks) ---------------------------------


async def go_live(*, uow: UnitOfWork, show: Show, hls_url: str | None) -> None:
    """Mark the show live; tell the room, followers and RSVPs once committed."""
    from liveshop.live.events import ShowStateEvent, send_room_event

    show.status = ShowStatus.live.value
    show.went_live_at = show.went_live_at or utcnow()
    await uow.session.flush()
    send_room_event(
        uow,
        show.id,
        ShowStateEvent(show_id=show.id, status=show.status, hls_url=hls_url, at=utcnow()),
    )
    host = await uow.session.get(User, show.host_id)
    followers = await accounts.follower_ids(
        session=uow.session, target_kind="creator", target_id=show.host_id
    )
    if show.shop_id is not None:
        followers += await accounts.follower_ids(
            session=uow.session, target_kind="shop", target_id=show.shop_id
        )
    rsvps = await rsvp_user_ids(session=uow.session, show_id=show.id)
    await accounts.notify(
        uow=uow,
        user_ids=[u for u in [*rsvps, *followers] if u != show.host_id],
        kind="show_live",
        title=f"{host.display_name if host else 'A host'} is live: {show.title}",
        url=f"/shows/{show.id}",
    )


async def end(*, uow: UnitOfWork, show: Show) -> None:
    from liveshop.live.events import ShowStateEvent, send_room_event

    show.status = ShowStatus.ended.value
    show.ended_at = utcnow()
    await uow.session.flush()
    send_room_event(uow, show.id, ShowStateEvent(show_id=show.id, status=show.status, at=utcnow()))


async def get_by_stream_key(*, session: AsyncSession, key: str) -> Show | None:
    """Constant-time comparison: the key is the only credential for publishing."""
    if not key or len(key) > 64:
        return None
    show = (await session.execute(select(Show).where(Show.stream_key == key))).scalar_one_or_none()
    if show is None or not hmac.compare_digest(show.stream_key, key):
        return None
    return show


async def attribution(*, session: AsyncSession, show_id: int | None) -> dict[str, Any]:
    """What an order records about where it was bought: the show and its (original) host."""
    if show_id is None:
        return {"channel": "buy_now"}
    show = await get(session=session, show_id=show_id)
    channel = "live" if show.status == ShowStatus.live else "replay"
    if show.status in (ShowStatus.scheduled, ShowStatus.cancelled):
        channel = "show_page"
    return {"channel": channel, "show_id": show.id, "host_id": show.host_id}
