from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow
from liveshop.errors import PROBLEM
from liveshop.idempotency import idempotency_key, require_key, run_once
from liveshop.orders.schemas import ReturnDecision, ReturnPublic, return_public
from liveshop.payments import service
from liveshop.payments.schemas import (
    PaymentConfirm,
    PaymentCreate,
    PaymentPublic,
    RefundCreate,
    RefundPublic,
)

router = APIRouter(tags=["payments"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]


def _respond(status_code: int, body: object) -> JSONResponse:
    media = PROBLEM if status_code >= 400 else "application/json"
    return JSONResponse(body, status_code=status_code, media_type=media)


@router.post(
    "/orders/{order_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentPublic,
    responses={202: {"description": "Needs confirmation"}, 402: {"description": "Declined"}},
)
async def pay_order(
    order_id: IdPath,
    data: PaymentCreate,
    request: Request,
    user: CurrentUser,
    uow: Uow,
    key: IdemKey,
) -> JSONResponse:
    """Pay with a card. Requires an Idempotency-Key: a retry never charges twice."""
    key = require_key(key)

    async def work() -> tuple[int, object]:
        return await service.pay(
            session=uow.session,
            provider=request.app.state.provider,
            buyer=user,
            order_id=order_id,
            card_number=data.card_number,
            idempotency_key=key,
        )

    body = {"order_id": order_id, **data.model_dump(mode="json")}
    return _respond(
        *await run_once(uow, user_id=user.id, key=key, scope="pay", body=body, work=work)
    )


@router.post("/payments/{payment_id}/confirm", response_model=PaymentPublic)
async def confirm_payment(
    payment_id: IdPath,
    data: PaymentConfirm,
    request: Request,
    user: CurrentUser,
    uow: Uow,
    key: IdemKey,
) -> JSONResponse:
    """Finish a payment that needed a second step (the sandbox's 3-D Secure code)."""

    async def work() -> tuple[int, object]:
        return await service.confirm(
            session=uow.session,
            provider=request.app.state.provider,
            buyer=user,
            payment_id=payment_id,
            code=data.code,
        )

    body = {"payment_id": payment_id, **data.model_dump()}
    return _respond(
        *await run_once(uow, user_id=user.id, key=key, scope="confirm", body=body, work=work)
    )


@router.get("/orders/{order_id}/payments")
async def list_payments(order_id: IdPath, user: CurrentUser, uow: Uow) -> list[PaymentPublic]:
    rows = await service.list_for_order(session=uow.session, viewer=user, order_id=order_id)
    return [PaymentPublic.model_validate(p) for p in rows]


@router.post(
    "/orders/{order_id}/refunds", status_code=status.HTTP_201_CREATED, response_model=RefundPublic
)
async def refund_order(
    order_id: IdPath,
    data: RefundCreate,
    request: Request,
    user: CurrentUser,
    uow: Uow,
    key: IdemKey,
) -> JSONResponse:
    """The seller refunds all or part of a paid order. Requires an Idempotency-Key."""
    key = require_key(key)

    async def work() -> tuple[int, object]:
        return await service.refund_as_seller(
            session=uow.session,
            provider=request.app.state.provider,
            actor=user,
            order_id=order_id,
            amount=data.amount,
            reason=data.reason,
            idempotency_key=key,
        )

    body = {"order_id": order_id, **data.model_dump()}
    return _respond(
        *await run_once(uow, user_id=user.id, key=key, scope="refund", body=body, work=work)
    )


@router.post("/returns/{return_id}/approve")
async def approve_return(
    return_id: IdPath, data: ReturnDecision, request: Request, user: CurrentUser, uow: Uow
) -> ReturnPublic:
    ret, order = await service.approve_return(
        session=uow.session,
        provider=request.app.state.provider,
        actor=user,
        return_id=return_id,
        note=data.note,
    )
    await uow.commit()
    return return_public(order, ret)
