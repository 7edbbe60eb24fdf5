"""Who is calling: the session or bearer token resolved to a user, the CSRF check, and the
FastAPI dependencies every API route uses for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts import service as accounts
from liveshop.accounts.models import User
from liveshop.accounts.security import csrf_valid
from liveshop.deps import SAFE_METHODS, Uow, settings_of
from liveshop.errors import Problem
from liveshop.uow import UnitOfWork

SESSION_COOKIE = "liveshop_session"


@dataclass
class Caller:
    user: User
    via_cookie: bool
    token: str
    grant: Any = None  # a public API token's owner and scopes (integrations.tokens.Grant)


# Bearer tokens that start with a registered prefix are resolved by a higher layer (public API
# tokens: integrations/tokens/auth.py), wired at start by liveshop.wiring; it answers the user
# and a grant, or raises a Problem (401, 403 out of scope, 429 over the token's rate limit).
BearerResolver = Callable[[Request, AsyncSession, str], Awaitable[tuple[User, Any] | None]]
bearer_resolvers: dict[str, BearerResolver] = {}


async def _resolve(request: Request, uow: UnitOfWork) -> Caller | None:
    auth = request.headers.get("authorization", "")
    via_cookie = False
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    else:
        token = request.cookies.get(SESSION_COOKIE, "")
        via_cookie = True
    if not token:
        return None
    for prefix, resolver in bearer_resolvers.items():
        # None: not one of theirs after all (a session token may start the same way by chance).
        if (
            not via_cookie
            and token.startswith(prefix)
            and (grant := await resolver(request, uow.session, token)) is not None
        ):
            return Caller(user=grant[0], via_cookie=False, token=token, grant=grant[1])
    found = await accounts.get_by_token(session=uow.session, token=token)
    if found is None:
        if via_cookie:
            return None
        raise Problem(401, "invalid_token", "The bearer token is unknown or expired.")
    user, _auth = found
    if user.banned_at is not None:
        raise Problem(403, "account_banned", "This account is banned.")
    if via_cookie and request.method not in SAFE_METHODS:
        await _check_csrf(request, token)
    return Caller(user=user, via_cookie=via_cookie, token=token)


async def _check_csrf(request: Request, token: str) -> None:
    candidate = request.headers.get("x-csrf-token")
    ctype = request.headers.get("content-type", "")
    if candidate is None and ctype.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        candidate = value if isinstance(value, str) else None
    if not csrf_valid(settings_of(request).secret_key, token, candidate):
        raise Problem(403, "csrf_failed", "Missing or wrong CSRF token; reload the page and retry.")


async def optional_caller(request: Request, uow: Uow) -> Caller | None:
    return await _resolve(request, uow)


async def current_caller(request: Request, uow: Uow) -> Caller:
    caller = await _resolve(request, uow)
    if caller is None:
        raise Problem(401, "unauthenticated", "Log in first.")
    return caller


async def current_user(caller: Annotated[Caller, Depends(current_caller)]) -> User:
    return caller.user


async def optional_user(caller: Annotated[Caller | None, Depends(optional_caller)]) -> User | None:
    return caller.user if caller else None


CurrentUser = Annotated[User, Depends(current_user)]


OptionalUser = Annotated[User | None, Depends(optional_user)]
