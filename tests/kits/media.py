"""Video in the tests: an ffmpeg test pattern to publish, and looking at a server's processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.kits.server import log_tail, stop


def ffmpeg_push(ffmpeg: str, url: str, seconds: int) -> list[str]:
    """ffmpeg publishing a test pattern with a tone to `url` (RTMP) for `seconds`."""
    return [
        ffmpeg,
        *("-hide_banner", "-loglevel", "error", "-re"),
        *("-f", "lavfi", "-i", "testsrc=size=640x360:rate=25"),
        *("-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds)),
        *("-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "25"),
        *("-c:a", "aac", "-f", "flv", url),
    ]


async def run(cmd: list[str], within: float) -> int:
    """Run `cmd` to its end (at most `within` seconds); its exit status."""
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        return await asyncio.wait_for(proc.wait(), within)
    finally:
        await stop(proc)


async def wait_for(
    what: str, check: Callable[[], Awaitable[bool]], within: float, log: Path
) -> float:
    """Poll `check()` until truthy; the seconds it took. Fails with the server's log."""
    start = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            pytest.fail(f"timed out waiting for {what}\n{log_tail(log)}")
        await asyncio.sleep(0.05)


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is `pid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: fields follow the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append((int(entry.name), cmdline))
    return out


def web_workers(server_pid: int) -> list[int]:
    """The uvicorn worker processes of a `liveshop serve --workers N`."""
    return [p for p, cmd in children(server_pid) if "spawn_main" in cmd]


def nginx_masters(server_pid: int) -> list[int]:
    return [p for p, cmd in children(server_pid) if "nginx" in cmd]
