"""Finance pages: seller finance, creator earnings, and the operators' books."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.models import Role
from liveshop.web.pages.common import LoggedIn, render

router = APIRouter(include_in_schema=False)


@router.get("/seller/finance", response_class=HTMLResponse)
async def seller_finance(request: Request, caller: LoggedIn) -> Response:
    return render(
        request, caller, "ledger/seller_finance.html", "Seller · Finance", section="finance"
    )


@router.get("/studio/earnings", response_class=HTMLResponse)
async def creator_earnings(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "ledger/creator_earnings.html", "Earnings")


@router.get("/admin/finance", response_class=HTMLResponse)
async def admin_finance(request: Request, caller: LoggedIn) -> Response:
    if not caller.user.has_role(Role.admin):
        page = render(request, caller, "admin_forbidden.html", "Not allowed", section="")
        page.status_code = 403
        return page
    return render(
        request, caller, "ledger/admin_finance.html", "Admin · Finance", section="finance"
    )
