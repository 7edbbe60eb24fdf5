"""The operators' page for one market: phase, switches, scheduled changes, the audit log, and
launch readiness.

Readiness needs shops, products and shows, which sit above markets, so it is counted here in
the entry layer rather than in the markets package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from babel.numbers import format_percent
from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.catalog.models import Product, ProductStatus, Shop, Variant, VariantPrice
from liveshop.db import utcnow
from liveshop.deps import Uow
from liveshop.i18n import N_, SOURCE, _, babel_locale, catalog, known
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.markets.models import AllowKind, Market, MarketAllowed, Phase
from liveshop.markets.rollout.service import FEATURES, zones_of
from liveshop.web.pages.common import LoggedIn, missing, render

router = APIRouter(include_in_schema=False)

CodePath = Annotated[str, Path(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]
HORIZON = timedelta(days=14)
MAX_SHOWS_SCANNED = 5000  # shows in the next two weeks, across markets: bounded


@dataclass(frozen=True)
class Readiness:
    verified_shops: int
    verified_shops_allowed: int | None  # in pilot: of those, on the allow-list
    creators: int
    creators_note: str
    shows_next_two_weeks: int
    products_priced: int
    products_active: int
    translations: str = ""
    staffing: str = N_("from the analytics planner once it exists")


async def _count(session: AsyncSession, stmt: object) -> int:
    return int((await session.execute(stmt)).scalar_one())  # type: ignore[call-overload]


async def readiness(session: AsyncSession, market: Market) -> Readiness:
    """The numbers an operator checks before opening a market (or widening a pilot)."""
    code = market.code
    verified = select(Shop.id).where(Shop.market_code == code, Shop.verification == "verified")
    allowed = select(MarketAllowed.subject_id).where(MarketAllowed.market_code == code)
    shops = await _count(session, select(func.count()).select_from(verified.subquery()))
    shops_allowed = None
    if market.phase == Phase.pilot:
        listed = verified.where(Shop.id.in_(allowed.where(MarketAllowed.kind == AllowKind.shop)))
        shops_allowed = await _count(session, select(func.count()).select_from(listed.subquery()))
    # Roles are a JSON list; its text form holds "creator" on both databases.
    creators_here = select(func.count(User.id)).where(
        User.market_code == code,
        cast(User.roles, String).like('%"creator"%'),
        User.banned_at.is_(None),
    )
    if market.phase == Phase.open:
        creators, note = await _count(session, creators_here), N_("every creator in the market")
    elif market.phase == Phase.pilot:
        listed_creators = select(func.count()).where(
            MarketAllowed.market_code == code, MarketAllowed.kind == AllowKind.creator
        )
        creators, note = await _count(session, listed_creators), N_("allow-listed creators")
    else:
        creators, note = 0, N_("none while the market is closed")

    now = utcnow()
    upcoming = (
        select(Show.markets, Shop.market_code, User.market_code)
        .join(User, User.id == Show.host_id)
        .outerjoin(Shop, Shop.id == Show.shop_id)
        .where(
            Show.status == ShowStatus.scheduled.value,
            Show.starts_at >= now,
            Show.starts_at < now + HORIZON,
        )
        .limit(MAX_SHOWS_SCANNED)
    )
    shows = sum(
        1
        for markets, shop_market, host_market in (await session.execute(upcoming)).all()
        if code in (markets or [shop_market or host_market])
    )

    active_here = (
        select(Product.id)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Shop.market_code == code, Product.status == ProductStatus.active.value)
    )
    priced = (
        select(Product.id)
        .join(Variant, Variant.product_id == Product.id)
        .join(VariantPrice, VariantPrice.variant_id == Variant.id)
        .where(Product.status == ProductStatus.active.value, VariantPrice.market_code == code)
        .distinct()
    )
    return Readiness(
        verified_shops=shops,
        verified_shops_allowed=shops_allowed,
        creators=creators,
        creators_note=note,
        shows_next_two_weeks=shows,
        products_priced=await _count(session, select(func.count()).select_from(priced.subquery())),
        products_active=await _count(
            session, select(func.count()).select_from(active_here.subquery())
        ),
        translations=translation_coverage(market.language),
    )


def translation_coverage(language: str) -> str:
    """How much of the catalogue the market's language has: "87% (1020 of 1173)"."""
    lang = known(language) or SOURCE
    cov = catalog.coverage(lang)
    done = cov.total - len(cov.missing)
    share = format_percent(done / cov.total if cov.total else 1, locale=babel_locale())
    return _("{share} ({done} of {total} messages)", share=share, done=done, total=cov.total)


@router.get("/admin/markets/{code}", response_class=HTMLResponse)
async def market_page(code: CodePath, request: Request, caller: LoggedIn, uow: Uow) -> Response:
    if not caller.user.has_role(Role.admin):
        page = render(request, caller, "admin_forbidden.html", "Not allowed", section="")
        page.status_code = 403
        return page
    market = await uow.session.get(Market, code.upper())
    if market is None:
        return missing(request, caller, "market")
    return render(
        request,
        caller,
        "admin/markets_detail.html",
        _("Admin · {title}", title=market.name),
        section="markets",
        m=market,
        zones=zones_of(market),
        features=FEATURES,
        phases=[p.value for p in Phase],
        ready=await readiness(uow.session, market),
    )
