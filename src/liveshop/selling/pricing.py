"""Which price a buyer pays when promotions overlap.

The priority, applied line by line and then to the order (one shop's part of a checkout):

1. **Flash deal.** A line bought through a flash deal (its hold names the deal) keeps the deal
   price; no campaign price applies on top of it.
2. **Campaign price.** Otherwise, when the order is bought in a show that is live, belongs to
   a multi-brand event (`LiveEvent`) and the event is running, the event's `CampaignPrice` for
   the variant and market replaces the unit price, if it is lower.
3. **Coupons.** LIVE coupons the buyer claimed in the show then discount the order:
   - at most one non-stackable coupon per order; stackable coupons add to it (and to each
     other); a second non-stackable one is refused;
   - each coupon's `min_spend` is compared with the subtotal after steps 1 and 2 (never with
     what other coupons left);
   - a percent coupon takes `value` basis points of that same subtotal, rounded down;
   - coupons apply in the order given and each is capped by what is left, so the price never
     goes below zero;
   - the coupon total is spread over the lines in proportion to their amounts (largest
     remainder, ties to the earlier line), and each line's tax is recomputed from its new
     amount, so `net + tax == gross` on every line and the order totals are the line sums.

"Amount" means what the market quotes: the gross where prices include tax (UK, EU, ID), the
net where tax is added on top (US). Discounts are recorded in that same unit, in
`Order.discounts` as `{"kind", "id", "amount", "funded_by"}` (kind "campaign" or "coupon"),
with `Order.discount_total` their sum. Everything is integer minor units.

`decide` is the whole decision as a pure function; `apply_coupons` loads the facts, calls it
and writes the result. Checkout and buy-now call `apply_coupons` right after placing the
orders, also without codes, so campaign prices apply to every order bought in a live show.

A platform-funded coupon also reserves its discount from the platform's program budget, in
the same transaction (the hook `use_budget`, which wiring points at the ledger's incentives):
past the cap the checkout is refused with `promotion_budget_spent`, and the discount record
names the program that pays it (`program_id`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.live.campaigns.models import LiveEvent, LiveEventShow
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.markets.models import Market
from liveshop.markets.tax import line_tax
from liveshop.orders.models import Hold, Order, OrderLine, OrderStatus
from liveshop.selling.coupons.models import Coupon, CouponClaim
from liveshop.selling.models import CampaignPrice

# --- the platform's budget (ledger.incentives, a layer above: wiring installs it) -----------

# (session, currency, order id, coupon id, amount) -> the program paying it, or None when
# no program runs; raises the Problem `promotion_budget_spent` past the cap.
BudgetReserve = Callable[[AsyncSession, str, int, int, int], Awaitable[int | None]]
_budget: BudgetReserve | None = None


def use_budget(reserve: BudgetReserve | None) -> None:
    global _budget  # one process-wide plug, set at start-up
    _budget = reserve


# --- the decision (pure) -------------------------------------------------------------------


@dataclass(frozen=True)
class LineIn:
    key: int
    quantity: int
    unit_price: int  # what the line was placed at: the regular price, or the deal price
    flash_deal: bool = False
    campaign: tuple[int, int] | None = None  # (CampaignPrice id, unit amount)


@dataclass(frozen=True)
class CouponIn:
    id: int
    kind: Literal["amount", "percent"]
    value: int  # minor units, or basis points
    min_spend: int = 0
    stackable: bool = False
    funded_by: str = "seller"


@dataclass(frozen=True)
class LineOut:
    key: int
    unit_price: int  # after the deal or campaign price
    amount: int  # unit_price * quantity less this line's share of the coupons


@dataclass(frozen=True)
class Applied:
    kind: str
    id: int
    amount: int
    funded_by: str

    def as_record(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "amount": self.amount,
            "funded_by": self.funded_by,
        }


@dataclass(frozen=True)
class Decision:
    lines: list[LineOut]
    applied: list[Applied] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (coupon id, reason)

    @property
    def total(self) -> int:
        return sum(ln.amount for ln in self.lines)

    @property
    def discount_total(self) -> int:
        return sum(a.amount for a in self.applied)


def _coupon_amount(coupon: CouponIn, base: int) -> int:
    if coupon.kind == "percent":
        return base * min(coupon.value, 10_000) // 10_000
    return coupon.value


def _spread(total: int, weights: list[int]) -> list[int]:
    """Split `total` over `weights` proportionally; largest remainder, ties to the first."""
    whole = sum(weights)
    if total <= 0 or whole <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def decide(lines: Sequence[LineIn], coupons: Sequence[CouponIn]) -> Decision:
    """Apply deal, then campaign, then coupons to one order's lines (see the module doc)."""
    applied: list[Applied] = []
    rejected: list[tuple[int, str]] = []
    units: list[int] = []
    for ln in lines:
        unit = ln.unit_price
        if not ln.flash_deal and ln.campaign is not None and ln.campaign[1] < unit:
            applied.append(
                Applied("campaign", ln.campaign[0], (unit - ln.campaign[1]) * ln.quantity, "seller")
            )
            unit = ln.campaign[1]
        units.append(unit)
    amounts = [u * ln.quantity for u, ln in zip(units, lines, strict=True)]
    base = sum(amounts)

    left, seen, exclusive = base, set(), False
    coupon_total = 0
    for c in coupons:
        if c.id in seen:
            rejected.append((c.id, "duplicate"))
            continue
        seen.add(c.id)
        if not c.stackable and exclusive:
            rejected.append((c.id, "not_stackable"))
            continue
        if base < c.min_spend:
            rejected.append((c.id, "min_spend"))
            continue
        amount = min(_coupon_amount(c, base), left)
        if amount <= 0:
            rejected.append((c.id, "nothing_to_discount"))
            continue
        exclusive = exclusive or not c.stackable
        left -= amount
        coupon_total += amount
        applied.append(Applied("coupon", c.id, amount, c.funded_by))

    shares = _spread(coupon_total, amounts)
    out = [
        LineOut(ln.key, unit, amount - share)
        for ln, unit, amount, share in zip(lines, units, amounts, shares, strict=True)
    ]
    return Decision(out, applied, rejected)


