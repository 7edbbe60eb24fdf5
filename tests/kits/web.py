"""Shared pieces of the browser tests: a real `liveshop serve`, Debian chromium, sign-ups."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import async_playwright

from liveshop.settings import Settings
from tests.kits import server
from tests.kits.factories import Actor, Api
from tests.kits.server import Server
from tests.kits.shows import live_show
from tests.kits.system import require

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"
ADDRESS = {"name": "Amy Buyer", "line1": "1 Briggate", "city": "Leeds", "postcode": "LS1 6HD"}


def serve(
    settings: Settings, tmp_path: Path, *, media: bool, env: dict[str, str] | None = None
) -> contextlib.AbstractAsyncContextManager[Server]:
    """The server kit's `liveshop serve` as the browser tests use it: they sign shops up through
    the API, with no operator to verify them, so their markets let unverified shops sell
    (tests/catalog/test_shop_verification.py covers the rule). `env` adds settings, e.g. a second
    server's `LIVESHOP_MEDIA_PUBLIC_URL`."""
    return server.serve(settings, tmp_path, media=media, env=env, unverified_shops_sell=True)


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    require(CHROMIUM, "the web tests drive Debian's chromium with Playwright")

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


async def wait_js(page: Any, expression: str, within_ms: float = 30_000) -> None:
    """Wait until a JS expression is truthy. Playwright's wait_for_function builds its predicate
    with eval, which the pages' Content-Security-Policy (no 'unsafe-eval') refuses; evaluate()
    goes through the DevTools protocol, which CSP does not govern."""
    try:
        async with asyncio.timeout(within_ms / 1000):
            while not await page.evaluate(expression):  # noqa: ASYNC110 - page state, no event
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {expression}") from None


@dataclass
class Seller:
    token: str
    email: str
    shop: dict[str, Any]
    products: list[dict[str, Any]]
    show: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def seller_with_show(url: str, n_products: int = 1, pin: int = 0) -> Seller:
    """A seller-creator with a UK shop (left unverified: the server lets such shops sell),
    products and a scheduled show selling them, from the show factory."""
    names = ["Cloud hoodie", "Lounge joggers", "Fleece socks", "Knit beanie", "Robe"]
    products = []
    for i in range(n_products):
        title = names[i % len(names)] + ("" if i < len(names) else f" {i}")
        products.append(
            {
                "title": title,
                "status": "active",
                "images": [f"/img/placeholder.svg?t={title.replace(' ', '+')}&c=%23335577"],
                "variants": [
                    {
                        "sku": f"SKU-{uuid.uuid4().hex[:10]}",
                        "stock": 10,
                        "prices": [{"market": "UK", "currency": "GBP", "amount": 1999 + i}],
                    }
                ],
            }
        )
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        email, body = await api_signup(api, "Leeds Loungewear", ["seller", "creator"])
        token = body["token"]
        seller = Actor(body["user"]["id"], email, token, "UK", {"Authorization": f"Bearer {token}"})
        made = await live_show(
            Api(api),
            seller=seller,
            shop_name="Leeds Loungewear",
            verification="pending",
            products=products,
            markets=["UK"],
            title="Cosy night in",
            pins=pin,
            live=None,
        )
    return Seller(token, email, made.shop, made.products, made.show)


async def logged_in(b: Any, url: str, email: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A browser context holding a session cookie for `email`."""
    ctx = await b.new_context(base_url=url, viewport=viewport)
    r = await ctx.request.post(
        f"{url}/api/v1/auth/login", data={"email": email, "password": PASSWORD}
    )
    assert r.ok, await r.text()
    return ctx


async def new_buyer(b: Any, url: str, market: str = "UK", **kw: Any) -> tuple[Any, str]:
    email = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    ctx = await b.new_context(base_url=url, viewport=kw.get("viewport", DESKTOP))
    r = await ctx.request.post(
        f"{url}/api/v1/auth/signup",
        data={
            "email": email,
            "password": PASSWORD,
            "display_name": email.split("@")[0],
            "market": market,
            "roles": ["buyer"],
        },
    )
    assert r.status == 202, await r.text()
    r = await ctx.request.post(
        f"{url}/api/v1/auth/login", data={"email": email, "password": PASSWORD}
    )
    assert r.ok, await r.text()
    return ctx, email


async def pay_in_dialog(page: Any) -> None:
    dialog = page.locator("#buy-dialog")
    await dialog.wait_for(state="visible")
    # Chromium asks for en-US pages by default, where the postcode is a "ZIP code".
    labels = {
        "name": "Full name",
        "line1": "Address",
        "postcode": re.compile(r"^\s*(Postcode|ZIP code)\s*$"),
    }
    for name, value in ADDRESS.items():
        await dialog.get_by_label(labels.get(name, name.title()), exact=True).fill(value)
    await dialog.get_by_label("Card number").fill("4242 4242 4242 4242")
    await dialog.get_by_role("button", name="Pay").click()


async def api_signup(
    api: httpx.AsyncClient, name: str, roles: list[str], email: str | None = None
) -> tuple[str, dict[str, Any]]:
    """Sign up through the API (no browser): the email used and the response body."""
    email = email or f"{name.split()[0].lower()}-{uuid.uuid4().hex[:6]}@example.com"
    r = await api.post(
        "/api/v1/auth/signup",
        json={
            "email": email,
            "password": PASSWORD,
            "display_name": name,
            "market": "UK",
            "roles": roles,
        },
    )
    assert r.status_code == 202, r.text
    r = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    api.cookies.clear()
    body: dict[str, Any] = r.json()
    return email, body
