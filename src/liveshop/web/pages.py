"""Server-rendered pages: thin Jinja2 shells; the browser fills them from the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from liveshop.accounts.deps import Caller, optional_caller
from liveshop.accounts.security import csrf_token
from liveshop.catalog.models import Product
from liveshop.db import Base
from liveshop.deps import IdPath, Uow, settings_of
from liveshop.errors import http_problem
from liveshop.live.shows.models import Show
from liveshop.uow import UnitOfWork
from liveshop.web.assets import STATIC_DIR, static_url

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["static"] = static_url

router = APIRouter(include_in_schema=False)

MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]


def render(
    request: Request, caller: Caller | None, template: str, title: str, **extra: Any
) -> HTMLResponse:
    user = caller.user if caller else None
    context: dict[str, Any] = {
        "title": title,
        "user": user,
        "roles": set(user.roles) if user else set(),
        "market": (user.market_code if user else None) or "UK",
        "csrf": csrf_token(settings_of(request).secret_key, caller.token) if caller else None,
        **extra,
    }
    return templates.TemplateResponse(request, template, context)


def missing(request: Request, caller: Caller | None, what: str) -> HTMLResponse:
    """A whole page that says what was not found, instead of a shell its script cannot fill."""
    response = render(request, caller, "not_found.html", "Not found", what=what)
    response.status_code = 404
    return response


MACHINE_PATHS = ("/api/", "/ws/", "/static/", "/hls/", "/healthz", "/metrics")


async def not_found_page(request: Request, exc: StarletteHTTPException) -> Response:
    """An unknown address opened in a browser is a page; for programs it stays problem+json."""
    wants_page = "text/html" in request.headers.get("accept", "")
    if exc.status_code != 404 or not wants_page or request.url.path.startswith(MACHINE_PATHS):
        return await http_problem(request, exc)
    state = request.app.state
    async with UnitOfWork(db=state.db, broker=state.broker, write=False) as uow:
        caller = await optional_caller(request, uow)
        return missing(request, caller, "")


async def exists(uow: Uow, model: type[Base], item_id: int) -> bool:
    return await uow.session.get(model, item_id) is not None


def login_first(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)


def safe_next(raw: str | None) -> str:
    """Where to go after logging in: a path on this site, or "/".

    Browsers read `/\\evil.example` and `/%09/evil.example` as `//evil.example`, another site,
    so anything but one slash and a plain path character after it is refused, also once
    percent-decoded (the value may be decoded again on its way).
    """
    if not raw or len(raw) > 2000:
        return "/"
    seen = raw
    for _ in range(3):
        if "\\" in seen or any(ord(c) < 0x20 or ord(c) == 0x7F for c in seen):
            return "/"
        if not seen.startswith("/") or seen.startswith("//"):
            return "/"
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc:
            return "/"
        decoded = unquote(seen)
        if decoded == seen:
            return raw
        seen = decoded
    return "/"


@router.get("/favicon.ico")
async def favicon() -> Response:
    """Browsers ask for /favicon.ico before reading the page's <link rel="icon">."""
    body = (STATIC_DIR / "favicon.svg").read_bytes()
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"})


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, caller: MaybeCaller) -> Response:
    return render(request, caller, "home.html", "Shop", q=request.query_params.get("q", ""))


@router.get("/shows/{show_id}", response_class=HTMLResponse)
async def live_room(request: Request, show_id: IdPath, caller: MaybeCaller, uow: Uow) -> Response:
    if not await exists(uow, Show, show_id):
        return missing(request, caller, "show")
    return render(request, caller, "room.html", "Live room", show_id=show_id)


@router.get("/products/{product_id}", response_class=HTMLResponse)
async def product_page(
    request: Request, product_id: IdPath, caller: MaybeCaller, uow: Uow
) -> Response:
    if not await exists(uow, Product, product_id):
        return missing(request, caller, "product")
    return render(request, caller, "product.html", "Product", product_id=product_id)


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(request: Request, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "cart.html", "Cart")


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(request: Request, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "orders.html", "Your orders")


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


@router.get("/studio/shows/{show_id}", response_class=HTMLResponse)
async def studio(request: Request, show_id: IdPath, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "studio.html", "Creator studio", show_id=show_id)


@router.get("/seller", response_class=HTMLResponse)
async def seller_center(request: Request, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "seller.html", "Seller center")


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request, caller: MaybeCaller) -> Response:
    if caller is None:
        return login_first(request)
    return render(request, caller, "admin.html", "Admin")
