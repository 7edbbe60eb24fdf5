"""Password hashing (argon2), opaque tokens and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite signs up thousands of users; a cheap (still real) argon2 profile keeps it fast.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if os.environ.get("LIVESHOP_ENV") == "test"
    else PasswordHasher()
)
# Verifying against a real hash for unknown emails keeps login timing uniform.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


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
