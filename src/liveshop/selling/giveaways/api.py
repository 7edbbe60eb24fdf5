"""The giveaway API: open, enter, draw, claim."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow
from liveshop.orders.schemas import OrderPublic, order_public
from liveshop.selling.giveaways import service as giveaways
from liveshop.selling.giveaways.models import Giveaway
from liveshop.selling.giveaways.schemas import ClaimIn, EntryResult, GiveawayCreate, GiveawayPublic
from liveshop.selling.promotions import MAX_PAGE, After, pace
from liveshop.uow import UnitOfWork

router = APIRouter(tags=["selling"])


async def _giveaway_public(uow: UnitOfWork, giveaway: Giveaway) -> GiveawayPublic:
    return GiveawayPublic(
        id=giveaway.id,
        show_id=giveaway.show_id,
        product_id=giveaway.product_id,
        variant_id=giveaway.variant_id,
        status=giveaway.status,
        eligibility=giveaway.eligibility,
        market=giveaway.market_code,
        entrants=await giveaways.entrant_count(session=uow.session, giveaway_id=giveaway.id),
        winner=await giveaways.winner_handle(session=uow.session, giveaway=giveaway),
        claim_deadline=giveaway.claim_deadline,
        draws=giveaway.draws,
        created_at=giveaway.created_at,
    )


@router.post("/shows/{show_id}/giveaways", status_code=status.HTTP_201_CREATED)
async def open_giveaway(
    show_id: IdPath, data: GiveawayCreate, user: CurrentUser, uow: Uow
) -> GiveawayPublic:
    giveaway = await giveaways.create(session=uow.session, actor=user, show_id=show_id, data=data)
    out = await _giveaway_public(uow, giveaway)
    await uow.commit()
    return out


@router.get("/shows/{show_id}/giveaways")
async def list_giveaways(show_id: IdPath, uow: Uow) -> list[GiveawayPublic]:
    """The show's latest giveaways, newest first."""
    rows = await giveaways.list_(session=uow.session, show_id=show_id)
    return [await _giveaway_public(uow, g) for g in rows]


@router.get("/giveaways/{giveaway_id}")
async def get_giveaway(giveaway_id: IdPath, uow: Uow) -> GiveawayPublic:
    """Includes every draw's seed and entrant count, to check the draw (see `winner_index`)."""
    giveaway = await giveaways.get(session=uow.session, giveaway_id=giveaway_id)
    return await _giveaway_public(uow, giveaway)


@router.get("/giveaways/{giveaway_id}/entrants")
async def giveaway_entrants(
    giveaway_id: IdPath,
    uow: Uow,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
) -> list[int]:
    """Entrant user ids above the cursor (a user id), sorted: all pages with a draw's seed are
    enough to recompute its winner. A full page means there may be more."""
    await giveaways.get(session=uow.session, giveaway_id=giveaway_id)
    return await giveaways.entrant_ids(
        session=uow.session, giveaway_id=giveaway_id, after=after, limit=limit
    )


@router.post("/giveaways/{giveaway_id}/entries", status_code=status.HTTP_201_CREATED)
async def enter_giveaway(
    giveaway_id: IdPath, user: CurrentUser, uow: Uow, request: Request
) -> EntryResult:
    """No purchase needed. Entering twice is harmless (entered: false the second time)."""
    await pace(request, user, "entry")
    entered, count = await giveaways.enter(session=uow.session, user=user, giveaway_id=giveaway_id)
    await uow.commit()
    return EntryResult(giveaway_id=giveaway_id, entered=entered, count=count)


@router.post("/giveaways/{giveaway_id}/draw")
async def draw_giveaway(giveaway_id: IdPath, user: CurrentUser, uow: Uow) -> GiveawayPublic:
    giveaway = await giveaways.draw(session=uow.session, actor=user, giveaway_id=giveaway_id)
    out = await _giveaway_public(uow, giveaway)
    await uow.commit()
    return out


@router.post("/giveaways/{giveaway_id}/claim")
async def claim_giveaway(
    giveaway_id: IdPath, data: ClaimIn, user: CurrentUser, uow: Uow
) -> OrderPublic:
    """The winner gives a shipping address within 48 hours of the draw."""
    order = await giveaways.claim(
        session=uow.session, winner=user, giveaway_id=giveaway_id, address=data.address
    )
    await uow.commit()
    return order_public(order)
