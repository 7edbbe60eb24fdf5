"""The rollout of a market, and the one check every guarded action runs: `require`.

Services above (going live, deals, auctions, giveaways, purchases) call `require` with the
market and whoever acts; it refuses with a 4xx problem+json whose `code` is stable:
`market_closed`, `feature_off`, `not_in_pilot` (a shop or creator), `invitation_required`
(a buyer). Every change an operator makes is written to the audit log with its reason.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.i18n import N_, Msg
from liveshop.markets.models import (
    AllowKind,
    ChangeStatus,
    Feature,
    Market,
    MarketAllowed,
    MarketAudit,
    MarketInvitation,
    Phase,
    ScheduledChange,
)

# How messages name a market and a feature ("Live shopping isn't open in Germany yet").
PLACE = {
    "UK": N_("the UK"),
    "DE": N_("Germany"),
    "FR": N_("France"),
    "IT": N_("Italy"),
    "ES": N_("Spain"),
    "US": N_("the US"),
    "ID": N_("Indonesia"),
}
FEATURES: dict[str, tuple[str, str]] = {
    Feature.live.value: (N_("Live shopping"), N_("Live shopping isn't open in {where} yet.")),
    Feature.shop_tab.value: (N_("The Shop tab"), N_("The Shop tab isn't open in {where} yet.")),
    Feature.auctions.value: (N_("Auctions"), N_("Auctions aren't open in {where} yet.")),
    Feature.giveaways.value: (N_("Giveaways"), N_("Giveaways aren't open in {where} yet.")),
    Feature.affiliates.value: (
        N_("Affiliate collaborations"),
        N_("Affiliate collaborations aren't open in {where} yet."),
    ),
}
MAX_LISTED = 500

# A scheduled change's state, as a word in the page's language.
_CHANGE_WORDS = {
    "applied": N_("applied"),
    "cancelled": N_("cancelled"),
    "failed": N_("failed"),
}


def place(market: Market) -> str:
    return PLACE.get(market.code) or market.name


# --- the check -------------------------------------------------------------------------------


async def require(
    session: AsyncSession,
    *,
    market: str,
    feature: str | None = None,
    shop_id: int | None = None,
    shop_ids: Iterable[int] = (),
    creator_id: int | None = None,
    buyer_id: int | None = None,
) -> Market:
    """May these actors use `feature` (or simply sell and buy, with None) in `market` now?

    In `open` everyone may; in `pilot` only the allow-listed shops and creators, and buyers
    who joined with an invitation or were listed; in `closed` nobody. A feature switched off
    is off for everyone. One primary-key read (usually already in the session), plus one
    allow-list query in pilot.
    """
    row = await session.get(Market, market.upper())
    if row is None:
        raise not_found("market", market)
    where = place(row)
    if row.phase == Phase.closed:
        raise Problem(
            409,
            "market_closed",
            "Liveshop isn't open in {where} yet.",
            values={"where": where},
            market=row.code,
        )
    if feature is not None and not row.is_on(feature):
        raise Problem(
            409,
            "feature_off",
            FEATURES[feature][1],
            values={"where": where},
            market=row.code,
            feature=feature,
        )
    if row.phase == Phase.pilot:
        wanted = [(AllowKind.shop.value, s) for s in sorted({*shop_ids, *_one(shop_id)})]
        wanted += [(AllowKind.creator.value, c) for c in _one(creator_id)]
        wanted += [(AllowKind.buyer.value, b) for b in _one(buyer_id)]
        if wanted:
            await _check_pilot(session, row, wanted)
    return row


def _one(value: int | None) -> list[int]:
    return [] if value is None else [value]


async def _check_pilot(
    session: AsyncSession, market: Market, wanted: list[tuple[str, int]]
) -> None:
    stmt = select(MarketAllowed.kind, MarketAllowed.subject_id).where(
        MarketAllowed.market_code == market.code,
        tuple_(MarketAllowed.kind, MarketAllowed.subject_id).in_(wanted),
    )
    found = {(k, s) for k, s in (await session.execute(stmt)).all()}
    where = place(market)
    for kind, subject in wanted:
        if (kind, subject) in found:
            continue
        if kind == AllowKind.buyer:
            raise Problem(
                403,
                "invitation_required",
                "Liveshop is in a pilot in {where}: join with an invitation code to buy there.",
                values={"where": where},
                market=market.code,
            )
        who = N_("shops") if kind == AllowKind.shop else N_("creators")
        raise Problem(
            403,
            "not_in_pilot",
            "Liveshop is in a pilot in {where}: only invited {who} can sell or go live there for "
            "now.",
            values={"where": where, "who": who},
            market=market.code,
            kind=kind,
            subject_id=subject,
        )


# --- operators' changes, each audited with its reason ---------------------------------------


def _check_admin(actor: User) -> None:
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins can change a market's rollout.")


def audit(
    session: AsyncSession,
    market: Market,
    *,
    actor_id: int | None,
    action: str,
    reason: str,
    **data: Any,
) -> None:
    session.add(
        MarketAudit(
            market_code=market.code, actor_id=actor_id, action=action, data=data, reason=reason
        )
    )


async def _market(session: AsyncSession, code: str, *, lock: bool = False) -> Market:
    stmt = select(Market).where(Market.code == code.upper())
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).scalar_one_or_none()
    if row is None:
        raise not_found("market", code)
    return row


async def require_market(*, session: AsyncSession, code: str) -> Market:
    return await _market(session, code)


def _apply(market: Market, target: str, value: str) -> dict[str, Any] | None:
    """Set a phase or a switch; what changed (None if nothing did)."""
    if target == "phase":
        if market.phase == value:
            return None
        before, market.phase = market.phase, value
        return {"target": "phase", "from": before, "to": value}
    on = value == "on"
    if market.is_on(target) == on:
        return None
    off = set(market.switches_off)
    if on:
        off.discard(target)
    else:
        off.add(target)
    market.switches_off = sorted(off)  # a new list, so that the JSON column sees the change
    return {"target": target, "from": "off" if on else "on", "to": value}


async def set_phase(
    *, session: AsyncSession, actor: User, code: str, phase: Phase, reason: str
) -> Market:
    _check_admin(actor)
    market = await _market(session, code, lock=True)
    changed = _apply(market, "phase", phase.value)
    if changed:
        audit(session, market, actor_id=actor.id, action="phase", reason=reason, **changed)
    await session.flush()
    return market


async def set_switch(
    *, session: AsyncSession, actor: User, code: str, feature: Feature, on: bool, reason: str
) -> Market:
    _check_admin(actor)
    market = await _market(session, code, lock=True)
    changed = _apply(market, feature.value, "on" if on else "off")
    if changed:
        audit(session, market, actor_id=actor.id, action="switch", reason=reason, **changed)
    await session.flush()
    return market


async def allow(
    *,
    session: AsyncSession,
    actor: User,
    code: str,
    kind: AllowKind,
    subject_id: int,
    reason: str,
    admit: bool = True,
) -> Market:
    """Put a shop, creator or buyer on the pilot's allow-list (or take it off).

    Shops are not looked up here (catalog sits above markets); an id that names no shop
    simply never matches."""
    _check_admin(actor)
    market = await _market(session, code)
    if kind != AllowKind.shop and await session.get(User, subject_id) is None:
        raise not_found("user", subject_id)
    stmt = select(MarketAllowed).where(
        MarketAllowed.market_code == market.code,
        MarketAllowed.kind == kind.value,
        MarketAllowed.subject_id == subject_id,
    )
    entry = (await session.execute(stmt)).scalar_one_or_none()
    if admit and entry is None:
        session.add(MarketAllowed(market_code=market.code, kind=kind.value, subject_id=subject_id))
    elif not admit and entry is not None:
        await session.delete(entry)
    else:
        return market  # already so: nothing to audit
    audit(
        session,
        market,
        actor_id=actor.id,
        action="allow" if admit else "disallow",
        reason=reason,
        kind=kind.value,
        subject_id=subject_id,
    )
    await session.flush()
    return market


async def list_allowed(*, session: AsyncSession, code: str) -> list[MarketAllowed]:
    stmt = (
        select(MarketAllowed)
        .where(MarketAllowed.market_code == code.upper())
        .order_by(MarketAllowed.kind, MarketAllowed.subject_id)
        .limit(MAX_LISTED)
    )
    return list((await session.execute(stmt)).scalars())


async def create_invitation(
    *, session: AsyncSession, actor: User, code: str, max_uses: int, reason: str
) -> MarketInvitation:
    _check_admin(actor)
    market = await _market(session, code)
    invitation = MarketInvitation(
        market_code=market.code,
        code=f"{market.code}-{secrets.token_hex(6).upper()}",
        max_uses=max_uses,
        created_by=actor.id,
    )
    session.add(invitation)
    await session.flush()
    audit(
        session,
        market,
        actor_id=actor.id,
        action="invitation",
        reason=reason,
        invitation_id=invitation.id,
        max_uses=max_uses,
    )
    await session.flush()
    return invitation


async def list_invitations(*, session: AsyncSession, code: str) -> list[MarketInvitation]:
    stmt = (
        select(MarketInvitation)
        .where(MarketInvitation.market_code == code.upper())
        .order_by(MarketInvitation.id.desc())
        .limit(100)
    )
    return list((await session.execute(stmt)).scalars())


async def join(*, session: AsyncSession, user: User, code: str, invitation_code: str) -> Market:
    """A buyer joins a pilot market with an invitation; joining twice changes nothing."""
    market = await _market(session, code)
    listed = select(MarketAllowed.id).where(
        MarketAllowed.market_code == market.code,
        MarketAllowed.kind == AllowKind.buyer.value,
        MarketAllowed.subject_id == user.id,
    )
    if (await session.execute(listed)).first() is not None:
        return market
    found = select(MarketInvitation).where(
        MarketInvitation.code == invitation_code.strip().upper(),
        MarketInvitation.market_code == market.code,
    )
    invitation = (await session.execute(found)).scalar_one_or_none()
    if invitation is None:
        raise Problem(
            409, "invitation_invalid", "That invitation code is not valid for this market."
        )
    # Conditional: two buyers taking the last use at once cannot both get it.
    taken = await session.execute(
        update(MarketInvitation)
        .where(
            MarketInvitation.id == invitation.id,
            MarketInvitation.uses < MarketInvitation.max_uses,
        )
        .values(uses=MarketInvitation.uses + 1)
        .execution_options(synchronize_session=False)
    )
    if not getattr(taken, "rowcount", 0):
        raise Problem(409, "invitation_used_up", "That invitation has been used up.")
    session.add(
        MarketAllowed(
            market_code=market.code,
            kind=AllowKind.buyer.value,
            subject_id=user.id,
            invitation_id=invitation.id,
        )
    )
    await session.flush()
    return market


# --- scheduled changes ----------------------------------------------------------------------


def zones_of(market: Market) -> list[str]:
    return list(market.timezones or [market.timezone])


def due_at(market: Market, local: datetime, zone: str | None) -> tuple[datetime, str]:
    """A wall-clock time in one of the market's zones, as UTC; refuses a time that a daylight
    saving change skips (it never happens there)."""
    zone = zone or market.timezone
    if zone not in zones_of(market):
        raise Problem(
            422,
            "zone_not_in_market",
            "{zone} is not a time zone of {value}: use one of {value2}.",
            values={"zone": zone, "value": place(market), "value2": ", ".join(zones_of(market))},
        )
    tz = ZoneInfo(zone)
    at = local.replace(tzinfo=tz)
    if at.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise Problem(
            422,
            "time_skipped",
            "{local:%Y-%m-%d %H:%M} does not happen in {zone} (the clocks go forward).",
            values={"local": local, "zone": zone},
        )
    return at.astimezone(UTC), zone


async def schedule(
    *,
    session: AsyncSession,
    actor: User,
    code: str,
    target: str,
    value: str,
    local: datetime,
    zone: str | None,
    reason: str,
) -> ScheduledChange:
    _check_admin(actor)
    market = await _market(session, code)
    when, zone = due_at(market, local, zone)
    if when <= utcnow():
        raise Problem(422, "time_in_past", "A scheduled change must be in the future.")
    change = ScheduledChange(
        market_code=market.code,
        target=target,
        value=value,
        due_at=when,
        zone=zone,
        reason=reason,
        created_by=actor.id,
    )
    session.add(change)
    await session.flush()
    audit(
        session,
        market,
        actor_id=actor.id,
        action="schedule",
        reason=reason,
        change_id=change.id,
        target=target,
        to=value,
        due_at=when.isoformat(),
        local=f"{local:%Y-%m-%d %H:%M} {zone}",
    )
    await session.flush()
    return change


async def cancel_scheduled(
    *, session: AsyncSession, actor: User, code: str, change_id: int, reason: str
) -> ScheduledChange:
    _check_admin(actor)
    market = await _market(session, code)
    change = await session.get(ScheduledChange, change_id)
    if change is None or change.market_code != market.code:
        raise not_found("scheduled_change", change_id)
    done = await session.execute(
        update(ScheduledChange)
        .where(
            ScheduledChange.id == change_id,
            ScheduledChange.status == ChangeStatus.pending.value,
        )
        .values(status=ChangeStatus.cancelled.value)
        .execution_options(synchronize_session=False)
    )
    if not getattr(done, "rowcount", 0):
        raise Problem(
            409,
            "change_not_pending",
            "That change is {status} already.",
            values={"status": _CHANGE_WORDS.get(change.status, Msg(change.status))},
        )
    await session.refresh(change)
    audit(session, market, actor_id=actor.id, action="cancel", reason=reason, change_id=change_id)
    await session.flush()
    return change


async def list_scheduled(*, session: AsyncSession, code: str) -> list[ScheduledChange]:
    stmt = (
        select(ScheduledChange)
        .where(ScheduledChange.market_code == code.upper())
        .order_by(ScheduledChange.due_at.desc(), ScheduledChange.id.desc())
        .limit(100)
    )
    return list((await session.execute(stmt)).scalars())


async def due_ids(
    *, session: AsyncSession, now: datetime | None = None, limit: int = 100
) -> list[int]:
    stmt = (
        select(ScheduledChange.id)
        .where(
            ScheduledChange.status == ChangeStatus.pending.value,
            ScheduledChange.due_at <= (now or utcnow()),
        )
        .order_by(ScheduledChange.due_at, ScheduledChange.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def apply_scheduled(*, session: AsyncSession, change_id: int) -> bool:
    """Apply one due change; False if another worker did (or it was cancelled) meanwhile."""
    claimed = await session.execute(
        update(ScheduledChange)
        .where(
            ScheduledChange.id == change_id,
            ScheduledChange.status == ChangeStatus.pending.value,
        )
        .values(status=ChangeStatus.applied.value, applied_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if not getattr(claimed, "rowcount", 0):
        return False
    change = await session.get(ScheduledChange, change_id)
    assert change is not None
    await session.refresh(change)
    market = await _market(session, change.market_code, lock=True)
    changed = _apply(market, change.target, change.value) or {
        "target": change.target,
        "to": change.value,
        "unchanged": True,
    }
    audit(
        session,
        market,
        actor_id=None,
        action="scheduled",
        reason=change.reason,
        change_id=change.id,
        scheduled_by=change.created_by,
        **changed,
    )
    await session.flush()
    return True


# --- reading the log ------------------------------------------------------------------------


async def list_audit(
    *, session: AsyncSession, code: str, limit: int = 50, before: int | None = None
) -> list[MarketAudit]:
    stmt = select(MarketAudit).where(MarketAudit.market_code == code.upper())
    if before is not None:
        stmt = stmt.where(MarketAudit.id < before)
    stmt = stmt.order_by(MarketAudit.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())
