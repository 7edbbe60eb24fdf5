"""Who may do what: seller vs seller, buyer vs buyer, buyer vs seller, users vs admins, and
callers with no or a bad token. Every refusal is problem+json, and leaves the data as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts import service as accounts
from liveshop.accounts.models import AuthToken, User
from liveshop.accounts.security import token_digest
from liveshop.db import utcnow
from liveshop.uow import UnitOfWork
from tests.kits.affiliates import revoke
from tests.kits.deals import buy_body, open_now
from tests.kits.factories import Actor, Api, address
from tests.kits.shows import live_show

API = "/api/v1"
SHIP = {"carrier": "Royal Mail", "tracking_number": "RM123"}
CARD = {"card_number": "4242424242424242"}


@dataclass
class Scene:
    seller_a: Actor
    seller_b: Actor
    buyer1: Actor
    buyer2: Actor
    admin: Actor
    shop_a: int
    shop_b: int
    product: int  # shop A, active
    variant: int
    draft: int  # shop A, draft
    draft_variant: int
    pending: int  # buyer1's unpaid order at shop A
    paid: int  # buyer1's paid order at shop A


@pytest.fixture
async def scene(api: Api) -> Scene:
    seller_a, seller_b = await api.user("seller"), await api.user("seller")
    buyer1, buyer2 = await api.user("buyer"), await api.user("buyer")
    admin = await api.user("admin")
    shop_a, shop_b = await api.shop(seller_a), await api.shop(seller_b, verification="pending")
    product = await api.product(seller_a, shop_a["id"], stock=10, title="Teapot")
    draft = await api.product(seller_a, shop_a["id"], status="draft", title="Secret")
    variant = product["variants"][0]["id"]
    pending = await api.order(buyer1, variant)
    paid = await api.paid_order(buyer1, variant)
    return Scene(
        seller_a, seller_b, buyer1, buyer2, admin, shop_a["id"], shop_b["id"], product["id"],
        variant, draft["id"], draft["variants"][0]["id"], pending["id"], paid["id"],
    )  # fmt: skip


def problem(r: httpx.Response, status: int | tuple[int, ...], code: str | None = None) -> None:
    statuses = (status,) if isinstance(status, int) else status
    assert r.status_code in statuses, f"{r.status_code}: {r.text}"
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert isinstance(body["code"], str)
    if code is not None:
        assert body["code"] == code, body


def idem(actor: Actor, key: str) -> dict[str, str]:
    return {**actor.headers, "Idempotency-Key": key}


async def order_status(client: httpx.AsyncClient, s: Scene, order_id: int) -> str:
    r = await client.get(f"{API}/orders/{order_id}", headers=s.buyer1.headers)
    assert r.status_code == 200, r.text
    status: str = r.json()["status"]
    return status


# --- seller A vs seller B ------------------------------------------------------------------


async def test_draft_products_are_visible_only_to_their_shop_and_admins(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    url = f"{API}/products/{scene.draft}"
    for outsider in (scene.seller_b.headers, scene.buyer1.headers, {}):
        problem(await client.get(url, headers=outsider), 404, "product_not_found")
    for insider in (scene.seller_a, scene.admin):
        r = await client.get(url, headers=insider.headers)
        assert r.status_code == 200, r.text
        assert r.json()["title"] == "Secret"
    public = await client.get(f"{API}/products", params={"shop_id": scene.shop_a})
    assert [p["id"] for p in public.json()["items"]] == [scene.product]


SELLER_B_WRITES = [
    pytest.param("PATCH", "/products/{product}", {"title": "Hijacked"}, 403, id="patch-product"),
    pytest.param("DELETE", "/products/{product}", None, 403, id="archive-product"),
    pytest.param("PATCH", "/products/{draft}", {"status": "active"}, 404, id="publish-draft"),
    pytest.param("PATCH", "/variants/{variant}", {"stock": 0}, 403, id="patch-variant-stock"),
    pytest.param(
        "PATCH",
        "/variants/{variant}",
        {"prices": [{"market": "UK", "currency": "GBP", "amount": 1}]},
        403,
        id="patch-variant-price",
    ),
    pytest.param("PATCH", "/variants/{draft_variant}", {"stock": 0}, 403, id="patch-draft-variant"),
    pytest.param(
        "POST",
        "/products/{product}/variants",
        {"sku": "B-1", "stock": 1, "prices": [{"market": "UK", "currency": "GBP", "amount": 1}]},
        403,
        id="add-variant",
    ),
    pytest.param(
        "POST",
        "/shops/{shop_a}/products",
        {
            "title": "Spam",
            "variants": [
                {"sku": "S-1", "prices": [{"market": "UK", "currency": "GBP", "amount": 1}]}
            ],
        },
        403,
        id="create-product",
    ),
    pytest.param("PATCH", "/shops/{shop_a}", {"name": "Hijacked"}, 403, id="rename-shop"),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), SELLER_B_WRITES)
async def test_seller_cannot_change_another_sellers_catalog(
    client: httpx.AsyncClient, api: Api, scene: Scene, method: str, path: str, body: Any,
    status: int,
) -> None:  # fmt: skip
    url = API + path.format(**vars(scene))
    r = await client.request(method, url, headers=scene.seller_b.headers, json=body)
    problem(r, status, "forbidden" if status == 403 else "product_not_found")
    # nothing changed
    product = (await client.get(f"{API}/products/{scene.product}")).json()
    assert (product["title"], product["status"], len(product["variants"])) == (
        "Teapot",
        "active",
        1,
    )
    assert [p["amount"] for p in product["variants"][0]["prices"]] == [1000]
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}
    assert (await api.variant(scene.draft_variant))["stock"] == 10
    shop = (await client.get(f"{API}/shops/{scene.shop_a}")).json()
    assert shop["name"] != "Hijacked"
    manage = await client.get(
        f"{API}/shops/{scene.shop_a}/products/manage", headers=scene.seller_a.headers
    )
    assert {(p["id"], p["status"]) for p in manage.json()["items"]} == {
        (scene.product, "active"), (scene.draft, "draft")
    }  # fmt: skip


@pytest.mark.parametrize(
    "path", ["/shops/{shop_a}/products/manage", "/shops/{shop_a}/orders"], ids=["manage", "orders"]
)
async def test_seller_cannot_read_another_shops_back_office(
    client: httpx.AsyncClient, scene: Scene, path: str
) -> None:
    url = API + path.format(**vars(scene))
    for outsider in (scene.seller_b, scene.buyer1):
        problem(await client.get(url, headers=outsider.headers), 403, "forbidden")
    for insider in (scene.seller_a, scene.admin):
        r = await client.get(url, headers=insider.headers)
        assert r.status_code == 200, r.text
        assert r.json()["total"] == 2


@pytest.mark.parametrize(
    "path", ["/orders/{paid}", "/orders/{paid}/events", "/orders/{paid}/payments",
             "/orders/{paid}/returns"],
)  # fmt: skip
async def test_other_seller_cannot_read_an_order(
    client: httpx.AsyncClient, scene: Scene, path: str
) -> None:
    url = API + path.format(**vars(scene))
    problem(await client.get(url, headers=scene.seller_b.headers), 404, "order_not_found")
    problem(await client.get(url, headers=scene.buyer2.headers), 404, "order_not_found")
    for allowed in (scene.buyer1, scene.seller_a, scene.admin):
        assert (await client.get(url, headers=allowed.headers)).status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        pytest.param("/orders/{paid}/ship", SHIP, None, id="ship"),
        pytest.param("/orders/{paid}/deliver", None, None, id="deliver"),
        pytest.param("/orders/{paid}/refunds", {}, "refund-by-b-0001", id="refund-all"),
        pytest.param("/orders/{paid}/refunds", {"amount": 1}, "refund-by-b-0002", id="refund-1"),
        pytest.param("/orders/{pending}/cancel", None, None, id="cancel"),
    ],
)
async def test_other_seller_cannot_fulfil_or_refund_an_order(
    client: httpx.AsyncClient, api: Api, scene: Scene, path: str, body: Any, key: str | None
) -> None:
    headers = idem(scene.seller_b, key) if key else scene.seller_b.headers
    r = await client.post(API + path.format(**vars(scene)), headers=headers, json=body)
    problem(r, (403, 404))
    paid = (await client.get(f"{API}/orders/{scene.paid}", headers=scene.buyer1.headers)).json()
    assert (paid["status"], paid["refunded_total"]["amount"], paid["carrier"]) == ("paid", 0, None)
    assert await order_status(client, scene, scene.pending) == "pending_payment"
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}


# --- buyer vs buyer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "key"),
    [
        pytest.param("GET", "/orders/{pending}", None, None, id="read"),
        pytest.param("GET", "/orders/{pending}/events", None, None, id="read-events"),
        pytest.param("GET", "/orders/{paid}/payments", None, None, id="read-payments"),
        pytest.param("POST", "/orders/{pending}/payments", CARD, "b2-pays-0001", id="pay"),
        pytest.param("POST", "/orders/{pending}/cancel", None, None, id="cancel"),
        pytest.param("POST", "/orders/{paid}/complete", None, None, id="complete"),
        pytest.param("POST", "/orders/{paid}/returns", {"reason": "mine now"}, None, id="return"),
    ],
)
async def test_buyer_cannot_touch_another_buyers_order(
    client: httpx.AsyncClient, api: Api, scene: Scene, method: str, path: str, body: Any,
    key: str | None,
) -> None:  # fmt: skip
    headers = idem(scene.buyer2, key) if key else scene.buyer2.headers
    r = await client.request(method, API + path.format(**vars(scene)), headers=headers, json=body)
    problem(r, 404, "order_not_found")
    assert await order_status(client, scene, scene.pending) == "pending_payment"
    assert await order_status(client, scene, scene.paid) == "paid"
    pays = await client.get(f"{API}/orders/{scene.pending}/payments", headers=scene.buyer1.headers)
    assert pays.json() == []
    rets = await client.get(f"{API}/orders/{scene.paid}/returns", headers=scene.buyer1.headers)
    assert rets.json() == []
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}


async def test_buyer_cannot_return_another_buyers_delivered_order(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    a = scene.seller_a.headers
    assert (await client.post(f"{API}/orders/{scene.paid}/ship", headers=a, json=SHIP)).is_success
    assert (await client.post(f"{API}/orders/{scene.paid}/deliver", headers=a)).is_success
    url = f"{API}/orders/{scene.paid}/returns"
    problem(await client.post(url, headers=scene.buyer2.headers, json={"reason": "x"}), 404)
    problem(await client.post(url, headers=scene.seller_b.headers, json={"reason": "x"}), 404)
    assert (await client.get(url, headers=scene.buyer1.headers)).json() == []
    ok = await client.post(url, headers=scene.buyer1.headers, json={"reason": "chipped"})
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("decision", ["approve", "decline"])
async def test_only_the_shop_decides_a_return(
    client: httpx.AsyncClient, api: Api, scene: Scene, decision: str
) -> None:
    """The buyer cannot approve (and so refund) their own return; another seller cannot either."""
    a = scene.seller_a.headers
    assert (await client.post(f"{API}/orders/{scene.paid}/ship", headers=a, json=SHIP)).is_success
    assert (await client.post(f"{API}/orders/{scene.paid}/deliver", headers=a)).is_success
    ret = await client.post(f"{API}/orders/{scene.paid}/returns", headers=scene.buyer1.headers,
                            json={"reason": "chipped"})  # fmt: skip
    assert ret.status_code == 201, ret.text
    url = f"{API}/returns/{ret.json()['id']}/{decision}"
    problem(await client.post(url, headers=scene.buyer1.headers, json={}), 403, "forbidden")
    problem(await client.post(url, headers=scene.seller_b.headers, json={}), 404, "order_not_found")
    problem(await client.post(url, headers=scene.buyer2.headers, json={}), 404, "order_not_found")
    rets = await client.get(f"{API}/orders/{scene.paid}/returns", headers=scene.buyer1.headers)
    assert [r["status"] for r in rets.json()] == ["requested"]
    order = (await client.get(f"{API}/orders/{scene.paid}", headers=scene.buyer1.headers)).json()
    assert (order["status"], order["refunded_total"]["amount"]) == ("delivered", 0)
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}
    done = await client.post(url, headers=a, json={})
    assert (done.status_code, done.json()["status"]) == (200, f"{decision}d")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        pytest.param("PUT", "/carts/UK/items", {"variant_id": "draft", "quantity": 1}, id="cart"),
        pytest.param(
            "POST",
            "/orders/buy-now",
            {"market": "UK", "variant_id": "draft", "quantity": 1, "address": address("UK")},
            id="buy-now",
        ),
    ],
)
async def test_nobody_can_buy_a_draft_product(
    client: httpx.AsyncClient, api: Api, scene: Scene, method: str, path: str, body: Any
) -> None:
    body = {**body, "variant_id": scene.draft_variant}
    r = await client.request(method, API + path, headers=scene.buyer2.headers, json=body)
    problem(r, (404, 409))
    assert await api.variant(scene.draft_variant) == {"stock": 10, "held": 0, "available": 10}
    cart = (await client.get(f"{API}/carts/UK", headers=scene.buyer2.headers)).json()
    assert cart["items"] == []
    assert (await client.get(f"{API}/me/orders", headers=scene.buyer2.headers)).json()["total"] == 0


async def test_buyer_cannot_pay_another_buyers_payment_confirmation(
    client: httpx.AsyncClient, api: Api, scene: Scene
) -> None:
    order = await api.order(scene.buyer1, scene.variant)
    r = await api.pay(scene.buyer1, order["id"], card="4000002760003184")
    assert r.status_code == 202, r.text
    url = f"{API}/payments/{r.json()['id']}/confirm"
    problem(await client.post(url, headers=scene.buyer2.headers, json={"code": "123456"}), 404)
    assert await order_status(client, scene, order["id"]) == "pending_payment"
    done = await client.post(url, headers=scene.buyer1.headers, json={"code": "123456"})
    assert (done.status_code, done.json()["status"]) == (201, "succeeded"), done.text
    assert await order_status(client, scene, order["id"]) == "paid"


# --- buyer vs seller actions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        pytest.param("/orders/{paid}/ship", SHIP, None, id="ship"),
        pytest.param("/orders/{paid}/deliver", None, None, id="deliver"),
        pytest.param("/orders/{paid}/refunds", {}, "self-refund-0001", id="refund"),
    ],
)
async def test_buyer_cannot_do_the_sellers_part_on_their_own_order(
    client: httpx.AsyncClient, scene: Scene, path: str, body: Any, key: str | None
) -> None:
    headers = idem(scene.buyer1, key) if key else scene.buyer1.headers
    r = await client.post(API + path.format(**vars(scene)), headers=headers, json=body)
    problem(r, 403, "forbidden")
    paid = (await client.get(f"{API}/orders/{scene.paid}", headers=scene.buyer1.headers)).json()
    assert (paid["status"], paid["refunded_total"]["amount"], paid["carrier"]) == ("paid", 0, None)


async def test_seller_cannot_pay_or_complete_for_the_buyer(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    a = scene.seller_a
    url = f"{API}/orders/{scene.pending}/payments"
    r = await client.post(url, headers=idem(a, "seller-pays-01"), json=CARD)
    problem(r, 403, "forbidden")
    r = await client.post(f"{API}/orders/{scene.paid}/complete", headers=a.headers)
    problem(r, 403, "forbidden")
    assert await order_status(client, scene, scene.pending) == "pending_payment"
    assert await order_status(client, scene, scene.paid) == "paid"


# --- admin endpoints -----------------------------------------------------------------------

ADMIN_WRITES = [
    pytest.param("/admin/markets/DE", {"enabled": False}, id="disable-market"),
    pytest.param("/admin/shops/{shop_b}", {"verification": "verified"}, id="verify-shop"),
    pytest.param("/admin/users/{buyer2_id}", {"banned": True}, id="ban-user"),
    pytest.param("/admin/users/{self_id}", {"roles": ["admin"]}, id="self-promote"),
]


def _admin_url(path: str, s: Scene, actor: Actor) -> str:
    return API + path.format(shop_b=s.shop_b, buyer2_id=s.buyer2.id, self_id=actor.id)


@pytest.mark.parametrize("who", ["buyer1", "seller_b"])
@pytest.mark.parametrize(("path", "body"), ADMIN_WRITES)
async def test_non_admins_cannot_use_admin_endpoints(
    client: httpx.AsyncClient, scene: Scene, who: str, path: str, body: dict[str, Any]
) -> None:
    actor: Actor = getattr(scene, who)
    r = await client.patch(_admin_url(path, scene, actor), headers=actor.headers, json=body)
    problem(r, 403, "forbidden")
    problem(await client.get(f"{API}/admin/users", headers=actor.headers), 403, "forbidden")
    assert (await client.get(f"{API}/markets/DE")).json()["enabled"] is True
    assert (await client.get(f"{API}/shops/{scene.shop_b}")).json()["verification"] != "verified"
    me = await client.get(f"{API}/me", headers=actor.headers)
    assert "admin" not in me.json()["roles"]
    b2 = await client.get(f"{API}/me", headers=scene.buyer2.headers)
    assert b2.status_code == 200, "buyer 2 must not have been banned"


async def test_admin_can_use_admin_endpoints(
    client: httpx.AsyncClient, api: Api, scene: Scene
) -> None:
    h = scene.admin.headers
    r = await client.patch(f"{API}/admin/markets/DE", headers=h, json={"enabled": False})
    assert (r.status_code, r.json()["enabled"]) == (200, False)
    assert (await client.get(f"{API}/markets/DE")).json()["enabled"] is False
    r = await client.patch(f"{API}/admin/shops/{scene.shop_b}", headers=h,
                           json={"verification": "verified"})  # fmt: skip
    assert (r.status_code, r.json()["verification"]) == (200, "verified")
    r = await client.patch(f"{API}/admin/users/{scene.seller_b.id}", headers=h,
                           json={"roles": ["seller", "moderator"]})  # fmt: skip
    assert r.status_code == 200, r.text
    assert set(r.json()["roles"]) == {"buyer", "seller", "moderator"}
    r = await client.patch(f"{API}/admin/users/{scene.buyer2.id}", headers=h, json={"banned": True})
    assert (r.status_code, r.json()["banned"]) == (200, True)
    assert (await client.get(f"{API}/admin/users", headers=h)).json()["total"] == 5
    # the effects are real: DE shopping is off, and the banned buyer's token is dead
    de = await api.product(scene.seller_a, scene.shop_a, prices={"DE": 900})
    r = await client.post(f"{API}/orders/buy-now", headers=scene.buyer1.headers,
                          json={"market": "DE", "variant_id": de["variants"][0]["id"],
                                "quantity": 1, "address": address("DE")})  # fmt: skip
    problem(r, 409, "market_disabled")
    problem(await client.get(f"{API}/me", headers=scene.buyer2.headers), 401, "invalid_token")


# --- no token, bad token -------------------------------------------------------------------

WRITES = [
    pytest.param("POST", "/shops", {"name": "S", "market": "UK"}, id="create-shop"),
    pytest.param("PATCH", "/me", {"display_name": "x"}, id="update-me"),
    pytest.param("POST", "/me/follows", {"target_kind": "shop", "target_id": 1}, id="follow"),
    pytest.param(
        "POST",
        "/shops/{shop_a}/products",
        {
            "title": "t",
            "variants": [
                {"sku": "s", "prices": [{"market": "UK", "currency": "GBP", "amount": 1}]}
            ],
        },
        id="create-product",
    ),
    pytest.param("PATCH", "/products/{product}", {"title": "x"}, id="patch-product"),
    pytest.param("PATCH", "/variants/{variant}", {"stock": 0}, id="patch-variant"),
    pytest.param("PUT", "/carts/UK/items", {"variant_id": 1, "quantity": 1}, id="cart"),
    pytest.param(
        "POST",
        "/orders/buy-now",
        {"market": "UK", "variant_id": 1, "quantity": 1, "address": address("UK")},
        id="buy-now",
    ),
    pytest.param("POST", "/checkout", {"market": "UK", "address": address("UK")}, id="checkout"),
    pytest.param("POST", "/orders/{pending}/payments", CARD, id="pay"),
    pytest.param("POST", "/orders/{pending}/cancel", None, id="cancel"),
    pytest.param("POST", "/orders/{paid}/ship", SHIP, id="ship"),
    pytest.param("POST", "/orders/{paid}/refunds", {}, id="refund"),
    pytest.param("PATCH", "/admin/markets/UK", {"enabled": False}, id="admin-market"),
    pytest.param("PATCH", "/admin/users/1", {"roles": ["admin"]}, id="admin-user"),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize(
    ("auth", "code"),
    [
        pytest.param({}, "unauthenticated", id="no-token"),
        pytest.param({"Authorization": "Bearer not-a-real-token"}, "invalid_token", id="bad-token"),
    ],
)
async def test_writes_need_a_valid_token(
    client: httpx.AsyncClient, api: Api, scene: Scene, method: str, path: str, body: Any,
    auth: dict[str, str], code: str,
) -> None:  # fmt: skip
    headers = {**auth, "Idempotency-Key": "anon-key-0001"}
    url = API + path.format(**vars(scene))
    problem(await client.request(method, url, headers=headers, json=body), 401, code)
    assert await order_status(client, scene, scene.pending) == "pending_payment"
    assert await order_status(client, scene, scene.paid) == "paid"
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}
    assert (await client.get(f"{API}/markets/UK")).json()["enabled"] is True
    assert (await client.get(f"{API}/products/{scene.product}")).json()["title"] == "Teapot"


@pytest.mark.parametrize("path", ["/me", "/me/orders", "/orders/{paid}", "/carts/UK"])
async def test_private_reads_need_a_valid_token(
    client: httpx.AsyncClient, scene: Scene, path: str
) -> None:
    url = API + path.format(**vars(scene))
    problem(await client.get(url), 401, "unauthenticated")
    problem(await client.get(url, headers={"Authorization": "Bearer nope"}), 401, "invalid_token")


async def test_a_bad_token_is_refused_even_on_public_reads(
    client: httpx.AsyncClient, scene: Scene
) -> None:
    """A caller who sends a forged token learns so, rather than being served as anonymous."""
    url = f"{API}/products/{scene.product}"
    assert (await client.get(url)).status_code == 200
    problem(await client.get(url, headers={"Authorization": "Bearer forged"}), 401, "invalid_token")


async def test_a_logged_out_token_stops_working(client: httpx.AsyncClient, scene: Scene) -> None:
    h = scene.buyer2.headers
    assert (await client.get(f"{API}/me", headers=h)).status_code == 200
    assert (await client.post(f"{API}/auth/logout", headers=h)).status_code == 204
    problem(await client.get(f"{API}/me", headers=h), 401, "invalid_token")
    r = await client.post(f"{API}/orders/buy-now", headers=h,
                          json={"market": "UK", "variant_id": scene.variant, "quantity": 1,
                                "address": address("UK")})  # fmt: skip
    problem(r, 401, "invalid_token")


# --- creators and shop allowances (revocation takes effect at once) --------------------------


@dataclass
class CreatorShow:
    seller: Actor
    creator: Actor
    shop: int
    product: int  # active, £50
    variant: int
    show: int  # the creator's live show, selling the product
    collabs: list[int]  # the shop's collaborations with the creator


@pytest.fixture
async def creator_show(client: httpx.AsyncClient, api: Api) -> CreatorShow:
    creator = await api.user("creator")
    live = await live_show(api, client, host=creator, stock=5, prices={"UK": 5000})
    return CreatorShow(
        live.seller, creator, live.shop_id, live.product_id, live.variant_id, live.show_id,
        live.collaborations,
    )  # fmt: skip


def _selling_actions(c: CreatorShow) -> dict[str, tuple[str, dict[str, Any]]]:
    """Every way a host prices or sells a product in a show (URL, body)."""
    show = f"{API}/shows/{c.show}"
    auction = {"variant_id": c.variant, "market": "UK", "start_price": 1, "duration_seconds": 60,
               "increments": [[0, 1]]}  # fmt: skip
    return {
        "pin": (f"{show}/pins", {"product_id": c.product}),
        "deal": (f"{show}/deals", {"variant_id": c.variant, "prices": {"UK": 1}, "stock": 2}),
        "auction": (f"{show}/auctions", auction),
        "giveaway": (f"{show}/giveaways", {"variant_id": c.variant}),
        "coupon": (
            f"{show}/coupons",
            {
                "code": "FREE",
                "kind": "percent",
                "value": 10_000,
                "market": "UK",
                "quota": 5,
                "shop_id": c.shop,
            },
        ),
    }


async def _nothing_sold(client: httpx.AsyncClient, api: Api, c: CreatorShow) -> None:
    show = f"{API}/shows/{c.show}"
    assert (await client.get(f"{show}/pins")).json() == []
    assert (await client.get(f"{show}/deals")).json() == []
    assert (await client.get(f"{show}/auctions")).json() == []
    assert (await client.get(f"{show}/giveaways")).json() == []
    assert (await client.get(f"{show}/coupons")).json() == []
    assert await api.variant(c.variant) == {"stock": 5, "held": 0, "available": 5}


SELLING = ["pin", "deal", "auction", "giveaway", "coupon"]


@pytest.mark.parametrize("action", SELLING)
async def test_a_revoked_creator_can_no_longer_price_or_sell_the_shops_products(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow, action: str
) -> None:
    c = creator_show
    await revoke(client, c.seller, c.collabs)
    url, body = _selling_actions(c)[action]
    problem(await client.post(url, headers=c.creator.headers, json=body), 403,
            "product_not_allowed")  # fmt: skip
    await _nothing_sold(client, api, c)


@pytest.mark.parametrize("action", SELLING)
async def test_an_allowed_creator_may_sell(
    client: httpx.AsyncClient, creator_show: CreatorShow, action: str
) -> None:
    """The other side of the matrix: until revoked, each of those actions works."""
    url, body = _selling_actions(creator_show)[action]
    r = await client.post(url, headers=creator_show.creator.headers, json=body)
    assert r.status_code == 201, r.text


async def test_revoking_stops_a_shop_funded_coupon_already_out(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow
) -> None:
    """The £0 order through a 100%-off coupon the creator made before the shop said no."""
    c = creator_show
    url, body = _selling_actions(c)["coupon"]
    assert (await client.post(url, headers=c.creator.headers, json=body)).status_code == 201
    early, late = await api.user("buyer"), await api.user("buyer")
    claim = f"{API}/shows/{c.show}/coupons/FREE/claim"
    assert (await client.post(claim, headers=early.headers)).status_code == 201
    await revoke(client, c.seller, c.collabs)
    problem(await client.post(claim, headers=late.headers), 403, "product_not_allowed")
    r = await client.post(
        f"{API}/orders/buy-now",
        headers=early.headers,
        json={"market": "UK", "variant_id": c.variant, "quantity": 1, "address": address("UK"),
              "show_id": c.show, "coupons": ["FREE"]},
    )  # fmt: skip
    problem(r, 403, "product_not_allowed")
    assert (await client.get(f"{API}/me/orders", headers=early.headers)).json()["total"] == 0
    assert await api.variant(c.variant) == {"stock": 5, "held": 0, "available": 5}


@pytest.mark.parametrize("status", ["draft", "archived"])
@pytest.mark.parametrize("action", ["pin", "deal", "auction", "giveaway"])
async def test_draft_and_archived_products_cannot_be_pinned_or_sold(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow, action: str, status: str
) -> None:
    c = creator_show
    r = await client.patch(f"{API}/products/{c.product}", headers=c.seller.headers,
                           json={"status": status})  # fmt: skip
    assert r.status_code == 200, r.text
    url, body = _selling_actions(c)[action]
    problem(await client.post(url, headers=c.creator.headers, json=body), 409,
            "product_not_active")  # fmt: skip
    await _nothing_sold(client, api, c)


async def test_a_draft_product_cannot_be_added_to_a_show(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow
) -> None:
    c = creator_show
    draft = await api.product(c.seller, c.shop, status="draft", title="Unreleased")
    body = {"title": "Next week", "starts_at": "2030-02-01T18:00:00Z", "markets": ["UK"],
            "product_ids": [draft["id"]]}  # fmt: skip
    # No collaboration covers a draft (only active products can be offered).
    problem(await client.post(f"{API}/shows", headers=c.creator.headers, json=body), 403,
            "product_not_allowed")  # fmt: skip
    own = {**body, "shop_id": c.shop}
    problem(await client.post(f"{API}/shows", headers=c.seller.headers, json=own), 409,
            "product_not_active")  # fmt: skip
    shows = (await client.get(f"{API}/shows")).json()
    assert [s["title"] for s in shows] == ["Live now"]


# --- co-hosts and moderators do not play in their own room -----------------------------------


@dataclass
class Staffed:
    show: Any
    cohost: Actor
    invited: Actor  # invited, never accepted: not staff
    moderator: Actor
    buyer: Actor
    auction: int
    giveaway: int


@pytest.fixture
async def staffed(client: httpx.AsyncClient, api: Api) -> Staffed:
    show = await live_show(api, client, stock=5)
    cohost, invited = await api.user("creator"), await api.user("creator")
    moderator, buyer = await api.user("buyer"), await api.user("buyer")
    base, h = f"{API}/shows/{show.show_id}", show.seller.headers
    for guest in (cohost, invited):
        r = await client.post(f"{base}/cohosts", headers=h, json={"user_id": guest.id})
        assert r.status_code == 201, r.text
    assert (await client.post(f"{base}/cohosts/accept", headers=cohost.headers)).is_success
    r = await client.post(f"{base}/moderators", headers=h, json={"user_id": moderator.id})
    assert r.status_code == 201, r.text
    r = await client.post(f"{base}/auctions", headers=h,
                          json={"variant_id": show.variant_id, "market": "UK", "start_price": 100,
                                "duration_seconds": 60, "increments": [[0, 10]]})  # fmt: skip
    assert r.status_code == 201, r.text
    auction = r.json()["id"]
    r = await client.post(f"{base}/giveaways", headers=h, json={"variant_id": show.variant_id})
    assert r.status_code == 201, r.text
    return Staffed(show, cohost, invited, moderator, buyer, auction, r.json()["id"])


@pytest.mark.parametrize("who", ["cohost", "moderator"])
async def test_cohosts_and_moderators_cannot_bid_or_enter(
    client: httpx.AsyncClient, staffed: Staffed, who: str
) -> None:
    s = staffed
    actor: Actor = getattr(s, who)
    bid = await client.post(f"{API}/auctions/{s.auction}/bids", headers=actor.headers,
                            json={"amount": 100})  # fmt: skip
    problem(bid, 409, "show_staff")
    entry = await client.post(f"{API}/giveaways/{s.giveaway}/entries", headers=actor.headers)
    problem(entry, 403, "show_staff")
    auction = (await client.get(f"{API}/auctions/{s.auction}")).json()
    assert (auction["leader"], auction["current_price"]) == (None, None)
    assert (await client.get(f"{API}/giveaways/{s.giveaway}/entrants")).json() == []


@pytest.mark.parametrize("who", ["buyer", "invited"])
async def test_viewers_and_unaccepted_guests_may_bid_and_enter(
    client: httpx.AsyncClient, staffed: Staffed, who: str
) -> None:
    s = staffed
    actor: Actor = getattr(s, who)
    bid = await client.post(f"{API}/auctions/{s.auction}/bids", headers=actor.headers,
                            json={"amount": 100})  # fmt: skip
    assert bid.status_code == 201, bid.text
    entry = await client.post(f"{API}/giveaways/{s.giveaway}/entries", headers=actor.headers)
    assert entry.status_code == 201, entry.text
    assert (await client.get(f"{API}/giveaways/{s.giveaway}/entrants")).json() == [actor.id]


async def test_a_removed_moderator_may_play_again(
    client: httpx.AsyncClient, staffed: Staffed
) -> None:
    s = staffed
    url = f"{API}/shows/{s.show.show_id}/moderators/{s.moderator.id}"
    assert (await client.delete(url, headers=s.show.seller.headers)).status_code == 204
    entry = await client.post(f"{API}/giveaways/{s.giveaway}/entries", headers=s.moderator.headers)
    assert entry.status_code == 201, entry.text


async def test_revoking_stops_bids_and_entries_in_promotions_already_open(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow
) -> None:
    c, actions = creator_show, _selling_actions(creator_show)
    opened = {}
    for kind in ("auction", "giveaway"):
        url, body = actions[kind]
        r = await client.post(url, headers=c.creator.headers, json=body)
        assert r.status_code == 201, r.text
        opened[kind] = r.json()["id"]
    await revoke(client, c.seller, c.collabs)
    buyer = await api.user("buyer")
    bid = await client.post(f"{API}/auctions/{opened['auction']}/bids", headers=buyer.headers,
                            json={"amount": 1})  # fmt: skip
    problem(bid, 409, "product_not_allowed")
    entry = await client.post(f"{API}/giveaways/{opened['giveaway']}/entries",
                              headers=buyer.headers)  # fmt: skip
    problem(entry, 403, "product_not_allowed")
    assert (await client.get(f"{API}/auctions/{opened['auction']}")).json()["leader"] is None
    assert (await client.get(f"{API}/giveaways/{opened['giveaway']}/entrants")).json() == []


async def test_revoking_stops_a_flash_deal_already_open(
    client: httpx.AsyncClient, api: Api, creator_show: CreatorShow, app: Any
) -> None:
    c = creator_show
    url, body = _selling_actions(c)["deal"]
    r = await client.post(url, headers=c.creator.headers, json=body)
    assert r.status_code == 201, r.text
    deal = r.json()["id"]
    await open_now(app.state.db, deal)
    await revoke(client, c.seller, c.collabs)
    buyer = await api.user("buyer")
    r = await client.post(f"{API}/deals/{deal}/buy", json=buy_body(),
                          headers={**buyer.headers, "Idempotency-Key": "after-revoke"})  # fmt: skip
    problem(r, 403, "product_not_allowed")
    assert (await client.get(f"{API}/deals/{deal}")).json()["left"] == 2  # nothing held


# --- revoked, expired and reset tokens ------------------------------------------------------


async def _dead_token(client: httpx.AsyncClient, app: Any, scene: Scene, kind: str) -> str:
    """A token of buyer1 that must no longer (or never) sign anyone in."""
    if kind == "reset":  # what a reset e-mail carries: it proves an inbox, it is not a login
        async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
            user = await uow.session.get(User, scene.buyer1.id)
            assert user is not None
            token = await accounts.create_token(
                session=uow.session, user=user, kind="reset", name="reset"
            )
            await uow.commit()
        return token
    r = await client.post(f"{API}/auth/tokens", headers=scene.buyer1.headers, json={})
    made = r.json()
    if kind == "revoked":
        r = await client.delete(
            f"{API}/auth/tokens/{made['token_id']}", headers=scene.buyer1.headers
        )
        assert r.status_code == 204
    else:
        async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
            await uow.session.execute(
                update(AuthToken)
                .where(AuthToken.token_hash == token_digest(made["token"]))
                .values(expires_at=utcnow())
            )
            await uow.commit()
    token: str = made["token"]
    return token


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
@pytest.mark.parametrize("kind", ["revoked", "expired", "reset"])
async def test_revoked_expired_and_reset_tokens_cannot_write(
    client: httpx.AsyncClient, api: Api, scene: Scene, method: str, path: str, body: Any,
    kind: str, app: Any,
) -> None:  # fmt: skip
    token = await _dead_token(client, app, scene, kind)
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"dead-{kind}-0001"}
    url = API + path.format(**vars(scene))
    problem(await client.request(method, url, headers=headers, json=body), 401, "invalid_token")
    assert await order_status(client, scene, scene.pending) == "pending_payment"
    assert await order_status(client, scene, scene.paid) == "paid"
    assert await api.variant(scene.variant) == {"stock": 9, "held": 1, "available": 8}
    assert (await client.get(f"{API}/products/{scene.product}")).json()["title"] == "Teapot"


@pytest.mark.parametrize("kind", ["revoked", "expired", "reset"])
async def test_revoked_expired_and_reset_tokens_cannot_read(
    client: httpx.AsyncClient, scene: Scene, kind: str, app: Any
) -> None:
    headers = {"Authorization": f"Bearer {await _dead_token(client, app, scene, kind)}"}
    for path in ("/me", "/me/orders", f"/orders/{scene.paid}", "/auth/tokens"):
        problem(await client.get(API + path, headers=headers), 401, "invalid_token")
