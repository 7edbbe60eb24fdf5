"""Giveaways in the live room: free entry, an auditable draw, a claim window, redraws.

The giveaway reserves its prize unit when it opens. The first draw moves that unit into the
winner's zero-price order; an unclaimed order is cancelled after the claim window (its unit
returns) and a redraw reserves the unit again for the next winner.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.accounts.models import Follow, User
from liveshop.catalog import locks as stock
from liveshop.catalog import service as catalog
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.room.events import send_room_event
from liveshop.live.shows import service as shows
from liveshop.markets import service as markets
from liveshop.markets.rollout import service as rollout
from liveshop.orders import fulfilment
from liveshop.orders import service as orders
from liveshop.orders.models import Hold, HoldStatus, Order, OrderStatus
from liveshop.orders.schemas import Address
from liveshop.selling.giveaways.events import (
    GiveawayDrawnEvent,
    GiveawayEnteredEvent,
    GiveawayOpenedEvent,
)
from liveshop.selling.giveaways.models import Giveaway, GiveawayEntry
from liveshop.selling.giveaways.schemas import GiveawayCreate
from liveshop.selling.promotions import (
    check_runner,
    handle_of,
    is_show_staff,
    live_show,
    reserve_one,
    show_variant,
)

CLAIM_WINDOW = timedelta(hours=48)
OPEN, DRAWN, CLAIMED, NO_WINNER = "open", "drawn", "claimed", "no_winner"


def winner_index(seed: str, entrant_ids: Sequence[int]) -> int:
    """Which entrant wins a draw; anyone can recompute it from the draw's record.

    `entrant_ids` are the user ids still in the running (every entrant minus the earlier
    winners listed in the draw's `excluded`), sorted ascending. The winner is
    `entrant_ids[int(sha256(f"{seed}:{ids}").hexdigest(), 16) % len(entrant_ids)]`, where
    `ids` is the sorted ids joined by commas. The 256-bit digest makes the modulo bias
    negligible; the seed comes from `secrets.token_hex(16)` at draw time.
    """
    ids = sorted(entrant_ids)
    if not ids:
        raise ValueError("nobody to draw from")
    digest = hashlib.sha256(f"{seed}:{','.join(map(str, ids))}".encode()).hexdigest()
    return int(digest, 16) % len(ids)


def draw_winner(seed: str, entrant_ids: Sequence[int]) -> int:
    ids = sorted(entrant_ids)
    return ids[winner_index(seed, ids)]


# --- opening and reading ---------------------------------------------------------------------


async def create(
    *, session: AsyncSession, actor: User, show_id: int, data: GiveawayCreate
) -> Giveaway:
    """One open giveaway per room: the show row lock makes the check race-free."""
    show = await live_show(session=session, show_id=show_id, lock=True)
    variant = await show_variant(session=session, show=show, variant_id=data.variant_id)
    await check_runner(session=session, actor=actor, show=show, shop_id=variant.shop_id)
    await shows.check_sellable(session=session, actor=actor, show=show, product=variant.product)
    shop = await catalog.get_shop(session=session, shop_id=variant.shop_id)
    await rollout.require(
        session, market=data.market or shop.market_code, feature="giveaways", shop_id=shop.id,
        creator_id=show.host_id,
    )  # fmt: skip
    active = select(Giveaway.id).where(Giveaway.show_id == show.id, Giveaway.status == OPEN)
    if (await session.execute(active)).first() is not None:
        raise Problem(409, "giveaway_active", "This room already has an open giveaway.")
    await reserve_one(session, variant)
    giveaway = Giveaway(
        show_id=show.id,
        shop_id=variant.shop_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        created_by=actor.id,
        eligibility=data.eligibility,
        market_code=data.market,
        status=OPEN,
        draws=[],
    )
    session.add(giveaway)
    await session.flush()
    send_room_event(
        unit_of_work.of(session),
        show.id,
        GiveawayOpenedEvent(
            giveaway_id=giveaway.id,
            product_id=variant.product_id,
            title=variant.product.title,
            eligibility=giveaway.eligibility,
            market=giveaway.market_code,
        ),
    )
    return giveaway


async def get(
    *, session: AsyncSession, giveaway_id: int, for_update: bool = False, shared: bool = False
) -> Giveaway:
    stmt = select(Giveaway).where(Giveaway.id == giveaway_id)
    if for_update:
        stmt = stmt.with_for_update(read=shared)
    giveaway = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if giveaway is None:
        raise not_found("giveaway", giveaway_id)
    return giveaway


async def list_(*, session: AsyncSession, show_id: int, limit: int = 20) -> list[Giveaway]:
    """The show's latest giveaways, newest first."""
    await shows.get(session=session, show_id=show_id)
    stmt = select(Giveaway).where(Giveaway.show_id == show_id).order_by(Giveaway.id.desc())
    return list((await session.execute(stmt.limit(limit))).scalars())


async def entrant_ids(
    *, session: AsyncSession, giveaway_id: int, after: int = 0, limit: int | None = None
) -> list[int]:
    """Entrant user ids in ascending order; `after` and `limit` page through them."""
    stmt = (
        select(GiveawayEntry.user_id)
        .where(GiveawayEntry.giveaway_id == giveaway_id, GiveawayEntry.user_id > after)
        .order_by(GiveawayEntry.user_id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def entrant_count(*, session: AsyncSession, giveaway_id: int) -> int:
    stmt = select(func.count()).where(GiveawayEntry.giveaway_id == giveaway_id)
    return int((await session.execute(stmt)).scalar_one())


# --- entering --------------------------------------------------------------------------------


async def check_eligible(*, session: AsyncSession, giveaway: Giveaway, user: User) -> None:
    show = await shows.get(session=session, show_id=giveaway.show_id)
    if user.id == show.host_id or await catalog.is_member(
        session=session, user=user, shop_id=giveaway.shop_id
    ):
        raise Problem(403, "not_eligible", "Hosts and sellers cannot enter their own giveaway.")
    if await is_show_staff(session=session, user=user, show=show):
        raise Problem(
            403, "show_staff", "Co-hosts and moderators of the show cannot enter its giveaway."
        )
    # The shop may have revoked the host's allowance since the giveaway opened.
    await shows.check_shop_sells(
        session=session, actor=None, show=show, shop_id=giveaway.shop_id,
        product_id=giveaway.product_id,
    )  # fmt: skip
    if giveaway.eligibility == "followers":
        stmt = select(Follow.id).where(
            Follow.user_id == user.id,
            Follow.target_kind == "creator",
            Follow.target_id == show.host_id,
        )
        if (await session.execute(stmt)).first() is None:
            raise Problem(403, "not_eligible", "This giveaway is for the host's followers.")
    # A "market" giveaway is not checked against the profile's market, which anyone can
    # change: the prize ships only to an address in that market (`claim`).


async def enter(*, session: AsyncSession, user: User, giveaway_id: int) -> tuple[bool, int]:
    """Enter once; entering again changes nothing. Returns (newly entered, entrant count).

    Takes a shared lock on the giveaway: entries do not wait for each other, but a draw
    (which locks it exclusively) sees every entry made before it and none after.
    """
    giveaway = await get(session=session, giveaway_id=giveaway_id, for_update=True, shared=True)
    if giveaway.status != OPEN:
        raise Problem(409, "giveaway_closed", "Entries for this giveaway are closed.")
    await live_show(session=session, show_id=giveaway.show_id)
    await check_eligible(session=session, giveaway=giveaway, user=user)
    exists = select(GiveawayEntry.id).where(
        GiveawayEntry.giveaway_id == giveaway.id, GiveawayEntry.user_id == user.id
    )
    # Counted before inserting: on SQLite the routing session may read from the read pool
    # after a savepoint, which cannot see this transaction's own insert.
    count = await entrant_count(session=session, giveaway_id=giveaway.id)
    if (await session.execute(exists)).first() is not None:
        return False, count
    try:
        async with session.begin_nested():
            session.add(GiveawayEntry(giveaway_id=giveaway.id, user_id=user.id))
            await session.flush()
    except IntegrityError:
        return False, count  # the same user entering twice at once: the first one counts
    send_room_event(
        unit_of_work.of(session),
        giveaway.show_id,
        GiveawayEnteredEvent(giveaway_id=giveaway.id, count=count + 1),
    )
    return True, count + 1


# --- drawing ---------------------------------------------------------------------------------


async def _prize_order(session: AsyncSession, giveaway: Giveaway, winner: User) -> Order:
    """A zero-price order holding the prize; the address comes with the claim."""
    show = await shows.get(session=session, show_id=giveaway.show_id)
    variant = await catalog.get_variant(session=session, variant_id=giveaway.variant_id)
    # A market giveaway's prize ships within its market; the claim checks the address.
    market = await markets.get(session=session, code=giveaway.market_code or winner.market_code)
    assert giveaway.claim_deadline is not None
    order = await orders.place_prize(
        session=session,
        winner=winner,
        market=market,
        variant=variant,
        hold_until=giveaway.claim_deadline,
        source={
            "channel": "giveaway",
            "show_id": show.id,
            "host_id": show.host_id,
            "giveaway_id": giveaway.id,
        },
    )
    orders.record(session, order, "giveaway_won", actor=None, giveaway_id=giveaway.id)
    await session.flush()
    return order


async def _draw(session: AsyncSession, giveaway: Giveaway, *, first: bool) -> Giveaway:
    """Caller holds the giveaway row lock. `first`: the prize unit is still reserved."""
    excluded = sorted({int(d["winner_id"]) for d in giveaway.draws if d.get("winner_id")})
    pool = [
        uid
        for uid in await entrant_ids(session=session, giveaway_id=giveaway.id)
        if uid not in excluded
    ]
    now = utcnow()
    seed = secrets.token_hex(16)
    round_no = len(giveaway.draws) + 1
    record: dict[str, object] = {
        "round": round_no,
        "seed": seed,
        "entrants": len(pool),
        "excluded": excluded,
        "winner_id": None,
        "at": now.isoformat(),
        "order_id": None,
    }
    winner: User | None = None
    if (
        pool
        and not first
        and not await stock.reserve(session, variant_id=giveaway.variant_id, quantity=1)
    ):
        record["note"] = "out_of_stock"
        pool = []
    if pool:
        winner = await session.get(User, draw_winner(seed, pool))
        assert winner is not None
        giveaway.status = DRAWN
        giveaway.winner_id = winner.id
        giveaway.claim_deadline = now + CLAIM_WINDOW
        order = await _prize_order(session, giveaway, winner)
        giveaway.winner_order_id = order.id
        record["winner_id"], record["order_id"] = winner.id, order.id
    else:
        if first:
            await stock.release(session, variant_id=giveaway.variant_id, quantity=1)
        giveaway.status = NO_WINNER
        giveaway.winner_id = giveaway.winner_order_id = giveaway.claim_deadline = None
    # A new list, so SQLAlchemy sees the JSON column change.
    giveaway.draws = [*giveaway.draws, record]
    await session.flush()
    send_room_event(
        unit_of_work.of(session),
        giveaway.show_id,
        GiveawayDrawnEvent(
            giveaway_id=giveaway.id,
            round=round_no,
            winner=winner.handle if winner else None,
        ),
    )
    return giveaway


async def draw(*, session: AsyncSession, actor: User, giveaway_id: int) -> Giveaway:
    giveaway = await get(session=session, giveaway_id=giveaway_id, for_update=True)
    show = await shows.get(session=session, show_id=giveaway.show_id)
    await check_runner(session=session, actor=actor, show=show, shop_id=giveaway.shop_id)
    if giveaway.status != OPEN:
        raise Problem(
            409,
            "giveaway_closed",
            "This giveaway is {status} already.",
            values={"status": giveaway.status},
        )
    if await entrant_count(session=session, giveaway_id=giveaway.id) == 0:
        raise Problem(409, "no_entrants", "Nobody has entered yet.")
    return await _draw(session, giveaway, first=True)


async def redraw_if_unclaimed(*, session: AsyncSession, giveaway_id: int) -> bool:
    """After the claim window: cancel the unclaimed prize order and draw again."""
    giveaway = await get(session=session, giveaway_id=giveaway_id, for_update=True)
    deadline = giveaway.claim_deadline
    if giveaway.status != DRAWN or deadline is None or deadline > utcnow():
        return False
    if giveaway.winner_order_id is not None:
        order = await orders.load(
            session=session, order_id=giveaway.winner_order_id, for_update=True
        )
        if order.status not in (OrderStatus.pending_payment, OrderStatus.cancelled):
            # Settled some other way (a zero payment): the winner has the prize after all.
            giveaway.status = CLAIMED
            await session.flush()
            return True
        if order.status == OrderStatus.pending_payment:
            await fulfilment.cancel(session, order, actor=None, reason="giveaway_unclaimed")
    await _draw(session, giveaway, first=False)
    return True


# --- claiming --------------------------------------------------------------------------------


async def claim(
    *, session: AsyncSession, winner: User, giveaway_id: int, address: Address
) -> Order:
    """The winner gives an address in time; the zero-price order is then settled as paid."""
    giveaway = await get(session=session, giveaway_id=giveaway_id, for_update=True)
    if giveaway.winner_id != winner.id or giveaway.winner_order_id is None:
        raise forbidden("Only the current winner can claim this giveaway.")
    if giveaway.status != DRAWN:
        raise Problem(
            409,
            "giveaway_not_claimable",
            "This giveaway is {status}.",
            values={"status": giveaway.status},
        )
    if giveaway.claim_deadline is None or giveaway.claim_deadline <= utcnow():
        raise Problem(409, "claim_window_closed", "The 48-hour claim window has closed.")
    order = await orders.load(session=session, order_id=giveaway.winner_order_id, for_update=True)
    if order.status != OrderStatus.pending_payment:
        raise Problem(
            409,
            "giveaway_not_claimable",
            "The prize order is {status}.",
            values={"status": order.status},
        )
    if address.country != order.market_code:
        raise Problem(
            422,
            "address_outside_market",
            "The prize ships to addresses in {market_code}.",
            values={"market_code": order.market_code},
        )
    order.address = address.model_dump()
    await _settle_free(session, order, winner)
    giveaway.status = CLAIMED
    await session.flush()
    return order


async def _settle_free(session: AsyncSession, order: Order, winner: User) -> None:
    """Nothing to charge: the held unit becomes a sale, as a payment would make it."""
    holds = (
        await session.execute(
            select(Hold).where(Hold.order_id == order.id, Hold.status == HoldStatus.active.value)
        )
    ).scalars()
    for hold in list(holds):
        result = await session.execute(
            update(Hold)
            .where(Hold.id == hold.id, Hold.status == HoldStatus.active.value)
            .values(status=HoldStatus.converted.value)
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) == 1:
            await stock.commit_sale(session, variant_id=hold.variant_id, quantity=hold.quantity)
    order.paid_at = utcnow()
    order.hold_expires_at = None
    orders.record(
        session, order, "giveaway_claimed", actor=winner, to_status=OrderStatus.paid.value
    )


async def winner_handle(*, session: AsyncSession, giveaway: Giveaway) -> str | None:
    return await handle_of(session, giveaway.winner_id)
