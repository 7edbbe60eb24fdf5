"""What a request made with a public API token may do: its owner and its scopes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from liveshop.errors import Problem

SCOPES: Final = (
    "catalog:read",
    "catalog:write",
    "orders:read",
    "orders:write",
    "shows:write",
    "webhooks:write",
)
TOKEN_PREFIX: Final = "lsk_"  # tells these tokens from sessions at a glance (and to scanners)


@dataclass(frozen=True)
class Grant:
    token_id: int
    owner_kind: str
    owner_id: int
    scopes: frozenset[str]

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Problem(
                403,
                "token_scope",
                "This token lacks the `{scope}` scope.",
                values={"scope": scope},
                required_scope=scope,
            )
