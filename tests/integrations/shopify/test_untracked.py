"""Issue 15: a variant Shopify does not count (a gift card with an empty inventory tracker)
is buyable at stock 0; a tracked variant at stock 0 is still sold out."""

from __future__ import annotations

from typing import Any

from tests.integrations.shopify.kit import FILES, products, upload
from tests.kits.factories import Api


async def test_untracked_gift_card_sells_at_stock_zero(api: Api, client: Any) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, market="UK")
    # The mug is tracked: import it at 0 units.
    csv = (FILES / "products_legacy.csv").read_text()
    csv = csv.replace(",MUG-1,350,shopify,7,", ",MUG-1,350,shopify,0,")
    report = await upload(client, seller, shop["id"], "products_legacy.csv", csv.encode())
    assert report["status"] == "done"
    found = await products(client, seller, shop["id"])
    [card] = found["gift-card"]["variants"]
    [cup] = found["plain-mug"]["variants"]
    assert (card["track_stock"], card["stock"]) == (False, 0)
    assert (cup["track_stock"], cup["stock"]) == (True, 0)

    # The gift card is sold at stock 0, through the API, again and again.
    buyer = await api.user("buyer")
    await api.paid_order(buyer, card["id"], quantity=2)
    second = await api.order(buyer, card["id"], quantity=3)
    assert second["status"] == "pending_payment"
    # Holds are still recorded; the shelf count is not spent.
    assert await api.variant(card["id"]) == {"stock": 0, "held": 3, "available": -3}
    r = await client.get(f"/api/v1/products/{found['gift-card']['id']}")
    assert r.status_code == 200
    [shown] = r.json()["variants"]
    assert shown["track_stock"] is False and shown["available"] == 0

    # The tracked mug at stock 0 still refuses.
    r = await api.buy(buyer, cup["id"])
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "out_of_stock"
    assert await api.variant(cup["id"]) == {"stock": 0, "held": 0, "available": 0}

    # A re-import does not trip over the holds of an untracked variant.
    again = await upload(client, seller, shop["id"], "products_legacy.csv", csv.encode())
    assert again["status"] == "done"
    assert await api.variant(card["id"]) == {"stock": 0, "held": 3, "available": -3}
