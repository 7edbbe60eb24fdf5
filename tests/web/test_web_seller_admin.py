"""The seller center and admin sub-pages in a real browser against a real `liveshop serve`.

Seller: edits the shop profile, creates a product with two variants priced in UK and DE, edits a
variant's stock, adds a variant (after an API refusal shown next to the form), previews a CSV,
approves a return and issues a partial refund, allows and removes a creator.
Admin: verifies a shop, adds and removes a platform keyword (a chat message with it is refused,
then allowed), changes a user's roles and bans them (their login and token are refused).
Plus phone and desktop screenshots of every page.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from websockets.asyncio.client import connect

from liveshop.accounts.models import User
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.web import (
    ADDRESS,
    DESKTOP,
    PASSWORD,
    PHONE,
    SHOTS,
    api_signup,
    browser,
    logged_in,
    new_buyer,
    seller_with_show,
    serve,
)

pytestmark = pytest.mark.slow
API = "/api/v1"


async def _signup(api: httpx.AsyncClient, name: str, roles: list[str]) -> dict[str, Any]:
    email = f"{name.lower().replace(' ', '-')}-{uuid.uuid4().hex[:6]}@example.com"
    email, body = await api_signup(api, name, roles, email)
    return {"email": email, "id": body["user"]["id"], "headers": _bearer(body["token"])}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _delivered_order_with_return(
    api: httpx.AsyncClient, seller_headers: dict[str, str], variant_id: int
) -> tuple[int, int]:
    """A buyer pays for two units, the seller ships and delivers, the buyer returns one."""
    buyer = await _signup(api, "Rita Returner", ["buyer"])
    r = await api.post(
        f"{API}/orders/buy-now",
        headers=buyer["headers"],
        json={
            "market": "UK",
            "variant_id": variant_id,
            "quantity": 2,
            "address": {**ADDRESS, "country": "UK"},
        },
    )
    assert r.status_code == 201, r.text
    order = r.json()[0]
    oid = order["id"]
    r = await api.post(
        f"{API}/orders/{oid}/payments",
        headers={**buyer["headers"], "Idempotency-Key": uuid.uuid4().hex},
        json={"card_number": "4242424242424242"},
    )
    assert r.status_code == 201, r.text
    ship = {"carrier": "Royal Mail", "tracking_number": "RM1"}
    r = await api.post(f"{API}/orders/{oid}/ship", headers=seller_headers, json=ship)
    assert r.is_success, r.text
    assert (await api.post(f"{API}/orders/{oid}/deliver", headers=seller_headers)).is_success
    r = await api.post(
        f"{API}/orders/{oid}/returns",
        headers=buyer["headers"],
        json={
            "reason": "too small",
            "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}],
        },
    )
    assert r.status_code == 201, r.text
    return oid, r.json()["id"]


async def _shoot(page: Any, name: str) -> None:
    """Phone and desktop screenshots of the page as it is now (mid-journey states)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def _screenshots(ctx: Any, pages: list[tuple[str, str, str]]) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = await ctx.new_page()
    for name, path, ready in pages:
        for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            await shot.set_viewport_size(size)
            await shot.goto(path)
            await shot.locator(ready).first.wait_for(timeout=5_000)
            await shot.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)
    await shot.close()
    for name, _, _ in pages:
        assert (SHOTS / f"{name}-phone.png").exists() and (SHOTS / f"{name}-desktop.png").exists()


