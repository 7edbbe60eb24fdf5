"""Analytics pages: a show's report in the studio, creator and seller analytics, and the
operators' market analytics with heatmaps and the staffing planner. Thin shells: the
browser fills them from /api/v1/analytics."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.models import Role
from liveshop.deps import IdPath
from liveshop.markets.seed import MARKETS
from liveshop.web.pages.common import LoggedIn, render

router = APIRouter(include_in_schema=False)


@router.get("/studio/shows/{show_id}/report", response_class=HTMLResponse)
async def show_report_page(request: Request, caller: LoggedIn, show_id: IdPath) -> Response:
    return render(request, caller, "analytics/show_report.html", "Show report", show_id=show_id)


@router.get("/studio/analytics", response_class=HTMLResponse)
async def creator_page(request: Request, caller: LoggedIn) -> Response:
    return render(
        request,
        caller,
        "analytics/range.html",
        "Creator analytics",
        scope="creator",
        heading="My analytics",
    )


@router.get("/seller/analytics", response_class=HTMLResponse)
async def seller_page(request: Request, caller: LoggedIn) -> Response:
    return render(
        request,
        caller,
        "analytics/range.html",
        "Shop analytics",
        scope="shop",
        heading="Shop analytics",
        section="analytics",
    )


@router.get("/admin/analytics", response_class=HTMLResponse)
async def admin_page(
    request: Request,
    caller: LoggedIn,
    market: str = Query(default="UK", pattern=r"^[A-Z]{2}$"),
) -> Response:
    if not caller.user.has_role(Role.admin):
        page = render(request, caller, "admin_forbidden.html", "Not allowed", section="")
        page.status_code = 403
        return page
    codes = [m["code"] for m in MARKETS]
    return render(
        request,
        caller,
        "analytics/admin.html",
        "Admin · Analytics",
        section="analytics",
        market_code=market if market in codes else "UK",
        markets=codes,
    )
