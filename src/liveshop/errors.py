"""problem+json errors (RFC 9457) with stable machine-readable codes."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from liveshop.i18n import N_, Msg, activate, gettext
from liveshop.i18n.web import page_language

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"

MALFORMED_JSON = N_("The request body is not valid JSON.")
CRASHED = N_("Something went wrong on our side.")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


class Problem(Exception):
    """Raise anywhere in a service to answer with a problem+json document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        values: Mapping[str, object] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        # `detail` is an English msgid; `{name}` placeholders are filled from `values`. The
        # answer translates it for whoever asked (`translated`), the code stays as it is.
        self.msgid = detail
        self.values = dict(values or {})
        try:
            english = detail.format(**self.values) if values else detail
        except (KeyError, IndexError, ValueError):  # a malformed msgid must not become a 500
            log.error("problem %s: cannot fill %r with %r", code, detail, self.values)
            english = detail
        super().__init__(english)
        self.status = status
        self.code = code
        self.detail = english
        self.headers = headers  # e.g. Retry-After on a 429
        self.extra = extra

    def translated(self) -> str:
        """The detail in the current language (`liveshop.i18n.activate`), English if broken."""
        text = gettext(self.msgid)
        values = {k: gettext(v) if isinstance(v, Msg) else v for k, v in self.values.items()}
        try:
            return text.format(**values) if values else text
        except (KeyError, IndexError, ValueError):
            return self.detail


def not_found(what: str, ident: object = None) -> Problem:
    thing = what.replace("_", " ")
    if ident is None:
        return Problem(404, f"{what}_not_found", N_("No {thing} exists."), values={"thing": thing})
    return Problem(
        404,
        f"{what}_not_found",
        N_("No {thing} {ident} exists."),
        values={"thing": thing, "ident": ident},
    )


def forbidden(
    detail: str = N_("You may not do that."), values: Mapping[str, object] | None = None
) -> Problem:
    return Problem(403, "forbidden", detail, values=values)


def problem_body(status: int, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"https://liveshop.dev/problems/{code}",
        "title": code.replace("_", " ").capitalize(),
        "status": status,
        "code": code,
        "detail": detail,
        **extra,
    }


def problem_response(status: int, code: str, detail: str, **extra: Any) -> JSONResponse:
    body = problem_body(status, code, detail, **extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _clean_errors(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        if err.get("ctx", {}).get("field"):
            loc += str(err["ctx"]["field"]).split(".")  # found by a model-wide check
        out.append(
            {
                "loc": loc,
                "msg": err.get("msg"),
                "type": err.get("type"),
            }
        )
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        # The detail is an English msgid until here: it is translated for whoever asked.
        activate(page_language(request))
        response = problem_response(exc.status, exc.code, exc.translated(), **exc.extra)
        response.headers.update(exc.headers or {})
        wait = exc.extra.get("retry_after")
        if "Retry-After" not in response.headers and isinstance(wait, int | float):
            response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _clean_errors(list(exc.errors()))
        if any(e["type"] == "json_invalid" for e in errors):
            activate(page_language(_request))
            return problem_response(400, "malformed_json", gettext(MALFORMED_JSON))
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        where = ".".join(p for p in first["loc"] if p not in ("body",)) or "request"
        return problem_response(422, "validation_error", f"{where}: {first['msg']}", errors=errors)

    app.add_exception_handler(StarletteHTTPException, http_problem)  # type: ignore[arg-type]

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        activate(page_language(request))
        response = problem_response(500, "internal_error", gettext(CRASHED))
        # Starlette re-raises after this answer and the server then drops the connection;
        # saying so lets a keep-alive client retry on a fresh one instead of failing.
        response.headers["Connection"] = "close"
        return response


async def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Routing's own errors (404, 405, …) as problem+json."""
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    activate(page_language(request))
    detail = gettext(exc.detail) if isinstance(exc.detail, str) else code
    response = problem_response(exc.status_code, code, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in leaf_routes(request.app.router.routes):
        match, _ = route.matches(scope)
        if match != Match.NONE:
            effective = getattr(route, "starlette_route", None) or route
            methods |= getattr(effective, "methods", None) or set()
    return sorted(methods)


def leaf_routes(routes: list[BaseRoute]) -> Iterator[Any]:
    for route in routes:
        # FastAPI >= 0.16x keeps included routers whole and resolves their routes lazily.
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route
