"""Logging in, signing up and resetting a password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.web.pages.common import MaybeCaller, render, safe_next

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, caller: MaybeCaller) -> Response:
    next_ = safe_next(request.query_params.get("next"))
    return render(request, caller, "auth.html", "Log in", mode="login", next=next_)


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, caller: MaybeCaller) -> Response:
    next_ = safe_next(request.query_params.get("next"))
    return render(request, caller, "auth.html", "Sign up", mode="signup", next=next_)


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_password_page(request: Request, caller: MaybeCaller) -> Response:
    """Ask for a reset link, or (with the link's ?token=) choose the new password."""
    token = request.query_params.get("token", "")[:200]
    return render(request, caller, "reset.html", "Reset your password", token=token)
