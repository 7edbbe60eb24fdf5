"""What the system-level tests need from the machine: programs (nginx with the RTMP module,
ffmpeg, chromium) and free local ports.

Missing programs skip the test with the reason, so a laptop without nginx still runs the
suite; CI sets LIVESHOP_REQUIRE_ALL=1 so that a missing program fails instead of hiding.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest


def require(program: str, reason: str) -> str:
    """The path of `program` (a name on PATH or a file path); skip or fail when it is missing."""
    found = shutil.which(program) if os.sep not in program else None
    if found is None and os.sep in program and Path(program).exists():
        found = program
    if found is None:
        message = f"{program} is not installed: {reason}"
        if os.environ.get("LIVESHOP_REQUIRE_ALL") == "1":
            pytest.fail(f"{message} (LIVESHOP_REQUIRE_ALL=1)")
        pytest.skip(message)
    return found


def free_port() -> int:
    """A TCP port nothing listens on right now, for a child server to bind."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
