"""Server-rendered pages: thin Jinja2 shells; the browser fills them from the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from liveshop.accounts.security import csrf_token
from liveshop.catalog.models import Product
from liveshop.db import Base
from liveshop.deps import Caller, IdPath, Uow, optional_caller, settings_of
from liveshop.live.models import Show

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

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


async def exists(uow: Uow, model: type[Base], item_id: int) -> bool:
    return await uow.session.get(model, item_id) is not None


def login_first(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


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
    return render(request, caller, "auth.html", "Log in", mode="login")


@router.get("/signup", response_class=HTMLResponse)
async def signup_page(request: Request, caller: MaybeCaller) -> Response:
    return render(request, caller, "auth.html", "Sign up", mode="signup")


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
