"""Operator pages: shop verification, the platform keyword list, users (roles, bans)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.models import Role
from liveshop.web.pages import MaybeCaller, login_first, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, caller: MaybeCaller, template: str, title: str) -> Response:
    """Admins only: anyone else gets a 403 page (the API would refuse them anyway)."""
    if caller is None:
        return login_first(request)
    if not caller.user.has_role(Role.admin):
        page = render(request, caller, "admin_forbidden.html", "Not allowed", section="")
        page.status_code = 403
        return page
    return render(request, caller, template, f"Admin · {title}", section=title.lower())


@router.get("/admin/shops", response_class=HTMLResponse)
async def shops_page(request: Request, caller: MaybeCaller) -> Response:
    return _page(request, caller, "admin_shops.html", "Shops")


@router.get("/admin/keywords", response_class=HTMLResponse)
async def keywords_page(request: Request, caller: MaybeCaller) -> Response:
    return _page(request, caller, "admin_keywords.html", "Keywords")


@router.get("/admin/users", response_class=HTMLResponse)
async def users_page(request: Request, caller: MaybeCaller) -> Response:
    return _page(request, caller, "admin_users.html", "Users")
