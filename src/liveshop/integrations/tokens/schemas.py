"""API token models: create, public (never the secret), and the one-time secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from liveshop.inputs import Id, Input

Scope = Literal[
    "catalog:read", "catalog:write", "orders:read", "orders:write", "shows:write", "webhooks:write"
]


class TokenCreate(Input):
    owner_kind: Literal["shop", "creator"]
    owner_id: Id
    name: str = Field(min_length=1, max_length=80)
    scopes: Annotated[list[Scope], Field(min_length=1, max_length=6)]
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_kind: str
    owner_id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenSecret(TokenPublic):
    """Returned once, at creation: the token itself is never shown again."""

    token: str
