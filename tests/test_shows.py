"""Scheduling shows (the live room itself is built on this)."""

from __future__ import annotations

import httpx

from tests.factories import Api


async def test_creator_schedules_a_show_and_only_the_host_sees_the_key(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"])
    r = await client.post(
        "/api/v1/shows",
        headers=seller.headers,
        json={
            "title": "Sunday drop",
            "starts_at": "2030-01-01T18:00:00Z",
            "markets": ["UK"],
            "product_ids": [product["id"]],
            "shop_id": shop["id"],
        },
    )
    assert r.status_code == 201, r.text
    show = r.json()
    assert show["status"] == "scheduled" and show["product_ids"] == [product["id"]]
    assert "stream_key" not in show
    listed = (await client.get("/api/v1/shows")).json()
    assert [s["id"] for s in listed] == [show["id"]]

    ingest = await client.get(f"/api/v1/shows/{show['id']}/ingest", headers=seller.headers)
    assert ingest.status_code == 200
    assert ingest.json()["rtmp_url"].startswith("rtmp://") and len(ingest.json()["stream_key"]) > 40
    viewer = await api.user("buyer")
    assert (
        await client.get(f"/api/v1/shows/{show['id']}/ingest", headers=viewer.headers)
    ).status_code == 403
    r = await client.post(
        "/api/v1/shows",
        headers=viewer.headers,
        json={"title": "x", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]},
    )
    assert r.status_code == 403
