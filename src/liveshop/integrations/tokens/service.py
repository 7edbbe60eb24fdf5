"""Public API tokens: create and revoke (people only, never another token), and resolve.

A token acts with the rights of the person who made it, narrowed to its scopes and to its
owner (a shop or the creator). Every request looks the token up again, so a revocation, or the
maker leaving the shop, takes effect on the very next request.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.accounts.security import token_digest
from liveshop.catalog.models import Product, Variant
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.integrations import owners
from liveshop.integrations.tokens import scopes as routes
from liveshop.integrations.tokens.grants import SCOPES, TOKEN_PREFIX, Grant
from liveshop.integrations.tokens.models import ApiToken
from liveshop.integrations.tokens.schemas import TokenCreate
from liveshop.orders.models import Order

MAX_TOKENS = 50  # live tokens per owner


def _people_only(grant: Grant | None) -> None:
    if grant is not None:
        raise forbidden("API tokens are made and revoked by people, in the app.")


async def list_(
    *, session: AsyncSession, user: User, grant: Grant | None, owner_kind: str, owner_id: int
) -> list[ApiToken]:
    _people_only(grant)
    await owners.check_owner(session=session, user=user, owner_kind=owner_kind, owner_id=owner_id)
    stmt = (
        select(ApiToken)
        .where(
            ApiToken.owner_kind == owner_kind,
            ApiToken.owner_id == owner_id,
            ApiToken.revoked_at.is_(None),
        )
        .order_by(ApiToken.id)
    )
    return list((await session.execute(stmt)).scalars().all())


async def create(
    *, session: AsyncSession, user: User, grant: Grant | None, data: TokenCreate
) -> tuple[str, ApiToken]:
    """A new token and its row; the secret is returned here only."""
    _people_only(grant)
    await owners.check_owner(
        session=session, user=user, owner_kind=data.owner_kind, owner_id=data.owner_id
    )
    live = await session.scalar(
        select(func.count(ApiToken.id)).where(
            ApiToken.owner_kind == data.owner_kind,
            ApiToken.owner_id == data.owner_id,
            ApiToken.revoked_at.is_(None),
        )
    )
    if (live or 0) >= MAX_TOKENS:
        raise Problem(
            409,
            "too_many_tokens",
            "At most {MAX_TOKENS} tokens; revoke one first.",
            values={"MAX_TOKENS": MAX_TOKENS},
        )
    secret = secrets.token_urlsafe(32)
    token = TOKEN_PREFIX + secret
    row = ApiToken(
        owner_kind=data.owner_kind,
        owner_id=data.owner_id,
        user_id=user.id,
        name=data.name,
        prefix=token[: len(TOKEN_PREFIX) + 6],
        token_hash=token_digest(token),
        scopes=[s for s in SCOPES if s in set(data.scopes)],
        expires_at=(
            utcnow() + timedelta(days=data.expires_in_days) if data.expires_in_days else None
        ),
    )
    session.add(row)
    await session.flush()
    return token, row


async def revoke(*, session: AsyncSession, user: User, grant: Grant | None, token_id: int) -> None:
    _people_only(grant)
    row = await session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        raise not_found("api_token", token_id)
    try:
        await owners.check_owner(
            session=session, user=user, owner_kind=row.owner_kind, owner_id=row.owner_id
        )
    except Problem:
        raise not_found("api_token", token_id) from None
    row.revoked_at = utcnow()
    await session.flush()


def _invalid() -> Problem:
    return Problem(401, "invalid_token", "The bearer token is unknown, revoked or expired.")


async def authenticate(*, session: AsyncSession, token: str) -> tuple[User, ApiToken] | None:
    """The token's maker and row, while it is live and its maker still has the rights; None
    when no such token was ever made."""
    stmt = (
        select(User, ApiToken)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == token_digest(token))
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        return None
    user, row = found
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= utcnow()):
        raise _invalid()
    if user.banned_at is not None:
        raise Problem(403, "account_banned", "This account is banned.")
    if not await owners.still_owner(
        session=session, user=user, owner_kind=row.owner_kind, owner_id=row.owner_id
    ):
        raise Problem(403, "token_owner_rights", "The token's maker no longer acts for its owner.")
    return user, row


async def authorize(
    *,
    session: AsyncSession,
    grant: Grant,
    method: str,
    route_path: str | None,
    path_params: Mapping[str, Any],
) -> None:
    """The route is open to tokens, the token has its scope, and it touches only its owner."""
    scope = routes.required(method, route_path) if route_path else None
    if scope is None:
        raise Problem(403, "token_route", "API tokens cannot call this endpoint; log in instead.")
    grant.require(scope)
    if grant.owner_kind != owners.SHOP:
        return  # a creator's token acts as the creator: the services check everything else
    shop_of: dict[str, Any] = {
        "order_id": Order.shop_id,
        "product_id": Product.shop_id,
        "variant_id": Variant.shop_id,
    }
    for name, value in path_params.items():
        if name == "shop_id":
            shop_id: object = value
        elif name in shop_of:
            column = shop_of[name]
            shop_id = await session.scalar(select(column).where(column.table.c.id == value))
            if shop_id is None:
                continue  # unknown: the route answers its own 404
        else:
            continue
        if shop_id != grant.owner_id:
            raise forbidden("This token belongs to another shop.")
