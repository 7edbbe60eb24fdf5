"""The affiliates API: collaborations, rates, the creator's showcase, affiliate links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse, RedirectResponse

from liveshop.accounts.deps import CurrentUser, OptionalUser
from liveshop.accounts.models import Role, User
from liveshop.affiliates import service
from liveshop.affiliates.models import Collaboration, Kind
from liveshop.affiliates.schemas import (
    CollaborationCreate,
    CollaborationPublic,
    RateChangePublic,
    RateIn,
    ShowcaseItemPublic,
)
from liveshop.catalog import service as catalog
from liveshop.deps import IdPath, Uow
from liveshop.errors import forbidden
from liveshop.idempotency import idempotency_key, run_once
from liveshop.uow import UnitOfWork

router = APIRouter(tags=["affiliates"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]


def _public(row: Collaboration) -> dict[str, Any]:
    return CollaborationPublic.model_validate(row).model_dump(mode="json")


@router.post(
    "/collaborations", status_code=status.HTTP_201_CREATED, response_model=CollaborationPublic
)
async def create_collaboration(
    data: CollaborationCreate, user: CurrentUser, uow: Uow, key: IdemKey
) -> JSONResponse:
    """A shop offers a product to every creator (open) or invites one (targeted)."""

    async def work() -> tuple[int, Any]:
        if data.kind == Kind.open:
            row = await service.offer_open(
                session=uow.session, actor=user, product_id=data.product_id,
                rate_bp=data.rate_bp, floor_bp=data.floor_bp,
            )  # fmt: skip
        else:
            assert data.creator_id is not None
            row = await service.invite(
                session=uow.session, actor=user, product_id=data.product_id,
                creator_id=data.creator_id, rate_bp=data.rate_bp, floor_bp=data.floor_bp,
            )  # fmt: skip
        return 201, _public(row)

    code, body = await run_once(
        uow, user_id=user.id, key=key, scope="collaboration_create",
        body=data.model_dump(mode="json"), work=work,
    )  # fmt: skip
    return JSONResponse(body, status_code=code)


@router.get("/shops/{shop_id}/collaborations")
async def shop_collaborations(
    shop_id: IdPath, user: CurrentUser, uow: Uow
) -> list[CollaborationPublic]:
    """The shop's collaborations, newest first (at most 200)."""
    rows = await service.of_shop(session=uow.session, actor=user, shop_id=shop_id)
    return [
        CollaborationPublic.model_validate(c).model_copy(
            update={"product_title": p.title, "creator_name": u and u.display_name}
        )
        for c, p, u in rows
    ]


@router.get("/collaborations/{collaboration_id}/rates")
async def rate_history(
    collaboration_id: IdPath, user: CurrentUser, uow: Uow
) -> list[RateChangePublic]:
    """Every rate the collaboration had: its shop's sellers and its creator may look."""
    row = await service.get(session=uow.session, collaboration_id=collaboration_id)
    if (
        row.creator_id != user.id
        and not await catalog.is_member(session=uow.session, user=user, shop_id=row.shop_id)
        and (row.kind != Kind.open or not user.has_role(Role.creator))
    ):
        raise forbidden("Only the shop and its creators see a collaboration's rates.")
    rows = await service.history(session=uow.session, collaboration_id=collaboration_id)
    return [RateChangePublic.model_validate(r) for r in rows]


@router.post(
    "/collaborations/{collaboration_id}/rate",
    status_code=status.HTTP_201_CREATED,
    response_model=RateChangePublic,
)
async def change_rate(
    collaboration_id: IdPath, data: RateIn, user: CurrentUser, uow: Uow, key: IdemKey
) -> JSONResponse:
    """A raise applies at once; a cut reaches creators holding the product 30 days later."""

    async def work() -> tuple[int, Any]:
        change = await service.change_rate(
            session=uow.session, actor=user, collaboration_id=collaboration_id,
            rate_bp=data.rate_bp,
        )  # fmt: skip
        return 201, RateChangePublic.model_validate(change).model_dump(mode="json")

    code, body = await run_once(
        uow, user_id=user.id, key=key, scope=f"collaboration_rate:{collaboration_id}",
        body=data.model_dump(mode="json"), work=work,
    )  # fmt: skip
    return JSONResponse(body, status_code=code)


