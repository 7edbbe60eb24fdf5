"""HTTP route for a show's live metrics (the studio's dashboard)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from liveshop.accounts.deps import CurrentUser
from liveshop.analytics.live import service as metrics
from liveshop.analytics.live.schemas import ShowMetricsPublic, metrics_public
from liveshop.deps import IdPath, Uow

router = APIRouter(tags=["live"])


@router.get(
    "/shows/{show_id}/metrics",
    responses={403: {"description": "Not the show's host"}, 404: {"description": "No such show"}},
)
async def show_metrics(
    show_id: IdPath, request: Request, user: CurrentUser, uow: Uow
) -> ShowMetricsPublic:
    """Viewers, likes, orders and GMV so far; the host, co-hosts and admins only.

    Orders count every order attributed to the show except cancelled ones and giveaway
    prizes; GMV is their totals per currency (and per market), formatted for the market.
    """
    found = await metrics.get(
        session=uow.session, rooms=request.app.state.rooms, actor=user, show_id=show_id
    )
    return metrics_public(found)
