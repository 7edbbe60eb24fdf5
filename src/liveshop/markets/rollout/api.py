"""HTTP routes for a market's rollout: operators' controls, and buyers joining a pilot."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import select

from liveshop.accounts.deps import CurrentUser
from liveshop.accounts.models import Role, User
from liveshop.deps import IdPath, Uow
from liveshop.errors import forbidden
from liveshop.markets.models import AllowKind, Feature, Market, MarketAudit, Phase
from liveshop.markets.rollout import service as rollout
from liveshop.markets.rollout.schemas import (
    AllowedPublic,
    AllowIn,
    AuditPublic,
    CancelIn,
    InvitationIn,
    InvitationPublic,
    JoinIn,
    PhaseIn,
    RolloutPublic,
    ScheduledPublic,
    ScheduleIn,
    SwitchIn,
)
from liveshop.uow import UnitOfWork

router = APIRouter(tags=["markets"])

CodePath = Annotated[str, Path(min_length=2, max_length=2, pattern=r"^[A-Za-z]{2}$")]


def _admin(user: User) -> None:
    if not user.has_role(Role.admin):
        raise forbidden("Only admins can see or change a market's rollout.")


async def audit_public(uow: UnitOfWork, rows: list[MarketAudit]) -> list[AuditPublic]:
    """The log with each actor's name (None: the scheduler applied it)."""
    ids = {r.actor_id for r in rows if r.actor_id is not None}
    names: dict[int, str] = {}
    if ids:
        stmt = select(User.id, User.display_name, User.handle).where(User.id.in_(ids))
        names = {i: f"{d} (@{h})" for i, d, h in (await uow.session.execute(stmt)).all()}
    out = []
    for r in rows:
        item = AuditPublic.model_validate(r)
        item.actor = names.get(r.actor_id) if r.actor_id is not None else None
        out.append(item)
    return out


async def rollout_public(uow: UnitOfWork, market: Market) -> RolloutPublic:
    s = uow.session
    return RolloutPublic(
        market=market.code,
        name=market.name,
        phase=market.phase,
        switches={f.value: market.is_on(f.value) for f in Feature},
        language=market.language,
        timezones=rollout.zones_of(market),
        allowed=[
            AllowedPublic.model_validate(a)
            for a in await rollout.list_allowed(session=s, code=market.code)
        ],
        invitations=[
            InvitationPublic.model_validate(i)
            for i in await rollout.list_invitations(session=s, code=market.code)
        ],
        scheduled=[
            ScheduledPublic.model_validate(c)
            for c in await rollout.list_scheduled(session=s, code=market.code)
        ],
        audit=await audit_public(uow, await rollout.list_audit(session=s, code=market.code)),
    )


@router.get("/admin/markets/{code}/rollout")
async def get_rollout(code: CodePath, user: CurrentUser, uow: Uow) -> RolloutPublic:
    """Phase, switches, allow-list, invitations, scheduled changes and the latest audit entries."""
    _admin(user)
    market = await rollout.require_market(session=uow.session, code=code)
    return await rollout_public(uow, market)


async def _committed(uow: UnitOfWork, market: Market) -> RolloutPublic:
    """The market's rollout as it stands after a change, then the commit (the change's answer)."""
    out = await rollout_public(uow, market)
    await uow.commit()
    return out


@router.post("/admin/markets/{code}/phase")
async def set_phase(code: CodePath, data: PhaseIn, user: CurrentUser, uow: Uow) -> RolloutPublic:
    """Move the market to `closed`, `pilot` or `open` (setting the same phase changes nothing)."""
    market = await rollout.set_phase(
        session=uow.session, actor=user, code=code, phase=Phase(data.phase), reason=data.reason
    )
    return await _committed(uow, market)


@router.post("/admin/markets/{code}/switches")
async def set_switch(code: CodePath, data: SwitchIn, user: CurrentUser, uow: Uow) -> RolloutPublic:
    """Switch one feature on or off in this market."""
    market = await rollout.set_switch(
        session=uow.session,
        actor=user,
        code=code,
        feature=Feature(data.feature),
        on=data.on,
        reason=data.reason,
    )
    return await _committed(uow, market)


@router.post("/admin/markets/{code}/allowed")
async def allow(code: CodePath, data: AllowIn, user: CurrentUser, uow: Uow) -> RolloutPublic:
    """Put a shop, creator or buyer on the pilot's allow-list (again: no change)."""
    market = await rollout.allow(
        session=uow.session,
        actor=user,
        code=code,
        kind=AllowKind(data.kind),
        subject_id=data.subject_id,
        reason=data.reason,
    )
    return await _committed(uow, market)


@router.post("/admin/markets/{code}/allowed/remove")
async def disallow(code: CodePath, data: AllowIn, user: CurrentUser, uow: Uow) -> RolloutPublic:
    """Take a shop, creator or buyer off the allow-list."""
    market = await rollout.allow(
        session=uow.session,
        actor=user,
        code=code,
        kind=AllowKind(data.kind),
        subject_id=data.subject_id,
        reason=data.reason,
        admit=False,
    )
    return await _committed(uow, market)


@router.post("/admin/markets/{code}/invitations", status_code=status.HTTP_201_CREATED)
async def create_invitation(
    code: CodePath, data: InvitationIn, user: CurrentUser, uow: Uow
) -> InvitationPublic:
    """An invitation code that lets up to `max_uses` buyers join the pilot."""
    invitation = await rollout.create_invitation(
        session=uow.session, actor=user, code=code, max_uses=data.max_uses, reason=data.reason
    )
    out = InvitationPublic.model_validate(invitation)
    await uow.commit()
    return out


@router.post("/admin/markets/{code}/scheduled", status_code=status.HTTP_201_CREATED)
async def schedule(
    code: CodePath, data: ScheduleIn, user: CurrentUser, uow: Uow
) -> ScheduledPublic:
    """A phase change or a switch at a wall-clock time in one of the market's zones."""
    change = await rollout.schedule(
        session=uow.session,
        actor=user,
        code=code,
        target=data.target,
        value=data.value,
        local=datetime.fromisoformat(data.local_time),
        zone=data.zone,
        reason=data.reason,
    )
    out = ScheduledPublic.model_validate(change)
    await uow.commit()
    return out


@router.post("/admin/markets/{code}/scheduled/{change_id}/cancel")
async def cancel_scheduled(
    code: CodePath, change_id: IdPath, data: CancelIn, user: CurrentUser, uow: Uow
) -> ScheduledPublic:
    change = await rollout.cancel_scheduled(
        session=uow.session, actor=user, code=code, change_id=change_id, reason=data.reason
    )
    out = ScheduledPublic.model_validate(change)
    await uow.commit()
    return out


@router.get("/admin/markets/{code}/audit")
async def list_audit(
    code: CodePath,
    user: CurrentUser,
    uow: Uow,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Older than this id")
    ] = None,
) -> list[AuditPublic]:
    """Who changed what, when and why; newest first."""
    _admin(user)
    await rollout.require_market(session=uow.session, code=code)
    rows = await rollout.list_audit(session=uow.session, code=code, limit=limit, before=before)
    return await audit_public(uow, rows)


@router.post("/markets/{code}/join")
async def join(code: CodePath, data: JoinIn, user: CurrentUser, uow: Uow) -> dict[str, str]:
    """Join a market in pilot with an invitation code, to buy there."""
    market = await rollout.join(
        session=uow.session, user=user, code=code, invitation_code=data.invitation_code
    )
    await uow.commit()
    return {"market": market.code, "status": "joined"}
