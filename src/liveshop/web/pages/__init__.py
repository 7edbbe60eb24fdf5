"""Server-rendered pages, one module per area: thin Jinja2 shells the browser fills from the
JSON API. `common` holds what they share (rendering, the not-found page, the `LoggedIn` gate)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from liveshop.web.pages import (
    account,
    admin,
    analytics,
    buyer,
    discovery,
    integrations,
    language,
    ledger,
    markets,
    seller,
    studio,
)
from liveshop.web.pages.common import LoginFirst, login_redirect, not_found_page

ROUTERS = (
    account.router,
    buyer.router,
    studio.router,
    seller.router,
    admin.router,
    analytics.router,
    markets.router,
    discovery.router,
    ledger.router,
    integrations.router,
    language.router,
)


def install(app: FastAPI) -> None:
    """The page routes, plus the two answers only a browser gets: a login redirect, a 404 page."""
    app.add_exception_handler(LoginFirst, login_redirect)  # type: ignore[arg-type]
    # Unknown addresses opened in a browser get a page, programs problem+json.
    app.add_exception_handler(StarletteHTTPException, not_found_page)  # type: ignore[arg-type]
    for router in ROUTERS:
        app.include_router(router)
