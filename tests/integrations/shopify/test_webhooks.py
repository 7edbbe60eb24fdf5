"""Incoming Shopify webhooks, sent over real HTTP to a real `liveshop serve`: signatures,
duplicate deliveries, and stock that never drops below what open checkouts hold."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

import httpx

from liveshop.settings import Settings
from tests.integrations.shopify.kit import prices, products, upload
from tests.kits.factories import Api
from tests.kits.web import serve

SECRET = "shpss_0123456789abcdef0123456789abcdef"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


async def _deliver(
    c: httpx.AsyncClient,
    shop_id: int,
    topic: str,
    payload: dict[str, Any],
    *,
    webhook_id: str | None = None,
    secret: str = SECRET,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return await c.post(
        f"/api/v1/integrations/shopify/{shop_id}/webhooks",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "acme.myshopify.com",
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Hmac-Sha256": _sign(body, secret),
        },
    )


async def test_webhooks_over_http(settings: Settings, tmp_path: Path) -> None:
    async with (
        serve(settings, tmp_path, media=False) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as c,
    ):
        api = Api(c, settings.database_url)
        seller = await api.user("seller")
        shop = await api.shop(seller, market="UK")
        sid = shop["id"]

        # Not connected yet: refused, whatever the signature.
        r = await _deliver(c, sid, "products/update", {"id": 1})
        assert r.status_code == 404
        assert r.json()["code"] == "shopify_not_connected"
        r = await c.put(
            f"/api/v1/shops/{sid}/shopify",
            headers=seller.headers,
            json={"store_domain": "acme.myshopify.com", "webhook_secret": SECRET},
        )
        assert r.status_code == 200, r.text
        assert r.json()["webhook_url"].endswith(f"/api/v1/integrations/shopify/{sid}/webhooks")
        await upload(c, seller, sid, "products.json")  # Shopify ids come with the JSON
        mug = (await products(c, seller, sid))["plain-mug"]
        mug_variant = mug["variants"][0]

        # products/update, signed: the new price lands.
        doc = json.loads((Path(__file__).parent / "files" / "products.json").read_text())
        mug_doc = doc["products"][1]
        mug_doc["variants"][0]["price"] = "7.25"
        mug_doc["title"] = "Plain Mug, large"
        r = await _deliver(c, sid, "products/update", mug_doc)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "applied"
        mug = (await products(c, seller, sid))["plain-mug"]
        assert mug["title"] == "Plain Mug, large"
        assert prices(mug["variants"][0])["UK"] == ("GBP", 725, None)

        # A forged signature (another secret), and a body changed after signing: refused.
        mug_doc["variants"][0]["price"] = "0.01"
        r = await _deliver(c, sid, "products/update", mug_doc, secret="not-the-secret")
        assert r.status_code == 401
        assert r.json()["code"] == "bad_signature"
        body = json.dumps(mug_doc).encode()
        r = await c.post(
            f"/api/v1/integrations/shopify/{sid}/webhooks",
            content=body.replace(b"0.01", b"0.02"),
            headers={
                "X-Shopify-Topic": "products/update",
                "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                "X-Shopify-Hmac-Sha256": _sign(body),
            },
        )
        assert r.status_code == 401
        mug = (await products(c, seller, sid))["plain-mug"]
        assert prices(mug["variants"][0])["UK"] == ("GBP", 725, None)

        # inventory_levels/update sets stock; the same delivery again changes nothing.
        level = {"inventory_item_id": 3011, "location_id": 1, "available": 9}
        r = await _deliver(c, sid, "inventory_levels/update", level, webhook_id="wh-stock-1")
        assert r.status_code == 200, r.text
        assert r.json()["detail"]["stock"] == 9
        r = await c.patch(
            f"/api/v1/variants/{mug_variant['id']}", headers=seller.headers, json={"stock": 3}
        )
        assert r.status_code == 200, r.text
        r = await _deliver(c, sid, "inventory_levels/update", level, webhook_id="wh-stock-1")
        assert r.status_code == 200
        assert r.json()["status"] == "duplicate"
        assert (await products(c, seller, sid))["plain-mug"]["variants"][0]["stock"] == 3

        # The same delivery arriving four times at once is applied once.
        level = {"inventory_item_id": 3011, "location_id": 1, "available": 6}
        answers = await asyncio.gather(
            *(
                _deliver(c, sid, "inventory_levels/update", level, webhook_id="wh-stock-2")
                for _ in range(4)
            )
        )
        assert [r.status_code for r in answers] == [200] * 4
        assert sorted(r.json()["status"] for r in answers) == ["applied"] + ["duplicate"] * 3
        assert (await products(c, seller, sid))["plain-mug"]["variants"][0]["stock"] == 6

        # A buyer holds 2 units; Shopify says 0 are left: stock stays at what is held.
        buyer = await api.user("buyer")
        await api.order(buyer, mug_variant["id"], quantity=2)
        level = {"inventory_item_id": 3011, "location_id": 1, "available": 0}
        r = await _deliver(c, sid, "inventory_levels/update", level)
        assert r.status_code == 200
        assert r.json()["detail"] == {
            "variant_id": mug_variant["id"],
            "stock": 2,
            "requested": 0,
        }
        cup = (await products(c, seller, sid))["plain-mug"]["variants"][0]
        assert (cup["stock"], cup["available"]) == (2, 0)

        # products/delete archives (orders keep their variants); unknown ids are ignored.
        r = await _deliver(c, sid, "products/delete", {"id": 1002})
        assert r.status_code == 200
        assert r.json()["status"] == "archived"
        assert (await products(c, seller, sid))["plain-mug"]["status"] == "archived"
        r = await _deliver(c, sid, "products/delete", {"id": 999999})
        assert r.json()["status"] == "ignored"

        # Only the shop's sellers connect its store.
        stranger = await api.user("seller")
        r = await c.put(
            f"/api/v1/shops/{sid}/shopify",
            headers=stranger.headers,
            json={"store_domain": "evil.myshopify.com", "webhook_secret": "x" * 32},
        )
        assert r.status_code == 403
