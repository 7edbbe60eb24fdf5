"""Issue 10 item 6, sessions and tokens: sign-up does not tell who has an account (the owner is
told by e-mail), password reset by e-mail through a real SMTP server (aiosmtpd), password
change, API tokens that list, expire and revoke, a Secure cookie over https, and logout, token
revocation and bans closing the user's open live-room sockets.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import AuthToken
from liveshop.accounts.security import token_digest
from liveshop.db import utcnow
from liveshop.live.room.hub import CLOSE_BANNED, CLOSE_INVALID_TOKEN
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork
from tests.kits.factories import Api
from tests.kits.mail import Inbox, body_of, link_token
from tests.kits.room import RoomClient, make_show
from tests.kits.server import serve_app

API = "/api/v1"
PASSWORD = "correct horse battery"


@pytest.fixture
async def mailing_app(settings: Settings, smtp: Inbox, make_app: Any) -> AsyncIterator[Any]:
    """An app that sends its mail over SMTP to `smtp`."""
    async with make_app(smtp.settings(settings), run_background=False) as app:
        yield app


@pytest.fixture
async def mailing(mailing_app: Any) -> AsyncIterator[Any]:
    """A client of `mailing_app`."""
    transport = httpx.ASGITransport(app=mailing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def login(c: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    r = await c.post(f"{API}/auth/login", json={"email": email, "password": password})
    c.cookies.clear()
    return r


def bearer(r: httpx.Response) -> dict[str, str]:
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def expire(app: Any, token: str) -> None:
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        await uow.session.execute(
            update(AuthToken)
            .where(AuthToken.token_hash == token_digest(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await uow.commit()


async def test_signup_answers_the_same_for_a_taken_address_and_mails_its_owner(
    mailing: httpx.AsyncClient, smtp: Inbox
) -> None:
    first = {"email": "amy@example.com", "password": PASSWORD, "display_name": "Amy"}
    again = {**first, "password": "someone else's pass", "display_name": "Mallory"}
    a = await mailing.post(f"{API}/auth/signup", json=first)
    b = await mailing.post(f"{API}/auth/signup", json=again)
    assert (a.status_code, a.json()) == (b.status_code, b.json()) == (a.status_code, a.json())
    assert a.status_code == 202
    assert "set-cookie" not in a.headers and "set-cookie" not in b.headers
    welcome = await smtp.wait_for("amy@example.com", "Welcome")
    warned = await smtp.wait_for("amy@example.com", "tried to sign up")
    assert "Amy" in body_of(welcome) and "/reset-password" in body_of(warned)
    assert len(smtp.to("amy@example.com")) == 2
    # The account is Amy's: the second sign-up changed nothing.
    assert (await login(mailing, "amy@example.com", again["password"])).status_code == 401
    assert (await login(mailing, "amy@example.com")).json()["user"]["display_name"] == "Amy"


async def test_password_reset_by_email(mailing: httpx.AsyncClient, smtp: Inbox) -> None:
    body = {"email": "bob@example.com", "password": PASSWORD, "display_name": "Bob"}
    await mailing.post(f"{API}/auth/signup", json=body)
    session = bearer(await login(mailing, "bob@example.com"))

    known = await mailing.post(f"{API}/auth/password-reset", json={"email": "BOB@example.com"})
    unknown = await mailing.post(f"{API}/auth/password-reset", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    token = link_token(await smtp.wait_for("bob@example.com", "Reset your"))
    await asyncio.sleep(0.2)
    assert smtp.to("nobody@example.com") == []
    # The link proves an inbox, it is not a login.
    r = await mailing.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401

    new = "a brand new password"
    r = await mailing.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": new}
    )
    assert r.status_code == 204, r.text
    assert (await mailing.get(f"{API}/me", headers=session)).status_code == 401  # sessions end
    assert (await login(mailing, "bob@example.com")).status_code == 401
    assert (await login(mailing, "bob@example.com", new)).status_code == 200
    used = await mailing.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": PASSWORD}
    )
    assert used.status_code == 400 and used.json()["code"] == "invalid_reset_token"


async def test_an_expired_reset_link_is_refused(
    mailing: httpx.AsyncClient, mailing_app: Any, smtp: Inbox
) -> None:
    body = {"email": "cy@example.com", "password": PASSWORD, "display_name": "Cy"}
    await mailing.post(f"{API}/auth/signup", json=body)
    await mailing.post(f"{API}/auth/password-reset", json={"email": "cy@example.com"})
    token = link_token(await smtp.wait_for("cy@example.com", "Reset your"))
    await expire(mailing_app, token)
    r = await mailing.post(
        f"{API}/auth/password-reset/confirm", json={"token": token, "password": "x" * 12}
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_reset_token"
    assert (await login(mailing, "cy@example.com")).status_code == 200


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    api: Api, client: httpx.AsyncClient
) -> None:
    user = await api.user("buyer")
    here, there = bearer(await login(client, user.email)), bearer(await login(client, user.email))
    wrong = await client.post(
        f"{API}/me/password",
        headers=here,
        json={"current_password": "not it", "new_password": "a new password"},
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "wrong_password"
    r = await client.post(
        f"{API}/me/password",
        headers=here,
        json={"current_password": PASSWORD, "new_password": "a new password"},
    )
    assert r.status_code == 204, r.text
    assert (await client.get(f"{API}/me", headers=here)).status_code == 200
    assert (await client.get(f"{API}/me", headers=there)).status_code == 401
    assert (await login(client, user.email)).status_code == 401
    assert (await login(client, user.email, "a new password")).status_code == 200


async def test_api_tokens_can_be_listed_expire_and_be_revoked(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    user, other = await api.user("seller"), await api.user("buyer")
    r = await client.post(
        f"{API}/auth/tokens", headers=user.headers, json={"name": "shopify", "expires_in_days": 7}
    )
    assert r.status_code == 201, r.text
    made = r.json()
    lifetime = made["expires_at"]
    assert lifetime is not None
    secret = {"Authorization": f"Bearer {made['token']}"}
    assert (await client.get(f"{API}/me", headers=secret)).json()["id"] == user.id

    listed = (await client.get(f"{API}/auth/tokens", headers=user.headers)).json()
    assert [(t["id"], t["name"], t["expires_at"]) for t in listed] == [
        (made["token_id"], "shopify", lifetime)
    ]
    assert made["token"] not in str(listed)
    assert (await client.get(f"{API}/auth/tokens", headers=other.headers)).json() == []

    too_long = await client.post(
        f"{API}/auth/tokens", headers=user.headers, json={"name": "x", "expires_in_days": 3000}
    )
    assert too_long.status_code == 422
    nope = await client.delete(f"{API}/auth/tokens/{made['token_id']}", headers=other.headers)
    assert nope.status_code == 404
    gone = await client.delete(f"{API}/auth/tokens/{made['token_id']}", headers=user.headers)
    assert gone.status_code == 204
    r = await client.get(f"{API}/me", headers=secret)
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"
    assert (await client.get(f"{API}/auth/tokens", headers=user.headers)).json() == []

    later = (await client.post(f"{API}/auth/tokens", headers=user.headers, json={})).json()
    await expire(app, later["token"])
    r = await client.get(f"{API}/me", headers={"Authorization": f"Bearer {later['token']}"})
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


@pytest.mark.parametrize(
    ("base_url", "secure"), [("https://shop.example", True), ("http://127.0.0.1:8000", False)]
)
async def test_the_session_cookie_is_secure_over_https(
    settings: Settings, make_app: Any, base_url: str, secure: bool
) -> None:
    async with make_app(Settings(**{**settings.model_dump(), "base_url": base_url})) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            await c.post(
                f"{API}/auth/signup",
                json={"email": "s@example.com", "password": PASSWORD, "display_name": "S"},
            )
            r = await c.post(
                f"{API}/auth/login", json={"email": "s@example.com", "password": PASSWORD}
            )
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert ("; secure" in cookie) is secure


async def test_logout_revocation_and_bans_close_the_users_room_sockets(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    _seller, show, _ = await make_show(api, client)
    fan, bystander, admin = (
        await api.user("buyer"),
        await api.user("buyer"),
        await api.user("admin"),
    )
    phone = (await login(client, fan.email)).json()["token"]
    token = (await client.post(f"{API}/auth/tokens", headers=fan.headers, json={})).json()
    async with serve_app(app) as base:
        sockets = {
            name: await RoomClient.connect(base, show["id"], token=secret)
            for name, secret in [
                ("laptop", fan.token),
                ("phone", phone),
                ("bot", token["token"]),
                ("bystander", bystander.token),
            ]
        }
        for ws in sockets.values():
            await ws.wait(lambda c: c.frames)

        r = await client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {phone}"})
        assert r.status_code == 204
        assert await sockets["phone"].wait_closed() == CLOSE_INVALID_TOKEN
        assert sockets["phone"].of("error")[-1].code == "invalid_token"

        r = await client.delete(f"{API}/auth/tokens/{token['token_id']}", headers=fan.headers)
        assert r.status_code == 204
        assert await sockets["bot"].wait_closed() == CLOSE_INVALID_TOKEN
        assert sockets["laptop"].close_code is None  # other sessions carry on

        r = await client.patch(
            f"{API}/admin/users/{fan.id}", headers=admin.headers, json={"banned": True}
        )
        assert r.status_code == 200, r.text
        assert await sockets["laptop"].wait_closed() == CLOSE_BANNED
        assert sockets["laptop"].of("error")[-1].code == "banned"
        await asyncio.sleep(0.3)
        assert sockets["bystander"].close_code is None
        for ws in sockets.values():
            await ws.close()
