"""Static files with a cache policy: versioned URLs are immutable, the rest revalidate.

Templates write `{{ static('css/app.css') }}`, which becomes `/static/css/app.css?v=<hash>`; a
new release changes the hash, so browsers and CDNs may keep a versioned file for a year. ES
modules stay at their plain paths (a module imported under two URLs would run twice) and are
served `no-cache`, revalidated with their ETag: a cheap 304.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
IMMUTABLE = "public, max-age=31536000, immutable"


@cache
def static_url(path: str) -> str:
    """The versioned URL of a file under static/ (hashed once per process)."""
    digest = hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


class CachedStatic(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        if response.status_code in (200, 304):
            response.headers["Cache-Control"] = IMMUTABLE if versioned else "no-cache"
        return response
