"""Managing endpoints: who may, what is refused, secret rotation, test events."""

from __future__ import annotations

import json

import httpx

from liveshop.integrations.webhooks import signing
from tests.integrations.receiver import Receiver, verify
from tests.integrations.webhooks.conftest import Hooks
from tests.kits.factories import Api

URL = "/api/v1/integrations/webhooks"


async def test_only_the_owner_manages_its_endpoints(
    hooks: Hooks, api: Api, client: httpx.AsyncClient, receiver: Receiver
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.paid"])
    stranger = await api.user("seller")
    creator = await api.user("creator")
    buyer = await api.user("buyer")
    shop_q = {"owner_kind": "shop", "owner_id": hooks.shop["id"]}
    body = {**shop_q, "url": receiver.url, "events": ["order.paid"]}
    for who in (stranger, creator, buyer):
        assert (await client.get(URL, params=shop_q, headers=who.headers)).status_code == 403
        assert (await client.post(URL, json=body, headers=who.headers)).status_code == 403
        one = f"{URL}/{ep['id']}"
        assert (await client.get(one, headers=who.headers)).status_code == 404
        assert (await client.post(f"{one}/rotate-secret", headers=who.headers)).status_code == 404
        assert (await client.delete(one, headers=who.headers)).status_code == 404
    assert (await client.get(URL, params=shop_q)).status_code == 401
    # A creator's endpoints are the creator's alone; a buyer has none.
    mine = {
        "owner_kind": "creator",
        "owner_id": creator.id,
        "url": receiver.url,
        "events": ["show.live"],
    }
    assert (await client.post(URL, json=mine, headers=creator.headers)).status_code == 201
    assert (await client.post(URL, json=mine, headers=stranger.headers)).status_code == 403
    theirs = {**mine, "owner_id": buyer.id}
    assert (await client.post(URL, json=theirs, headers=buyer.headers)).status_code == 403
    listed = await client.get(URL, params=shop_q, headers=hooks.seller.headers)
    assert [e["id"] for e in listed.json()] == [ep["id"]] and "secret" not in listed.json()[0]


async def test_bad_input_is_refused_with_a_code(hooks: Hooks, client: httpx.AsyncClient) -> None:
    base = {"owner_kind": "shop", "owner_id": hooks.shop["id"], "events": ["order.paid"]}
    h = hooks.seller.headers
    for bad in (
        {**base, "url": "ftp://example.com/x"},
        {**base, "url": "https://example.com/x", "events": ["order.exploded"]},
        {**base, "url": "https://example.com/x", "events": []},
        {**base, "url": "https://example.com/" + "x" * 2000},
        {**base, "url": "https://example.com/x", "extra": 1},
    ):
        r = await client.post(URL, json=bad, headers=h)
        assert r.status_code == 422 and r.json()["code"], r.text
    for _ in range(10):
        r = await client.post(URL, json={**base, "url": "https://example.com/hook"}, headers=h)
        assert r.status_code == 201
    r = await client.post(URL, json={**base, "url": "https://example.com/hook"}, headers=h)
    assert r.status_code == 409 and r.json()["code"] == "too_many_endpoints"


async def test_private_addresses_are_refused_in_production_style(
    hooks: Hooks, app: object, client: httpx.AsyncClient
) -> None:
    settings = app.state.settings  # type: ignore[attr-defined]
    app.state.settings = settings.model_copy(update={"webhook_allow_private_hosts": False})  # type: ignore[attr-defined]
    try:
        for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://10.1.2.3/x"):
            r = await client.post(
                URL,
                json={
                    "owner_kind": "shop",
                    "owner_id": hooks.shop["id"],
                    "url": url,
                    "events": ["order.paid"],
                },
                headers=hooks.seller.headers,
            )
            assert r.status_code == 422 and r.json()["code"] == "webhook_url_private", r.text
    finally:
        app.state.settings = settings  # type: ignore[attr-defined]


async def test_rotation_signs_with_both_secrets_for_a_while(
    hooks: Hooks, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.paid"])
    r = await client.post(f"{URL}/{ep['id']}/rotate-secret", headers=hooks.seller.headers)
    assert r.status_code == 200
    new = r.json()["secret"]
    assert new != ep["secret"] and new.startswith(signing.PREFIX)
    r = await client.post(
        f"{URL}/{ep['id']}/test", headers={**hooks.seller.headers, "Idempotency-Key": "test-1-abc"}
    )
    again = await client.post(
        f"{URL}/{ep['id']}/test", headers={**hooks.seller.headers, "Idempotency-Key": "test-1-abc"}
    )
    assert r.status_code == again.status_code == 202 and r.json() == again.json()
    assert await hooks.deliver() == 1
    (arrival,) = receiver.arrivals
    assert len(arrival.signature.split()) == 2
    for secret in (new, ep["secret"]):  # receivers not yet switched still verify
        assert verify(secret, arrival.msg_id, arrival.timestamp, arrival.body, arrival.signature)
    assert json.loads(arrival.body)["type"] == "webhook.test"
    log = await hooks.deliveries(ep["id"])
    assert log[0]["status"] == "delivered" and log[0]["last_status_code"] == 200