# --- keeping an order's money consistent ---------------------------------------------------


def set_line_amount(line: OrderLine, *, amount: int, inclusive: bool) -> None:
    """Set a line's charged amount and recompute its tax so `net + tax == gross`."""
    t = line_tax(unit_price=amount, quantity=1, rate_bp=line.tax_rate_bp, inclusive=inclusive)
    line.net, line.tax, line.gross = t.net, t.tax, t.gross


def retotal(order: Order) -> None:
    """The order's totals are exactly the sums of its lines (plus shipping)."""
    order.subtotal_net = sum(ln.net for ln in order.lines)
    order.tax_total = sum(ln.tax for ln in order.lines)
    order.total = sum(ln.gross for ln in order.lines) + order.shipping_total


# --- campaign prices ---------------------------------------------------------------------


async def _campaign_prices(
    session: AsyncSession, *, show_id: int, market_code: str, variant_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """variant id -> (CampaignPrice id, amount): the lowest running campaign price."""
    if not variant_ids:
        return {}
    now = utcnow()
    stmt = (
        select(CampaignPrice.variant_id, CampaignPrice.id, CampaignPrice.amount)
        .join(LiveEventShow, LiveEventShow.event_id == CampaignPrice.event_id)
        .join(LiveEvent, LiveEvent.id == CampaignPrice.event_id)
        .join(Show, Show.id == LiveEventShow.show_id)
        .where(
            LiveEventShow.show_id == show_id,
            Show.status == ShowStatus.live.value,
            LiveEvent.starts_at <= now,
            LiveEvent.ends_at > now,
            CampaignPrice.market_code == market_code,
            CampaignPrice.variant_id.in_(list(variant_ids)),
        )
        .order_by(CampaignPrice.amount, CampaignPrice.id)
    )
    found: dict[int, tuple[int, int]] = {}
    for variant_id, price_id, amount in (await session.execute(stmt)).all():
        found.setdefault(variant_id, (price_id, amount))
    return found


# --- applying to placed orders -------------------------------------------------------------


async def _deal_variants(session: AsyncSession, order_ids: list[int]) -> set[tuple[int, int]]:
    stmt = select(Hold.order_id, Hold.variant_id).where(
        Hold.order_id.in_(order_ids), Hold.deal_id.is_not(None)
    )
    return {(o, v) for o, v in (await session.execute(stmt)).all()}


async def _claimed_coupons(
    session: AsyncSession, *, buyer: User, show: Show, codes: list[str]
) -> list[tuple[Coupon, int]]:
    """(coupon, a free claim id of the buyer) per code, or a Problem naming the code.

    A claim is free when no order used it, or its order was cancelled (an expired hold
    gives the coupon back along with the stock).
    """
    out = []
    for code in codes:
        coupon = (
            await session.execute(
                select(Coupon).where(Coupon.show_id == show.id, Coupon.code == code)
            )
        ).scalar_one_or_none()
        if coupon is None:
            raise Problem(
                422,
                "coupon_unknown",
                "No coupon {code} is valid here.",
                values={"code": code},
                coupon=code,
            )
        if coupon.funded_by == "seller" and coupon.shop_id is not None:
            # Revoking the host's allowance also stops the shop-funded coupons already out.
            await shows.check_shop_sells(
                session=session, actor=None, show=show, shop_id=coupon.shop_id
            )
        claim_id = (
            await session.execute(
                select(func.min(CouponClaim.id)).where(
                    CouponClaim.coupon_id == coupon.id,
                    CouponClaim.user_id == buyer.id,
                    _free_claim(),
                )
            )
        ).scalar_one()
        if claim_id is None:
            raise Problem(
                409,
                "coupon_not_claimed",
                "Claim coupon {code} in the live room before using it.",
                values={"code": code},
                coupon=code,
            )
        out.append((coupon, claim_id))
    return out


def _target(order_list: list[Order], coupon: Coupon, amounts: dict[int, int]) -> Order | None:
    """A coupon discounts one order: the biggest one of its shop (any shop) and market."""
    fits = [
        o
        for o in order_list
        if o.market_code == coupon.market_code
        and (o.address or {}).get("country") == coupon.market_code  # where it is delivered
        and coupon.shop_id in (None, o.shop_id)
    ]
    return max(fits, key=lambda o: (amounts[o.id], -o.id), default=None)


async def apply_coupons(
    *,
    session: AsyncSession,
    buyer: User,
    orders: list[Order],
    codes: list[str],
    show_id: int | None,
) -> None:
    """Apply campaign prices and LIVE coupons to freshly placed orders (see the module doc)."""
    codes = list(dict.fromkeys(c.strip().upper() for c in codes))
    if not orders or (show_id is None and not codes):
        return
    if show_id is None:
        raise Problem(
            422, "coupon_unknown", "No coupon {code} is valid here.", values={"code": codes[0]}
        )
    show = await session.get(Show, show_id)
    if show is None or show.status != ShowStatus.live:
        if codes:
            raise Problem(409, "coupon_show_not_live", "LIVE coupons work only during the show.")
        return

    deal_lines = await _deal_variants(session, [o.id for o in orders])
    campaigns: dict[int, dict[int, tuple[int, int]]] = {}
    for order in orders:
        campaigns[order.id] = await _campaign_prices(
            session,
            show_id=show_id,
            market_code=order.market_code,
            variant_ids=[ln.variant_id for ln in order.lines],
        )
    amounts = {o.id: sum(ln.unit_price * ln.quantity for ln in o.lines) for o in orders}

    per_order: dict[int, list[tuple[Coupon, int]]] = {o.id: [] for o in orders}
    for coupon, claim_id in await _claimed_coupons(session, buyer=buyer, show=show, codes=codes):
        target = _target(orders, coupon, amounts)
        if target is None:
            raise Problem(
                409,
                "coupon_not_applicable",
                "Coupon {code} does not apply to anything in this order.",
                values={"code": coupon.code},
                coupon=coupon.code,
                reason="shop_or_market",
            )
        per_order[target.id].append((coupon, claim_id))

    for order in orders:
        chosen = per_order[order.id]
        lines_in = [
            LineIn(
                key=ln.id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                flash_deal=(order.id, ln.variant_id) in deal_lines,
                campaign=campaigns[order.id].get(ln.variant_id),
            )
            for ln in order.lines
        ]
        decision = decide(
            lines_in,
            [
                CouponIn(
                    id=c.id,
                    kind="percent" if c.kind == "percent" else "amount",
                    value=c.value,
                    min_spend=c.min_spend,
                    stackable=c.stackable,
                    funded_by=c.funded_by,
                )
                for c, _claim in chosen
            ],
        )
        if decision.rejected:
            coupon_id, reason = decision.rejected[0]
            code = next(c.code for c, _ in chosen if c.id == coupon_id)
            raise Problem(
                409,
                "coupon_not_applicable",
                "Coupon {code} cannot be used on this order ({reason}).",
                values={"code": code, "reason": reason.replace("_", " ")},
                coupon=code,
                reason=reason,
            )
        if not decision.applied:
            continue
        await _write(session, order, decision, await _reserve(session, order, decision))
        for _coupon, claim_id in chosen:
            await _consume(session, claim_id=claim_id, order_id=order.id)
    await session.flush()


async def _reserve(session: AsyncSession, order: Order, decision: Decision) -> dict[int, int]:
    """Coupon id -> the program whose budget pays its platform-funded discount."""
    programs: dict[int, int] = {}
    if _budget is None:
        return programs
    for a in decision.applied:
        if a.kind == "coupon" and a.funded_by == "platform":
            program = await _budget(session, order.currency, order.id, a.id, a.amount)
            if program is not None:
                programs[a.id] = program
    return programs


async def _write(
    session: AsyncSession, order: Order, decision: Decision, programs: dict[int, int]
) -> None:
    market = await session.get(Market, order.market_code)
    assert market is not None  # the order was just placed in it
    by_key = {out.key: out for out in decision.lines}
    for line in order.lines:
        out = by_key[line.id]
        line.unit_price = out.unit_price
        set_line_amount(line, amount=out.amount, inclusive=market.prices_include_tax)
    retotal(order)
    records = [a.as_record() for a in decision.applied]
    for record in records:
        if record["kind"] == "coupon" and record["id"] in programs:
            record["program_id"] = programs[record["id"]]
    order.discounts = [*(order.discounts or []), *records]
    # Every recorded promotion counts, including a flash deal's entry written at placement.
    order.discount_total = sum(int(d.get("amount", 0)) for d in order.discounts)


def _free_claim() -> ColumnElement[bool]:
    cancelled = select(Order.id).where(Order.status == OrderStatus.cancelled.value)
    return or_(CouponClaim.order_id.is_(None), CouponClaim.order_id.in_(cancelled))


async def _consume(session: AsyncSession, *, claim_id: int, order_id: int) -> None:
    """Conditional, so two checkouts racing with one claim cannot both use it."""
    result = await session.execute(
        update(CouponClaim)
        .where(CouponClaim.id == claim_id, _free_claim())
        .values(order_id=order_id)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise Problem(409, "coupon_already_used", "That coupon claim was just used elsewhere.")
