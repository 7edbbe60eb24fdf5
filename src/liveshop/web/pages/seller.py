"""Seller center pages: shop, products, CSV upload, refunds and returns, creator collaborations.

Every one needs a login; the page itself finds the caller's shops from the API.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.deps import Caller
from liveshop.deps import IdPath
from liveshop.i18n import _
from liveshop.web.pages.common import LoggedIn, render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request, caller: Caller, template: str, title: str, section: str, **extra: object
) -> Response:
    return render(
        request, caller, template, _("Seller · {title}", title=_(title)), section=section, **extra
    )


@router.get("/seller", response_class=HTMLResponse)
async def seller_center(request: Request, caller: LoggedIn) -> Response:
    return render(request, caller, "seller.html", "Seller center")


@router.get("/seller/shop", response_class=HTMLResponse)
async def shop_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller_shop.html", "Shop", "shop")


@router.get("/seller/products", response_class=HTMLResponse)
async def products_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller_products.html", "Products", "products")


@router.get("/seller/products/new", response_class=HTMLResponse)
async def new_product_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller_product.html", "New product", "products", product_id=None)


@router.get("/seller/products/{product_id}", response_class=HTMLResponse)
async def product_editor(request: Request, product_id: IdPath, caller: LoggedIn) -> Response:
    return _page(
        request, caller, "seller_product.html", "Edit product", "products", product_id=product_id
    )


@router.get("/seller/import", response_class=HTMLResponse)
async def import_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller_import.html", "Import products", "import")


@router.get("/seller/returns", response_class=HTMLResponse)
async def returns_page(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller_returns.html", "Returns and refunds", "returns")


@router.get("/seller/creators", response_class=HTMLResponse)
async def creators_page(request: Request, caller: LoggedIn) -> Response:
    """The collaboration manager: open and targeted offers, rates and their history."""
    return _page(request, caller, "seller_creators.html", "Collaborations", "creators")
