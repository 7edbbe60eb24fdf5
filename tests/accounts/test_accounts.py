"""Sign-up, login, sessions with CSRF, tokens, follows, notifications, admin changes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from liveshop.accounts import service as accounts
from liveshop.accounts.security import csrf_token
from liveshop.broker import iterate
from liveshop.uow import UnitOfWork
from tests.kits.factories import Api


async def test_signup_login_and_wrong_password(client: httpx.AsyncClient) -> None:
    body = {"email": "Zoe@Example.com", "password": "long enough pw", "display_name": "Zoe"}
    r = await client.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 202

    bad = await client.post(
        "/api/v1/auth/login", json={"email": "zoe@example.com", "password": "nope"}
    )
    assert bad.status_code == 401 and bad.json()["code"] == "invalid_credentials"
    good = await client.post(
        "/api/v1/auth/login", json={"email": "zoe@example.com", "password": "long enough pw"}
    )
    assert good.status_code == 200
    assert good.json()["user"]["email"] == "zoe@example.com"
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {good.json()['token']}"})
    assert me.json()["display_name"] == "Zoe"


async def test_password_is_stored_as_argon2(client: httpx.AsyncClient, app: Any) -> None:
    await client.post(
        "/api/v1/auth/signup",
        json={"email": "h@example.com", "password": "s3cret-pass", "display_name": "H"},
    )
    async with UnitOfWork(db=app.state.db, broker=app.state.broker, write=False) as uow:
        user = await accounts.get_by_email(session=uow.session, email="h@example.com")
        assert user is not None
        stored = user.password_hash
    assert stored.startswith("$argon2")
    assert "s3cret-pass" not in stored


async def test_cookie_session_needs_csrf_for_writes(client: httpx.AsyncClient, settings) -> None:  # type: ignore[no-untyped-def]
    account = {"email": "c@example.com", "password": "cookie-pass"}
    await client.post("/api/v1/auth/signup", json={**account, "display_name": "C"})
    r = await client.post("/api/v1/auth/login", json=account)
    session_token = r.json()["token"]
    assert client.cookies.get("liveshop_session") == session_token
    assert (await client.get("/api/v1/me")).status_code == 200  # reads need no CSRF token

    blocked = await client.patch("/api/v1/me", json={"display_name": "Evil"})
    assert blocked.status_code == 403 and blocked.json()["code"] == "csrf_failed"
    ok = await client.patch(
        "/api/v1/me",
        json={"display_name": "Cee"},
        headers={"X-CSRF-Token": csrf_token(settings.secret_key, session_token)},
    )
    assert ok.status_code == 200 and ok.json()["display_name"] == "Cee"

    logout = await client.post(
        "/api/v1/auth/logout",
        headers={"X-CSRF-Token": csrf_token(settings.secret_key, session_token)},
    )
    assert logout.status_code == 204
    after = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {session_token}"})
    assert after.status_code == 401


async def test_api_tokens_work_as_bearer(api: Api, client: httpx.AsyncClient) -> None:
    user = await api.user("buyer")
    r = await client.post("/api/v1/auth/tokens", headers=user.headers, json={"name": "integration"})
    assert r.status_code == 201
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {r.json()['token']}"})
    assert me.json()["id"] == user.id
    bogus = await client.get("/api/v1/me", headers={"Authorization": "Bearer nope"})
    assert bogus.status_code == 401 and bogus.json()["code"] == "invalid_token"


async def test_follow_and_unfollow_creator_and_shop(api: Api, client: httpx.AsyncClient) -> None:
    creator, seller, fan = (
        await api.user("creator"),
        await api.user("seller"),
        await api.user("buyer"),
    )
    shop = await api.shop(seller)
    for kind, target in (("creator", creator.id), ("shop", shop["id"])):
        r = await client.post(
            "/api/v1/me/follows",
            headers=fan.headers,
            json={"target_kind": kind, "target_id": target},
        )
        assert r.status_code == 201
    again = await client.post(
        "/api/v1/me/follows",
        headers=fan.headers,
        json={"target_kind": "shop", "target_id": shop["id"]},
    )
    assert again.status_code == 201
    follows = (await client.get("/api/v1/me/follows", headers=fan.headers)).json()
    assert {(f["target_kind"], f["target_id"]) for f in follows} == {
        ("creator", creator.id),
        ("shop", shop["id"]),
    }

    not_creator = await client.post(
        "/api/v1/me/follows",
        headers=fan.headers,
        json={"target_kind": "creator", "target_id": seller.id},
    )
    assert not_creator.status_code == 404
    assert (
        await client.delete(f"/api/v1/me/follows/shop/{shop['id']}", headers=fan.headers)
    ).status_code == 204
    assert len((await client.get("/api/v1/me/follows", headers=fan.headers)).json()) == 1


async def test_notifications_reach_the_inbox_and_the_user_channel_after_commit(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    user = await api.user("buyer")
    received: list[dict] = []

    async def listen() -> None:
        async for msg in iterate(app.state.broker, f"user:{user.id}"):
            received.append(json.loads(msg))
            return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.2)  # let a Redis subscription settle
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        await accounts.notify(uow=uow, user_ids=[user.id], kind="show_live", title="Maya is live")
        await asyncio.sleep(0.2)
        assert received == []  # nothing goes out before the commit
        await uow.commit()
    await asyncio.wait_for(listener, 5)
    assert received[0]["notification"]["title"] == "Maya is live"

    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        await accounts.notify(uow=uow, user_ids=[user.id], kind="x", title="rolled back")
    inbox = (await client.get("/api/v1/me/notifications?unread=true", headers=user.headers)).json()
    assert [n["title"] for n in inbox["items"]] == ["Maya is live"]
    assert (await client.post("/api/v1/me/notifications/read", headers=user.headers)).json() == {
        "marked": 1
    }
    assert (await client.get("/api/v1/me/notifications?unread=true", headers=user.headers)).json()[
        "total"
    ] == 0


async def test_admin_sets_roles_and_bans(api: Api, client: httpx.AsyncClient) -> None:
    admin, user = await api.user("admin"), await api.user("buyer")
    r = await client.patch(
        f"/api/v1/admin/users/{user.id}", headers=admin.headers, json={"roles": ["moderator"]}
    )
    assert r.status_code == 200 and r.json()["roles"] == ["buyer", "moderator"]
    r = await client.patch(
        f"/api/v1/admin/users/{user.id}", headers=admin.headers, json={"banned": True}
    )
    assert r.json()["banned"] is True
    assert (await client.get("/api/v1/me", headers=user.headers)).status_code == 401
    login = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": "correct horse battery"}
    )
    assert login.status_code == 403 and login.json()["code"] == "account_banned"
    listed = (await client.get("/api/v1/admin/users", headers=admin.headers)).json()
    assert listed["total"] == 2


async def test_admin_searches_users_by_text_and_role(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin", email="root@example.com")
    grace = await api.user("creator", email="grace.hopper@navy.example")
    cotton = await api.user("buyer", email="cotton@example.com")
    plain = await api.user("buyer", email="plain@example.com")
    snake = await api.user("buyer", email="snake@example.com")
    names = [
        (grace, "Amazing Grace"),
        (cotton, "100% Cotton Club"),
        (plain, "100 Cotton Club"),  # what an unescaped "%" would also match
        (snake, "snake_case fan"),
    ]
    for who, name in names:
        r = await client.patch("/api/v1/me", headers=who.headers, json={"display_name": name})
        assert r.status_code == 200, r.text

    async def found(**params: str) -> list[int]:
        r = await client.get("/api/v1/admin/users", headers=admin.headers, params=params)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"])  # the total counts the matches, not everyone
        return [u["id"] for u in body["items"]]

    assert await found(q="GRACE.HOPPER@Navy") == [grace.id]  # by email, any case
    assert await found(q="aMaZiNg gRaCe") == [grace.id]  # by display name, any case
    assert await found(q="100%") == [cotton.id]  # "%" is a literal, not a wildcard
    assert await found(q="100") == [cotton.id, plain.id]
    assert await found(q="e_c") == [snake.id]  # "_" too: unescaped, "example.com" matches
    assert await found(q="  ") == await found()  # blank is no filter
    assert len(await found()) == 5
    assert await found(role="creator") == [grace.id]
    assert await found(role="admin", q="root") == [admin.id]
    assert await found(role="admin", q="grace") == []

    for params, status in (({"q": "x" * 101}, 422), ({"role": "wizard"}, 422)):
        r = await client.get("/api/v1/admin/users", headers=admin.headers, params=params)
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"]
    r = await client.get("/api/v1/admin/users", headers=grace.headers, params={"q": "grace"})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    assert (await client.get("/api/v1/admin/users", params={"q": "grace"})).status_code == 401
