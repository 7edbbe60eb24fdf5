"""Who may act for an owner of integrations (a shop or a creator)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.catalog import service as catalog
from liveshop.errors import forbidden

SHOP = "shop"
CREATOR = "creator"


async def check_owner(*, session: AsyncSession, user: User, owner_kind: str, owner_id: int) -> None:
    """A shop's members act for it (admins for any); a creator only for themself."""
    if owner_kind == SHOP:
        await catalog.check_member(session=session, user=user, shop_id=owner_id)
    elif owner_id != user.id and not user.has_role(Role.admin):
        raise forbidden("Only the creator acts for their own account.")
    elif not (user.has_role(Role.creator) or user.has_role(Role.admin)):
        raise forbidden("This account is not a creator.")


async def still_owner(*, session: AsyncSession, user: User, owner_kind: str, owner_id: int) -> bool:
    """Whether the rights a token was made with still hold (no admin override here)."""
    if owner_kind == SHOP:
        return await catalog.is_member(session=session, user=user, shop_id=owner_id)
    return owner_id == user.id and user.has_role(Role.creator)
