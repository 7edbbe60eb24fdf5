from __future__ import annotations

from fastapi import APIRouter

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import Uow
from liveshop.markets import service
from liveshop.markets.schemas import MarketPublic, MarketUpdate

router = APIRouter(tags=["markets"])


@router.get("/markets")
async def list_markets(uow: Uow) -> list[MarketPublic]:
    return [MarketPublic.model_validate(m) for m in await service.list_(session=uow.session)]


@router.get("/markets/{code}")
async def get_market(code: str, uow: Uow) -> MarketPublic:
    return MarketPublic.model_validate(await service.get(session=uow.session, code=code))


@router.patch("/admin/markets/{code}")
async def update_market(code: str, data: MarketUpdate, user: CurrentUser, uow: Uow) -> MarketPublic:
    market = await service.update(session=uow.session, actor=user, code=code, data=data)
    await uow.commit()
    return MarketPublic.model_validate(market)
