"""Who gathers around a show: RSVPs, co-hosts, and the creators a shop lets sell its products."""

from __future__ import annotations

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Shop, ShopMember
from liveshop.errors import Problem, not_found
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import ShopCreator, ShowCohost, ShowRsvp, ShowStatus
from liveshop.live.shows.schemas import ShopLink
from liveshop.markets.rollout import service as rollout
from liveshop.uow import UnitOfWork


async def rsvp(*, session: AsyncSession, user: User, show_id: int) -> None:
    show = await shows.get(session=session, show_id=show_id)
    if show.status not in (ShowStatus.scheduled, ShowStatus.live):
        raise Problem(
            409,
            "show_not_upcoming",
            "A {status} show takes no RSVPs.",
            values={"status": show.status},
        )
    exists = select(ShowRsvp.id).where(ShowRsvp.show_id == show_id, ShowRsvp.user_id == user.id)
    if (await session.execute(exists)).first():
        return
    session.add(ShowRsvp(show_id=show_id, user_id=user.id))
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError:
        return  # a concurrent duplicate RSVP: the first one stands


async def cancel_rsvp(*, session: AsyncSession, user: User, show_id: int) -> None:
    await session.execute(
        delete(ShowRsvp).where(ShowRsvp.show_id == show_id, ShowRsvp.user_id == user.id)
    )


async def my_rsvps(*, session: AsyncSession, user: User) -> list[int]:
    stmt = select(ShowRsvp.show_id).where(ShowRsvp.user_id == user.id).order_by(ShowRsvp.id)
    return list((await session.execute(stmt)).scalars())


async def invite_cohost(*, uow: UnitOfWork, host: User, show_id: int, user_id: int) -> ShowCohost:
    show = await shows.get_for_host(session=uow.session, host=host, show_id=show_id)
    guest = await uow.session.get(User, user_id)
    if guest is None or not guest.has_role(Role.creator):
        raise not_found("creator", user_id)
    if guest.id == show.host_id:
        raise Problem(409, "already_host", "The host is already on the show.")
    stmt = select(ShowCohost).where(ShowCohost.show_id == show_id, ShowCohost.user_id == user_id)
    row = (await uow.session.execute(stmt)).scalar_one_or_none()
    if row is None:
        row = ShowCohost(show_id=show_id, user_id=user_id, status="invited")
        uow.session.add(row)
        await uow.session.flush()
        await accounts.notify(
            uow=uow,
            user_ids=[user_id],
            kind="cohost_invite",
            title=f"{host.display_name} invited you to co-host {show.title}",
            url=f"/studio/shows/{show.id}",
        )
    return row


async def accept_cohost(*, session: AsyncSession, user: User, show_id: int) -> ShowCohost:
    stmt = select(ShowCohost).where(ShowCohost.show_id == show_id, ShowCohost.user_id == user.id)
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found("invitation", show_id)
    row.status = "accepted"
    await session.flush()
    return row


async def remove_cohost(*, session: AsyncSession, actor: User, show_id: int, user_id: int) -> None:
    """The host removes a co-host, or a co-host leaves."""
    if actor.id != user_id:
        await shows.get_for_host(session=session, host=actor, show_id=show_id)
    await session.execute(
        delete(ShowCohost).where(ShowCohost.show_id == show_id, ShowCohost.user_id == user_id)
    )


async def allow_creator(
    *, session: AsyncSession, actor: User, shop_id: int, creator_id: int
) -> ShopCreator:
    shop = await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    creator = await session.get(User, creator_id)
    if creator is None or not creator.has_role(Role.creator):
        raise not_found("creator", creator_id)
    await rollout.require(
        session, market=shop.market_code, feature="affiliates", shop_id=shop.id,
        creator_id=creator.id,
    )  # fmt: skip
    stmt = select(ShopCreator).where(
        ShopCreator.shop_id == shop_id, ShopCreator.creator_id == creator_id
    )
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        row = ShopCreator(shop_id=shop_id, creator_id=creator_id)
        session.add(row)
        await session.flush()
    return row


async def disallow_creator(
    *, session: AsyncSession, actor: User, shop_id: int, creator_id: int
) -> None:
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    await session.execute(
        delete(ShopCreator).where(
            ShopCreator.shop_id == shop_id, ShopCreator.creator_id == creator_id
        )
    )


async def allowed_creators(*, session: AsyncSession, actor: User, shop_id: int) -> list[User]:
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    stmt = (
        select(User)
        .join(ShopCreator, ShopCreator.creator_id == User.id)
        .where(ShopCreator.shop_id == shop_id)
        .order_by(User.id)
    )
    return list((await session.execute(stmt)).scalars())


async def allowed_shops(*, session: AsyncSession, user: User) -> list[tuple[Shop, ShopLink]]:
    """Shops whose products this user may sell, each marked owner, member or allowed."""
    # Only the caller's own links are read: no one learns which shops allow someone else.
    stmt = (
        select(Shop, ShopMember.role, ShopCreator.id)
        .outerjoin(ShopMember, and_(ShopMember.shop_id == Shop.id, ShopMember.user_id == user.id))
        .outerjoin(
            ShopCreator, and_(ShopCreator.shop_id == Shop.id, ShopCreator.creator_id == user.id)
        )
        .where(or_(ShopMember.id.is_not(None), ShopCreator.id.is_not(None)))
        .order_by(Shop.id)
    )
    out: list[tuple[Shop, ShopLink]] = []
    for shop, member_role, _ in (await session.execute(stmt)).all():
        # Selling for a shop outranks being allowed by it: the member may also pick its drafts.
        via: ShopLink = (
            "allowed" if member_role is None else "owner" if member_role == "owner" else "member"
        )
        out.append((shop, via))
    own = [row for row in out if row[1] != "allowed"]
    return own + [row for row in out if row[1] == "allowed"]
