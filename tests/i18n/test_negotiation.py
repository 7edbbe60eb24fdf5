"""Which language a page and an error answer use: chosen > Accept-Language > the market's."""

from __future__ import annotations

import re

import httpx
import pytest

from liveshop.i18n import catalog, choose
from tests.kits.factories import Api

MALFORMED = "The request body is not valid JSON."


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found, page[:200]
    return found.group(1)


def test_the_order_is_chosen_then_accept_language_then_market() -> None:
    assert choose("fr", "de-DE,de;q=0.9", "it") == "fr"
    assert choose(None, "de-DE,de;q=0.9,en;q=0.5", "it") == "de"
    assert choose(None, None, "it") == "it"
    assert choose(None, None, "en-US") == "en_US"
    assert choose(None, "en-US", "de") == "en_US"
    assert choose(None, "en", "de") == "en_GB"
    assert choose(None, "es;q=0.2, id;q=0.8", None) == "id"
    # Nothing we speak in the header: the market's language, not English by accident.
    assert choose(None, "ja-JP, zh;q=0.5", "es") == "es"
    # A chosen language we do not have is ignored.
    assert choose("xx", "it", "de") == "it"
    assert choose(None, None, None) == "en_GB"


async def test_a_page_follows_the_order(client: httpx.AsyncClient, api: Api) -> None:
    assert html_lang((await client.get("/login")).text) == "en-GB"  # no hint: the UK default
    r = await client.get("/login", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert html_lang(r.text) == "it"
    buyer = await api.user("buyer", market="DE")
    r = await client.get("/orders", headers=buyer.headers)
    assert r.status_code == 200
    assert html_lang(r.text) == "de"  # the market's language
    r = await client.get("/orders", headers={**buyer.headers, "Accept-Language": "es"})
    assert html_lang(r.text) == "es"  # the browser's beats the market's
    r = await client.post(
        "/language", data={"lang": "fr", "next": "/orders"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/orders"
    assert client.cookies.get("liveshop_lang") == "fr"
    r = await client.get("/orders", headers={**buyer.headers, "Accept-Language": "es"})
    assert html_lang(r.text) == "fr"  # the chosen one beats both
    assert 'meta name="i18n-catalogue" content="/static/i18n/fr.json' in r.text


async def test_the_switcher_refuses_to_send_the_visitor_elsewhere(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/language", data={"lang": "de", "next": "//evil.example/"}, follow_redirects=False
    )
    assert r.headers["location"] == "/"


async def test_a_problem_detail_is_in_the_pseudo_locale_with_the_same_code(
    client: httpx.AsyncClient,
) -> None:
    """The mechanism, independent of the translators' progress."""
    english = await client.post(
        "/api/v1/auth/login", content=b"{", headers={"content-type": "application/json"}
    )
    pseudo = await client.post(
        "/api/v1/auth/login",
        content=b"{",
        headers={"content-type": "application/json", "Accept-Language": "en-XA"},
    )
    assert english.json()["detail"] == MALFORMED
    assert pseudo.json()["code"] == english.json()["code"] == "malformed_json"
    assert pseudo.json()["detail"] == catalog.pseudo(MALFORMED)


async def test_a_formatted_problem_detail_is_translated_with_its_values(
    client: httpx.AsyncClient, api: Api
) -> None:
    buyer = await api.user("buyer")
    r = await client.get(
        "/api/v1/orders/999999", headers={**buyer.headers, "Accept-Language": "en-XA"}
    )
    assert r.status_code == 404
    assert r.json()["detail"].startswith("⟦") and "999999" in r.json()["detail"]


@pytest.mark.translations
async def test_a_problem_detail_is_in_german_for_accept_language_de(
    client: httpx.AsyncClient,
) -> None:
    """ACCEPTANCE (issue 16): needs the German catalogue (fails until it is translated)."""
    german = catalog.messages_of("de").get(MALFORMED)
    assert german, "the German catalogue has no translation of this detail yet"
    r = await client.post(
        "/api/v1/auth/login",
        content=b"{",
        headers={"content-type": "application/json", "Accept-Language": "de-DE,de;q=0.9"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"
    assert r.json()["detail"] == german != MALFORMED
