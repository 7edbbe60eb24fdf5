"""The creator studio and the live room's auction and giveaway panels, in a real browser.

One server: the creator schedules a show through the form (in Berlin time), goes live, runs an
auction that two buyers bid on (anti-sniping extends it), runs a giveaway that both enter and
one wins and claims, and the studio's metrics count the auction winner's paid order. Plus
screenshots of the studio home, the studio with metrics, and the room's panels.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from liveshop.live.media.nginx import HOOK_HEADER, hook_secret
from liveshop.settings import Settings
from tests.kits.affiliates import collaborate
from tests.kits.factories import Actor
from tests.kits.web import (
    DESKTOP,
    PASSWORD,
    PHONE,
    SHOTS,
    browser,
    new_buyer,
    pay_in_dialog,
    seller_with_show,
    serve,
)

pytestmark = pytest.mark.slow
API = "/api/v1"


async def _shots(page: Any, name: str, ready: str) -> None:
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.locator(ready).first.wait_for()
        await page.evaluate("document.querySelector('#toast').hidden = true")  # transient
        await page.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)


async def _handle(ctx: Any, url: str) -> str:
    r = await ctx.request.get(f"{url}{API}/me")
    handle: str = (await r.json())["handle"]
    return handle


async def test_studio_schedule_auction_giveaway_and_metrics(
    settings: Settings, tmp_path: Path
) -> None:
    started = time.monotonic()
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with (
        serve(settings, tmp_path, media=False) as server,
        browser() as b,
        httpx.AsyncClient(base_url=server.url, timeout=10) as api,
    ):
        seller = await seller_with_show(server.url, n_products=2)
        hoodie, joggers = (p["id"] for p in seller.products)
        creator_ctx = await b.new_context(
            base_url=server.url, viewport=DESKTOP, timezone_id="Europe/Berlin"
        )
        r = await creator_ctx.request.post(
            f"{server.url}{API}/auth/login", data={"email": seller.email, "password": PASSWORD}
        )
        assert r.ok, await r.text()

        # Another seller's two shops: one allows our seller-creator, the other does not.
        signup = await api.post(
            f"{API}/auth/signup",
            json={"email": "fabrics@example.com", "password": PASSWORD, "display_name": "Fab"},
        )
        assert signup.status_code == 202, signup.text
        other = await api.post(
            f"{API}/auth/login", json={"email": "fabrics@example.com", "password": PASSWORD}
        )
        api.cookies.clear()
        fab = {"Authorization": f"Bearer {other.json()['token']}"}
        for name in ("Friendly Fabrics", "Aloof Atelier"):
            r = await api.post(f"{API}/shops", headers=fab, json={"name": name, "market": "UK"})
            assert r.status_code == 201, r.text
            if name == "Friendly Fabrics":  # a collaboration, accepted and showcased
                shop_id = r.json()["id"]
                r = await api.post(
                    f"{API}/shops/{shop_id}/products",
                    headers=fab,
                    json={"title": "Fabric", "status": "active", "variants": [
                        {"sku": "FAB-1", "stock": 3,
                         "prices": [{"market": "UK", "currency": "GBP", "amount": 900}]}]},
                )  # fmt: skip
                assert r.status_code == 201, r.text
                creator = Actor(seller.show["host_id"], "", "", "UK", seller.headers)
                await collaborate(api, Actor(0, "", "", "UK", fab), creator, [r.json()["id"]])

        # --- the studio home: my shows, and scheduling one through the form --------------
        studio = await creator_ctx.new_page()
        await studio.goto("/studio")
        await studio.locator("#shows-upcoming li", has_text="Cosy night in").wait_for()
        # The shop picker offers only shops whose products I may sell (not Aloof Atelier).
        picker = studio.locator("#s-shop")
        allowing = picker.locator('optgroup[label="Shops that allow you"] option')
        await allowing.wait_for(state="attached")
        assert await picker.locator("optgroup").evaluate_all(
            "gs => gs.map(g => [g.label, [...g.children].map(o => o.textContent)])"
        ) == [["Your shops", ["Leeds Loungewear"]], ["Shops that allow you", ["Friendly Fabrics"]]]
        await picker.select_option(label="Leeds Loungewear")
        await studio.get_by_role("button", name="Schedule show").click()
        await studio.locator("#err-title", has_text="title").wait_for()  # inline, not a toast
        await studio.get_by_label("Title", exact=True).fill("Friday night auction")
        await studio.get_by_label("Cover image URL").fill("javascript:alert(1)")
        await studio.get_by_label("Starts at").fill("2030-06-01T19:30")
        assert await studio.get_by_label("United Kingdom (GBP)").is_checked()
        await studio.get_by_label("Cloud hoodie").check()
        await studio.get_by_label("Lounge joggers").check()
        await studio.get_by_role("button", name="Schedule show").click()
        error = studio.locator("#err-cover_url")
        await error.wait_for()
        assert "pattern" in await error.inner_text()  # the API's own words, by the field
        assert await studio.get_by_label("Cover image URL").get_attribute("aria-invalid")
        await studio.get_by_label("Cover image URL").fill("/img/placeholder.svg?t=Friday")
        await studio.get_by_role("button", name="Schedule show").click()
        await studio.wait_for_url(re.compile(r"/studio/shows/\d+$"))
        show_id = int(studio.url.rsplit("/", 1)[1])
        show = (await api.get(f"{API}/shows/{show_id}")).json()
        assert show["title"] == "Friday night auction"
        assert sorted(show["product_ids"]) == sorted([hoodie, joggers])
        assert show["starts_at"].startswith("2030-06-01T17:30:00")  # 19:30 in Berlin (CEST)
        assert (show["markets"], show["shop_id"]) == (["UK"], seller.shop["id"])
        # A scheduled show can still be edited, in the same time zone; or cancelled.
        await studio.locator("#edit-panel").wait_for()
        assert await studio.locator("#e-starts").input_value() == "2030-06-01T19:30"
        await studio.get_by_label("Show title").fill("Friday night auction live")
        await studio.get_by_label("Starts at").fill("2030-06-01T20:00")
        await studio.get_by_role("button", name="Save changes").click()
        await studio.locator("#edit-msg", has_text="Saved").wait_for()
        show = (await api.get(f"{API}/shows/{show_id}")).json()
        assert show["title"] == "Friday night auction live"
        assert show["starts_at"].startswith("2030-06-01T18:00:00")
        other = await creator_ctx.new_page()
        await other.goto(f"/studio/shows/{seller.show['id']}")
        await other.get_by_role("button", name="Cancel show…").click()
        await other.get_by_role("button", name="Yes, cancel this show").click()
        await other.locator(
            "#status", has_text=re.compile("cancell?ed")
        ).wait_for()  # en-US: canceled
        cancelled = (await api.get(f"{API}/shows/{seller.show['id']}")).json()
        assert cancelled["status"] == "cancelled"
        await other.close()

        home = await creator_ctx.new_page()
        await home.goto("/studio")
        await home.locator("#shows-upcoming li", has_text="Friday night auction live").wait_for()
        await home.locator("#shows-past li", has_text="Cosy night in").wait_for()
        await home.locator("#s-shop").select_option(label="Leeds Loungewear")
        await _shots(home, "studio-home", "#product-boxes input")
        await home.close()

        # --- going live: the ingest hook nginx calls when OBS starts publishing ----------
        ingest = (await api.get(f"{API}/shows/{show_id}/ingest", headers=seller.headers)).json()
        r = await api.post(
            f"{API}/media/hooks/publish",
            headers={HOOK_HEADER: hook_secret(settings)},
            data={"name": ingest["stream_key"], "addr": "127.0.0.1"},
        )
        assert r.status_code == 302, r.text
        await studio.locator("#status", has_text="live").wait_for()
        assert await studio.locator("#edit-panel").is_hidden()

        ctx1, _ = await new_buyer(b, server.url, viewport=PHONE)
        ctx2, _ = await new_buyer(b, server.url)
        amy, ben = await _handle(ctx1, server.url), await _handle(ctx2, server.url)
        room1, room2 = await ctx1.new_page(), await ctx2.new_page()
        for room in (room1, room2):
            await room.goto(f"/shows/{show_id}")
            await room.locator("#status", has_text="live").wait_for()

        # --- an auction: two buyers bid, a late bid extends the clock ----------------------
        await studio.locator("#a-variant").select_option(label="Cloud hoodie")
        await studio.get_by_label("Starting price").fill("5.00")
        await studio.get_by_label("Bid step").fill("1.00")
        # 10 s, and a bid in the last 10 s resets the clock to 10 s: every bid here extends it.
        await studio.get_by_label("Auction length").fill("10")
        await studio.get_by_label("Anti-sniping").select_option("10")
        await studio.get_by_role("button", name="Launch auction").click()
        await studio.locator("#auction-msg", has_text="is live").wait_for()
        opened = (await api.get(f"{API}/shows/{show_id}/auctions")).json()[0]

        await room1.locator("#bid-next", has_text="£5.00").wait_for()
        await room1.locator("#bid-button").click()
        await room1.locator("#auction-msg", has_text="You're leading").wait_for()
        await room2.locator("#auction-leader", has_text=f"@{amy}").wait_for()
        await room2.locator("#bid-next", has_text="£6.00").wait_for()
        await room2.locator("#bid-button").click()
        await room2.locator("#auction-msg", has_text="You're leading").wait_for()
        # Amy sees the new bid without reloading, and that she lost the lead.
        await room1.locator("#auction-price", has_text="£6.00").wait_for()
        await room1.locator("#auction-msg", has_text="outbid").wait_for()
        await room1.locator("#auction-extended", has_text="extended").wait_for()
        await studio.locator("#auction-live", has_text="£6.00").wait_for()
        after = (await api.get(f"{API}/auctions/{opened['id']}")).json()
        assert after["ends_at"] > opened["ends_at"], (opened["ends_at"], after["ends_at"])
        assert after["leader"] == ben

        # --- a giveaway: both enter, one wins and claims -----------------------------------
        await studio.locator("#g-variant").select_option(label="Lounge joggers")
        await studio.get_by_role("button", name="Start giveaway").click()
        await studio.locator("#giveaway-live").wait_for()
        for room in (room1, room2):
            await room.locator("#giveaway-prize", has_text="Lounge joggers").wait_for()
            await room.get_by_role("button", name="Enter").click()
            await room.locator("#giveaway-msg", has_text="You're in").wait_for()
        await room1.reload()  # entering again after a reload: still in, no second entry
        await room1.locator("#giveaway-enter").wait_for()
        await room1.get_by_role("button", name="Enter").click()
        await room1.locator("#giveaway-msg", has_text="You're in").wait_for()
        await studio.locator("#gl-count", has_text="2").wait_for()
        await studio.get_by_role("button", name="Draw a winner").click()
        await studio.locator("#gl-winner", has_text="Winner: @").wait_for()
        winner = (await api.get(f"{API}/shows/{show_id}/giveaways")).json()[0]["winner"]
        assert winner in (amy, ben)
        won, lost = (room1, room2) if winner == amy else (room2, room1)
        await won.locator("#giveaway-state", has_text="You won! Give your address").wait_for()
        await lost.locator("#giveaway-state", has_text=f"Winner: @{winner}").wait_for()
        await studio.locator("#gl-winner", has_text=f"@{winner}").wait_for()
        claim = won.locator("#claim-form")
        for label, value in (("Full name", "Win Ner"), ("Address", "1 Briggate")):
            await claim.get_by_label(label, exact=True).fill(value)
        await claim.get_by_label("City").fill("Leeds")
        await claim.get_by_label(re.compile(r"^\s*(Postcode|ZIP code)\s*$")).fill("LS1 6HD")
        await claim.get_by_role("button", name="Claim my prize").click()
        await won.locator("#giveaway-state", has_text="Claimed!").wait_for()

        # --- the auction ends: Ben won and pays; the studio's metrics count it -------------
        await room2.locator("#auction-leader", has_text="You won at £6.00").wait_for(timeout=15_000)
        await room1.locator("#auction-leader", has_text=f"Sold to @{ben} for £6.00").wait_for()
        await room2.get_by_role("button", name="Give your address and pay").click()
        await pay_in_dialog(room2)
        await room2.locator("#bought", has_text="paid").wait_for(timeout=10_000)
        await studio.locator("#m-gmv", has_text="£6.00").wait_for(timeout=10_000)
        await studio.locator("#m-orders", has_text=re.compile(r"^1$")).wait_for(timeout=10_000)
        metrics = (await api.get(f"{API}/shows/{show_id}/metrics", headers=seller.headers)).json()
        assert (metrics["orders"], metrics["paid_orders"]) == (1, 1)  # the prize is no sale
        assert metrics["viewers"]["peak"] >= 2  # two buyers (the studio is not audience)
        assert int(await studio.locator("#m-peak").inner_text()) >= 2
        assert await studio.locator("#m-spark polyline").count() == 1

        # --- screenshots with an auction and a giveaway running ----------------------------
        r = await api.post(
            f"{API}/shows/{show_id}/auctions",
            headers=seller.headers,
            json={
                "variant_id": seller.products[0]["variants"][0]["id"],
                "market": "UK",
                "start_price": 1500,
                "increments": [[0, 100]],
                "duration_seconds": 120,
                "anti_snipe_seconds": 10,
            },
        )
        assert r.status_code == 201, r.text
        r = await api.post(
            f"{API}/shows/{show_id}/giveaways",
            headers=seller.headers,
            json={"variant_id": seller.products[1]["variants"][0]["id"], "eligibility": "market",
                  "market": "UK"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        await room1.locator("#auction-price", has_text="£15.00").wait_for()
        await room1.locator("#giveaway-elig", has_text="buyers in UK").wait_for()
        await _shots(room1, "room-promos", "#giveaway-enter")
        await _shots(studio, "studio-live", "#m-spark polyline")
    print(f"\nstudio walk-through: {time.monotonic() - started:.1f}s")
