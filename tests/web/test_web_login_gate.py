"""Every page that needs a login sends a visitor without one to the login page, which brings
them back; with a session the same page opens (admin pages refuse non-admins with a page)."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.kits.factories import Api

LOGIN_PAGES = [
    "/cart",
    "/orders",
    "/notifications",
    "/studio",
    "/studio/shows/1",
    "/seller",
    "/seller/shop",
    "/seller/products",
    "/seller/products/new",
    "/seller/products/1",
    "/seller/import",
    "/seller/returns",
    "/seller/creators",
    "/admin",
]
ADMIN_ONLY = ["/admin/shops", "/admin/keywords", "/admin/users"]
OPEN_PAGES = ["/", "/login", "/signup", "/reset-password", "/events/spring-sale"]


@pytest.mark.parametrize("path", LOGIN_PAGES + ADMIN_ONLY)
async def test_a_page_that_needs_a_login_sends_you_to_log_in_and_back(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={quote(path)}"


async def test_with_a_session_the_pages_open(api: Api, client: httpx.AsyncClient) -> None:
    buyer = await api.user("buyer")
    for path in LOGIN_PAGES + OPEN_PAGES:
        r = await client.get(path, headers=buyer.headers)
        assert r.status_code == 200, path
        assert r.headers["content-type"].startswith("text/html"), path
    for path in ADMIN_ONLY:
        r = await client.get(path, headers=buyer.headers)
        assert r.status_code == 403, path
        assert "text/html" in r.headers["content-type"], path
    admin = await api.user("admin")
    for path in ADMIN_ONLY:
        assert (await client.get(path, headers=admin.headers)).status_code == 200, path


async def test_pages_without_a_login_stay_open(client: httpx.AsyncClient) -> None:
    for path in OPEN_PAGES:
        assert (await client.get(path)).status_code == 200, path
