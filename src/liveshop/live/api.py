from __future__ import annotations

from fastapi import APIRouter, Request, status

from liveshop.deps import CurrentUser, PageDep, Uow
from liveshop.live import service
from liveshop.live.schemas import ShowCreate, ShowIngest, ShowPublic

router = APIRouter(tags=["live"])


async def _public(uow: Uow, show: object) -> ShowPublic:
    out = ShowPublic.model_validate(show)
    out.product_ids = await service.product_ids(session=uow.session, show_id=out.id)
    return out


@router.post("/shows", status_code=status.HTTP_201_CREATED)
async def create_show(data: ShowCreate, user: CurrentUser, uow: Uow) -> ShowPublic:
    """Schedule a show with the products it will sell."""
    show = await service.create(session=uow.session, host=user, data=data)
    out = await _public(uow, show)
    await uow.commit()
    return out


@router.get("/shows")
async def list_shows(uow: Uow, page: PageDep) -> list[ShowPublic]:
    """Live and upcoming shows, soonest first."""
    rows = await service.list_(
        session=uow.session, statuses=service.ACTIVE, limit=page.limit, offset=page.offset
    )
    return [await _public(uow, s) for s in rows]


@router.get("/shows/{show_id}")
async def get_show(show_id: int, uow: Uow) -> ShowPublic:
    return await _public(uow, await service.get(session=uow.session, show_id=show_id))


@router.get("/shows/{show_id}/ingest")
async def show_ingest(show_id: int, request: Request, user: CurrentUser, uow: Uow) -> ShowIngest:
    """The RTMP URL and stream key for OBS; host only."""
    show = await service.get_for_host(session=uow.session, host=user, show_id=show_id)
    settings = request.app.state.settings
    host = settings.base_url.split("://", 1)[-1].split(":")[0].split("/")[0]
    return ShowIngest(rtmp_url=f"rtmp://{host}:1935/live", stream_key=show.stream_key)
