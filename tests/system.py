"""System programs the video tests need (nginx with the RTMP module, ffmpeg).

Missing programs skip the test with the reason, so a laptop without nginx still runs the
suite; CI sets LIVESHOP_REQUIRE_ALL=1 so that a missing program fails instead of hiding.
"""

from __future__ import annotations

import os
import shutil
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