async def test_seller_center_pages(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url)
        shop_id = seller.shop["id"]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            oid, rid = await _delivered_order_with_return(
                api, seller.headers, seller.products[0]["variants"][0]["id"]
            )
            creator = await _signup(api, "Casey Creator", ["creator"])
        ctx = await logged_in(b, server.url, seller.email)
        page = await ctx.new_page()

        # The shop profile: edit, reload, still there.
        await page.goto("/seller/shop")
        profile = page.locator("#profile-form")
        await page.locator("#verification", has_text="pending").wait_for()
        await profile.get_by_label("Shop name").fill("Leeds Loungewear & Co")
        await profile.get_by_label("Description").fill("Soft things <b>for</b> cold nights.")
        await profile.get_by_role("button", name="Save profile").click()
        await page.locator("#profile-msg", has_text="Saved").wait_for()
        await page.reload()
        await page.locator("#verification", has_text="pending").wait_for()
        assert await profile.get_by_label("Shop name").input_value() == "Leeds Loungewear & Co"
        assert "<b>for</b>" in await profile.get_by_label("Description").input_value()
        assert "United Kingdom (GBP)" in await page.locator("#shop-market").inner_text()

        # A new product with two variants priced in the UK and in Germany.
        await page.goto("/seller/products/new")
        await page.get_by_label("Title").fill("Merino scarf")
        await page.get_by_label("Status").select_option("active")
        await page.get_by_label("Image URLs").fill("/img/placeholder.svg?t=Scarf")
        await page.get_by_label("Limit per buyer").fill("2")
        await page.get_by_label("Option 1").fill("Colour")
        await page.get_by_label("DE · Deutschland (EUR)").check()
        rows = [
            ("SCARF-GRY", "Grey", "5", "24.50", "27,90"),
            ("SCARF-RED", "Red", "3", "24.50", "29"),
        ]
        for i, (sku, colour, stock, uk, de) in enumerate(rows, start=1):
            if i > 1:
                await page.get_by_role("button", name="Add another variant").click()
            v = f"variant {i}"
            await page.get_by_label(f"SKU, {v}", exact=True).fill(sku)
            await page.get_by_label(f"Colour, {v}", exact=True).fill(colour)
            await page.get_by_label(f"Stock, {v}", exact=True).fill(stock)
            await page.get_by_label(f"UK price (GBP), {v}", exact=True).fill(uk)
            await page.get_by_label(f"DE price (EUR), {v}", exact=True).fill(de)
        await _shoot(page, "seller-product-new")
        await page.get_by_role("button", name="Create product").click()
        await page.wait_for_url(re.compile(r"/seller/products/\d+\?created=1$"))
        product_id = int(page.url.split("/")[-1].split("?")[0])
        await page.locator("#product-msg", has_text="Product created").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            made = (await api.get(f"{API}/products/{product_id}", headers=seller.headers)).json()
        assert (made["title"], made["status"], made["options"]) == (
            "Merino scarf",
            "active",
            ["Colour"],
        )
        assert made["shop_id"] == shop_id and made["images"] == ["/img/placeholder.svg?t=Scarf"]
        assert made["max_per_buyer"] == 2
        prices = {
            v["sku"]: (
                v["option_values"],
                v["stock"],
                {(p["market"], p["currency"], p["amount"]) for p in v["prices"]},
            )
            for v in made["variants"]
        }
        assert prices == {
            "SCARF-GRY": (["Grey"], 5, {("UK", "GBP", 2450), ("DE", "EUR", 2790)}),
            "SCARF-RED": (["Red"], 3, {("UK", "GBP", 2450), ("DE", "EUR", 2900)}),
        }
        red = next(v["id"] for v in made["variants"] if v["sku"] == "SCARF-RED")

        # Edit one variant's stock in the table.
        await page.get_by_label("Stock, SCARF-RED", exact=True).fill("7")
        await page.get_by_role("button", name="Save SCARF-RED").click()
        await page.locator(f'tr[data-variant="{red}"] .row-status', has_text="Saved").wait_for()
        # Add a variant: the API's refusal (a SKU already used) shows next to the form.
        add = page.locator("#variant-form")
        await add.get_by_label("SKU, new variant", exact=True).fill("SCARF-GRY")
        await add.get_by_label("Colour, new variant", exact=True).fill("Blue")
        await add.get_by_label("Stock, new variant", exact=True).fill("2")
        await add.get_by_label("UK price (GBP), new variant", exact=True).fill("26")
        await add.get_by_role("button", name="Add variant").click()
        await page.locator("#variant-error", has_text="already used").wait_for()
        await add.get_by_label("SKU, new variant", exact=True).fill("SCARF-BLU")
        await add.get_by_role("button", name="Add variant").click()
        await page.locator("#variants-table th", has_text="SCARF-BLU").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            now = (await api.get(f"{API}/products/{product_id}", headers=seller.headers)).json()
        stock = {v["sku"]: v["stock"] for v in now["variants"]}
        assert stock == {"SCARF-GRY": 5, "SCARF-RED": 7, "SCARF-BLU": 2}
        blue = next(v for v in now["variants"] if v["sku"] == "SCARF-BLU")
        assert [(p["market"], p["amount"]) for p in blue["prices"]] == [("UK", 2600)]
        # The per-buyer limit shows in the editor; emptying it lifts it.
        assert await page.get_by_label("Limit per buyer").input_value() == "2"
        await page.get_by_label("Limit per buyer").fill("")
        await page.get_by_role("button", name="Save details").click()
        await page.locator("#product-msg", has_text="Saved").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            now = (await api.get(f"{API}/products/{product_id}", headers=seller.headers)).json()
        assert now["max_per_buyer"] is None

        # The list shows it; the status filter narrows it.
        await page.goto("/seller/products")
        await page.locator("#products tr", has_text="Merino scarf").wait_for()
        assert "£24.50" in await page.locator("#products tr", has_text="Merino scarf").inner_text()
        await page.get_by_label("Status").select_option("draft")
        await page.locator("#products", has_text="No draft products").wait_for()

        # The import page previews the file and names its format before importing anything
        # (tests/integrations/shopify/test_import_page.py imports).
        csv = tmp_path / "products.csv"
        csv.write_text(
            'Handle,Title,Variant SKU,Variant Price\nwool-hat,"Wool hat, grey",HAT-1,12.00\n'
        )
        await page.goto("/seller/import")
        assert await page.get_by_role("button", name=re.compile("Import products")).is_disabled()
        await page.get_by_label("CSV file").set_input_files(str(csv))
        await page.locator("#import-dialect", has_text="legacy export").wait_for()
        assert "products.csv" in await page.locator("#file-info").inner_text()
        assert "Wool hat, grey" in await page.locator("#csv-preview").inner_text()
        await _shoot(page, "seller-import")

        # Approve the buyer's return, then refund a further £5.00 on the same order.
        await page.goto("/seller/returns")
        ret = page.locator(f'li.return[data-return="{rid}"]')
        await ret.get_by_text("too small").wait_for()
        await _shoot(page, "seller-returns")
        await ret.get_by_role("button", name="Approve and refund £19.99").click()
        await page.locator("#returns", has_text="No open return requests").wait_for()
        refund = page.locator(f'li.refund[data-order="{oid}"]')
        await refund.get_by_text("refunded £19.99").wait_for()
        await refund.get_by_label("Refund amount (GBP)").fill("5.00")
        await refund.get_by_role("button", name="Refund").click()
        await refund.get_by_text("refunded £24.99").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            returns = (await api.get(f"{API}/orders/{oid}/returns", headers=seller.headers)).json()
            order = (await api.get(f"{API}/orders/{oid}", headers=seller.headers)).json()
        assert [(r["id"], r["status"]) for r in returns] == [(rid, "approved")]
        assert order["refunded_total"]["amount"] == 1999 + 500
        assert order["status"] == "partially_refunded"

        # Invite a creator by id to a targeted collaboration, then revoke it.
        await page.goto("/seller/creators")
        await page.locator("#collabs-empty", has_text="No collaborations yet").wait_for()
        await page.get_by_label("One creator (targeted)").check()
        await page.get_by_label("Creator ID").fill(str(creator["id"]))
        await page.get_by_label("Commission (%)").fill("12.5")
        await page.get_by_role("button", name="Offer").click()
        await page.locator("tr.collab", has_text="Casey Creator").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            listed = (
                await api.get(f"{API}/shops/{shop_id}/collaborations", headers=seller.headers)
            ).json()
            assert [(c["creator_id"], c["rate_bp"], c["status"]) for c in listed] == [
                (creator["id"], 1250, "invited")
            ]
            await page.get_by_role("button", name="Revoke").first.click()
            await page.locator("tr.collab", has_text="revoked").wait_for()
            listed = (
                await api.get(f"{API}/shops/{shop_id}/collaborations", headers=seller.headers)
            ).json()
            assert [c["status"] for c in listed] == ["revoked"]

        # With a second shop the pages get a picker, and the choice is remembered across pages.
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            r = await api.post(
                f"{API}/shops",
                headers=seller.headers,
                json={"name": "Harrogate Knits", "market": "UK"},
            )
            assert r.status_code == 201, r.text
        await page.goto("/seller/products")
        await page.locator("#products tr", has_text="Merino scarf").wait_for()
        await page.get_by_label("Shop", exact=True).select_option(label="Harrogate Knits")
        await page.locator("#products", has_text="No products yet").wait_for()
        await page.goto("/seller/shop")
        await page.locator("#verification", has_text="pending").wait_for()
        name = page.locator("#profile-form").get_by_label("Shop name")
        assert await name.input_value() == "Harrogate Knits"
        await page.goto(f"/seller/shop?shop={shop_id}")
        await page.locator("#verification", has_text="pending").wait_for()
        assert await name.input_value() == "Leeds Loungewear & Co"

        await _screenshots(
            ctx,
            [
                ("seller-shop", "/seller/shop", "#profile:not([hidden])"),
                ("seller-products", "/seller/products", "#products tr"),
                (
                    "seller-product-edit",
                    f"/seller/products/{product_id}",
                    "#variants-table tbody tr",
                ),
                ("seller-creators", "/seller/creators", "#collabs-empty, tr.collab"),
            ],
        )


