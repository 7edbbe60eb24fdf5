"""Room fan-out benchmark: Liveshop's room against a bare `websockets` broadcast server.

Starts the real server (`liveshop serve`, SQLite in a temp dir), puts N viewers in one room,
sends chat at a fixed rate from one sender and measures chat messages delivered per second
(summed over viewers) and send→delivery latency. Then does the same against a bare broadcast
server (every message sent to every socket at once, no batching) with the same client.

    .venv/bin/python bench/room_fanout.py --viewers 2000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from array import array
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
LIVESHOP = Path(sys.executable).parent / "liveshop"
MARK = '"text":"t='


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the bare server --------------------------------------------------------------------------


async def _bare_main(port: int) -> None:
    clients: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        clients.add(ws)
        try:
            async for message in ws:
                broadcast(clients, message)
        finally:
            clients.discard(ws)

    async with serve(handler, "127.0.0.1", port, compression=None, max_queue=None):
        await asyncio.Future()


# --- viewers (several processes) ------------------------------------------------------------


def _viewer_proc(
    url: str, count: int, ready: Any, go: Any, stop: Any, out: Any, start_at: Any
) -> None:
    asyncio.run(_viewers(url, count, ready, go, stop, out, start_at))


async def _viewers(
    url: str, count: int, ready: Any, go: Any, stop: Any, out: Any, start_at: Any
) -> None:
    latencies = array("d")
    delivered = 0
    sockets = []
    sem = asyncio.Semaphore(50)

    async def open_one() -> Any:
        async with sem:
            for _ in range(20):
                try:
                    return await connect(url, compression=None, max_queue=None, open_timeout=30)
                except OSError:
                    await asyncio.sleep(0.2)
            raise RuntimeError("could not connect")

    sockets = await asyncio.gather(*(open_one() for _ in range(count)))

    async def read(ws: Any) -> None:
        nonlocal delivered
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                if MARK not in raw:
                    continue
                now = time.time()
                for part in raw.split(MARK)[1:]:
                    sent = float(part[: part.index(" ")])
                    if sent >= start_at.value:
                        delivered += 1
                        latencies.append(now - sent)

    readers = [asyncio.create_task(read(ws)) for ws in sockets]
    ready.release()
    await asyncio.to_thread(stop.wait)
    out.put((delivered, latencies.tobytes()))
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


# --- one run ----------------------------------------------------------------------------------


def run(url: str, send_url: str, args: argparse.Namespace, ours: bool) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    ready, go, stop, out = ctx.Semaphore(0), ctx.Event(), ctx.Event(), ctx.Queue()
    start_at = ctx.Value("d", 1e18)
    shares = [
        args.viewers // args.procs + (i < args.viewers % args.procs) for i in range(args.procs)
    ]
    procs = [
        ctx.Process(target=_viewer_proc, args=(url, n, ready, go, stop, out, start_at))
        for n in shares
        if n
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.acquire(timeout=300)
    time.sleep(1.0)  # let joins, snapshots and viewer counts settle
    start_at.value = time.time()
    sent = asyncio.run(_send(send_url, args.rate, args.seconds, ours))
    time.sleep(args.grace)
    stop.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    delivered = sum(r[0] for r in results)
    lat = array("d")
    for _, raw in results:
        lat.frombytes(raw)
    ordered = sorted(lat)
    pct = (lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000) if lat else None
    return {
        "sent": sent,
        "expected": sent * args.viewers,
        "delivered": delivered,
        "per_second": delivered / args.seconds,
        "p50_ms": pct(0.50) if pct else float("nan"),
        "p99_ms": pct(0.99) if pct else float("nan"),
        "mean_ms": statistics.fmean(lat) * 1000 if lat else float("nan"),
    }


async def _send(url: str, rate: float, seconds: float, ours: bool) -> int:
    async with connect(url, compression=None) as ws:
        reader = asyncio.create_task(_drain(ws))
        start = time.monotonic()
        n = 0
        while (elapsed := time.monotonic() - start) < seconds:
            due = int(elapsed * rate) + 1
            while n < due:
                text = f"t={time.time():.6f} #{n}"
                payload = {"type": "chat", "text": text}
                await ws.send(json.dumps(payload, separators=(",", ":")))
                n += 1
            await asyncio.sleep(max(0.0, (n / rate) - (time.monotonic() - start)))
        reader.cancel()
        return n


async def _drain(ws: Any) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass


# --- the Liveshop server ------------------------------------------------------------------------


def _post(base: str, path: str, body: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"null")


def _signup(base: str, email: str, roles: list[str]) -> tuple[int, str]:
    """Sign up (202, the same answer for every address), then log in for a token."""
    password = "correct horse battery"
    _post(
        base,
        "/api/v1/auth/signup",
        {
            "email": email,
            "password": password,
            "display_name": email.split("@")[0],
            "market": "UK",
            "roles": roles,
        },
    )
    body = _post(base, "/api/v1/auth/login", {"email": email, "password": password})
    return body["user"]["id"], body["token"]


@contextlib.contextmanager
def liveshop_server(tmp: Path, ws: str | None, profile: str | None) -> Any:
    port = _free_port()
    env = {
        **os.environ,
        "LIVESHOP_ENV": "development",
        "LIVESHOP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_ROOM_CHAT_LIMIT": "1000000",  # one sender plays a whole chatty audience
        "LIVESHOP_ROOM_QUEUE_FRAMES": "200",
    }
    env.pop("LIVESHOP_REDIS_URL", None)
    log = (tmp / "server.log").open("w")
    command = [str(LIVESHOP), "serve", "--port", str(port)]
    if ws:  # run uvicorn directly to try another WebSocket implementation
        subprocess.run([str(LIVESHOP), "db", "upgrade"], env=env, cwd=tmp, check=True)
        command = [str(Path(sys.executable).parent / "uvicorn"), "--factory", "--port", str(port)]
        command += ["--ws", ws, "--loop", "uvloop", "--no-access-log", "liveshop.app:create_app"]
    if profile:
        command = [sys.executable, "-m", "cProfile", "-o", profile, *command]
    proc = subprocess.Popen(
        command,
        env=env,
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_http(base + "/healthz")
        except RuntimeError:
            print((tmp / "server.log").read_text()[-3000:], file=sys.stderr)
            raise
        yield base, port
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def bare_server() -> Any:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--bare-server", str(port)])
    try:
        for _ in range(200):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(15)


def _wait_http(url: str) -> None:
    for _ in range(300):
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as resp:
            if resp.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=50.0, help="chat messages per second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--grace", type=float, default=1.5, help="wait for stragglers")
    parser.add_argument("--procs", type=int, default=max(2, (os.cpu_count() or 2)))
    parser.add_argument("--ws", help="serve with uvicorn --ws WS instead of `liveshop serve`")
    parser.add_argument("--profile", help="write the server's cProfile stats here")
    parser.add_argument("--skip-bare", action="store_true")
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        asyncio.run(_bare_main(args.bare_server))
        return
    args.viewers = max(1, min(args.viewers, 10_000))

    with (
        tempfile.TemporaryDirectory() as tmp,
        liveshop_server(Path(tmp), args.ws, args.profile) as (base, port),
    ):
        stamp = int(time.time())
        _, seller = _signup(base, f"seller{stamp}@bench.example", ["seller", "creator"])
        _, talker = _signup(base, f"talker{stamp}@bench.example", ["buyer"])
        shop = _post(base, "/api/v1/shops", {"name": "Bench shop", "market": "UK"}, seller)
        show = _post(
            base,
            "/api/v1/shows",
            {
                "title": "Bench",
                "starts_at": "2030-01-01T18:00:00Z",
                "markets": ["UK"],
                "shop_id": shop["id"],
            },
            seller,
        )
        room = f"ws://127.0.0.1:{port}/ws/shows/{show['id']}"
        ours = run(room, f"{room}?token={talker}", args, ours=True)
    if args.skip_bare:
        print(f"liveshop  {ours}")
        return
    with bare_server() as bport:
        url = f"ws://127.0.0.1:{bport}/"
        bare = run(url, url, args, ours=False)

    for name, r in (("liveshop", ours), ("bare", bare)):
        print(
            f"{name:9} sent={r['sent']} delivered={r['delivered']}/{r['expected']} "
            f"per_s={r['per_second']:.0f} p50_ms={r['p50_ms']:.1f} p99_ms={r['p99_ms']:.1f} "
            f"mean_ms={r['mean_ms']:.1f}"
        )
    ratio = ours["per_second"] / bare["per_second"] if bare["per_second"] else float("inf")
    print(
        f"RESULT room_fanout viewers={args.viewers} ratio={ratio:.2f} "
        f"p50_ms={ours['p50_ms']:.1f} p99_ms={ours['p99_ms']:.1f}"
    )


if __name__ == "__main__":
    main()
