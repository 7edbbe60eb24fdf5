"""Shared helpers of the Shopify tests: upload a file, read a shop's products back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.kits.factories import Actor

FILES = Path(__file__).parent / "files"


async def upload(
    client: httpx.AsyncClient, actor: Actor, shop_id: int, name: str, content: bytes | None = None
) -> dict[str, Any]:
    body = content if content is not None else (FILES / name).read_bytes()
    kind = "application/json" if name.endswith(".json") else "text/csv"
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop_id}",
        headers=actor.headers,
        files={"file": (name, body, kind)},
    )
    assert r.status_code == 201, r.text
    report: dict[str, Any] = r.json()
    return report


async def products(client: httpx.AsyncClient, actor: Actor, shop_id: int) -> dict[str, Any]:
    """The shop's products by handle, all statuses."""
    r = await client.get(
        f"/api/v1/shops/{shop_id}/products/manage?limit=100", headers=actor.headers
    )
    assert r.status_code == 200, r.text
    return {p["handle"]: p for p in r.json()["items"]}


def prices(variant: dict[str, Any]) -> dict[str, tuple[str, int, int | None]]:
    return {p["market"]: (p["currency"], p["amount"], p["compare_at"]) for p in variant["prices"]}
