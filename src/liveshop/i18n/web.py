"""A request's language: the chosen one (cookie), else Accept-Language, else the market's."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from liveshop.i18n import COOKIE, choose


def page_language(request: HTTPConnection, market_language: str | None = None) -> str:
    return choose(
        request.cookies.get(COOKIE),
        request.headers.get("accept-language"),
        market_language,
    )
