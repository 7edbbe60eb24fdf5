"""The buyer's address book: saved once, one default per country, private, bounded."""

from __future__ import annotations

import httpx

from tests.kits.factories import Api, address


async def test_addresses_are_saved_once_defaulted_per_country_and_private(
    client: httpx.AsyncClient, api: Api
) -> None:
    amy = await api.user("buyer")
    home = address("UK")
    for _ in range(2):  # a retry saves nothing new
        r = await client.post("/api/v1/me/addresses", headers=amy.headers, json={"address": home})
        assert r.status_code == 201, r.text
    book = (await client.get("/api/v1/me/addresses", headers=amy.headers)).json()
    assert len(book) == 1 and book[0]["is_default"] and book[0]["address"]["city"] == home["city"]

    work = {**home, "line1": "2 Park Row"}
    r = await client.post(
        "/api/v1/me/addresses", headers=amy.headers, json={"address": work, "default": True}
    )
    assert r.status_code == 201, r.text
    berlin = address("DE")
    await client.post("/api/v1/me/addresses", headers=amy.headers, json={"address": berlin})
    book = (await client.get("/api/v1/me/addresses", headers=amy.headers)).json()
    defaults = {b["address"]["country"]: b["address"]["line1"] for b in book if b["is_default"]}
    assert defaults == {"UK": "2 Park Row", "DE": berlin["line1"]}

    ben = await api.user("buyer")
    assert (await client.get("/api/v1/me/addresses", headers=ben.headers)).json() == []
    other = book[0]["id"]
    r = await client.delete(f"/api/v1/me/addresses/{other}", headers=ben.headers)
    assert r.status_code == 404 and r.json()["code"] == "address_not_found"
    assert (await client.get("/api/v1/me/addresses")).status_code == 401

    for i in range(7):
        r = await client.post(
            "/api/v1/me/addresses",
            headers=amy.headers,
            json={"address": {**home, "line1": f"{i + 10} Briggate"}},
        )
        assert r.status_code == 201, r.text
    r = await client.post(
        "/api/v1/me/addresses", headers=amy.headers, json={"address": {**home, "line1": "x"}}
    )
    assert r.status_code == 409 and r.json()["code"] == "address_book_full"
    r = await client.delete(f"/api/v1/me/addresses/{other}", headers=amy.headers)
    assert r.status_code == 204
    bad = await client.post(
        "/api/v1/me/addresses", headers=amy.headers, json={"address": {**home, "country": "XX"}}
    )
    assert bad.status_code == 422
