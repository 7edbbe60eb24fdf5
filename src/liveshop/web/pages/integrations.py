"""Integration pages: webhook endpoints and API tokens (seller center and studio), and the API
reference built from the app's own OpenAPI document (no CDN: it works offline)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.accounts.deps import Caller
from liveshop.i18n import _
from liveshop.integrations.tokens.grants import SCOPES
from liveshop.integrations.tokens.scopes import ROUTES, template_of
from liveshop.integrations.webhooks.events import EVENT_TYPES
from liveshop.web.pages.common import LoggedIn, MaybeCaller, render

router = APIRouter(include_in_schema=False)
OWNER = {"seller": "shop", "studio": "creator"}


def _page(request: Request, caller: Caller, area: str, what: str) -> Response:
    title = _("Webhooks") if what == "webhooks" else _("API tokens")
    return render(
        request,
        caller,
        f"integrations/{what}.html",
        _("Seller · {title}", title=title)
        if area == "seller"
        else _("Studio · {title}", title=title),
        area=area,
        section=what,
        owner_kind=OWNER[area],
        event_types=EVENT_TYPES,
        scopes=SCOPES,
    )


@router.get("/seller/webhooks", response_class=HTMLResponse)
async def seller_webhooks(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller", "webhooks")


@router.get("/seller/tokens", response_class=HTMLResponse)
async def seller_tokens(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "seller", "tokens")


@router.get("/studio/webhooks", response_class=HTMLResponse)
async def studio_webhooks(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "studio", "webhooks")


@router.get("/studio/tokens", response_class=HTMLResponse)
async def studio_tokens(request: Request, caller: LoggedIn) -> Response:
    return _page(request, caller, "studio", "tokens")


def _schema_name(content: dict[str, Any] | None) -> str | None:
    schema = ((content or {}).get("application/json") or {}).get("schema") or {}
    ref = schema.get("$ref") or (schema.get("items") or {}).get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def reference(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The OpenAPI document as sections of operations, for the page to list."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for path, item in sorted(spec.get("paths", {}).items()):
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            tag = (op.get("tags") or ["other"])[0]
            ok = next((c for c in op.get("responses", {}) if c.startswith("2")), None)
            sections.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": op.get("operationId", f"{method}-{path}"),
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "params": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": (p.get("schema") or {}).get("type", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _schema_name((op.get("requestBody") or {}).get("content")),
                    "ok": ok,
                    "answer": _schema_name(
                        (op.get("responses", {}).get(ok) or {}).get("content") if ok else None
                    ),
                    "scope": ROUTES.get((method.upper(), template_of(path))),
                }
            )
    return [{"tag": t, "ops": ops} for t, ops in sorted(sections.items())]


def schemas(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            {
                "name": field,
                "type": prop.get("type")
                or (prop.get("$ref", "").rsplit("/", 1)[-1])
                or " | ".join(
                    str(x.get("type") or x.get("$ref", "").rsplit("/", 1)[-1])
                    for x in prop.get("anyOf", [])
                ),
                "required": field in required,
                "description": prop.get("description", ""),
            }
            for field, prop in schema.get("properties", {}).items()
        ]
        out.append({"name": name, "fields": fields})
    return out


@router.get("/developers/api", response_class=HTMLResponse)
async def api_reference(request: Request, caller: MaybeCaller) -> Response:
    """Every endpoint of /api/v1 with its parameters, body, answer and token scope."""
    spec = request.app.openapi()
    return render(
        request,
        caller,
        "integrations/reference.html",
        "API reference",
        sections=reference(spec),
        schemas=schemas(spec),
        version=spec.get("info", {}).get("version", ""),
        scopes=SCOPES,
    )
