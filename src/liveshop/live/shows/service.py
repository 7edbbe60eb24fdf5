"""Shows: scheduling, editing, cancelling, going live and ending, attribution."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Exists, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import bus
from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.affiliates import service as affiliates
from liveshop.affiliates.models import TouchKind
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product, ProductStatus, Shop, ShopMember, Variant
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.i18n import N_, Msg
from liveshop.live.shows.messages import ShowStateChanged
from liveshop.live.shows.models import (
    Show,
    ShowCohost,
    ShowProduct,
    ShowRsvp,
    ShowStatus,
)
from liveshop.live.shows.schemas import ShowCreate, ShowUpdate
from liveshop.markets.rollout import service as rollout
from liveshop.uow import UnitOfWork

ACTIVE = [ShowStatus.live.value, ShowStatus.scheduled.value]


async def sellable_shop_ids(*, session: AsyncSession, host: User) -> set[int]:
    """Shops whose products this host may sell: its own, plus those it collaborates with."""
    own = set(await catalog.shop_ids_of(session=session, user=host))
    return own | await affiliates.sellable_shop_ids(session=session, creator_id=host.id)


def _not_allowed(shop: Shop, product_id: int | None = None) -> Problem:
    detail = (
        "{name} has no active collaboration letting this show's host sell this product."
        if product_id is not None
        else "{name} has no active collaboration letting this show's host sell its products."
    )
    return Problem(
        403,
        "product_not_allowed",
        detail,
        values={"name": shop.name},
        shop_id=shop.id,
        product_id=product_id,
    )


async def _host_is_trusted(session: AsyncSession, actor: User | None, show: Show) -> User | None:
    """None when the room is run by an admin (trusted with any goods), else the host."""
    if actor is not None and actor.has_role(Role.admin):
        return None
    host = await session.get(User, show.host_id)
    if host is None or host.has_role(Role.admin):
        return None
    return host


async def check_shop_sells(
    *,
    session: AsyncSession,
    actor: User | None,
    show: Show,
    shop_id: int,
    product_id: int | None = None,
) -> Shop:
    """May this show sell this shop's goods (this product of it) right now, and is the shop
    verified. The host sells their own shop's goods; another shop's only through an active
    collaboration with the product in their showcase (affiliates/), and for a whole-shop
    action (a coupon) at least one such product.

    Read afresh on every call, so a revoked collaboration or a withdrawn verification stops
    the next selling action at once. An admin running the room is trusted with any shop's
    goods; buyers' actions (claims, bids, entries) pass no actor.
    """
    shop = await catalog.get_shop(session=session, shop_id=shop_id)
    host = await _host_is_trusted(session, actor, show)
    if host is not None and not await catalog.is_member(
        session=session, user=host, shop_id=shop_id
    ):
        fine = await session.scalar(
            select(affiliates.allows(host_id=host.id, shop_id=shop_id, product_id=product_id))
        )
        if not fine:
            raise _not_allowed(shop, product_id)
    await catalog.check_verified(session=session, shop=shop)
    return shop


def buyable(*, shop_id: int, host_id: Any, product_id: Any = None) -> Exists:
    """The common case of `check_shop_sells` for a buyer, as SQL: a verified shop whose seller
    is the host, or that collaborates with the host (on this product, if given). `host_id`
    and `product_id` may be values or columns (so a caller can fold it into a query it makes
    anyway); when it is false, `check_shop_sells` says why."""
    member = exists().where(ShopMember.shop_id == shop_id, ShopMember.user_id == host_id)
    allowed = affiliates.allows(host_id=host_id, shop_id=shop_id, product_id=product_id)
    return exists().where(Shop.id == shop_id, Shop.verification == "verified", or_(member, allowed))


async def check_buyable(
    *, session: AsyncSession, show: Show, shop_id: int, product_id: int | None = None
) -> None:
    """`check_shop_sells` for a buyer's purchase, the common case in one round trip."""
    fine = await session.scalar(
        select(buyable(shop_id=shop_id, host_id=show.host_id, product_id=product_id))
    )
    if not fine:
        await check_shop_sells(
            session=session, actor=None, show=show, shop_id=shop_id, product_id=product_id
        )


