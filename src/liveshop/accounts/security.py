"""Password hashing (argon2), opaque tokens and CSRF tokens.

argon2 costs ~190 ms of CPU and 64 MiB per call by design. On the event loop that froze every
request and live room of the process, so the async functions run it in a small thread pool
(argon2-cffi releases the GIL), and `admission()` refuses work once that pool's queue is full
instead of letting waiting logins pile up with database connections in hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from liveshop.settings import get_settings

# The test suite signs up thousands of users; a cheap (still real) argon2 profile keeps it fast.
# LIVESHOP_PASSWORD_HASHING=strong keeps the production profile in a test (the login flood).
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if os.environ.get("LIVESHOP_ENV") == "test"
    and os.environ.get("LIVESHOP_PASSWORD_HASHING") != "strong"
    else PasswordHasher()
)
# Verifying against a real hash for unknown emails keeps login timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def _lower_priority() -> None:
    """Hashing threads yield the CPU to the event loop (live rooms, health checks).

    On Linux a nice value belongs to the thread (and the lane threads argon2 starts from it),
    so this leaves the rest of the process at its own priority. argon2 still gets every CPU
    cycle the event loop does not need.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)


class _Pool:
    """Sized on first use from the settings: one pool per process, whatever the event loop."""

    def __init__(self) -> None:
        self.executor: ThreadPoolExecutor | None = None
        self.capacity = 0
        self.busy = 0

    def get(self) -> ThreadPoolExecutor:
        if self.executor is None:
            settings = get_settings()
            self.executor = ThreadPoolExecutor(
                max_workers=settings.password_workers,
                thread_name_prefix="argon2",
                initializer=_lower_priority,
            )
            self.capacity = settings.password_workers + settings.password_queue
        return self.executor


_pool = _Pool()


class HasherBusy(Exception):
    """Every hashing slot is taken; the caller should answer 429 and ask to retry."""


_holding: ContextVar[bool] = ContextVar("liveshop_hashing_slot", default=False)


@contextlib.contextmanager
def admission() -> Iterator[None]:
    """Hold a hashing slot for a whole login (lookup and verify), or raise HasherBusy.

    Re-entrant: a request the edge (accounts/edge.py) admitted already holds its slot.
    """
    if _holding.get():
        yield
        return
    _pool.get()
    if _pool.busy >= _pool.capacity:
        raise HasherBusy
    _pool.busy += 1
    token = _holding.set(True)
    try:
        yield
    finally:
        _holding.reset(token)
        _pool.busy -= 1


async def hash_password_async(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_pool.get(), hash_password, password)


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool.get(), verify_password, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older (weaker or other) parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret_key: str, session_token: str) -> str:
    """Bound to the session, so a token stolen from one session is useless in another."""
    return hmac.new(secret_key.encode(), b"csrf:" + session_token.encode(), "sha256").hexdigest()


def csrf_valid(secret_key: str, session_token: str, candidate: str | None) -> bool:
    return bool(candidate) and hmac.compare_digest(
        csrf_token(secret_key, session_token), candidate or ""
    )
