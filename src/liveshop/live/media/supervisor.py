"""nginx under supervision: started once per host and restarted when it dies.

`liveshop serve` runs the supervisor in its parent process, beside uvicorn's worker
supervisor, so a web worker's death never touches the encoders' RTMP connections (the workers
only talk to nginx over HTTP: hooks in, stat page out). Tests and embedded callers run it
in-process through `media.start_managed`.

A thread, not a task: in `serve --workers N` the parent has no event loop of its own (uvicorn's
multiprocess supervisor blocks the main thread). Every nginx is started from that one thread,
which lives as long as the supervision: PR_SET_PDEATHSIG fires when the *thread* that forked
the child ends, and a killed Liveshop must not leave nginx holding the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from liveshop.live.media.nginx import (
    START_TIMEOUT_SECONDS,
    STOP_TIMEOUT_SECONDS,
    ManagedMedia,
    hls_base_url,
    rtmp_url,
    unavailable_reason,
    write_config,
)
from liveshop.settings import Settings

log = logging.getLogger("liveshop.live.media")

RESTART_DELAY_SECONDS = 1.0  # a crash loop must not spin; a real crash comes back within this


def port_open(port: int, host: str = "127.0.0.1", wait: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=wait):
            return True
    except OSError:
        return False


def _die_with_parent() -> None:
    # If Liveshop is killed outright, nginx must not linger holding the RTMP port.
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return ""


class MediaSupervisor:
    """Keeps one nginx running until `close()`; `starts` counts how often it was started."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.starts = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()
        self._up = False
        self._thread: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def start(self) -> bool:
        """Start nginx and keep it running; False, saying why in the log, when it cannot run."""
        reason = unavailable_reason(self.settings)
        if reason is not None:
            log.warning("video unavailable: %s", reason)
            return False
        if port_open(self.settings.rtmp_port):
            # An operator-run nginx (or another Liveshop on this host) already serves RTMP.
            log.info("RTMP port %s is already served; not starting nginx", self.settings.rtmp_port)
            return False
        self._thread = threading.Thread(target=self._run, name="liveshop-media", daemon=True)
        self._thread.start()
        self._ready.wait()
        if not self._up:
            self._thread.join()
        return self._up

    def close(self) -> None:
        """Stop nginx (fast shutdown: RTMP links never idle) and the supervision."""
        self._stopping.set()
        self._terminate()
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_SECONDS * 2)

    async def stop(self) -> None:
        await asyncio.to_thread(self.close)

    def _run(self) -> None:
        first = True
        while not self._stopping.is_set():
            proc = self._launch()
            if first:
                self._up, first = proc is not None, False
                self._ready.set()
                if proc is None:
                    return
            if proc is not None:
                code = proc.wait()
                # A master killed outright leaves its worker holding the ports.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                if self._stopping.is_set():
                    break
                log.error(
                    "media server exited (code %s); restarting it: %s",
                    code,
                    _tail(self.settings.media_dir.resolve() / "logs" / "error.log"),
                )
            self._stopping.wait(RESTART_DELAY_SECONDS)
        log.info("media server stopped")

    def _launch(self) -> subprocess.Popen[bytes] | None:
        settings = self.settings
        conf = write_config(settings)
        media = conf.parent
        binary = shutil.which(settings.nginx_binary) or settings.nginx_binary
        stderr_path = media / "logs" / "nginx.stderr"
        with stderr_path.open("ab") as stderr:
            proc = subprocess.Popen(
                [
                    binary,
                    "-c",
                    str(conf),
                    "-p",
                    str(media) + "/",
                    "-e",
                    str(media / "logs" / "error.log"),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                preexec_fn=_die_with_parent,  # the one way to get PDEATHSIG
                # Its own group, so that the workers of a master that died can be found.
                process_group=0,
            )
        self._proc = proc
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline and not self._stopping.is_set():
            if proc.poll() is not None:
                break
            if port_open(settings.rtmp_port, wait=0.2):
                self.starts += 1
                log.info(
                    "media server up: rtmp %s, hls %s (nginx pid %s)",
                    rtmp_url(settings),
                    hls_base_url(settings),
                    proc.pid,
                )
                return proc
            time.sleep(0.05)
        self._terminate()
        log.error(
            "video unavailable: nginx did not start (exit %s): %s",
            proc.returncode,
            _tail(media / "logs" / "error.log") or _tail(stderr_path),
        )
        return None

    def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("nginx did not stop within %ss; killing it", STOP_TIMEOUT_SECONDS)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            proc.wait()


async def start_managed(settings: Settings) -> ManagedMedia | None:
    """Supervise nginx from this process (tests, embedded use); None when video is unavailable.

    `liveshop serve` supervises nginx in its parent process instead, once per host: web
    workers come and go, and the encoders' connections must not go with them.
    """
    supervisor = MediaSupervisor(settings)
    if not await asyncio.to_thread(supervisor.start):
        return None
    return supervisor
