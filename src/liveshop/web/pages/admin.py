"""Operator pages: the overview, shop verification, the keyword list, users (roles, bans)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.deps import Caller
from liveshop.accounts.models import Role
from liveshop.i18n import _
from liveshop.web.pages.common import LoggedIn, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, caller: Caller, template: str, title: str) -> Response:
    """Admins only: anyone else gets a 403 page (the API would refuse them anyway)."""
    if not caller.user.has_role(Role.admin):
        page = render(request, caller, "admin_forbidden.html", "Not allowed", section="")
        page.status_code = 403
        return page
    return render(
        request, caller, template, _("Admin · {title}", title=_(title)), section=title.lower()
    )


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "admin.html", "Admin")


@router.get("/admin/shops", response_class=HTMLResponse)
async def shops_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "admin_shops.html", "Shops")


@router.get("/admin/keywords", response_class=HTMLResponse)
async def keywords_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "admin_keywords.html", "Keywords")


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "admin_users.html", "Users")
