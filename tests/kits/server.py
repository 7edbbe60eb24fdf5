"""Real servers for the tests: `liveshop serve` as a child process (with its managed nginx when
asked), any other child process stopped the same way, and an in-process app on a real socket.

    async with serve(settings, tmp_path, workers=2, media=True, env={...}) as server:
        server.url, server.rtmp, server.log_text(), server.proc.pid

Ports are picked free, the server is waited for (health, and the media server when `media`),
stopped with its whole process group (uvicorn's workers, nginx), and its log is printed when
the test body fails, so the failure report says what the server saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import uvicorn
from sqlalchemy import update

from liveshop.markets.models import Market
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.system import free_port, require

LIVESHOP = (sys.executable, "-m", "liveshop.cli")


@dataclass
class Server:
    url: str
    log: Path
    proc: asyncio.subprocess.Process
    rtmp: str | None = None  # the RTMP ingest base, when the server runs the media server
    media_dir: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self, tail: int = 20_000) -> str:
        return log_tail(self.log, tail)


def log_tail(path: Path, tail: int = 20_000) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"--- {path}: no log ---"
    return f"--- {path.name} ---\n{text[-tail:]}"


def server_env(
    settings: Settings,
    *,
    port: int,
    media: bool = False,
    workdir: Path,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a `liveshop serve` on `settings`' databases, listening on `port`."""
    out = {
        **os.environ,
        "LIVESHOP_ENV": "development" if media else "test",
        "LIVESHOP_LOG_JSON": "false",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_BASE_URL": f"http://127.0.0.1:{port}",
        "LIVESHOP_SWEEP_INTERVAL_SECONDS": str(settings.sweep_interval_seconds),
    }
    out.pop("LIVESHOP_REDIS_URL", None)
    if settings.redis_url:
        out["LIVESHOP_REDIS_URL"] = settings.redis_url
    if media:
        out |= {
            "LIVESHOP_RTMP_PORT": str(free_port()),
            "LIVESHOP_MEDIA_HTTP_PORT": str(free_port()),
            "LIVESHOP_MEDIA_DIR": str(workdir / "media"),
            "LIVESHOP_MEDIA_RECONNECT_GRACE_SECONDS": "1",
            "LIVESHOP_MEDIA_POLL_SECONDS": "0.5",
        }
    else:
        out["LIVESHOP_MEDIA_ENABLED"] = "false"
    return out | dict(env or {})


async def spawn(
    argv: Sequence[str], *, env: Mapping[str, str], log: BinaryIO, cwd: Path
) -> asyncio.subprocess.Process:
    """A child in its own process group, its output into `log` (a file: a chatty child must
    never block on a full pipe)."""
    return await asyncio.create_subprocess_exec(
        *argv,
        env=dict(env),
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _leads_group(proc: asyncio.subprocess.Process) -> bool:
    try:
        return os.getpgid(proc.pid) == proc.pid
    except ProcessLookupError:
        return False


async def stop(
    *procs: asyncio.subprocess.Process, term_wait: float = 10.0, sweep: bool = True
) -> None:
    """SIGTERM, then SIGKILL to what lingers; to the whole group of a child that leads one
    (`spawn`'s), so nothing outlives the test: a server's nginx and uvicorn's workers are in
    its group. `sweep=False` leaves a group's stragglers alone, for a test that checks the
    child stops its own children."""
    groups = [p for p in procs if _leads_group(p)]
    for sig, wait in ((signal.SIGTERM, term_wait), (signal.SIGKILL, 5.0)):
        running = [p for p in procs if p.returncode is None]
        if not running:
            break
        for proc in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if proc in groups:
                    os.killpg(proc.pid, sig)
                else:
                    proc.send_signal(sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*(p.wait() for p in running)), wait)
    for proc in groups if sweep else []:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


Ready = Callable[[httpx.AsyncClient, "Server"], Awaitable[bool]]


async def _media_up(client: httpx.AsyncClient, server: Server) -> bool:
    status = (await client.get("/api/v1/media/status")).json()
    server.rtmp = status["rtmp_url"]
    return bool(status["available"])


async def _healthy(client: httpx.AsyncClient, server: Server) -> bool:
    return (await client.get("/healthz")).status_code == 200


async def wait_ready(
    server: Server, ready: Sequence[Ready], within: float, **client_kw: Any
) -> None:
    """Poll until every check in `ready` holds; fail with the server's log otherwise."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=server.url, timeout=5, **client_kw) as client:
        while True:
            assert server.proc.returncode is None, "server exited\n" + server.log_text()
            assert time.monotonic() < deadline, "server never came up\n" + server.log_text()
            with contextlib.suppress(httpx.TransportError, ValueError):
                if all([await check(client, server) for check in ready]):
                    return
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def serve(
    settings: Settings,
    tmp_path: Path | None = None,
    *,
    port: int | None = None,
    workers: int = 1,
    media: bool = False,
    env: Mapping[str, str] | None = None,
    ready: Ready | None = None,
    within: float = 40.0,
    unverified_shops_sell: bool = False,
) -> AsyncIterator[Server]:
    """`liveshop serve` on `settings`' databases; yields once it answers (and, with `media`,
    once its nginx-rtmp is up).

    `env` adds or overrides settings; `ready` is one more check to wait for (e.g. that every
    worker is up); `port` is picked free unless given (when other settings must name it
    beforehand); `unverified_shops_sell` lets the markets sell from shops no operator verified,
    for tests that sign shops up through the API alone. Without `tmp_path` the server works in
    a temporary directory, removed afterwards unless the test failed (its log is there)."""
    if unverified_shops_sell:
        await db_exec(settings.database_url, update(Market).values(requires_verified_shops=False))
    if media:
        require("nginx", "the media server is nginx with libnginx-mod-rtmp")
        require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    workdir = tmp_path or Path(tempfile.mkdtemp(prefix="liveshop-server-"))
    failed = False
    port = port or free_port()
    child_env = server_env(settings, port=port, media=media, workdir=workdir, env=env)
    log = workdir / f"server-{port}.log"
    argv = [*LIVESHOP, "serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"]
    if workers != 1:
        argv += ["--workers", str(workers)]
    with log.open("wb") as out:
        # The work directory, not the checkout: no stray .env there.
        proc = await spawn(argv, env=child_env, log=out, cwd=workdir)
    server = Server(
        f"http://127.0.0.1:{port}",
        log,
        proc,
        media_dir=Path(child_env["LIVESHOP_MEDIA_DIR"]) if media else None,
        env=child_env,
    )
    try:
        checks: list[Ready] = [_healthy]
        if media:
            checks.append(_media_up)
        if ready is not None:
            checks.append(ready)
        await wait_ready(server, checks, within)
        try:
            yield server
        except Exception:
            failed = True
            sys.stderr.write(server.log_text() + "\n")  # pytest shows it with the failure
            raise
    finally:
        await stop(proc)
        if tmp_path is None and not failed:
            shutil.rmtree(workdir, ignore_errors=True)


@contextlib.asynccontextmanager
async def serve_app(app: Any, *, scheme: str = "ws") -> AsyncIterator[str]:
    """Run `app` (its lifespan already started) on a real socket in this process; yields the
    base URL (`ws://…` for room clients, or `http://…`)."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="off", ws="websockets-sansio", log_config=None
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # it failed to start: say why
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class PrivateRedis:
    """A throwaway redis-server we are free to kill, on its own port."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - a short-lived fork, waited on below
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None
