"""Issue 15: a web import of a large file runs in the background and reports its progress
(rows done, bytes read of the file's size) while it runs, then its report."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.integrations.shopify.kit import FILES
from tests.kits.factories import Api

PRODUCTS = 1500  # eight batches of 200: several progress points


def _big_csv() -> bytes:
    lines = (FILES / "products_legacy.csv").read_text().splitlines()
    header, mug = lines[0], next(x for x in lines if x.startswith("plain-mug,"))
    rows = [
        mug.replace("plain-mug,Plain Mug", f"mug-{i},Mug {i}").replace("MUG-1", f"MUG-{i}")
        for i in range(PRODUCTS)
    ]
    return ("\n".join([header, *rows]) + "\n").encode()


async def test_background_import_reports_progress(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    body = _big_csv()
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}&background=true",
        headers=seller.headers,
        files={"file": ("big.csv", body, "text/csv")},
    )
    assert r.status_code == 202, r.text
    run = r.json()
    assert run["status"] == "running"
    assert run["total_bytes"] == len(body)
    assert run["rows"] == 0 and run["bytes_read"] == 0

    seen: list[tuple[int, int]] = []
    for _ in range(1200):
        r = await client.get(f"/api/v1/imports/shopify/{run['id']}", headers=seller.headers)
        assert r.status_code == 200, r.text
        run = r.json()
        seen.append((run["rows"], run["bytes_read"]))
        if run["status"] != "running":
            break
        await asyncio.sleep(0.02)
    assert run["status"] == "done"
    assert (run["rows"], run["products"], run["created"]) == (PRODUCTS, PRODUCTS, PRODUCTS)
    assert run["bytes_read"] == run["total_bytes"] == len(body)
    # Progress only moves forward, and was seen part-way.
    assert seen == sorted(seen)
    assert any(0 < done < len(body) for _rows, done in seen), seen

    # Another seller may not follow this shop's import.
    other = await api.user("seller")
    r = await client.get(f"/api/v1/imports/shopify/{run['id']}", headers=other.headers)
    assert r.status_code == 403, r.text


async def test_background_import_refuses_unknown_files_at_once(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    r = await client.post(
        f"/api/v1/imports/shopify?shop_id={shop['id']}&background=true",
        headers=seller.headers,
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "unknown_dialect"
