"""The OpenAPI document, completed: how callers authenticate and what every error looks like.

FastAPI documents only its own 422 shape (`application/json` with a list `detail`), while the API
answers every error as problem+json (errors.py). Clients and schemathesis check responses
against this document, so it must say what the server really sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi

from liveshop.accounts.deps import SESSION_COOKIE, current_caller, optional_caller
from liveshop.errors import PROBLEM, leaf_routes

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; `code` is stable and machine-readable.",
    "type": "object",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "detail": {"type": "string"},
        "errors": {
            "description": "Present on validation errors: one entry per refused value.",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

ERRORS = {
    "400": "Malformed request (for example, a body that is not JSON)",
    "401": "Not signed in, or the token or session is not valid",
    "403": "Signed in, but not allowed to do this",
    "404": "Not found",
    "409": "Conflicts with the current state",
    "413": "Request body too large",
    "422": "A value was refused; `errors` says which",
    "429": "Too many requests; retry after `Retry-After` seconds",
}

RETRY_AFTER = {"description": "Seconds to wait", "schema": {"type": "integer", "minimum": 1}}

SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token from `POST /api/v1/auth/login` or `/api/v1/me/tokens`.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The browser session; writes also need the `X-CSRF-Token` header.",
    },
}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearerAuth": []}, {"sessionCookie": []}]


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _security(app: FastAPI) -> dict[tuple[str, str], list[dict[str, list[str]]]]:
    """(path, method) -> the security requirement of each operation that reads a caller."""
    out: dict[tuple[str, str], list[dict[str, list[str]]]] = {}
    for route in leaf_routes(app.router.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or not getattr(route, "include_in_schema", False):
            continue
        calls = set(_calls(dependant))
        if current_caller in calls:
            requirement = SIGNED_IN
        elif optional_caller in calls:
            requirement = [{}, *SIGNED_IN]  # anonymous callers are served too
        else:
            continue
        for method in route.methods or ():
            out[(route.path_format, method.lower())] = requirement
    return out


def build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    security = _security(app)
    problem = {PROBLEM: {"schema": PROBLEM_REF}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, description in ERRORS.items():
                responses[status] = {"description": description, "content": problem}
            responses["429"]["headers"] = {"Retry-After": RETRY_AFTER}
            if (path, method) in security:
                operation["security"] = security[(path, method)]
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
