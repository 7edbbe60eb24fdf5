"""Test harness: every test gets a clean, migrated database and, in distributed mode, Redis.

Modes (set by ./dev test):
- embedded (default): SQLite file per test + the in-process broker;
- distributed: PostgreSQL (LIVESHOP_TEST_POSTGRES_URL) + Redis (LIVESHOP_TEST_REDIS_URL).
"""

from __future__ import annotations

import contextlib
import os

import redis.asyncio as aioredis

os.environ.setdefault("LIVESHOP_ENV", "test")
os.environ.setdefault("LIVESHOP_LOG_JSON", "false")
# Servers started by tests keep their background jobs in-process in both modes (one lease
# still lets a single process work); tests/ops/test_worker.py runs `liveshop worker` instead.
os.environ.setdefault("LIVESHOP_JOBS_IN_WEB", "true")
# Every test client signs up and logs in from one address, hundreds of times a run; the tests
# of the limits themselves (tests/accounts/test_accounts_limits.py) set tight ones explicitly.
os.environ.setdefault("LIVESHOP_RATE_LOGIN_IP", "100000/minute")
os.environ.setdefault("LIVESHOP_RATE_LOGIN_ACCOUNT", "100000/minute")
os.environ.setdefault("LIVESHOP_RATE_SIGNUP_IP", "100000/minute")
os.environ.setdefault("LIVESHOP_RATE_SIGNUP_ACCOUNT", "100000/minute")
os.environ.setdefault("LIVESHOP_RATE_RESET_IP", "100000/minute")
os.environ.setdefault("LIVESHOP_RATE_RESET_ACCOUNT", "100000/minute")

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from liveshop import wiring
from liveshop.app import create_app
from liveshop.db import Base, create_oneoff_engine
from liveshop.markets.seed import MARKETS
from liveshop.migrate import upgrade
from liveshop.settings import Settings

pytest_plugins = ["tests.kits.factories", "tests.kits.mail"]

MODE = os.environ.get("LIVESHOP_TEST_MODE", "embedded")
PG_URL = os.environ.get("LIVESHOP_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("LIVESHOP_TEST_REDIS_URL")
if MODE == "distributed" and not (PG_URL and REDIS_URL):
    raise RuntimeError(
        "distributed mode needs LIVESHOP_TEST_POSTGRES_URL and LIVESHOP_TEST_REDIS_URL"
    )


def pytest_report_header() -> str:
    if MODE == "distributed":
        return f"liveshop mode: distributed (PostgreSQL {make_url(PG_URL or '').host}, Redis)"
    return "liveshop mode: embedded (SQLite, in-process broker)"


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


async def _pg_recreate(url: str) -> None:
    admin = create_oneoff_engine(_pg_admin_url(url))
    name = make_url(url).database
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


@pytest.fixture(scope="session")
def db_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per session: a SQLite file to copy, or the PostgreSQL test database."""
    if MODE == "distributed":
        assert PG_URL
        # The URL names the test database; it is dropped and recreated, so never point it at
        # real data. Parallel runs each name their own.
        base = make_url(PG_URL)
        name = base.database or "liveshop_test"
        if worker := os.environ.get("PYTEST_XDIST_WORKER"):
            name = f"{name}_{worker}"
        url = base.set(database=name).render_as_string(hide_password=False)
        asyncio.run(_pg_recreate(url))
        upgrade(url)
        return url
    path = tmp_path_factory.mktemp("template") / "template.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    return url


async def _pg_reset(url: str) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables if t.name != "markets"]
    engine = create_oneoff_engine(url)
    # TRUNCATE costs ~4 ms a table even when empty (new files for each, and it must name
    # every table that refers to one it empties): delete the rows of the tables a test wrote
    # to, with triggers off (the ledger's refuse deletes), and restart every sequence, which
    # is what a fresh database has. Without the rights for that, truncate everything.
    probe = " UNION ALL ".join(f"SELECT '{n}' WHERE EXISTS (SELECT 1 FROM \"{n}\")" for n in tables)
    async with engine.begin() as conn:
        used = set((await conn.execute(text(probe))).scalars().all())
        try:
            async with conn.begin_nested():
                await conn.execute(text("SET LOCAL session_replication_role = replica"))
                for name in reversed(tables):
                    if name in used:
                        await conn.execute(text(f'DELETE FROM "{name}"'))
                await conn.execute(text("SET LOCAL session_replication_role = origin"))
        except DBAPIError:
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        await conn.execute(
            text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")
        )
        for m in MARKETS:
            await conn.execute(
                text(
                    "UPDATE markets SET enabled = true, requires_verified_shops = true,"
                    " phase = 'open', switches_off = '[]'"
                    " WHERE code = :c"
                ),
                {"c": m["code"]},
            )
    await engine.dispose()


async def _redis_flush(url: str) -> None:

    client = aioredis.from_url(url)
    await client.flushdb()
    await client.aclose()


@pytest.fixture
async def database_url(db_template: str, tmp_path: Path) -> str:
    if MODE == "distributed":
        await _pg_reset(db_template)
        assert REDIS_URL
        await _redis_flush(REDIS_URL)
        return db_template
    src = Path(make_url(db_template).database or "")
    dst = tmp_path / f"test-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(src, dst)
    return f"sqlite+aiosqlite:///{dst}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    made = Settings(
        env="test",
        database_url=database_url,
        redis_url=REDIS_URL if MODE == "distributed" else None,
        secret_key="test-secret-key-0123456789abcdef0123456789",
        log_json=False,
        sweep_interval_seconds=0.2,
        max_body_bytes=64 * 1024,
    )
    wiring.wire(made)  # services called without an app still reach their subscribers
    return made


@pytest.fixture
def make_app() -> Iterator[Any]:
    """Build an app with a running lifespan: `async with make_app(settings) as app:`."""

    @contextlib.asynccontextmanager
    async def _make(settings: Settings, **kwargs: Any) -> AsyncIterator[Any]:
        app = create_app(settings, **kwargs)
        async with app.router.lifespan_context(app):
            yield app

    return _make


@pytest.fixture
async def app(settings: Settings, make_app: Any) -> AsyncIterator[Any]:
    async with make_app(settings, run_background=False) as application:
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c