@router.post("/collaborations/{collaboration_id}/revoke")
async def revoke(collaboration_id: IdPath, user: CurrentUser, uow: Uow) -> CollaborationPublic:
    """Ends it at once (repeating it changes nothing)."""
    row = await service.revoke(session=uow.session, actor=user, collaboration_id=collaboration_id)
    await uow.commit()
    return CollaborationPublic.model_validate(row)


@router.post("/collaborations/{collaboration_id}/accept")
async def accept(collaboration_id: IdPath, user: CurrentUser, uow: Uow) -> CollaborationPublic:
    row = await service.respond(
        session=uow.session, actor=user, collaboration_id=collaboration_id, accept=True
    )
    await uow.commit()
    return CollaborationPublic.model_validate(row)


@router.post("/collaborations/{collaboration_id}/decline")
async def decline(collaboration_id: IdPath, user: CurrentUser, uow: Uow) -> CollaborationPublic:
    row = await service.respond(
        session=uow.session, actor=user, collaboration_id=collaboration_id, accept=False
    )
    await uow.commit()
    return CollaborationPublic.model_validate(row)


@router.get("/me/collaborations")
async def my_offers(user: CurrentUser, uow: Uow) -> list[CollaborationPublic]:
    """Invitations to me and every open offer, newest first (at most 200)."""
    rows = await service.offers_for(session=uow.session, creator=user)
    return [
        CollaborationPublic.model_validate(c).model_copy(
            update={"product_title": p.title, "shop_name": s.name}
        )
        for c, p, s in rows
    ]


async def _showcase(uow: Uow, user_id: int) -> list[ShowcaseItemPublic]:
    out = []
    for item, product, terms in await service.showcase(session=uow.session, creator_id=user_id):
        rate = await service.rate_for(
            session=uow.session, creator_id=user_id, product_id=product.id
        )
        out.append(
            ShowcaseItemPublic(
                product_id=product.id,
                title=product.title,
                added_at=item.added_at,
                collaboration_id=None if terms is None else terms.id,
                rate_bp=None if rate is None else rate.bp,
                why=None if rate is None else rate.explained(),
            )
        )
    return out


@router.get("/me/showcase")
async def my_showcase(user: CurrentUser, uow: Uow) -> list[ShowcaseItemPublic]:
    return await _showcase(uow, user.id)


@router.put("/me/showcase/{product_id}")
async def add_to_showcase(
    product_id: IdPath, user: CurrentUser, uow: Uow
) -> list[ShowcaseItemPublic]:
    """Add an offered product (again: no change, the lock keeps its date)."""
    await service.add_to_showcase(session=uow.session, actor=user, product_id=product_id)
    await uow.commit()
    return await _showcase(uow, user.id)


@router.delete("/me/showcase/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_from_showcase(product_id: IdPath, user: CurrentUser, uow: Uow) -> None:
    """Out of the showcase: it can't be sold in my shows, and any rate lock is given up."""
    await service.remove_from_showcase(session=uow.session, actor=user, product_id=product_id)
    await uow.commit()


# A link people click in a browser (it answers with the product page), not a JSON endpoint for
# integrators, so it stays out of the API reference like the pages do.
@router.get("/a/{creator_id}/{product_id}", include_in_schema=False)
async def affiliate_link(
    creator_id: IdPath, product_id: IdPath, user: OptionalUser, request: Request
) -> RedirectResponse:
    """A creator's affiliate link: records the signed-in buyer's click, then shows the product."""
    if user is not None:  # a GET reads from a replica: the click is written on the primary
        state = request.app.state
        async with UnitOfWork(db=state.db, broker=state.broker, write=True) as uow:
            buyer = await uow.session.get(User, user.id)
            await service.click_link(
                session=uow.session, buyer=buyer, creator_id=creator_id, product_id=product_id
            )
            await uow.commit()
    return RedirectResponse(f"/products/{product_id}", status_code=status.HTTP_303_SEE_OTHER)
