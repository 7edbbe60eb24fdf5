"""What outside fuzzing found (issue 10, F1-F10): each finding, replayed as a client would.

F5 (login flood) lives with the login rate limits. The header-size half of F9 and the frame
cap need a real server built like `liveshop serve`: see test_server_limits.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from liveshop.errors import PROBLEM
from tests.kits.factories import Actor, Api
from tests.kits.room import RoomClient, make_show
from tests.kits.server import serve_app

API = "/api/v1"


def problem(r: httpx.Response, status: int, code: str = "validation_error") -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


async def _show(client: httpx.AsyncClient, host: Actor, **over: Any) -> httpx.Response:
    body = {"title": "Fuzzed", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"], **over}
    return await client.post(f"{API}/shows", headers=host.headers, json=body)


# --- F1: null where the column is NOT NULL ---------------------------------------------------


@pytest.mark.parametrize("field", ["name", "description"])
async def test_f1_null_shop_name_or_description_is_refused(
    client: httpx.AsyncClient, api: Api, field: str
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    r = await client.patch(f"{API}/shops/{shop['id']}", headers=seller.headers, json={field: None})
    problem(r, 422)
    assert (await client.get(f"{API}/shops/{shop['id']}")).json() == shop


# --- F2: ids inside lists ---------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", [2**31, 2**70, 0, True])
async def test_f2_ids_inside_lists_are_range_checked(
    client: httpx.AsyncClient, api: Api, bad_id: Any
) -> None:
    host = await api.user("seller")
    admin = await api.user("admin")
    problem(await _show(client, host, product_ids=[bad_id]), 422)
    show = (await _show(client, host)).json()
    r = await client.patch(
        f"{API}/shows/{show['id']}", headers=host.headers, json={"product_ids": [bad_id]}
    )
    problem(r, 422)
    event = {
        "title": "Week",
        "slug": "week",
        "starts_at": "2030-01-01T00:00:00Z",
        "ends_at": "2030-01-08T00:00:00Z",
        "show_ids": [bad_id],
    }
    problem(await client.post(f"{API}/events", headers=admin.headers, json=event), 422)
    r = await client.post(
        f"{API}/events/week/shows", headers=admin.headers, json={"show_ids": [bad_id]}
    )
    problem(r, 422)
    assert (await client.get(f"{API}/shows/{show['id']}")).json()["product_ids"] == []


# --- F3: money above 2**31 --------------------------------------------------------------------


async def test_f3_money_above_32_bits_is_stored_and_searched(
    client: httpx.AsyncClient, api: Api
) -> None:
    """£30 million a unit, two units: every amount on the order is past 2**31 minor units."""
    seller = await api.user("seller")
    buyer = await api.user("buyer", market="UK")
    shop = await api.shop(seller)
    price = 3_000_000_000
    product = await api.product(seller, shop["id"], stock=5, prices={"UK": price})
    r = await api.buy(buyer, product["variants"][0]["id"], quantity=2)
    assert r.status_code == 201, r.text
    assert r.json()[0]["total"]["amount"] >= 2 * price
    r = await client.get(f"{API}/products", params={"market": "UK", "min_price": 2**31})
    assert r.status_code == 200, r.text
    assert [p["id"] for p in r.json()["items"]] == [product["id"]]
    problem(await client.get(f"{API}/products", params={"min_price": 10**12 + 1}), 422)


# --- F4: NUL characters -----------------------------------------------------------------------


async def test_f4_nul_in_any_text_is_refused(client: httpx.AsyncClient, api: Api) -> None:
    user = await api.user("seller")
    admin = await api.user("admin")
    h = user.headers
    nul = "a\x00b"
    problem(await client.patch(f"{API}/me", headers=h, json={"display_name": nul}), 422)
    problem(await client.patch(f"{API}/me", headers=h, json={"city": nul}), 422)
    problem(await client.post(f"{API}/auth/tokens", headers=h, json={"name": nul}), 422)
    problem(await _show(client, user, title=nul), 422)
    problem(await client.post(f"{API}/shops", headers=h, json={"name": nul, "market": "UK"}), 422)
    problem(await client.get(f"{API}/products", params={"market": "UK", "q": nul}), 422)
    problem(await client.get(f"{API}/admin/users", headers=admin.headers, params={"q": nul}), 422)
    problem(await client.get(f"{API}/markets/U%00K"), 422)
    me = (await client.get(f"{API}/me", headers=h)).json()
    assert "\x00" not in me["display_name"] and me["city"] is None


async def test_f4_nul_in_a_chat_message_is_a_typed_refusal(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    _, show, _ = await make_show(api, client)
    talker = await api.user("buyer")
    async with serve_app(app) as base:
        viewer = await RoomClient.connect(base, show["id"], token=talker.token)
        await viewer.wait(lambda c: c.of("snapshot"))
        await viewer.chat("bad\x00text", ref="nul")
        await viewer.chat("fine")
        await viewer.wait(lambda c: c.of("chat"))
        errors = viewer.of("error")
        assert [(e.code, e.ref) for e in errors] == [("invalid_message", None)]
        assert [m.text for m in viewer.of("chat")] == ["fine"]
        await viewer.close()


# --- F6: keep-alive after a 500 ---------------------------------------------------------------


async def test_f6_a_500_says_connection_close_and_the_next_request_works(
    app: Any, client: httpx.AsyncClient
) -> None:
    """A route that fails for real (not a mock): the client must be told not to reuse."""

    async def boom() -> None:
        raise RuntimeError("deliberate failure for the keep-alive test")

    app.add_api_route("/test-only/boom", boom)
    async with serve_app(app) as ws_base:
        host, port = ws_base.removeprefix("ws://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /test-only/boom HTTP/1.1\r\nHost: x\r\n\r\n")
        head = (await reader.readuntil(b"\r\n\r\n")).decode().lower()
        assert head.startswith("http/1.1 500") and "connection: close" in head, head
        writer.close()
        async with httpx.AsyncClient(base_url=f"http://{host}:{port}") as http:
            assert (await http.get("/test-only/boom")).headers["connection"] == "close"
            assert (await http.get("/healthz")).status_code == 200


# --- F7: 405 and route shadowing --------------------------------------------------------------


async def test_f7_405_names_the_allowed_methods(client: httpx.AsyncClient) -> None:
    r = await client.request("TRACE", f"{API}/products/1")
    problem(r, 405, "method_not_allowed")
    assert set(r.headers["allow"].split(", ")) >= {"GET", "PATCH", "DELETE"}
    r = await client.get(f"{API}/orders/buy-now")
    problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "POST"


# --- F8: the OpenAPI document -----------------------------------------------------------------


async def test_f8_openapi_declares_security_and_problem_errors(
    client: httpx.AsyncClient, api: Api
) -> None:
    doc = (await client.get(f"{API}/openapi.json")).json()
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["sessionCookie"]["in"] == "cookie"
    operations = [op for path in doc["paths"].values() for op in path.values()]
    assert len(operations) > 100
    for op in operations:
        for status in ("400", "401", "403", "404", "409", "413", "422", "429"):
            content = op["responses"][status]["content"]
            assert content == {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    me = doc["paths"][f"{API}/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}, {"sessionCookie": []}]
    assert "HTTPValidationError" not in doc["components"]["schemas"]

    # The 422 body is what the document says it is.
    schema = doc["components"]["schemas"]["Problem"]
    user = await api.user("buyer")
    body = problem(await client.patch(f"{API}/me", headers=user.headers, json={"city": 5}), 422)
    assert set(schema["required"]) <= set(body)
    item = schema["properties"]["errors"]["items"]
    assert body["errors"] and all(set(item["required"]) <= set(e) for e in body["errors"])
    assert body["errors"][0]["loc"] == ["body", "city"]


# --- F9: body size over chunked transfer ------------------------------------------------------


async def test_f9_a_huge_chunked_body_gets_413(client: httpx.AsyncClient, api: Api) -> None:
    user = await api.user("buyer")

    async def chunks() -> Any:
        for _ in range(160):  # 10 MiB in 64 KiB chunks, with no Content-Length
            yield b" " * 65536

    r = await client.patch(
        f"{API}/me", headers={**user.headers, "Content-Type": "application/json"}, content=chunks()
    )
    problem(r, 413, "body_too_large")


# --- F10: small validation slips --------------------------------------------------------------


async def test_f10_bools_are_not_numbers(client: httpx.AsyncClient, api: Api) -> None:
    host, show, _ = await make_show(api, client)
    url = f"{API}/shows/{show['id']}/slow-mode"
    problem(await client.put(url, headers=host.headers, json={"seconds": False}), 422)
    problem(await client.put(url, headers=host.headers, json={"seconds": "5"}), 422)
    r = await client.put(url, headers=host.headers, json={"seconds": 5})
    assert r.status_code == 204, r.text


@pytest.mark.parametrize(
    "starts_at",
    [0, 1_900_000_000, "1970-01-01T00:00:00Z", "2030-01-01T18:00:00", "3000-01-01T00:00:00Z"],
)
async def test_f10_dates_are_iso_text_with_a_zone_and_plausible(
    client: httpx.AsyncClient, api: Api, starts_at: Any
) -> None:
    host = await api.user("seller")
    problem(await _show(client, host, starts_at=starts_at), 422)
    assert (await _show(client, host, starts_at="2030-01-01T18:00:00+01:00")).status_code == 201


async def test_f10_path_ids_are_digits_only(client: httpx.AsyncClient, api: Api) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    assert (await client.get(f"{API}/shops/{shop['id']}")).status_code == 200
    for path in (f"%0C{shop['id']}", f"{shop['id']}%20", f"+{shop['id']}", f"0x{shop['id']}"):
        r = await client.get(f"{API}/shops/{path}")
        assert r.status_code in (404, 422), (path, r.status_code)
        assert r.headers["content-type"] == PROBLEM


async def test_f10_blank_keywords_are_refused_as_the_schema_says(
    client: httpx.AsyncClient, api: Api
) -> None:
    doc = (await client.get(f"{API}/openapi.json")).json()
    word = doc["components"]["schemas"]["KeywordIn"]["properties"]["word"]
    assert word["pattern"] == r"\S"  # the schema itself says "not only spaces"
    admin = await api.user("admin")
    r = await client.post(f"{API}/admin/keywords", headers=admin.headers, json={"word": "   "})
    problem(r, 422)


async def test_f4_the_refusal_names_the_field(client: httpx.AsyncClient, api: Api) -> None:
    user = await api.user("buyer")
    body = {
        "name": "N",
        "line1": "1 High St",
        "city": "Le\x00eds",
        "postcode": "LS1",
        "country": "UK",
    }
    r = await client.post(
        f"{API}/checkout", headers=user.headers, json={"market": "UK", "address": body}
    )
    refusal = problem(r, 422)
    assert refusal["errors"][0]["loc"] == ["body", "address", "city"]
    assert refusal["detail"] == "address.city: Text must not contain NUL characters"
