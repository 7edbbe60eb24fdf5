"""What an order's life posts to the ledger (subscribed to `OrderChanged` in `wiring`).

Money of one order, in the order's currency (T = what the buyer paid, S = platform-funded
discounts and subsidies, F = platform fee, C = creator commissions, R = rolling reserve):

- **paid** — pending: clearing→seller T; seller→fee revenue F; subsidy expense→seller S
  (LIVE coupons and new-seller programs); the seller's commissions, when affiliates post them.
- **refund before settlement** — pending: seller→refunds→clearing X. A full refund settles the
  order at once: the payment and refund legs post, fee, subsidies and commissions are voided.
- **settled** (N days after delivery) — the payment and refund legs post in full; fee,
  subsidies and commissions post pro rata to what the buyer kept (voided at nothing kept);
  then the reserve: seller→reserve R, due for release later.
- **refund after settlement** — posted at once: seller→refunds→clearing X and the pro rata
  reversals of fee, subsidies and commissions. If that leaves a seller or creator owing money
  (they were paid out already), the shortfall becomes their receivable, with the reason.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop.catalog.models import Shop
from liveshop.db import utcnow
from liveshop.ledger import incentives
from liveshop.ledger.models import Kind, LedgerAccount, LedgerTransfer, Phase, ShopTerms
from liveshop.ledger.service import Acct, Chain, Leg, account, lock_account, open_pendings, post
from liveshop.ledger.terms import Terms
from liveshop.markets.models import Market
from liveshop.orders.messages import OrderChanged
from liveshop.orders.models import Order, OrderLine

CLEARING = Acct(Kind.buyer_clearing)
FEES = Acct(Kind.fee_revenue)
SUBSIDY = Acct(Kind.subsidy_expense)
REFUNDS = Acct(Kind.refunds)
TRANSIT = Acct(Kind.payouts_in_transit)
# Legs that follow what the buyer kept when an order settles.
PRO_RATA = ("fee", "subsidy", "commission")


def seller(shop_id: int) -> Acct:
    return Acct(Kind.seller_payable, shop_id)


def creator(user_id: int) -> Acct:
    return Acct(Kind.creator_payable, user_id)


# Product id -> its category, for markets whose fee depends on it. The category is a
# discovery label, a layer above the ledger: `wiring` hands the lookup in.
Categories = Callable[[AsyncSession, list[int]], Awaitable[dict[int, str | None]]]


def handler(
    terms: Terms, categories: Categories | None = None
) -> Callable[[AsyncSession, OrderChanged], Awaitable[None]]:
    async def on_order_changed(session: AsyncSession, msg: OrderChanged) -> None:
        if msg.kind == "paid":
            await on_paid(session, msg.order_id, terms, categories)
        elif msg.kind == "cancelled":  # unpaid: its coupons' budget goes back to the program
            await incentives.release_order(session, msg.order_id)
        elif msg.kind == "refunded":
            await on_refunded(session, msg.order_id, int(msg.data.get("amount", 0)), terms)

    return on_order_changed


async def _order(session: AsyncSession, order_id: int) -> Order:
    stmt = select(Order).where(Order.id == order_id).options(selectinload(Order.lines))
    return (await session.execute(stmt)).scalar_one()


def _show(order: Order) -> int | None:
    show = (order.source or {}).get("show_id")
    return int(show) if isinstance(show, int) else None


async def _posted(session: AsyncSession, transfer_id: str) -> bool:
    found = await session.execute(select(LedgerTransfer.id).where(LedgerTransfer.id == transfer_id))
    return found.first() is not None


async def on_paid(
    session: AsyncSession, order_id: int, terms: Terms, categories: Categories | None = None
) -> None:
    if await _posted(session, f"o{order_id}:pay"):
        return  # posted already: nothing is counted against a budget twice
    order = await _order(session, order_id)
    if order.total <= 0 and not order.discounts:
        return  # a free prize moves no money
    o, ccy, shop = order.id, order.currency, order.shop_id
    market = await session.get(Market, order.market_code)
    assert market is not None
    # One shop's postings at a time: the new-seller count below must see the previous order.
    await lock_account(session, ccy, seller(shop))
    platform_discounts = [d for d in order.discounts or [] if d.get("funded_by") == "platform"]
    subsidy = sum(int(d.get("amount", 0)) for d in platform_discounts)
    # The fee is on the price before the platform's own discounts, net of tax where tax is
    # added on top (US); where prices include VAT (UK, EU, ID) the anchors quote it gross.
    base = (order.total if market.prices_include_tax else order.subtotal_net) + subsidy
    fee = terms.fee(order.market_code, base, await _fee_lines(session, order, terms, categories))
    common: dict[str, Any] = {"order_id": o, "show_id": _show(order), "phase": Phase.pending}
    legs = [
        Leg(f"o{o}:pay", "payment", order.total, CLEARING, seller(shop), **common),
        Leg(f"o{o}:fee", "fee", fee, seller(shop), FEES, **common),
    ]
    coupon_programs = await incentives.running(session, kind="live_coupon", currency=ccy)
    for i, d in enumerate(platform_discounts):
        amount = int(d.get("amount", 0))
        ref, reason = None, f"platform {d.get('kind', 'discount')} {d.get('id', '')}".strip()
        if d.get("program_id") is not None:  # its budget was reserved at checkout
            ref = f"program:{int(d['program_id'])}"
        else:  # placed before the program ran: paid from it if it has room
            for program in coupon_programs:
                if await incentives.spend(
                    session, program_id=program.id, ref=f"o{o}:{i}", amount=amount
                ):
                    ref = f"program:{program.id}"
                    break
        legs.append(
            Leg(
                f"o{o}:coupon{i}",
                "subsidy",
                amount,
                SUBSIDY,
                seller(shop),
                ref=ref,
                reason=reason,
                **common,
            )
        )
    legs += await _new_seller(session, order, base, fee, common)
    await post(session, Chain(ccy, f"o{o}:paid", [lg for lg in legs if lg.amount > 0]))
    await _commissions(session, order)


def commission_base(line: OrderLine) -> int:
    """What the buyer paid for the line net of VAT or sales tax: every discount, platform- or
    seller-funded, is in the line already (a deal's price; coupons are spread over the lines
    and each line's tax recomputed, `selling/pricing.py`), so that is the line's net."""
    return max(0, line.net)


async def _commissions(session: AsyncSession, order: Order) -> None:
    """Pend each attributed line's commission (the rate and the touch are on the line)."""
    for line in order.lines:
        if not line.attr_creator_id or not line.attr_rate_bp:
            continue
        base = commission_base(line)
        amount = base * line.attr_rate_bp // 10_000
        if amount > 0:
            await post_commission(
                session,
                order_id=order.id,
                line_id=line.id,
                creator_id=line.attr_creator_id,
                amount=amount,
                reason=f"{line.attr_rate_bp / 100:g}% of {base} ({line.attr_kind}): "
                f"{line.attr_why or ''}"[:200],
            )


async def _fee_lines(
    session: AsyncSession, order: Order, terms: Terms, categories: Categories | None
) -> list[tuple[int, str | None]]:
    """Each line's value and its product's category, where the market's fee depends on it."""
    if categories is None or not terms.by_category(order.market_code):
        return []
    found = await categories(session, sorted({line.product_id for line in order.lines}))
    return [
        (line.gross, found.get(line.product_id))
        for line in sorted(order.lines, key=lambda ln: ln.id)
    ]


async def _new_seller(
    session: AsyncSession, order: Order, base: int, fee: int, common: dict[str, Any]
) -> list[Leg]:
    """Subsidy legs from running new-seller programs the shop still qualifies for."""
    programs = await incentives.running(session, kind="new_seller", currency=order.currency)
    if not programs:
        return []
    shop = await session.get(Shop, order.shop_id)
    assert shop is not None
    before = await session.execute(
        select(func.count())
        .select_from(LedgerTransfer)
        .join(Order, Order.id == LedgerTransfer.order_id)
        .where(
            Order.shop_id == order.shop_id,
            LedgerTransfer.code == "payment",
            LedgerTransfer.phase == Phase.pending.value,
        )
    )
    nth = int(before.scalar_one()) + 1  # this order's place among the shop's paid orders
    legs = []
    for program in programs:
        p = program.params
        if p.get("first_orders") and nth > int(p["first_orders"]):
            continue
        until = incentives.new_seller_window(program, shop.created_at)
        if until is not None and utcnow() > until:
            continue
        amount = int(p.get("bonus", 0))
        if "fee_bp" in p:  # the seller is charged the full fee and the program pays the cut
            amount += max(0, fee - base * int(p["fee_bp"]) // 10_000)
        if amount and await incentives.spend(
            session, program_id=program.id, ref=f"o{order.id}", amount=amount
        ):
            legs.append(
                Leg(
                    f"o{order.id}:program{program.id}",
                    "subsidy",
                    amount,
                    SUBSIDY,
                    seller(order.shop_id),
                    ref=f"program:{program.id}",
                    reason=program.name[:200],
                    **common,
                )
            )
    return legs


async def post_commission(
    session: AsyncSession,
    *,
    order_id: int,
    line_id: int,
    creator_id: int,
    amount: int,
    reason: str = "",
) -> bool:
    """Pend a creator's commission on one order line (for affiliates); settles with the order.

    Call it inside the transaction that attributes the line, after the order is paid.
    """
    order = await _order(session, order_id)
    line = next(ln for ln in order.lines if ln.id == line_id)
    leg = Leg(
        f"o{order.id}:l{line.id}:commission",
        "commission",
        amount,
        seller(order.shop_id),
        creator(creator_id),
        phase=Phase.pending,
        order_id=order.id,
        line_id=line.id,
        product_id=line.product_id,
        show_id=_show(order),
        ref=f"creator:{creator_id}",
        reason=reason,
    )
    if not await post(session, Chain(order.currency, leg.id, [leg])):
        return False
    await _gmv_tiers(session, order.currency, creator_id)
    return True


async def _gmv_tiers(session: AsyncSession, currency: str, creator_id: int) -> None:
    """Pay each GMV tier a creator has reached in a running program, once per tier."""
    for program in await incentives.running(session, kind="creator_gmv_tier", currency=currency):
        gmv_stmt = (
            select(func.coalesce(func.sum(OrderLine.gross), 0))
            .join(LedgerTransfer, LedgerTransfer.line_id == OrderLine.id)
            .where(
                LedgerTransfer.code == "commission",
                LedgerTransfer.phase == Phase.pending.value,
                LedgerTransfer.ref == f"creator:{creator_id}",
                LedgerTransfer.created_at >= program.starts_at,
            )
        )
        gmv = int((await session.execute(gmv_stmt)).scalar_one())
        for i, (threshold, bonus) in enumerate(program.params.get("tiers", [])):
            if gmv < int(threshold):
                break
            ref = f"creator:{creator_id}:tier{i}"
            if await incentives.spend(session, program_id=program.id, ref=ref, amount=int(bonus)):
                leg = Leg(
                    f"program{program.id}:{ref}",
                    "subsidy",
                    int(bonus),
                    SUBSIDY,
                    creator(creator_id),
                    ref=f"program:{program.id}",
                    reason=f"{program.name[:150]}: GMV tier {i + 1}",
                )
                await post(session, Chain(currency, leg.id, [leg]))


async def _refund_seq(session: AsyncSession, order_id: int) -> int:
    rows = await session.execute(
        select(func.count()).where(
            LedgerTransfer.order_id == order_id,
            LedgerTransfer.code == "refund",
            LedgerTransfer.id.like(f"o{order_id}:refund%:seller"),
        )
    )
    return int(rows.scalar_one()) + 1


async def on_refunded(session: AsyncSession, order_id: int, amount: int, terms: Terms) -> None:
    if amount <= 0 or not await _posted(session, f"o{order_id}:pay"):
        return  # nothing of this order is in the ledger (paid before it existed, or free)
    order = await _order(session, order_id)
    o, ccy, shop = order.id, order.currency, order.shop_id
    n = await _refund_seq(session, o)
    unsettled = await open_pendings(session, order_id=o, codes=["payment"])
    common: dict[str, Any] = {"order_id": o, "show_id": _show(order), "reason": "refund"}
    if unsettled:
        legs = [
            Leg(
                f"o{o}:refund{n}:seller",
                "refund",
                amount,
                seller(shop),
                REFUNDS,
                phase=Phase.pending,
                **common,
            ),
            Leg(
                f"o{o}:refund{n}:buyer",
                "refund",
                amount,
                REFUNDS,
                CLEARING,
                phase=Phase.pending,
                **common,
            ),
        ]
        await post(session, Chain(ccy, f"o{o}:refund{n}", legs))
        if order.refunded_total >= order.total:
            await settle(session, order, terms, reserve=False)
        return
    await _refund_settled(session, order, amount, n, common)


async def _refund_settled(
    session: AsyncSession, order: Order, amount: int, n: int, common: dict[str, Any]
) -> None:
    """A refund after settlement: posted at once, with pro rata reversals."""
    o, ccy, shop = order.id, order.currency, order.shop_id
    legs = [
        Leg(f"o{o}:refund{n}:seller", "refund", amount, seller(shop), REFUNDS, **common),
        Leg(f"o{o}:refund{n}:buyer", "refund", amount, REFUNDS, CLEARING, **common),
    ]
    originals = await session.execute(
        select(LedgerTransfer)
        .where(
            LedgerTransfer.order_id == o,
            LedgerTransfer.phase == Phase.pending.value,
            LedgerTransfer.code.in_(PRO_RATA),
        )
        .order_by(LedgerTransfer.id)
    )
    creators: set[int] = set()
    for t in originals.scalars():
        back = t.amount * amount // max(1, order.total)
        if back <= 0:
            continue
        # The same accounts, the other way round.
        legs.append(
            Leg(
                f"{t.id}:reverse{n}",
                t.code,
                back,
                await _acct_of(session, t.credit_account_id),
                await _acct_of(session, t.debit_account_id),
                order_id=o,
                line_id=t.line_id,
                product_id=t.product_id,
                show_id=t.show_id,
                ref=t.ref,
                reason=f"refund {n} reverses {t.code}",
            )
        )
        if t.code == "commission" and t.ref and t.ref.startswith("creator:"):
            creators.add(int(t.ref.split(":")[1]))
    await post(session, Chain(ccy, f"o{o}:refund{n}", legs))
    await cover_shortfall(session, ccy, seller(shop), Kind.seller_receivable, f"o{o}:refund{n}")
    for c in sorted(creators):
        await cover_shortfall(session, ccy, creator(c), Kind.creator_receivable, f"o{o}:refund{n}")


async def _acct_of(session: AsyncSession, account_id: int) -> Acct:
    row = await session.get(LedgerAccount, account_id)
    assert row is not None
    return Acct(Kind(row.kind), row.owner_id)


async def cover_shortfall(
    session: AsyncSession, ledger: str, payable: Acct, receivable: Kind, cause: str
) -> None:
    """A payable below zero becomes a receivable from its owner, with the reason recorded."""
    row = await account(session, ledger, payable)
    short = row.debits_posted - row.credits_posted
    if short <= 0:
        return
    leg = Leg(
        f"{cause}:receivable:{payable.kind}:{payable.owner}",
        "receivable",
        short,
        Acct(receivable, payable.owner),
        payable,
        reason=f"refund after payout ({cause}): the owner owes it back",
    )
    await post(session, Chain(ledger, leg.id, [leg]))


async def settle(
    session: AsyncSession, order: Order, terms: Terms, *, reserve: bool = True
) -> bool:
    """Resolve an order's pending legs; False if it was settled already. Order row locked."""
    pendings = await open_pendings(session, order_id=order.id)
    if not any(p.code == "payment" for p in pendings):
        return False
    kept = max(0, order.total - order.refunded_total)
    legs = []
    net = 0
    seller_id = (await account(session, order.currency, seller(order.shop_id))).id
    for p in pendings:
        amount = p.amount * kept // max(1, order.total) if p.code in PRO_RATA else p.amount
        phase = Phase.post if amount > 0 else Phase.void
        legs.append(
            Leg(
                f"{p.id}:{phase.value}",
                p.code,
                amount,
                phase=phase,
                pending_id=p.id,
                order_id=order.id,
                line_id=p.line_id,
                product_id=p.product_id,
                show_id=p.show_id,
                ref=p.ref,
            )
        )
        if p.credit_account_id == seller_id:
            net += amount
        elif p.debit_account_id == seller_id:
            net -= amount
    batch = f"o{order.id}:settle"
    if reserve and net > 0:
        shop_terms = await session.get(ShopTerms, order.shop_id)
        if shop_terms is not None and shop_terms.reserve_bp > 0:
            held = net * shop_terms.reserve_bp // 10_000
            legs.append(
                Leg(
                    f"o{order.id}:reserve",
                    "reserve",
                    held,
                    seller(order.shop_id),
                    Acct(Kind.reserve, order.shop_id),
                    order_id=order.id,
                    due_at=utcnow() + timedelta(days=shop_terms.reserve_days),
                    reason=f"rolling reserve {shop_terms.reserve_bp / 100:g}%",
                )
            )
    await post(
        session,
        Chain(
            order.currency, batch, [lg for lg in legs if lg.phase != Phase.single or lg.amount > 0]
        ),
    )
    return True