async def check_sellable(
    *, session: AsyncSession, actor: User, show: Show, product: Product
) -> None:
    """The one check of every selling action on a product: putting it in a show, pinning it,
    a flash deal, an auction or a giveaway of it. Only active products the host may sell
    (their shop's, or through a collaboration and their showcase) of a verified shop.
    """
    await check_shop_sells(
        session=session, actor=actor, show=show, shop_id=product.shop_id, product_id=product.id
    )
    if product.status != ProductStatus.active:
        raise Problem(
            409,
            "product_not_active",
            "Product {id} is {status}: only active products can be shown or sold.",
            values={"id": product.id, "status": product.status},
            product_id=product.id,
        )


async def check_price_floor(
    *, session: AsyncSession, show: Show, product_id: int, list_price: int, price: int
) -> None:
    """A creator's deal or coupon price on another shop's product keeps to the floor the shop
    set on the collaboration (by default: no discount without the shop's approval)."""
    product = await session.get(Product, product_id)
    host = await session.get(User, show.host_id)
    if product is None or host is None or host.has_role(Role.admin):
        return
    if await catalog.is_member(session=session, user=host, shop_id=product.shop_id):
        return  # the shop's own seller prices its goods
    floor = await affiliates.floor_bp(session=session, creator_id=host.id, product_id=product_id)
    if floor is not None:
        affiliates.check_floor(
            floor=floor, list_price=list_price, price=price, product_id=product_id
        )


async def _set_products(
    session: AsyncSession, show: Show, actor: User, product_ids: list[int]
) -> None:
    await session.execute(delete(ShowProduct).where(ShowProduct.show_id == show.id))
    for position, product_id in enumerate(dict.fromkeys(product_ids)):
        product = await session.get(Product, product_id)
        if product is None:
            raise not_found("product", product_id)
        await check_sellable(session=session, actor=actor, show=show, product=product)
        session.add(ShowProduct(show_id=show.id, product_id=product_id, position=position))
    await session.flush()


async def home_market(*, session: AsyncSession, show: Show) -> str:
    """The market of a show that names none: its shop's, else its host's."""
    if show.shop_id is not None:
        return (await catalog.get_shop(session=session, shop_id=show.shop_id)).market_code
    host = await session.get(User, show.host_id)
    assert host is not None  # a foreign key
    return host.market_code


async def check_can_go_live(*, session: AsyncSession, show: Show) -> None:
    """A show goes live only if its shop and every shop in its lineup may sell (verified)."""
    lineup = select(Product.shop_id).join(ShowProduct, ShowProduct.product_id == Product.id)
    shop_ids = set((await session.execute(lineup.where(ShowProduct.show_id == show.id))).scalars())
    if show.shop_id is not None:
        shop_ids.add(show.shop_id)
    for shop_id in sorted(shop_ids):
        shop = await catalog.get_shop(session=session, shop_id=shop_id)
        await catalog.check_verified(session=session, shop=shop)
    # Live shopping must be open, to these shops and this host, in every market it sells in.
    for code in show.markets or [await home_market(session=session, show=show)]:
        await rollout.require(
            session, market=code, feature="live", shop_ids=shop_ids, creator_id=show.host_id
        )


async def create(*, session: AsyncSession, host: User, data: ShowCreate) -> Show:
    if not (host.has_role(Role.creator) or host.has_role(Role.seller)):
        raise forbidden("Only creators and sellers can host shows.")
    if data.shop_id is not None and not host.has_role(Role.admin):
        # The host's own shops, and the shops that allow this creator to sell for them.
        await catalog.get_shop(session=session, shop_id=data.shop_id)
        if data.shop_id not in await sellable_shop_ids(session=session, host=host):
            raise forbidden("This shop does not allow you to sell its products.")
    show = Show(
        host_id=host.id,
        shop_id=data.shop_id,
        title=data.title,
        cover_url=data.cover_url,
        starts_at=data.starts_at,
        markets=list(data.markets),
    )
    session.add(show)
    await session.flush()
    await _set_products(session, show, host, data.product_ids)
    bus.collect(
        session, ShowStateChanged(show_id=show.id, status=show.status, hls_url=None, at=utcnow())
    )
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
        raise Problem(
            409,
            "show_not_editable",
            "A {status} show cannot be edited.",
            values={"status": show.status},
        )
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
        raise Problem(
            409,
            "show_not_cancellable",
            "A {status} show cannot be cancelled.",
            values={"status": Msg(show.status)},
        )
    show.status = ShowStatus.cancelled.value
    rsvps = await rsvp_user_ids(session=uow.session, show_id=show.id)
    await accounts.notify(
        uow=uow,
        user_ids=rsvps,
        kind="show_cancelled",
        title=N_("Cancelled: {title}"),
        params={"title": show.title},
        url=f"/shows/{show.id}",
    )
    return show


