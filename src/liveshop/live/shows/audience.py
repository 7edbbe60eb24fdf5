"""Who gathers around a show: RSVPs, co-hosts, and the shops a creator sells for."""

from __future__ import annotations

from sqlalchemy import and_, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.affiliates import service as affiliates
from liveshop.catalog.models import Shop, ShopMember
from liveshop.errors import Problem, not_found
from liveshop.i18n import N_
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import ShowCohost, ShowRsvp, ShowStatus
from liveshop.live.shows.schemas import ShopLink
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
            title=N_("{host} invited you to co-host {title}"),
            params={"host": host.display_name, "title": show.title},
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


async def allowed_shops(*, session: AsyncSession, user: User) -> list[tuple[Shop, ShopLink]]:
    """Shops whose products this user may sell: own first, then those collaborating with them
    (an active collaboration with a product in the user's showcase)."""
    # Only the caller's own links are read: no one learns who collaborates with someone else.
    stmt = (
        select(Shop, ShopMember.role)
        .join(ShopMember, and_(ShopMember.shop_id == Shop.id, ShopMember.user_id == user.id))
        .order_by(Shop.id)
    )
    out: list[tuple[Shop, ShopLink]] = [
        (shop, "owner" if role == "owner" else "member")
        for shop, role in (await session.execute(stmt)).all()
    ]
    own = {shop.id for shop, _ in out}
    others = await affiliates.sellable_shop_ids(session=session, creator_id=user.id)
    if others - own:
        rows = await session.execute(
            select(Shop).where(Shop.id.in_(others - own)).order_by(Shop.id)
        )
        out += [(shop, "allowed") for shop in rows.scalars()]
    return out
