from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from liveshop.accounts.models import Notification
from liveshop.i18n import fill
from liveshop.inputs import Input

SelfServiceRole = Literal["buyer", "creator", "seller"]
AnyRole = Literal["buyer", "creator", "seller", "moderator", "admin"]
PUBLIC_ROLES = frozenset({"buyer", "creator", "seller"})
MarketCode = Literal["UK", "DE", "FR", "IT", "ES", "US", "ID"]


class UserCreate(Input):
    email: EmailStr
    password: str = Field(min_length=8, max_length=200)
    display_name: str = Field(min_length=1, max_length=80)
    market: MarketCode = "UK"
    roles: list[SelfServiceRole] = Field(default=["buyer"], max_length=3)
    city: str | None = Field(default=None, max_length=80)
    timezone: str | None = Field(default=None, max_length=64)


class LoginRequest(Input):
    email: EmailStr
    password: str = Field(min_length=1, max_length=200)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    handle: str
    display_name: str
    roles: list[str]

    @field_validator("roles")
    @classmethod
    def _public_roles(cls, roles: list[str]) -> list[str]:
        # Who runs the platform is nobody's business: a target list for phishing and abuse.
        # UserPrivate (the user themself, admins) keeps every role.
        if cls is UserPublic:
            return [r for r in roles if r in PUBLIC_ROLES]
        return roles


class UserPrivate(UserPublic):
    email: str
    market_code: str
    city: str | None
    timezone: str | None
    banned: bool = False


class TokenCreate(Input):
    name: str = Field(default="api", min_length=1, max_length=80)
    # At most the configured maximum (a year by default), which is also the default.
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenPublic(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    user: UserPrivate
    token_id: int | None = None
    expires_at: datetime | None = None


class TokenInfo(BaseModel):
    """An API token as its owner sees it later: never the secret itself."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str | None
    created_at: datetime
    expires_at: datetime | None


class Accepted(BaseModel):
    """The same answer whatever the address: it does not tell who has an account."""

    status: Literal["accepted"] = "accepted"
    detail: str


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class ResetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


class ResetConfirm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=8, max_length=200)


class UserUpdate(Input):
    display_name: str | None = Field(default=None, min_length=1, max_length=80)
    market: MarketCode | None = None
    city: str | None = Field(default=None, max_length=80)
    timezone: str | None = Field(default=None, max_length=64)


class AdminUserUpdate(Input):
    roles: list[AnyRole] | None = Field(default=None, max_length=5)
    banned: bool | None = None


class FollowCreate(Input):
    target_kind: Literal["creator", "shop"]
    target_id: int = Field(ge=1, le=2**31 - 1)


class FollowPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    target_kind: str
    target_id: int
    created_at: datetime


class NotificationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: Notification) -> NotificationPublic:
        """The inbox entry in the reader's language (the request's): stored as msgids."""
        out = cls.model_validate(row)
        if row.params is not None:
            out.title = fill(row.title, row.params)
            out.body = fill(row.body, row.params) if row.body else ""
        return out


class NotificationEvent(BaseModel):
    """Pushed on `user:{id}` when a notification is stored."""

    type: Literal["notification"] = "notification"
    notification: NotificationPublic
