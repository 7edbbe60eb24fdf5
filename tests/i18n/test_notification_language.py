"""An inbox entry reads in its reader's language, whoever's request caused it."""

from __future__ import annotations

import httpx

from tests.kits.factories import Api


async def test_a_cancelled_show_is_told_to_each_fan_in_their_language(
    api: Api, client: httpx.AsyncClient
) -> None:
    creator, fan = await api.user("creator"), await api.user("buyer")
    r = await client.post(
        "/api/v1/shows",
        headers=creator.headers,
        json={"title": "Winter boots", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]},
    )
    sid = r.json()["id"]
    assert (await client.put(f"/api/v1/shows/{sid}/rsvp", headers=fan.headers)).status_code == 204
    # The host cancels from a French page; the fan reads in German, then in English.
    cancelled = await client.post(
        f"/api/v1/shows/{sid}/cancel", headers={**creator.headers, "Accept-Language": "fr"}
    )
    assert cancelled.status_code == 200, cancelled.text

    async def inbox(lang: str) -> list[tuple[str, str]]:
        got = await client.get(
            "/api/v1/me/notifications", headers={**fan.headers, "Accept-Language": lang}
        )
        return [(n["kind"], n["title"]) for n in got.json()["items"]]

    assert await inbox("de") == [("show_cancelled", "Abgesagt: Winter boots")]
    assert await inbox("en-GB") == [("show_cancelled", "Cancelled: Winter boots")]
    # The show's title is the creator's content: never translated.
    assert await inbox("es") == [("show_cancelled", "Cancelado: Winter boots")]


async def test_a_refusal_splices_no_english_word_into_a_translated_sentence(
    api: Api, client: httpx.AsyncClient
) -> None:
    creator = await api.user("creator")
    r = await client.post(
        "/api/v1/shows",
        headers=creator.headers,
        json={"title": "Once", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]},
    )
    sid = r.json()["id"]
    assert (
        await client.post(f"/api/v1/shows/{sid}/cancel", headers=creator.headers)
    ).status_code == 200
    again = await client.post(
        f"/api/v1/shows/{sid}/cancel", headers={**creator.headers, "Accept-Language": "de"}
    )
    assert again.status_code == 409
    body = again.json()
    assert body["code"] == "show_not_cancellable"
    assert "cancelled" not in body["detail"] and "abgesagt" in body["detail"].lower(), body
