"""Collaborations through the real API: a shop invites a creator, who accepts and showcases."""

from __future__ import annotations

import uuid

import httpx

from tests.kits.factories import Actor

API = "/api/v1"


async def collaborate(
    client: httpx.AsyncClient,
    seller: Actor,
    creator: Actor,
    product_ids: list[int],
    *,
    rate_bp: int = 1000,
    floor_bp: int = 0,
) -> list[int]:
    """A targeted collaboration per product, accepted and in the creator's showcase."""
    ids = []
    for product_id in product_ids:
        r = await client.post(
            f"{API}/collaborations",
            headers={**seller.headers, "Idempotency-Key": f"collab-{uuid.uuid4().hex}"},
            json={"product_id": product_id, "kind": "targeted", "creator_id": creator.id,
                  "rate_bp": rate_bp, "floor_bp": floor_bp},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        r = await client.post(f"{API}/collaborations/{ids[-1]}/accept", headers=creator.headers)
        assert r.status_code == 200, r.text
        r = await client.put(f"{API}/me/showcase/{product_id}", headers=creator.headers)
        assert r.status_code == 200, r.text
    return ids


async def revoke(client: httpx.AsyncClient, seller: Actor, collaboration_ids: list[int]) -> None:
    for cid in collaboration_ids:
        r = await client.post(f"{API}/collaborations/{cid}/revoke", headers=seller.headers)
        assert r.status_code == 200, r.text
