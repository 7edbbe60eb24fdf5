"""Stream keys: derived when needed, never stored.

A show keeps a random salt and the SHA-256 of its key. The key itself is
HMAC(secret_key, salt): the host can read it again (studio, `GET /shows/{id}/ingest`), a copy
of the database alone reveals none, and a publish is matched by its hash, compared in
constant time. A show gets its key on the first `/ingest` after scheduling; rotating gives a
new salt, so the old key stops working. Changing `secret_key` changes every key: hosts read
their new one from `/ingest` (nginx-rtmp never stores keys).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.live.shows.models import Show
from liveshop.settings import Settings

PREFIX = "sk_"
MAX_LENGTH = 64  # anything longer was never a key of ours


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _derive(settings: Settings, salt: str) -> str:
    mac = hmac.new(
        settings.secret_key.encode(), b"liveshop-stream-key:" + salt.encode(), hashlib.sha256
    )
    return PREFIX + base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def issue(settings: Settings, show: Show) -> str:
    """Give `show` a new key (the previous one stops working); returns it."""
    salt = secrets.token_urlsafe(16)
    key = _derive(settings, salt)
    show.stream_key_salt, show.stream_key_hash = salt, digest(key)
    return key


def reveal(settings: Settings, show: Show) -> str | None:
    """The show's current key; None before the first one, or when secret_key changed since."""
    if show.stream_key_salt is None or show.stream_key_hash is None:
        return None
    key = _derive(settings, show.stream_key_salt)
    return key if hmac.compare_digest(digest(key), show.stream_key_hash) else None


async def find(*, session: AsyncSession, key: str) -> Show | None:
    """The show this key publishes to, or None."""
    if not key or len(key) > MAX_LENGTH:
        return None
    wanted = digest(key)
    stmt = select(Show).where(Show.stream_key_hash == wanted)
    show = (await session.execute(stmt)).scalar_one_or_none()
    if show is None or not hmac.compare_digest(show.stream_key_hash or "", wanted):
        return None
    return show
