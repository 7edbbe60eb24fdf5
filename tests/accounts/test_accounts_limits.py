"""Issue 10 item 2: logins, sign-ups and resets are rate-limited per IP and per account (429 with
Retry-After), counted in `liveshop_login_refusals_total`, and old password hashes are upgraded.

The suite's conftest raises every limit for the other tests (they all come from one address);
these tests set tight ones. In distributed mode the counters live in Redis.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from prometheus_client import REGISTRY
from sqlalchemy import update

from liveshop.accounts import service as accounts
from liveshop.accounts.models import User
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

API = "/api/v1"
PASSWORD = "correct horse battery"


def tight(settings: Settings, **rules: str) -> Settings:
    return Settings(**{**settings.model_dump(), **rules})


@pytest.fixture
async def limited(settings: Settings, make_app: Any) -> AsyncIterator[Any]:
    """An app with production-like limits, and a client per IP address."""
    strict = tight(
        settings,
        rate_login_ip="5/minute",
        rate_login_account="3/minute",
        rate_signup_ip="4/minute",
        rate_signup_account="2/hour",
        rate_reset_ip="4/minute",
        rate_reset_account="2/hour",
    )
    async with make_app(strict, run_background=False) as app:
        yield app


def from_ip(app: Any, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def refusals(reason: str) -> float:
    return REGISTRY.get_sample_value("liveshop_login_refusals_total", {"reason": reason}) or 0.0


def assert_429(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r.headers["Retry-After"]) <= 3600


async def signup(c: httpx.AsyncClient, email: str) -> None:
    body = {"email": email, "password": PASSWORD, "display_name": email.split("@")[0]}
    assert (await c.post(f"{API}/auth/signup", json=body)).status_code == 202


async def test_wrong_logins_from_one_address_get_429_with_retry_after(limited: Any) -> None:
    before = refusals("rate_limited")
    async with from_ip(limited, "203.0.113.7") as attacker, from_ip(limited, "198.51.100.2") as ok:
        await signup(ok, "victim@example.com")
        # Five guesses on five different accounts: each answered 401, then the address is cut off.
        for i in range(5):
            r = await attacker.post(
                f"{API}/auth/login", json={"email": f"u{i}@example.com", "password": "guess"}
            )
            assert r.status_code == 401, r.text
        assert_429(
            await attacker.post(
                f"{API}/auth/login", json={"email": "victim@example.com", "password": PASSWORD}
            )
        )
        # Another address is not affected.
        good = await ok.post(
            f"{API}/auth/login", json={"email": "victim@example.com", "password": PASSWORD}
        )
        assert good.status_code == 200, good.text
    assert refusals("rate_limited") == before + 1
    metrics = (await from_ip(limited, "127.0.0.1").get("/metrics")).text
    assert 'liveshop_login_refusals_total{reason="rate_limited"}' in metrics


async def test_one_account_is_limited_from_any_address(limited: Any) -> None:
    async with from_ip(limited, "192.0.2.1") as owner:
        await signup(owner, "target@example.com")
    for i in range(3):  # a botnet: every guess from a new address
        async with from_ip(limited, f"192.0.2.{10 + i}") as bot:
            r = await bot.post(
                f"{API}/auth/login", json={"email": "TARGET@example.com", "password": f"guess{i}"}
            )
            assert r.status_code == 401
    async with from_ip(limited, "192.0.2.99") as bot:
        assert_429(
            await bot.post(
                f"{API}/auth/login", json={"email": "target@example.com", "password": PASSWORD}
            )
        )
    async with from_ip(limited, "192.0.2.1") as owner:  # other accounts still log in
        await signup(owner, "other@example.com")
        r = await owner.post(
            f"{API}/auth/login", json={"email": "other@example.com", "password": PASSWORD}
        )
        assert r.status_code == 200


async def test_signup_and_password_reset_are_limited(limited: Any) -> None:
    async with from_ip(limited, "203.0.113.50") as c:
        for i in range(4):
            await signup(c, f"new{i}@example.com")
        body = {"email": "new9@example.com", "password": PASSWORD, "display_name": "N"}
        assert_429(await c.post(f"{API}/auth/signup", json=body))
    async with from_ip(limited, "203.0.113.51") as c:
        # The same address twice is fine, a third time within the hour is not (mail bombing).
        for _ in range(2):
            r = await c.post(f"{API}/auth/password-reset", json={"email": "new0@example.com"})
            assert r.status_code == 202
        assert_429(await c.post(f"{API}/auth/password-reset", json={"email": "new0@example.com"}))
        r = await c.post(f"{API}/auth/password-reset", json={"email": "new1@example.com"})
        assert r.status_code == 202
        # Four requests from this address in a minute (the refused one counts): the next one
        # waits, whatever the account.
        assert_429(await c.post(f"{API}/auth/password-reset", json={"email": "new3@example.com"}))
        r = await c.post(
            f"{API}/auth/password-reset/confirm", json={"token": "x" * 40, "password": PASSWORD}
        )
        assert_429(r)


async def test_login_upgrades_a_hash_made_with_older_parameters(
    client: httpx.AsyncClient, app: Any
) -> None:
    await signup(client, "old@example.com")
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(PASSWORD)
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        await uow.session.execute(
            update(User).where(User.email == "old@example.com").values(password_hash=old)
        )
        await uow.commit()
    r = await client.post(
        f"{API}/auth/login", json={"email": "old@example.com", "password": PASSWORD}
    )
    assert r.status_code == 200, r.text
    async with UnitOfWork(db=app.state.db, broker=app.state.broker, write=False) as uow:
        user = await accounts.get_by_email(session=uow.session, email="old@example.com")
        assert user is not None
        upgraded = user.password_hash
    assert upgraded != old and "m=512" not in upgraded
    again = await client.post(
        f"{API}/auth/login", json={"email": "old@example.com", "password": PASSWORD}
    )
    assert again.status_code == 200
