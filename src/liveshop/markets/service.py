"""Markets: lookup, the shopping switch."""

from __future__ import annotations

from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.errors import Problem, forbidden, not_found
from liveshop.markets.models import Market
from liveshop.markets.rollout import service as rollout
from liveshop.markets.schemas import MarketUpdate


async def get(*, session: AsyncSession, code: str) -> Market:
    market = await session.get(Market, code.upper())
    if market is None:
        raise not_found("market", code)
    return market


async def list_(*, session: AsyncSession) -> list[Market]:
    return list((await session.execute(select(Market).order_by(Market.code))).scalars())


async def check_open(*, session: AsyncSession, code: str) -> Market:
    """The market a purchase happens in must exist and be switched on."""
    market = await get(session=session, code=code)
    if not market.enabled:
        refuse_disabled(market)
    return market


def refuse_disabled(market: Market) -> NoReturn:
    raise Problem(
        409,
        "market_disabled",
        "Shopping in {name} is switched off for now.",
        values={"name": market.name},
        market=market.code,
    )


async def set_enabled(*, session: AsyncSession, actor: User, code: str, enabled: bool) -> Market:
    return await update(session=session, actor=actor, code=code, data=MarketUpdate(enabled=enabled))


async def update(*, session: AsyncSession, actor: User, code: str, data: MarketUpdate) -> Market:
    """Switch shopping on or off, and whether shops need verifying to go live or sell."""
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins can switch markets on or off.")
    market = await get(session=session, code=code)
    for field in ("enabled", "requires_verified_shops"):
        value = getattr(data, field)
        if value is not None and value != getattr(market, field):
            rollout.audit(
                session,
                market,
                actor_id=actor.id,
                action=field,
                reason=(data.reason or "").strip() or "(no reason given)",
                **{"from": getattr(market, field), "to": value},
            )
            setattr(market, field, value)
    await session.flush()
    return market