async def _chat_outcome(ws_url: str, text: str) -> str:
    """Send one chat message; return "chat" when it is posted or the error code when refused."""
    async with connect(ws_url) as ws:
        await ws.send(json.dumps({"type": "chat", "text": text}))
        deadline = time.monotonic() + 5
        while True:
            raw = await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
            for event in json.loads(raw)["events"]:
                if event["type"] == "error":
                    return str(event["code"])
                if event["type"] == "chat" and event.get("text") == text:
                    return "chat"


async def test_admin_pages(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url)
        shop_id = seller.shop["id"]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            user = await _signup(api, "Vic Viewer", ["buyer"])
        admin_ctx, admin_email = await new_buyer(b, server.url)
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        page = await admin_ctx.new_page()

        # Someone who is not an admin gets a 403 page.
        other = await (await logged_in(b, server.url, user["email"])).new_page()
        response = await other.goto("/admin/users")
        assert response is not None and response.status == 403
        await other.get_by_text("admins) only").wait_for()
        assert await other.locator("#users").count() == 0
        await _shoot(other, "admin-forbidden")

        # Verify a shop.
        await page.goto("/admin/shops")
        row = page.locator(f'tr[data-shop="{shop_id}"]')
        await row.get_by_text("pending").wait_for()
        await page.get_by_role("button", name="Verify Leeds Loungewear").click()
        await row.locator(".badge", has_text="verified").wait_for()
        await page.get_by_role("button", name="Unverify Leeds Loungewear").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            assert (await api.get(f"{API}/shops/{shop_id}")).json()["verification"] == "verified"

        # A platform keyword blocks chat in every room until it is removed.
        ws_url = f"{server.url.replace('http', 'ws')}/ws/shows/{seller.show['id']}"
        ws_url += f"?token={user['headers']['Authorization'].split()[1]}"
        await page.goto("/admin/keywords")
        await page.locator("#keywords", has_text="No platform keywords yet").wait_for()
        await page.get_by_label("Keyword", exact=True).fill("Crypto")
        await page.get_by_role("button", name="Add keyword").click()
        await page.locator("li.keyword", has_text="crypto").wait_for()
        assert await _chat_outcome(ws_url, "free crypto here") == "blocked_word"
        await page.get_by_role("button", name="Remove crypto").click()
        await page.locator("#keywords", has_text="No platform keywords yet").wait_for()
        listed = await (await admin_ctx.request.get(f"{API}/admin/keywords")).json()
        assert listed == []
        assert await _chat_outcome(ws_url, "crypto is fine now") == "chat"

        # Roles and a ban.
        await page.goto("/admin/users")
        await page.get_by_label("Search users").fill(user["email"].upper())  # the server looks
        await page.locator("#users-count", has_text="1 user matches").wait_for()
        card = page.locator(f'li.user[data-user="{user["id"]}"]')
        await card.wait_for()
        assert await page.locator("li.user").count() == 1
        await card.get_by_label("creator").check()
        await card.get_by_label("moderator").check()
        await card.get_by_role("button", name="Save roles of Vic Viewer").click()
        await card.get_by_text("Roles saved").wait_for()
        await card.get_by_role("button", name="Ban Vic Viewer").click()
        await card.locator(".badge", has_text="banned").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            public = (await api.get(f"{API}/users/{user['id']}")).json()
            # The public profile shows no staff roles; the admin view has them all.
            assert public["roles"] == ["buyer", "creator"]
            login = await api.post(
                f"{API}/auth/login", json={"email": user["email"], "password": PASSWORD}
            )
            assert login.status_code == 403 and login.json()["code"] == "account_banned"
            me = await api.get(f"{API}/me", headers=user["headers"])
            assert me.status_code in (401, 403), me.text
        await page.reload()
        assert "?q=" in page.url  # the search survives a reload
        await page.get_by_label("Search users").fill("Vic")
        await card.get_by_role("button", name="Unban Vic Viewer").wait_for()

        await _screenshots(
            admin_ctx,
            [
                ("admin-shops", "/admin/shops", "#shops tr"),
                ("admin-keywords", "/admin/keywords", "#keywords li"),
                ("admin-users", "/admin/users", "li.user"),
            ],
        )
