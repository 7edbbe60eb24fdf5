"""Operator commands: the version, schema steps back and forth, migrations racing on start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from liveshop import __version__
from liveshop.db import create_oneoff_engine
from tests.conftest import MODE, PG_URL, _pg_recreate

LIVESHOP = Path(sys.executable).parent / "liveshop"


def _cli(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LIVESHOP_DATABASE_URL": url, "LIVESHOP_ENV": "test"}
    return subprocess.run(
        [str(LIVESHOP), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_version_is_the_package_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "liveshop", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"liveshop {__version__}"
    assert __version__ != "0.0.0+unknown"
    cli = subprocess.run([str(LIVESHOP), "--version"], capture_output=True, text=True, check=True)
    assert cli.stdout == out.stdout


async def _version(url: str) -> str:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            return str(
                (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
            )
    finally:
        await engine.dispose()


async def test_db_current_downgrade_and_upgrade_round_trip(database_url: str) -> None:
    head = await _version(database_url)
    current = await asyncio.to_thread(_cli, "db", "current", url=database_url)
    assert current.returncode == 0, current.stderr
    assert head in current.stdout
    down = await asyncio.to_thread(_cli, "db", "downgrade", "--", "-1", url=database_url)
    assert down.returncode == 0, down.stderr
    assert await _version(database_url) != head
    up = await asyncio.to_thread(_cli, "db", "upgrade", url=database_url)
    assert up.returncode == 0, up.stderr
    assert await _version(database_url) == head
    checked = await asyncio.to_thread(_cli, "db", "check", url=database_url)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.skipif(MODE != "distributed", reason="advisory locks are PostgreSQL's")
async def test_hosts_that_migrate_at_once_on_postgresql_do_not_race() -> None:
    assert PG_URL
    url = make_url(PG_URL).set(database=f"{make_url(PG_URL).database}_race")
    rendered = url.render_as_string(hide_password=False)
    await _pg_recreate(rendered)
    # Four "hosts" start together on an empty database; without the lock two of them would
    # both try to create the first tables and fail.
    runs = await asyncio.gather(
        *(asyncio.to_thread(_cli, "db", "upgrade", url=rendered) for _ in range(4))
    )
    assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr[-2000:] for r in runs]
    check = await asyncio.to_thread(_cli, "db", "check", url=rendered)
    assert check.returncode == 0, check.stdout + check.stderr


def test_serve_refuses_several_workers_without_redis_or_on_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "LIVESHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/x.db"}
    env.pop("LIVESHOP_REDIS_URL", None)
    out = subprocess.run(
        [str(LIVESHOP), "serve", "--workers", "2", "--no-migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 2
    assert "needs PostgreSQL" in out.stdout and "Redis" in out.stdout
