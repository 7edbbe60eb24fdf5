"""The Standard Webhooks signature scheme (standardwebhooks.com), sender and receiver side.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`; the key is the base64 part
of the `whsec_` secret; the header holds space-separated `v1,<base64 HMAC-SHA256>` entries (two
while a rotated secret is still honoured). Receivers refuse timestamps outside a tolerance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class InvalidSignature(Exception):
    """The headers do not prove the body came from the holder of the secret, or are stale."""


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def signature(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """One `v1,<base64>` entry."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets_: list[str], msg_id: str, timestamp: int, body: str) -> dict[str, str]:
    """The three headers, signed with every key given (the current one first)."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, msg_id, timestamp, body) for s in secrets_),
        "content-type": "application/json",
    }


def verify(secret: str, headers_: dict[str, str], body: str, *, now: float | None = None) -> None:
    """Raise InvalidSignature unless one signature matches and the timestamp is fresh."""
    msg_id = headers_.get("webhook-id")
    stamp = headers_.get("webhook-timestamp")
    sent = headers_.get("webhook-signature")
    if not msg_id or not stamp or not sent:
        raise InvalidSignature("missing headers")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise InvalidSignature("bad timestamp") from None
    if abs((time.time() if now is None else now) - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("stale timestamp")
    expected = signature(secret, msg_id, timestamp, body)
    for entry in sent.split(" "):
        if hmac.compare_digest(entry.encode(), expected.encode()):
            return
    raise InvalidSignature("no matching signature")
