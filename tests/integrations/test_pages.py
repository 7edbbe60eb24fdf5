"""The integrations pages in a real browser against a real `liveshop serve`, and the API
reference page (built from the OpenAPI document, nothing loaded from another origin)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest

from liveshop.settings import Settings
from tests.integrations.receiver import running_receiver
from tests.kits.web import PHONE, api_signup, browser, logged_in, serve, wait_js

ENV = {
    "LIVESHOP_WEBHOOK_POLL_SECONDS": "0.1",
    "LIVESHOP_WEBHOOK_BACKOFF_BASE_SECONDS": "0.2",
    "LIVESHOP_WEBHOOK_MAX_ATTEMPTS": "2",
}


async def test_pages_need_a_login_and_the_reference_is_self_contained(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/seller/webhooks", "/seller/tokens", "/studio/webhooks", "/studio/tokens"):
        r = await client.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    r = await client.get("/developers/api")
    assert r.status_code == 200
    html = r.text
    assert "/api/v1/orders/{order_id}/ship" in html and "orders:write" in html
    assert "webhook-signature" in html and "Retry-After" in html
    # Every script, style and image is this site's own: the page works offline.
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert ref.startswith(("/", "#")), ref


@pytest.mark.slow
async def test_a_seller_manages_webhooks_and_tokens_in_the_browser(
    settings: Settings, tmp_path: Path
) -> None:
    async with (
        running_receiver() as receiver,
        serve(settings, tmp_path, media=False, env=ENV) as server,
        browser() as b,
        httpx.AsyncClient(base_url=server.url, timeout=10) as api,
    ):
        receiver.plan = lambda _id, n: 500 if n <= 2 else 200
        email, body = await api_signup(api, "Wendy Hooks", ["seller"])
        bearer = {"Authorization": f"Bearer {body['token']}"}
        r = await api.post(
            "/api/v1/shops",
            headers=bearer,
            json={"name": f"Hooks {uuid.uuid4().hex[:4]}", "market": "UK"},
        )
        assert r.status_code == 201, r.text
        ctx = await logged_in(b, server.url, email, viewport=PHONE)
        page = await ctx.new_page()
        outside: list[str] = []
        page.on(
            "request",
            lambda req: None if req.url.startswith(server.url) else outside.append(req.url),
        )

        await page.goto("/seller/webhooks")
        await page.get_by_label("URL").fill(receiver.url)
        await page.get_by_label("show.live").check()
        await page.get_by_role("button", name="Add endpoint").click()
        await wait_js(page, "document.querySelector('#secret')?.textContent.startsWith('whsec_')")
        first_secret = await page.locator("#secret").text_content()
        await page.locator("#endpoints li.endpoint").first.wait_for()
        assert "show.live" in (await page.locator("#endpoints").text_content() or "")

        await page.get_by_role("button", name=re.compile("^Send a test event")).click()
        await receiver.wait_for(2)
        # Two failures: dead-lettered (2 attempts at most here). The log says so.
        log_button = page.get_by_role("button", name=re.compile("^Delivery log of"))
        for _ in range(50):
            await log_button.click()
            text = await page.locator("#log tbody").text_content() or ""
            if "dead" in text:
                break
            await page.wait_for_timeout(200)
        assert "webhook.test" in text and "dead" in text and "500" in text
        await page.get_by_role("button", name=re.compile("^Redeliver")).click()
        await receiver.wait_for(3)
        for _ in range(50):
            await log_button.click()
            if "delivered" in (await page.locator("#log tbody").text_content() or ""):
                break
            await page.wait_for_timeout(200)
        await page.get_by_role("button", name=re.compile("^Attempts of delivery")).click()
        await wait_js(page, "document.querySelectorAll('#attempts tbody tr').length >= 3")
        attempts = await page.locator("#attempts").text_content() or ""
        assert "200" in attempts and "500" in attempts and "answer 200" in attempts
        assert len(set(receiver.count())) == 1 and receiver.ok()

        await page.get_by_role("button", name=re.compile("^Rotate the signing secret")).click()
        await wait_js(page, f"document.querySelector('#secret').textContent !== '{first_secret}'")

        await page.goto("/seller/tokens")
        await page.get_by_label("Name").fill("Warehouse")
        await page.get_by_label("orders:read").check()
        await page.get_by_role("button", name="Make token").click()
        await wait_js(page, "document.querySelector('#new-token')?.textContent.startsWith('lsk_')")
        token = await page.locator("#new-token").text_content()
        shop_id = r.json()["id"]
        orders = f"/api/v1/shops/{shop_id}/orders"
        assert (
            await api.get(orders, headers={"Authorization": f"Bearer {token}"})
        ).status_code == 200
        await page.get_by_role("button", name="Revoke Warehouse").click()
        await wait_js(
            page, "document.querySelector('#tokens').textContent.includes('No tokens yet')"
        )
        assert (
            await api.get(orders, headers={"Authorization": f"Bearer {token}"})
        ).status_code == 401

        await page.goto("/developers/api")
        await page.locator("#webhooks").wait_for()
        assert await page.locator("article.op").count() > 50
        assert outside == [], outside
        await ctx.close()
