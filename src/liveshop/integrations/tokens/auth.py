"""The bearer resolver `deps` calls for public API tokens (wired in `liveshop.wiring`)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.integrations.tokens import service
from liveshop.integrations.tokens.grants import Grant
from liveshop.ratelimit import Rule, limiter_of


async def resolve(request: Request, session: AsyncSession, token: str) -> tuple[User, Grant] | None:
    """Who the token acts as and what it may do here; 401/403/429 problems otherwise.

    Counted once per request against the token's own rate limit, before the scope check, so a
    token that keeps calling what it may not still runs into its limit.
    """
    cached: tuple[User, Grant] | None = getattr(request.state, "api_token", None)
    if cached is not None:
        return cached
    found = await service.authenticate(session=session, token=token)
    if found is None:
        return None  # unknown here: deps tries it as a session token (which answers 401)
    user, row = found
    grant = Grant(row.id, row.owner_kind, row.owner_id, frozenset(row.scopes))
    limit = request.app.state.settings.rate_api_token
    await limiter_of(request).check([Rule("api:token", limit, str(row.id))])
    route = request.scope.get("route")
    await service.authorize(
        session=session,
        grant=grant,
        method=request.method,
        route_path=getattr(route, "path", None),
        path_params=request.path_params,
    )
    request.state.api_token = (user, grant)
    return user, grant
