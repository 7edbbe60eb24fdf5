"""What every promotion in a show shares: the checks they all run (the show is live, the
runner may sell the product, the variant belongs to the show), the unit they reserve, the
per-user pace of bids and entries, and the request types they have in common."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import Field, StringConstraints
from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.catalog import locks as stock
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Variant
from liveshop.errors import Problem, forbidden, not_found
from liveshop.idempotency import idempotency_key
from liveshop.live.room.models import RoomModerator
from liveshop.live.shows.models import Show, ShowCohost, ShowProduct, ShowStatus
from liveshop.markets.seed import MARKETS

Id = Field(ge=1, le=2**31 - 1)


MAX_MONEY = 10**12  # minor units; far above any sale, far below the database's integer range


Money = Annotated[int, Field(ge=1, le=MAX_MONEY)]


CouponCodeStr = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
    ),
]


async def live_show(*, session: AsyncSession, show_id: int, lock: bool = False) -> Show:
    """The show, which must be live; `lock` serializes promotions opened in the same room."""
    stmt = select(Show).where(Show.id == show_id).execution_options(populate_existing=True)
    if lock:
        stmt = stmt.with_for_update()
    show = (await session.execute(stmt)).scalar_one_or_none()
    if show is None:
        raise not_found("show", show_id)
    if show.status != ShowStatus.live:
        raise Problem(
            409, "show_not_live", "The show is {status}, not live.", values={"status": show.status}
        )
    return show


async def may_run(*, session: AsyncSession, actor: User, show: Show, shop_id: int | None) -> bool:
    """The show's host, a seller of the shop concerned, or an admin."""
    if actor.has_role(Role.admin) or actor.id == show.host_id:
        return True
    return shop_id is not None and await catalog.is_member(
        session=session, user=actor, shop_id=shop_id
    )


async def show_variant(*, session: AsyncSession, show: Show, variant_id: int) -> Variant:
    """A variant of a product the show sells."""
    variant = await catalog.get_variant(session=session, variant_id=variant_id)
    stmt = select(ShowProduct.id).where(
        ShowProduct.show_id == show.id, ShowProduct.product_id == variant.product_id
    )
    if (await session.execute(stmt)).first() is None:
        raise Problem(
            409,
            "product_not_in_show",
            "{title} is not in this show's lineup.",
            values={"title": variant.product.title},
        )
    return variant


async def is_show_staff(*, session: AsyncSession, user: User, show: Show) -> bool:
    """An accepted co-host or an appointed moderator: they run the room, so they do not play."""
    cohost = select(ShowCohost.id).where(
        ShowCohost.show_id == show.id,
        ShowCohost.user_id == user.id,
        ShowCohost.status == "accepted",
    )
    moderator = select(RoomModerator.id).where(
        RoomModerator.show_id == show.id, RoomModerator.user_id == user.id
    )
    stmt = select(or_(exists(cohost), exists(moderator)))
    return bool((await session.execute(stmt)).scalar_one())


async def check_runner(
    *, session: AsyncSession, actor: User, show: Show, shop_id: int | None
) -> None:
    if not await may_run(session=session, actor=actor, show=show, shop_id=shop_id):
        raise forbidden("Only the host or the shop's sellers can do that.")


async def reserve_one(session: AsyncSession, variant: Variant) -> None:
    if not await stock.reserve(session, variant_id=variant.id, quantity=1):
        raise Problem(
            409,
            "out_of_stock",
            "No stock left for {title}.",
            values={"title": variant.product.title},
            variant_id=variant.id,
        )


async def handle_of(session: AsyncSession, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    user = await session.get(User, user_id)
    return user.handle if user else None


async def pace(request: Request, user: User, action: str) -> None:
    """A per-user budget for bids or entries, shared by every process and the room socket."""
    limit, window = request.app.state.settings.pace(action)
    wait = await request.app.state.rooms.store.hit(f"{action}:{user.id}", limit, window)
    if wait is not None:
        raise Problem(
            429,
            "rate_limited",
            "Too fast: wait {wait:g} s.",
            values={"wait": wait},
            retry_after=wait,
        )


# What the promotion APIs share.
IdemKey = Annotated[str | None, Depends(idempotency_key)]

CURRENCIES: dict[str, str] = {m["code"]: m["currency"] for m in MARKETS}

CodePath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]

After = Annotated[
    int, Query(ge=0, le=2**31 - 1, description="Cursor: the last id of the page before")
]

MAX_PAGE = 500
