"""The auction API: open, bid, follow the bids, the winner's address."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import CurrentUser, OptionalUser
from liveshop.accounts.models import Role, User
from liveshop.deps import IdPath, Uow
from liveshop.errors import PROBLEM, problem_body
from liveshop.idempotency import run_once
from liveshop.markets.money import MoneyPublic
from liveshop.orders.schemas import OrderPublic, order_public
from liveshop.selling import promotions
from liveshop.selling.auctions import service as auctions
from liveshop.selling.auctions.models import Auction, Bid
from liveshop.selling.auctions.schemas import (
    AuctionCreate,
    AuctionPublic,
    BidIn,
    BidPublic,
    BidResult,
    WinnerAddressIn,
)
from liveshop.selling.promotions import MAX_PAGE, After, IdemKey, pace
from liveshop.uow import UnitOfWork

router = APIRouter(tags=["selling"])


async def _auction_public(uow: UnitOfWork, auction: Auction) -> AuctionPublic:
    m = auction.market_code
    current = auction.current_price
    return AuctionPublic(
        id=auction.id,
        show_id=auction.show_id,
        product_id=auction.product_id,
        variant_id=auction.variant_id,
        status=auction.status,
        market=m,
        currency=auction.currency,
        start_price=MoneyPublic.in_market(auction.start_price, auction.currency, m),
        current_price=MoneyPublic.in_market(current, auction.currency, m)
        if current is not None
        else None,
        min_bid=MoneyPublic.in_market(auctions.min_bid(auction), auction.currency, m),
        leader=await promotions.handle_of(uow.session, auction.leader_id),
        increments=auction.increments,
        anti_snipe_seconds=auction.anti_snipe_seconds,
        sudden_death=auction.sudden_death,
        opens_at=auction.opens_at,
        ends_at=auction.ends_at,
        winner_order_id=auction.winner_order_id,
    )


def _bid_public(auction: Auction, bid: Bid, handle: str, viewer: User | None) -> BidPublic:
    m, cur = auction.market_code, auction.currency
    # A proxy max is the bidder's secret: showing it would let rivals bid just under it.
    own = viewer is not None and (viewer.id == bid.bidder_id or viewer.has_role(Role.admin))
    return BidPublic(
        id=bid.id,
        auction_id=bid.auction_id,
        bidder=handle,
        amount=MoneyPublic.in_market(bid.amount, cur, m),
        max_amount=MoneyPublic.in_market(bid.max_amount, cur, m) if own else None,
        accepted=bid.accepted,
        reason=bid.reason,
        via=bid.via,
        created_at=bid.created_at,
    )


@router.post("/shows/{show_id}/auctions", status_code=status.HTTP_201_CREATED)
async def open_auction(
    show_id: IdPath, data: AuctionCreate, user: CurrentUser, uow: Uow
) -> AuctionPublic:
    """The host (or the shop's seller) auctions one unit of a variant in the live show."""
    auction = await auctions.create(session=uow.session, actor=user, show_id=show_id, data=data)
    out = await _auction_public(uow, auction)
    await uow.commit()
    return out


@router.get("/shows/{show_id}/auctions")
async def list_auctions(show_id: IdPath, uow: Uow) -> list[AuctionPublic]:
    """The show's latest auctions, newest first."""
    rows = await auctions.list_(session=uow.session, show_id=show_id)
    return [await _auction_public(uow, a) for a in rows]


@router.get("/auctions/{auction_id}")
async def get_auction(auction_id: IdPath, uow: Uow) -> AuctionPublic:
    auction = await auctions.get(session=uow.session, auction_id=auction_id)
    return await _auction_public(uow, auction)


@router.post(
    "/auctions/{auction_id}/bids",
    status_code=status.HTTP_201_CREATED,
    response_model=BidResult,
    responses={409: {"description": "The bid was refused; it is kept for audit"}},
)
async def bid(
    auction_id: IdPath, data: BidIn, user: CurrentUser, uow: Uow, key: IdemKey, request: Request
) -> JSONResponse:
    """Bid, optionally with a proxy maximum. A refused bid answers 409 with its reason."""
    await pace(request, user, "bid")

    async def work() -> tuple[int, Any]:
        placed = await auctions.place_bid(
            session=uow.session,
            bidder=user,
            auction_id=auction_id,
            amount=data.amount,
            max_amount=data.max_amount,
            via="http",
        )
        auction = await auctions.get(session=uow.session, auction_id=auction_id)
        view = _bid_public(auction, placed, user.handle, user)
        if not placed.accepted:
            reason = placed.reason or "bid_refused"
            detail = f"Bid refused: {reason.replace('_', ' ')}."
            return 409, problem_body(409, reason, detail, bid=view.model_dump(mode="json"))
        result = BidResult(
            bid=view,
            leading=auction.leader_id == user.id,
            auction=await _auction_public(uow, auction),
        )
        return 201, result.model_dump(mode="json")

    # A refused bid is committed too: it is part of the audit trail.
    body_in = {"auction_id": auction_id, **data.model_dump(mode="json")}
    code, body = await run_once(
        uow, user_id=user.id, key=key, scope="auction_bid", body=body_in, work=work
    )
    return JSONResponse(body, status_code=code, media_type=PROBLEM if code >= 400 else None)


@router.get("/auctions/{auction_id}/bids")
async def list_bids(
    auction_id: IdPath,
    uow: Uow,
    viewer: OptionalUser,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> list[BidPublic]:
    """Bids after the cursor (a bid id), refused ones too (the latest of them), oldest first;
    proxy maxima only to their own bidder. A full page means there may be more."""
    auction = await auctions.get(session=uow.session, auction_id=auction_id)
    rows = await auctions.list_bids(
        session=uow.session, auction_id=auction_id, after=after, limit=limit
    )
    return [_bid_public(auction, b, handle, viewer) for b, handle in rows]


@router.post("/auctions/{auction_id}/address")
async def set_winner_address(
    auction_id: IdPath, data: WinnerAddressIn, user: CurrentUser, uow: Uow
) -> OrderPublic:
    """The winner's shipping address for the won order (before paying it)."""
    order = await auctions.set_winner_address(
        session=uow.session, winner=user, auction_id=auction_id, address=data.address
    )
    await uow.commit()
    return order_public(order)
