"""Collaborations: offers, invitations, showcases, rates over time, touches and attribution.

Everything a selling check needs is read afresh (nothing cached), so a revoked collaboration
or a product taken out of a showcase stops the next pin, deal, auction, giveaway or coupon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from babel.dates import format_date
from babel.numbers import format_percent
from sqlalchemy import Exists, delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.affiliates.models import (
    CUT_LOCK_DAYS,
    CUT_REMINDER_DAYS,
    LIVE,
    MAX_RATE_BP,
    MIN_RATE_BP,
    NO_DISCOUNT_BP,
    Collaboration,
    Kind,
    RateChange,
    ShowcaseItem,
    Status,
    Touch,
    TouchKind,
)
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product, ProductStatus, Shop
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.i18n import N_, Msg, babel_locale, gettext
from liveshop.markets.models import Market
from liveshop.markets.rollout import service as rollout


def _pct(bp: int) -> str:
    return f"{bp / 100:g}%"


def _check_rate(rate_bp: int) -> None:
    if not MIN_RATE_BP <= rate_bp <= MAX_RATE_BP:
        raise Problem(422, "rate_out_of_range", "A commission rate is between 1% and 80%.")


async def _product_of_my_shop(session: AsyncSession, actor: User, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise not_found("product", product_id)
    await catalog.check_member(session=session, user=actor, shop_id=product.shop_id)
    if product.status != ProductStatus.active:
        raise Problem(409, "product_not_active", "Only active products can be offered.")
    return product


async def _new(
    session: AsyncSession,
    actor: User,
    product: Product,
    *,
    kind: Kind,
    creator_id: int | None,
    rate_bp: int,
    floor_bp: int,
) -> Collaboration:
    _check_rate(rate_bp)
    shop = await catalog.get_shop(session=session, shop_id=product.shop_id)
    await rollout.require(
        session, market=shop.market_code, feature="affiliates", shop_id=shop.id,
        creator_id=creator_id,
    )  # fmt: skip
    now = utcnow()
    row = Collaboration(
        shop_id=product.shop_id,
        product_id=product.id,
        kind=kind.value,
        creator_id=creator_id,
        status=(Status.active if kind == Kind.open else Status.invited).value,
        rate_bp=rate_bp,
        floor_bp=floor_bp,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    session.add(
        RateChange(
            collaboration_id=row.id,
            rate_bp=rate_bp,
            previous_bp=None,
            changed_at=now,
            holders_from=now,
            actor_id=actor.id,
        )
    )
    await session.flush()
    return row


async def offer_open(
    *, session: AsyncSession, actor: User, product_id: int, rate_bp: int,
    floor_bp: int = NO_DISCOUNT_BP,
) -> Collaboration:  # fmt: skip
    """Offer a product to any creator at one rate (one open offer per product)."""
    product = await _product_of_my_shop(session, actor, product_id)
    taken = select(Collaboration.id).where(
        Collaboration.product_id == product.id,
        Collaboration.kind == Kind.open.value,
        Collaboration.status == Status.active.value,
    )
    if (await session.execute(taken)).first() is not None:
        raise Problem(409, "collaboration_exists", "This product already has an open offer.")
    return await _new(
        session, actor, product, kind=Kind.open, creator_id=None, rate_bp=rate_bp,
        floor_bp=floor_bp,
    )  # fmt: skip


async def invite(
    *, session: AsyncSession, actor: User, product_id: int, creator_id: int, rate_bp: int,
    floor_bp: int = NO_DISCOUNT_BP,
) -> Collaboration:  # fmt: skip
    """Invite one named creator at their own rate; they accept or decline."""
    product = await _product_of_my_shop(session, actor, product_id)
    creator = await session.get(User, creator_id)
    if creator is None or not creator.has_role(Role.creator):
        raise not_found("creator", creator_id)
    taken = select(Collaboration.id).where(
        Collaboration.product_id == product.id,
        Collaboration.creator_id == creator_id,
        Collaboration.status.in_([Status.invited.value, Status.accepted.value]),
    )
    if (await session.execute(taken)).first() is not None:
        raise Problem(409, "collaboration_exists", "This creator is already invited for it.")
    row = await _new(
        session, actor, product, kind=Kind.targeted, creator_id=creator_id, rate_bp=rate_bp,
        floor_bp=floor_bp,
    )  # fmt: skip
    shop = await catalog.get_shop(session=session, shop_id=product.shop_id)
    await accounts.notify(
        uow=unit_of_work.of(session),
        user_ids=[creator_id],
        kind="collaboration_invited",
        title=N_("{shop} invites you to sell {product} at {rate}"),
        params={"shop": shop.name, "product": product.title, "rate": _pct(rate_bp)},
        url="/studio/collaborations",
    )
    return row


async def get(*, session: AsyncSession, collaboration_id: int) -> Collaboration:
    row = await session.get(Collaboration, collaboration_id)
    if row is None:
        raise not_found("collaboration", collaboration_id)
    return row


async def _for_seller(session: AsyncSession, actor: User, collaboration_id: int) -> Collaboration:
    row = await get(session=session, collaboration_id=collaboration_id)
    await catalog.check_member(session=session, user=actor, shop_id=row.shop_id)
    return row


async def respond(
    *, session: AsyncSession, actor: User, collaboration_id: int, accept: bool
) -> Collaboration:
    """The invited creator accepts or declines (a decision can't be taken back)."""
    row = await get(session=session, collaboration_id=collaboration_id)
    if row.kind != Kind.targeted or row.creator_id != actor.id:
        raise forbidden("Only the invited creator can answer this invitation.")
    if row.status != Status.invited:
        raise Problem(
            409,
            "not_invited",
            "This collaboration is {status}.",
            values={"status": Msg(row.status)},
        )
    row.status = (Status.accepted if accept else Status.declined).value
    row.decided_at = utcnow()
    await session.flush()
    return row


async def revoke(*, session: AsyncSession, actor: User, collaboration_id: int) -> Collaboration:
    """The shop ends a collaboration; its creators' next selling action is refused."""
    row = await _for_seller(session, actor, collaboration_id)
    if row.status in (Status.revoked, Status.declined):
        return row
    row.status = Status.revoked.value
    row.decided_at = utcnow()
    await session.flush()
    return row


async def _holders(session: AsyncSession, row: Collaboration) -> list[ShowcaseItem]:
    """Showcase entries whose creator sells this product under this collaboration."""
    stmt = select(ShowcaseItem).where(ShowcaseItem.product_id == row.product_id)
    if row.kind == Kind.targeted:
        stmt = stmt.where(ShowcaseItem.creator_id == row.creator_id)
    out = []
    for item in (await session.execute(stmt)).scalars():
        terms = await terms_for(
            session=session, creator_id=item.creator_id, product_id=row.product_id
        )
        if terms is not None and terms.id == row.id:
            out.append(item)
    return out


async def change_rate(
    *, session: AsyncSession, actor: User, collaboration_id: int, rate_bp: int
) -> RateChange:
    """A raise applies at once; a cut reaches showcase holders CUT_LOCK_DAYS later."""
    _check_rate(rate_bp)
    row = await _for_seller(session, actor, collaboration_id)
    if row.status not in LIVE and row.status != Status.invited:
        raise Problem(
            409,
            "collaboration_ended",
            "This collaboration is {status}.",
            values={"status": Msg(row.status)},
        )
    now = utcnow()
    cut = rate_bp < row.rate_bp
    change = RateChange(
        collaboration_id=row.id,
        rate_bp=rate_bp,
        previous_bp=row.rate_bp,
        changed_at=now,
        holders_from=now + timedelta(days=CUT_LOCK_DAYS) if cut else now,
        actor_id=actor.id,
    )
    row.rate_bp = rate_bp
    session.add(change)
    await session.flush()
    if cut:
        holders = await _holders(session, row)
        product = await session.get(Product, row.product_id)
        assert product is not None
        await accounts.notify(
            uow=unit_of_work.of(session),
            user_ids=[h.creator_id for h in holders],
            kind="commission_cut",
            title=N_("Commission on {product} falls to {rate}"),
            body=N_(
                "Your rate stays {previous} until {date} while the product stays in your showcase."
            ),
            params={
                "product": product.title,
                "rate": _pct(rate_bp),
                "previous": _pct(change.previous_bp or 0),
                "date": f"{change.holders_from:%Y-%m-%d}",
            },
            url="/studio/collaborations",
        )
    return change


async def remind_cuts(*, session: AsyncSession, now: datetime | None = None) -> int:
    """Tell showcase holders again, CUT_REMINDER_DAYS before a cut reaches them."""
    now = now or utcnow()
    due = await session.execute(
        select(RateChange)
        .where(
            RateChange.reminded_at.is_(None),
            RateChange.previous_bp.is_not(None),
            RateChange.previous_bp > RateChange.rate_bp,
            RateChange.holders_from <= now + timedelta(days=CUT_REMINDER_DAYS),
        )
        .order_by(RateChange.id)
        .limit(100)
        .with_for_update(skip_locked=True)
    )
    n = 0
    for change in due.scalars():
        change.reminded_at = now
        if change.holders_from <= now:
            continue  # already applied: too late to warn
        row = await get(session=session, collaboration_id=change.collaboration_id)
        held = [h for h in await _holders(session, row) if h.added_at <= change.changed_at]
        product = await session.get(Product, row.product_id)
        assert product is not None
        await accounts.notify(
            uow=unit_of_work.of(session),
            user_ids=[h.creator_id for h in held],
            kind="commission_cut_soon",
            title=N_("In 2 days commission on {product} falls to {rate}"),
            params={"product": product.title, "rate": _pct(change.rate_bp)},
            url="/studio/collaborations",
        )
        n += 1
    await session.flush()
    return n


# --- what a creator may sell ---------------------------------------------------------------


def _terms_query(creator_id: Any, product_id: Any) -> Any:
    return select(Collaboration).where(
        Collaboration.product_id == product_id,
        Collaboration.status.in_(LIVE),
        or_(Collaboration.kind == Kind.open.value, Collaboration.creator_id == creator_id),
    )


async def terms_for(
    *, session: AsyncSession, creator_id: int, product_id: int
) -> Collaboration | None:
    """The collaboration a creator sells a product under now: targeted beats open."""
    rows = list((await session.execute(_terms_query(creator_id, product_id))).scalars())
    rows.sort(key=lambda c: (c.kind != Kind.targeted, -c.id))
    return rows[0] if rows else None


async def may_sell(*, session: AsyncSession, creator_id: int, product_id: int) -> bool:
    """An active collaboration, and the product in the creator's showcase."""
    fine = await session.scalar(select(allows(product_id=product_id, host_id=creator_id)))
    return bool(fine)


def allows(*, host_id: Any, shop_id: Any = None, product_id: Any = None) -> Exists:
    """`may_sell` as SQL, for one product or any product of a shop; values or columns."""
    cond = [
        Collaboration.status.in_(LIVE),
        or_(Collaboration.kind == Kind.open.value, Collaboration.creator_id == host_id),
        ShowcaseItem.creator_id == host_id,
        ShowcaseItem.product_id == Collaboration.product_id,
    ]
    if product_id is not None:
        cond.append(Collaboration.product_id == product_id)
    if shop_id is not None:
        cond.append(Collaboration.shop_id == shop_id)
    return exists().where(*cond)


async def sellable_shop_ids(*, session: AsyncSession, creator_id: int) -> set[int]:
    """Shops with at least one product this creator may sell through a collaboration."""
    stmt = (
        select(Collaboration.shop_id)
        .join(ShowcaseItem, ShowcaseItem.product_id == Collaboration.product_id)
        .where(
            ShowcaseItem.creator_id == creator_id,
            Collaboration.status.in_(LIVE),
            or_(Collaboration.kind == Kind.open.value, Collaboration.creator_id == creator_id),
        )
    )
    return set((await session.execute(stmt)).scalars())


async def floor_bp(*, session: AsyncSession, creator_id: int, product_id: int) -> int | None:
    """The lowest price (basis points of list) the creator may set; None: no collaboration."""
    terms = await terms_for(session=session, creator_id=creator_id, product_id=product_id)
    return None if terms is None else terms.floor_bp


def check_floor(*, floor: int, list_price: int, price: int, product_id: int) -> None:
    lowest = -(-list_price * floor // NO_DISCOUNT_BP)  # rounded up: never below the floor
    if price < lowest:
        if floor >= NO_DISCOUNT_BP:
            raise Problem(
                422,
                "below_price_floor",
                "The shop allows no discount on this product without its approval.",
                product_id=product_id,
                lowest=lowest,
            )
        raise Problem(
            422,
            "below_price_floor",
            "The shop's floor for this product is {floor} of its list price.",
            values={"floor": _pct(floor)},
            product_id=product_id,
            lowest=lowest,
        )


# --- showcase ------------------------------------------------------------------------------


async def add_to_showcase(*, session: AsyncSession, actor: User, product_id: int) -> ShowcaseItem:
    if not actor.has_role(Role.creator):
        raise forbidden("Only creators have a showcase.")
    terms = await terms_for(session=session, creator_id=actor.id, product_id=product_id)
    if terms is None:
        raise Problem(
            403, "no_collaboration", "The shop offers you no collaboration on this product."
        )
    stmt = select(ShowcaseItem).where(
        ShowcaseItem.creator_id == actor.id, ShowcaseItem.product_id == product_id
    )
    item = (await session.execute(stmt)).scalar_one_or_none()
    if item is None:
        item = ShowcaseItem(creator_id=actor.id, product_id=product_id, added_at=utcnow())
        session.add(item)
        await session.flush()
    return item


async def remove_from_showcase(*, session: AsyncSession, actor: User, product_id: int) -> None:
    """Out of the showcase: no more selling it, and any rate lock is given up."""
    await session.execute(
        delete(ShowcaseItem).where(
            ShowcaseItem.creator_id == actor.id, ShowcaseItem.product_id == product_id
        )
    )


async def showcase(*, session: AsyncSession, creator_id: int, limit: int = 200) -> list[Any]:
    """(item, product, collaboration or None) for a creator's showcase, newest first."""
    stmt = (
        select(ShowcaseItem, Product)
        .join(Product, Product.id == ShowcaseItem.product_id)
        .where(ShowcaseItem.creator_id == creator_id)
        .order_by(ShowcaseItem.id.desc())
        .limit(limit)
    )
    out = []
    for item, product in (await session.execute(stmt)).all():
        terms = await terms_for(session=session, creator_id=creator_id, product_id=product.id)
        out.append((item, product, terms))
    return out


# --- rates over time -------------------------------------------------------------------------


# Why a creator earns a rate: shown on their showcase in their language, kept in English with
# the order line it was applied to.
SINCE = N_("{rate} since {changed}")
HELD = N_("{rate} held: the cut to {cut} of {changed} reaches your showcase on {holders}")
TERMS = {
    Kind.targeted.value: N_("targeted collaboration {id}: {why}"),
    Kind.open.value: N_("open collaboration {id}: {why}"),
}


@dataclass(frozen=True)
class Rate:
    bp: int
    collaboration_id: int
    terms: str  # a msgid of TERMS
    reason: str  # SINCE, HELD or "" (no rate yet)
    values: dict[str, int | datetime]  # rates in basis points, days as UTC datetimes

    @property
    def why(self) -> str:
        """In English, as the order line keeps it."""
        values = {
            k: _pct(v) if isinstance(v, int) else f"{v:%Y-%m-%d}" for k, v in self.values.items()
        }
        why = self.reason.format(**values) if self.reason else ""
        return self.terms.format(id=self.collaboration_id, why=why)

    def explained(self) -> str:
        """In the current language (`liveshop.i18n.activate`), with its numbers and days."""
        locale = babel_locale()
        values = {
            k: format_percent(v / 10_000, locale=locale, decimal_quantization=False)
            if isinstance(v, int)
            else format_date(v, "medium", locale=locale)
            for k, v in self.values.items()
        }
        why = gettext(self.reason).format(**values) if self.reason else ""
        return gettext(self.terms).format(id=self.collaboration_id, why=why)


async def history(*, session: AsyncSession, collaboration_id: int) -> list[RateChange]:
    stmt = (
        select(RateChange)
        .where(RateChange.collaboration_id == collaboration_id)
        .order_by(RateChange.changed_at, RateChange.id)
        .limit(500)
    )
    return list((await session.execute(stmt)).scalars())


async def rate_for(
    *, session: AsyncSession, creator_id: int, product_id: int, at: datetime | None = None
) -> Rate | None:
    """The rate a creator earns on a product at `at`, and why (None: no collaboration)."""
    at = at or utcnow()
    terms = await terms_for(session=session, creator_id=creator_id, product_id=product_id)
    if terms is None:
        return None
    held = await session.scalar(
        select(ShowcaseItem.added_at).where(
            ShowcaseItem.creator_id == creator_id, ShowcaseItem.product_id == product_id
        )
    )
    rate, reason = 0, ""
    values: dict[str, int | datetime] = {}
    for change in await history(session=session, collaboration_id=terms.id):
        if change.changed_at > at:
            break
        cut = change.previous_bp is not None and change.rate_bp < rate
        if cut and held is not None and held <= change.changed_at and at < change.holders_from:
            reason, values = (
                HELD,
                {
                    "rate": rate,
                    "cut": change.rate_bp,
                    "changed": change.changed_at,
                    "holders": change.holders_from,
                },
            )
            continue
        rate = change.rate_bp
        reason, values = SINCE, {"rate": rate, "changed": change.changed_at}
    return Rate(rate, terms.id, TERMS[terms.kind], reason, values)


# --- touches and attribution -----------------------------------------------------------------


async def record_touch(
    *,
    session: AsyncSession,
    buyer_id: int,
    creator_id: int,
    kind: TouchKind,
    show_id: int | None = None,
    product_id: int | None = None,
) -> Touch:
    touch = Touch(
        buyer_id=buyer_id,
        creator_id=creator_id,
        kind=kind.value,
        show_id=show_id,
        product_id=product_id,
        at=utcnow(),
    )
    session.add(touch)
    await session.flush()
    return touch


async def link_window(*, session: AsyncSession, market_code: str) -> timedelta:
    market = await session.get(Market, market_code)
    return timedelta(days=market.link_window_days if market is not None else 7)


async def recent_touches(
    *, session: AsyncSession, buyer_id: int, since: datetime, limit: int = 50
) -> list[Touch]:
    """A buyer's touches since `since`, the last first (bounded)."""
    stmt = (
        select(Touch)
        .where(Touch.buyer_id == buyer_id, Touch.at >= since)
        .order_by(Touch.at.desc(), Touch.id.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def click_link(
    *, session: AsyncSession, buyer: User | None, creator_id: int, product_id: int
) -> Touch | None:
    """A click on a creator's link: a touch if a signed-in buyer followed a link the creator
    may use (an active collaboration and the product in their showcase); else nothing."""
    if buyer is None or buyer.id == creator_id:
        return None
    if not await may_sell(session=session, creator_id=creator_id, product_id=product_id):
        return None
    return await record_touch(
        session=session,
        buyer_id=buyer.id,
        creator_id=creator_id,
        kind=TouchKind.link,
        product_id=product_id,
    )


# --- lists for pages and the API -------------------------------------------------------------


async def of_shop(
    *, session: AsyncSession, actor: User, shop_id: int, limit: int = 200
) -> list[Any]:
    """(collaboration, product, creator or None) of a shop, newest first."""
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    stmt = (
        select(Collaboration, Product, User)
        .join(Product, Product.id == Collaboration.product_id)
        .outerjoin(User, User.id == Collaboration.creator_id)
        .where(Collaboration.shop_id == shop_id)
        .order_by(Collaboration.id.desc())
        .limit(limit)
    )
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def offers_for(*, session: AsyncSession, creator: User, limit: int = 200) -> list[Any]:
    """(collaboration, product, shop) a creator can see: invitations to them, open offers."""
    stmt = (
        select(Collaboration, Product, Shop)
        .join(Product, Product.id == Collaboration.product_id)
        .join(Shop, Shop.id == Collaboration.shop_id)
        .where(
            or_(
                Collaboration.creator_id == creator.id,
                Collaboration.status == Status.active.value,
            )
        )
        .order_by(Collaboration.id.desc())
        .limit(limit)
    )
    return [tuple(r) for r in (await session.execute(stmt)).all()]
