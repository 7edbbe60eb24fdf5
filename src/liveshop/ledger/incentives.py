"""Platform-funded incentive programs, each with a budget it never passes.

The cap holds under any concurrency because spending is one conditional UPDATE
(`spent = spent + x WHERE spent + x <= budget`): on PostgreSQL concurrent updates of the row
queue and each re-checks the condition on the newest row; SQLite has one writer. An award is
all or nothing, so the last orders past the cap get no subsidy rather than a part of one.

Platform-funded LIVE coupons reserve their budget at checkout (`reserve_live_coupon`, which
selling's pricing calls through the hook `wiring` installs), in the order's transaction: a
coupon past the cap is refused there (`promotion_budget_spent`), so the discount a buyer sees
is always one the program pays. Cancelling the unpaid order (or its hold expiring) gives the
reservation back (`release_order`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.ledger.models import IncentiveAward, IncentiveProgram
from liveshop.orders.models import Order

KINDS = ("new_seller", "creator_gmv_tier", "live_coupon")


async def create(
    *,
    session: AsyncSession,
    name: str,
    kind: str,
    currency: str,
    budget: int,
    starts_at: datetime,
    ends_at: datetime,
    params: dict[str, Any],
) -> IncentiveProgram:
    """Open a program. Params by kind:

    - new_seller: `fee_bp` (the reduced fee; 0 = none) and/or `bonus` per order, for the first
      `first_orders` orders or `first_days` days of a shop;
    - creator_gmv_tier: `tiers` = [[gmv, bonus], …] in minor units, each paid once per creator;
    - live_coupon: no params; the platform-funded LIVE coupons count against it.
    """
    if kind not in KINDS:
        raise Problem(
            422,
            "program_kind_unknown",
            "Program kind must be one of {KINDS}.",
            values={"KINDS": KINDS},
        )
    if budget <= 0 or ends_at <= starts_at:
        raise Problem(
            422, "program_invalid", "A program needs a budget and an end after its start."
        )
    program = IncentiveProgram(
        name=name,
        kind=kind,
        currency=currency,
        budget=budget,
        spent=0,
        starts_at=starts_at,
        ends_at=ends_at,
        params=params,
    )
    session.add(program)
    await session.flush()
    return program


async def running(
    session: AsyncSession, *, kind: str, currency: str, at: datetime | None = None
) -> list[IncentiveProgram]:
    at = at or utcnow()
    rows = await session.execute(
        select(IncentiveProgram)
        .where(
            IncentiveProgram.kind == kind,
            IncentiveProgram.currency == currency,
            IncentiveProgram.starts_at <= at,
            IncentiveProgram.ends_at > at,
        )
        .order_by(IncentiveProgram.id)
    )
    return list(rows.scalars())


async def spend(session: AsyncSession, *, program_id: int, ref: str, amount: int) -> bool:
    """Take `amount` from the program's budget once per `ref`; False past the cap."""
    if amount <= 0:
        return False
    done = await session.execute(
        select(IncentiveAward.id).where(
            IncentiveAward.program_id == program_id, IncentiveAward.ref == ref
        )
    )
    if done.first() is not None:
        return False
    result = await session.execute(
        update(IncentiveProgram)
        .where(
            IncentiveProgram.id == program_id,
            IncentiveProgram.spent + amount <= IncentiveProgram.budget,
        )
        .values(spent=IncentiveProgram.spent + amount)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        return False
    session.add(IncentiveAward(program_id=program_id, ref=ref, amount=amount))
    await session.flush()
    return True


def coupon_ref(order_id: int, coupon_id: int) -> str:
    return f"o{order_id}:coupon{coupon_id}"


async def reserve_live_coupon(
    session: AsyncSession, *, currency: str, order_id: int, coupon_id: int, amount: int
) -> int | None:
    """Take a platform coupon's discount from a running LIVE coupon program's budget: that
    program's id, None when no program runs (the platform funds the coupon unbudgeted), or
    409 `promotion_budget_spent` when programs run and none has room left for it."""
    programs = await running(session, kind="live_coupon", currency=currency)
    if not programs or amount <= 0:
        return None
    ref = coupon_ref(order_id, coupon_id)
    for program in programs:
        if await spend(session, program_id=program.id, ref=ref, amount=amount):
            return program.id
    raise Problem(
        409,
        "promotion_budget_spent",
        "The platform's budget for this coupon is used up: order without it.",
        coupon_id=coupon_id,
    )


async def release_order(session: AsyncSession, order_id: int) -> int:
    """Give back what an order's coupons reserved (it was cancelled unpaid); the amount.

    Only discounts that name a program reserved anything; each award is found by its unique
    (program, ref) key, so an expiry sweep does not scan the awards."""
    order = await session.get(Order, order_id)
    reserved = [
        (int(d["program_id"]), coupon_ref(order_id, int(d["id"])))
        for d in (order.discounts or [] if order is not None else [])
        if d.get("program_id") is not None and d.get("kind") == "coupon"
    ]
    given = 0
    for program_id, ref in reserved:
        award = (
            await session.execute(
                delete(IncentiveAward)
                .where(IncentiveAward.program_id == program_id, IncentiveAward.ref == ref)
                .returning(IncentiveAward.amount)
            )
        ).scalar_one_or_none()
        if award is None:
            continue  # given back already
        await session.execute(
            update(IncentiveProgram)
            .where(IncentiveProgram.id == program_id)
            .values(spent=IncentiveProgram.spent - award)
            .execution_options(synchronize_session=False)
        )
        given += int(award)
    return given


def new_seller_window(program: IncentiveProgram, shop_created: datetime) -> datetime | None:
    days = program.params.get("first_days")
    return shop_created + timedelta(days=int(days)) if days else None


async def report(session: AsyncSession) -> list[dict[str, Any]]:
    """Spend against budget per program, with the awards per day for a burn-down."""
    programs = list(
        (await session.execute(select(IncentiveProgram).order_by(IncentiveProgram.id))).scalars()
    )
    out = []
    for p in programs:
        day = func.date(IncentiveAward.created_at)
        rows = await session.execute(
            select(day, func.sum(IncentiveAward.amount), func.count())
            .where(IncentiveAward.program_id == p.id)
            .group_by(day)
            .order_by(day)
        )
        left, burn = p.budget, []
        for d, amount, n in rows.all():
            left -= int(amount)
            burn.append({"day": str(d), "spent": int(amount), "awards": int(n), "left": left})
        out.append(
            {
                "id": p.id,
                "name": p.name,
                "kind": p.kind,
                "currency": p.currency,
                "budget": p.budget,
                "spent": p.spent,
                "left": p.budget - p.spent,
                "starts_at": p.starts_at.isoformat(),
                "ends_at": p.ends_at.isoformat(),
                "burn": burn,
            }
        )
    return out