async def rsvp_user_ids(*, session: AsyncSession, show_id: int) -> list[int]:
    stmt = select(ShowRsvp.user_id).where(ShowRsvp.show_id == show_id)
    return list((await session.execute(stmt)).scalars())


# --- going live and ending (called by the media hooks) ---------------------------------


async def go_live(*, uow: UnitOfWork, show: Show, hls_url: str | None) -> None:
    """Mark the show live; tell the room, followers and RSVPs once committed."""
    show.status = ShowStatus.live.value
    show.went_live_at = show.went_live_at or utcnow()
    await uow.session.flush()
    await bus.publish(
        uow.session,
        ShowStateChanged(show_id=show.id, status=show.status, hls_url=hls_url, at=utcnow()),
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
        title=N_("{host} is live: {title}") if host else N_("A host is live: {title}"),
        params={"host": host.display_name if host else "", "title": show.title},
        url=f"/shows/{show.id}",
    )


async def end(*, uow: UnitOfWork, show: Show) -> None:
    show.status = ShowStatus.ended.value
    show.ended_at = utcnow()
    await uow.session.flush()
    # The room announces it, and selling closes the show's deals, auctions and giveaways.
    await bus.publish(
        uow.session,
        ShowStateChanged(show_id=show.id, status=show.status, hls_url=None, at=utcnow()),
    )


async def attribution(
    *, session: AsyncSession, show_id: int | None, variant_ids: Sequence[int]
) -> dict[str, Any]:
    """What an order records about where it was bought: the show and its (original) host.

    The buyer only names a show; the show decides. It is credited when it is live, or
    replaying (ended, with a replay), and every variant bought is of a product in its
    lineup. Any other `show_id` is ignored rather than refused: the purchase goes ahead
    uncredited (no GMV for the show, no purchase news in its room).
    """
    plain: dict[str, Any] = {"channel": "buy_now"}
    if show_id is None or not variant_ids:
        return plain
    show = await session.get(Show, show_id)
    if show is None:
        return plain
    if show.status == ShowStatus.live:
        channel = "live"
    elif show.status == ShowStatus.ended and show.replay_path:
        channel = "replay"
    else:
        return plain
    in_lineup = (
        select(func.count(func.distinct(Variant.id)))
        .join(ShowProduct, ShowProduct.product_id == Variant.product_id)
        .where(ShowProduct.show_id == show.id, Variant.id.in_(set(variant_ids)))
    )
    if (await session.execute(in_lineup)).scalar_one() != len(set(variant_ids)):
        return plain
    return {"channel": channel, "show_id": show.id, "host_id": show.host_id}


async def record_visit(*, session: AsyncSession, viewer: User, show_id: int) -> str | None:
    """A signed-in viewer opened the live room or the replay: a touch for attribution (the
    kind it was), or None when the show is neither live nor replaying, or it is the host."""
    show = await get(session=session, show_id=show_id)
    if viewer.id == show.host_id:
        return None
    if show.status == ShowStatus.live:
        kind = TouchKind.live
    elif show.status == ShowStatus.ended and show.replay_path:
        kind = TouchKind.replay
    else:
        return None
    await affiliates.record_touch(
        session=session, buyer_id=viewer.id, creator_id=show.host_id, kind=kind, show_id=show.id
    )
    return kind.value
