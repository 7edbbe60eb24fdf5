"""FastAPI dependencies every API route shares: the unit of work, settings, paging, ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Path, Query, Request
from pydantic import BaseModel

from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def settings_of(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    state = request.app.state
    write = request.method not in SAFE_METHODS
    async with UnitOfWork(db=state.db, broker=state.broker, write=write) as uow:
        yield uow


Uow = Annotated[UnitOfWork, Depends(get_uow)]


@dataclass
class Page:
    limit: int
    offset: int


def page_params(
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page:
    return Page(limit=limit, offset=offset)


PageDep = Annotated[Page, Depends(page_params)]


T = TypeVar("T")


class Paginated(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def paginated(items: list[Any], total: int, page: Page) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


# Ids are 32-bit on PostgreSQL; anything outside that range cannot exist, so refuse it at
# the edge instead of letting the database driver overflow.
IdPath = Annotated[int, Path(ge=1, le=2**31 - 1)]
