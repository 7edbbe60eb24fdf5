"""What every page shares: the templates, `render`, the not-found page and the login gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from liveshop.accounts.deps import Caller, optional_caller
from liveshop.accounts.security import csrf_token
from liveshop.db import Base
from liveshop.deps import Uow, settings_of
from liveshop.errors import http_problem
from liveshop.i18n import COOKIE, NAMES, TZ_COOKIE, activate, html_lang
from liveshop.i18n import gettext as _gettext
from liveshop.i18n import ngettext as _ngettext
from liveshop.i18n.formats import install_filters, viewer_zone
from liveshop.i18n.web import page_language
from liveshop.markets.seed import LANGUAGES as MARKET_LANGUAGES
from liveshop.markets.seed import TIMEZONES
from liveshop.uow import UnitOfWork
from liveshop.web.assets import static_url

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static"] = static_url
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.policies["ext.i18n.trimmed"] = True  # as extracted (catalog.OPTIONS_MAP)
install_filters(templates.env)

MaybeCaller = Annotated[Caller | None, Depends(optional_caller)]


class LoginFirst(Exception):
    """A page that needs a login was opened without one; answered by `login_redirect`."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def login_first(request: Request, caller: MaybeCaller) -> Caller:
    if caller is None:
        raise LoginFirst(request.url.path)
    return caller


LoggedIn = Annotated[Caller, Depends(login_first)]


async def login_redirect(request: Request, exc: LoginFirst) -> Response:
    """Off to the login page, which comes back here once the visitor has logged in."""
    return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)


def render(
    request: Request, caller: Caller | None, template: str, title: str, **extra: Any
) -> HTMLResponse:
    user = caller.user if caller else None
    market = (user.market_code if user else None) or "UK"
    lang = page_language(request, MARKET_LANGUAGES.get(market))
    activate(lang)  # the template renders right here, in this context
    zone = viewer_zone(request.cookies.get(TZ_COOKIE), TIMEZONES.get(market, ["UTC"])[0])
    context: dict[str, Any] = {
        "title": _gettext(title),
        "user": user,
        "roles": set(user.roles) if user else set(),
        "market": market,
        "lang": lang,
        "html_lang": html_lang(lang),
        "languages": NAMES,
        "lang_cookie": COOKIE,
        "i18n_catalogue": static_url(f"i18n/{lang}.json"),
        "timezone": zone,
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
