"""Shopify import: both CSV dialects and the products JSON, Shopify's rules, the error report,
re-import by handle and SKU."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integrations.shopify.kit import FILES, prices, products, upload
from tests.kits.factories import Api

CSV_DIALECTS = [("products_legacy.csv", "shopify-legacy"), ("products_current.csv", "shopify")]


def _check_catalog(found: dict[str, Any], *, csv: bool) -> None:
    assert set(found) == {"organic-tee", "plain-mug", "gift-card"}  # cap and socks were bad
    tee = found["organic-tee"]
    assert tee["title"] == "Organic Tee"
    assert tee["status"] == "active"
    assert tee["vendor"] == "Acme"
    assert tee["product_type"] == "Shirts"
    assert tee["tags"] == ["summer", "cotton"]
    assert tee["options"] == ["Size", "Color"]
    # Sanitized, not stripped: the markup stays, the script goes.
    assert tee["description"] == "<p>Soft <b>cotton</b></p>"
    images = [
        "https://cdn.example.com/tee-front.jpg",
        "https://cdn.example.com/tee-back.jpg",
        "https://cdn.example.com/tee-side.jpg",
    ]
    alts = ["Front", "Back", "Side"]
    if not csv:  # the JSON lists the variant's image among the product's images
        images.append("https://cdn.example.com/tee-red.jpg")
        alts.append("")
    assert tee["images"] == images
    assert tee["image_alts"] == alts
    by_sku = {v["sku"]: v for v in tee["variants"]}
    assert set(by_sku) == {"TEE-S-RED", "TEE-M-RED"}  # TEE-L-RED had a bad price
    small, medium = by_sku["TEE-S-RED"], by_sku["TEE-M-RED"]
    assert small["option_values"] == ["S", "Red"]
    assert medium["option_values"] == ["M", "Red"]
    assert (small["stock"], medium["stock"]) == (10, 5)
    assert (small["weight_grams"], medium["weight_grams"]) == (200, 210)
    assert small["barcode"] == "4006381333931"
    assert (small["continue_selling"], medium["continue_selling"]) == (False, True)
    assert small["track_stock"] and medium["track_stock"]
    assert small["image_url"] == "https://cdn.example.com/tee-red.jpg"
    if csv:
        # Two market columns where the market exists; "International" is no market of ours.
        assert prices(small) == {
            "UK": ("GBP", 1999, 2499),
            "DE": ("EUR", 2250, 2900),
            "US": ("USD", 2500, None),
        }
        assert prices(medium) == {
            "UK": ("GBP", 1999, None),
            "DE": ("EUR", 2300, None),
            "US": ("USD", 2600, None),
        }
    else:
        assert prices(small) == {"UK": ("GBP", 1999, 2499)}
        assert prices(medium) == {"UK": ("GBP", 1999, None)}

    mug = found["plain-mug"]
    assert mug["options"] == []  # "Title / Default Title"
    [cup] = mug["variants"]
    assert (cup["sku"], cup["option_values"], cup["stock"]) == ("MUG-1", [], 7)
    assert prices(cup) == {"UK": ("GBP", 950, None)}
    assert mug["images"] == ["https://cdn.example.com/mug.jpg"]

    gift = found["gift-card"]
    assert gift["gift_card"] is True
    [card] = gift["variants"]
    assert card["track_stock"] is False  # an empty inventory tracker: stock is not counted
    assert card["stock"] == 0
    assert prices(card) == {"UK": ("GBP", 2500, None)}


@pytest.mark.parametrize(("name", "dialect"), CSV_DIALECTS)
async def test_csv_import(api: Api, client: Any, name: str, dialect: str) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    report = await upload(client, seller, shop["id"], name)
    assert report["dialect"] == dialect
    assert report["status"] == "done"
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    assert report["rows"] == 9
    legacy = dialect == "shopify-legacy"
    price_col = "Variant Price" if legacy else "Price"
    errors = {(e["line"], e["column"], e["action"]) for e in report["errors"]}
    assert (4, price_col, "variant skipped") in errors  # "abc"
    assert (6, "Handle" if legacy else "URL handle", "row skipped") in errors  # no handle
    published = "Published" if legacy else "Published on online store"
    assert (9, published, "product skipped") in errors  # "maybe"
    assert (10, price_col, "variant skipped") in errors  # -3.00
    assert (10, "Handle" if legacy else "URL handle", "product skipped") in errors
    why = {e["line"]: e["why"] for e in report["errors"] if e["column"] == price_col}
    assert why[4] == "not a price"
    assert why[10] == "a price cannot be negative"
    assert {e["line"] for e in report["errors"]} == {4, 6, 9, 10}
    _check_catalog(await products(client, seller, shop["id"]), csv=True)

    # The report can be downloaded as a CSV, one line per error.
    r = await client.get(
        f"/api/v1/imports/shopify/{report['id']}/errors.csv", headers=seller.headers
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.text.strip().splitlines()
    assert lines[0] == "line,column,value,why,handle,action"
    assert len(lines) == 1 + report["error_count"]
    assert any(line.startswith("4,") and "abc" in line for line in lines)


@pytest.mark.parametrize(("name", "dialect"), CSV_DIALECTS)
async def test_reimport_updates_prices_without_duplicates(
    api: Api, client: Any, name: str, dialect: str
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    await upload(client, seller, shop["id"], name)
    again = await upload(client, seller, shop["id"], name)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)

    changed = (FILES / name).read_text().replace("19.99", "17.49").replace("9.50", "8.00")
    report = await upload(client, seller, shop["id"], name, changed.encode())
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 2, 1)
    found = await products(client, seller, shop["id"])
    assert len(found) == 3
    tee = found["organic-tee"]
    assert len(tee["variants"]) == 2
    by_sku = {v["sku"]: v for v in tee["variants"]}
    assert prices(by_sku["TEE-S-RED"])["UK"] == ("GBP", 1749, 2499)
    assert prices(by_sku["TEE-M-RED"])["UK"] == ("GBP", 1749, None)
    assert prices(by_sku["TEE-S-RED"])["DE"] == ("EUR", 2250, 2900)  # untouched
    assert prices(found["plain-mug"]["variants"][0])["UK"] == ("GBP", 800, None)


async def test_json_import(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    report = await upload(client, seller, shop["id"], "products.json")
    assert report["dialect"] == "shopify-json"
    assert (report["created"], report["updated"], report["unchanged"]) == (3, 0, 0)
    errors = {(e["column"], e["action"]) for e in report["errors"]}
    assert ("products[0].variants[2].price", "variant skipped") in errors
    assert ("products[3].variants[0].price", "variant skipped") in errors
    assert ("products[3].variants", "product skipped") in errors
    assert ("products[4].status", "product skipped") in errors
    assert len(report["errors"]) == 4
    _check_catalog(await products(client, seller, shop["id"]), csv=False)

    again = await upload(client, seller, shop["id"], "products.json")
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)
    changed = (FILES / "products.json").read_text().replace('"19.99"', '"18.00"')
    report = await upload(client, seller, shop["id"], "products.json", changed.encode())
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 2)
    tee = (await products(client, seller, shop["id"]))["organic-tee"]
    assert {prices(v)["UK"][1] for v in tee["variants"]} == {1800}


async def test_preview_shows_dialect_and_first_rows(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    for name, dialect in CSV_DIALECTS:
        r = await client.post(
            f"/api/v1/imports/shopify/preview?shop_id={shop['id']}",
            headers=seller.headers,
            files={"file": (name, (FILES / name).read_bytes(), "text/csv")},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["dialect"] == dialect
        assert body["rows"][0][body["header"].index("Title")] == "Organic Tee"
        assert len(body["rows"]) == 9
    found = await products(client, seller, shop["id"])
    assert found == {}  # a preview writes nothing


async def test_refusals(api: Api, client: Any) -> None:
    seller, stranger = await api.user("seller"), await api.user("seller")
    shop = await api.shop(seller)
    name = "products_legacy.csv"
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}",
        headers=stranger.headers,
        files={"file": (name, (FILES / name).read_bytes(), "text/csv")},
    )
    assert r.status_code == 403
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}",
        headers=seller.headers,
        files={"file": ("x.csv", b"name,price\nfoo,1\n", "text/csv")},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_dialect"
    assert await products(client, seller, shop["id"]) == {}


async def test_stock_never_below_held(api: Api, client: Any) -> None:
    """A re-import that lowers stock stops at what open checkouts hold, and says so."""
    seller = await api.user("seller")
    shop = await api.shop(seller)
    await upload(client, seller, shop["id"], "products_legacy.csv")
    mug = (await products(client, seller, shop["id"]))["plain-mug"]["variants"][0]
    buyer = await api.user("buyer")
    await api.order(buyer, mug["id"], quantity=5)
    lowered = (
        (FILES / "products_legacy.csv")
        .read_text()
        .replace(",MUG-1,350,shopify,7,", ",MUG-1,350,shopify,1,")
    )
    report = await upload(client, seller, shop["id"], "products_legacy.csv", lowered.encode())
    notes = [e for e in report["errors"] if e["column"] == "Variant Inventory Qty"]
    assert notes, report["errors"]
    assert notes and notes[0]["action"] == "stock set to 5"
    cup = (await products(client, seller, shop["id"]))["plain-mug"]["variants"][0]
    assert (cup["stock"], cup["available"]) == (5, 0)


async def test_one_sku_in_two_products(api: Api, client: Any) -> None:
    """The second product to claim a SKU loses that variant; nothing else is disturbed."""
    seller = await api.user("seller")
    shop = await api.shop(seller)
    content = (
        b"Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n"
        b"hat,Hat,Title,Default Title,SAME-1,10.00,1\n"
        b"scarf,Scarf,Colour,Blue,SAME-1,12.00,1\n"
        b"scarf,,,Green,SCARF-G,12.00,2\n"
    )
    report = await upload(client, seller, shop["id"], "clash.csv", content)
    assert report["created"] == 2
    [error] = report["errors"]
    assert (error["line"], error["column"], error["action"]) == (
        3,
        "Variant SKU",
        "variant skipped",
    )
    found = await products(client, seller, shop["id"])
    assert [v["sku"] for v in found["hat"]["variants"]] == ["SAME-1"]
    assert [v["sku"] for v in found["scarf"]["variants"]] == ["SCARF-G"]


async def test_unreadable_files_are_refused(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    header = (FILES / "products_legacy.csv").read_bytes().split(b"\n")[0]
    broken = header + b"\nhat,Hat\x00,Title,Default Title\n"
    for path in ("/api/v1/imports/shopify/preview", "/api/v1/imports/shopify"):
        r = await client.post(
            f"{path}?shop_id={shop['id']}",
            headers=seller.headers,
            files={"file": ("broken.csv", broken, "text/csv")},
        )
        if path.endswith("preview"):
            assert r.status_code == 422, r.text
            assert r.json()["code"] == "bad_csv"
        else:  # the import reports where reading stopped
            assert r.status_code == 201, r.text
            assert r.json()["errors"][0]["action"] == "import stopped"
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}",
        headers=seller.headers,
        files={"file": ("p.json", b'{"products": [', "application/json")},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "bad_json"
    assert await products(client, seller, shop["id"]) == {}
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}",
        headers=seller.headers,
        files={"file": ("p.json", b'{"product": {"title": "a\\u0000b"}}', "application/json")},
    )
    assert r.status_code == 422


async def test_who_may_import_and_read_reports(api: Api, client: Any) -> None:
    """Only the shop's sellers (or an admin) import, preview and read the report."""
    seller, stranger, buyer = (
        await api.user("seller"),
        await api.user("seller"),
        await api.user("buyer"),
    )
    admin = await api.user("admin")
    shop = await api.shop(seller)
    report = await upload(client, seller, shop["id"], "products_legacy.csv")
    body = (FILES / "products_legacy.csv").read_bytes()
    for who, expected in ((stranger, 403), (buyer, 403), (None, 401), (admin, 200)):
        headers = who.headers if who else {}
        r = await client.post(
            f"/api/v1/imports/shopify/preview?shop_id={shop['id']}",
            headers=headers,
            files={"file": ("p.csv", body, "text/csv")},
        )
        assert r.status_code == expected, (who, r.text)
        for path in ("", "/errors.csv"):
            r = await client.get(f"/api/v1/imports/shopify/{report['id']}{path}", headers=headers)
            assert r.status_code == expected, (who, path, r.text)
    r = await client.get("/api/v1/imports/shopify/999999", headers=seller.headers)
    assert r.status_code == 404
