"""Public API tokens of a shop or a creator: list, create (the secret is shown once), revoke."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from liveshop.accounts.deps import Caller, current_caller
from liveshop.deps import IdPath, Uow
from liveshop.inputs import MAX_ID
from liveshop.integrations.tokens import service
from liveshop.integrations.tokens.schemas import TokenCreate, TokenPublic, TokenSecret

router = APIRouter(tags=["api tokens"])
CallerDep = Annotated[Caller, Depends(current_caller)]


@router.get("/integrations/tokens")
async def list_tokens(
    owner_kind: Annotated[Literal["shop", "creator"], Query()],
    owner_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    caller: CallerDep,
    uow: Uow,
) -> list[TokenPublic]:
    """Live tokens of a shop or a creator (never their secrets)."""
    rows = await service.list_(
        session=uow.session,
        user=caller.user,
        grant=caller.grant,
        owner_kind=owner_kind,
        owner_id=owner_id,
    )
    return [TokenPublic.model_validate(r) for r in rows]


@router.post("/integrations/tokens", status_code=status.HTTP_201_CREATED)
async def create_token(data: TokenCreate, caller: CallerDep, uow: Uow) -> TokenSecret:
    """Make a token with the scopes chosen; copy it now, it is stored hashed."""
    token, row = await service.create(
        session=uow.session, user=caller.user, grant=caller.grant, data=data
    )
    await uow.commit()
    return TokenSecret(**TokenPublic.model_validate(row).model_dump(), token=token)


@router.delete("/integrations/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(token_id: IdPath, caller: CallerDep, uow: Uow) -> None:
    """Revoke at once: the next request with it is refused."""
    await service.revoke(
        session=uow.session, user=caller.user, grant=caller.grant, token_id=token_id
    )
    await uow.commit()
