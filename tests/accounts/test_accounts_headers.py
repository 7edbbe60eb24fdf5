"""Issue 10 item 7, headers and redirects: after logging in a user stays on this site whatever
`?next=` says, and pages send a Content-Security-Policy without inline script, refuse framing,
forbid MIME sniffing, set a Referrer-Policy, and HSTS when served over https.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest

from liveshop.settings import Settings
from liveshop.web.pages.common import TEMPLATES_DIR
from tests.kits.web import DESKTOP, PASSWORD, browser, serve

API = "/api/v1"
EVIL = [
    "/\\evil.example",
    "//evil.example",
    "https://evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/%5Cevil.example",
    "/%2F/evil.example",
    "/%252F%252Fevil.example",
    "/\t/evil.example",
    "/ /\\evil.example",
    "javascript:alert(1)",
    "http:evil.example",
]


def next_of(html: str) -> str:
    found = re.search(r'data-next="([^"]*)"', html)
    assert found, html
    return found[1]


@pytest.mark.parametrize("target", EVIL)
async def test_the_login_page_never_sends_you_off_site(
    client: httpx.AsyncClient, target: str
) -> None:
    r = await client.get(f"/login?next={quote(target, safe='')}")
    assert r.status_code == 200
    assert next_of(r.text) == "/"


@pytest.mark.parametrize("target", ["/shows/3", "/orders?tab=open", "/products/7#reviews"])
async def test_the_login_page_keeps_a_path_on_this_site(
    client: httpx.AsyncClient, target: str
) -> None:
    r = await client.get(f"/login?next={quote(target, safe='')}")
    assert next_of(r.text) == target.replace("&", "&amp;")


async def test_a_page_that_needs_a_login_comes_back_to_itself(client: httpx.AsyncClient) -> None:
    r = await client.get("/orders")
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert next_of(page.text) == "/orders"


async def test_pages_and_api_send_security_headers(client: httpx.AsyncClient) -> None:
    for url in ("/", "/login", f"{API}/markets/UK", "/static/js/auth.js"):
        r = await client.get(url)
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", url
        assert "strict-transport-security" not in r.headers, url  # plain http here
        csp = dict(
            part.strip().split(" ", 1) for part in r.headers["content-security-policy"].split(";")
        )
        assert csp["script-src"] == "'self'", url
        assert csp["frame-ancestors"] == "'none'", url
        assert csp["object-src"] == "'none'", url
        assert "unsafe" not in r.headers["content-security-policy"], url


async def test_hsts_over_https(settings: Settings, make_app: Any) -> None:
    https = Settings(**{**settings.model_dump(), "base_url": "https://shop.example"})
    async with make_app(https, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://shop.example") as c:
            r = await c.get("/")
    assert r.headers["strict-transport-security"].startswith("max-age=31536000")


def test_templates_hold_no_inline_script() -> None:
    """The CSP allows only our own script files; an inline block would simply not run."""
    for template in sorted(TEMPLATES_DIR.glob("*.html")):
        html = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag, f"{template.name}: {tag}"
        assert not re.search(r"\son[a-z]+=", html), f"{template.name}: inline event handler"


@pytest.mark.slow
async def test_in_a_browser_login_stays_on_site_and_no_page_breaks_the_csp(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        email = f"csp-{uuid.uuid4().hex[:6]}@example.com"
        async with httpx.AsyncClient(base_url=server.url) as api:
            r = await api.post(
                f"{API}/auth/signup",
                json={"email": email, "password": PASSWORD, "display_name": "Csp"},
            )
            assert r.status_code == 202
        ctx = await b.new_context(base_url=server.url, viewport=DESKTOP)
        page = await ctx.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        await page.goto("/login?next=/%5Cevil.example")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{server.url}/")
        assert urlsplit(page.url).netloc == urlsplit(server.url).netloc
        for path in ("/", "/signup", "/reset-password", "/orders", "/cart"):
            await page.goto(path)
            await page.wait_for_load_state("networkidle")
        assert violations == []
        # The reset page works under the policy: its form is driven by a module.
        await page.goto("/reset-password")
        await page.get_by_label("Email").fill(email)
        await page.get_by_role("button", name="Send me a reset link").click()
        await page.locator("#reset-done").wait_for()
        assert "reset link" in await page.locator("#reset-done").inner_text()
        await ctx.close()
