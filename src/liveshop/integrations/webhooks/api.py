"""Webhook endpoints, their delivery log, test events, redelivery and secret rotation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import Caller, current_caller
from liveshop.deps import IdPath, PageDep, Paginated, Uow, paginated, settings_of
from liveshop.idempotency import idempotency_key, run_once
from liveshop.inputs import MAX_ID
from liveshop.integrations.webhooks import service
from liveshop.integrations.webhooks.models import WebhookEndpoint
from liveshop.integrations.webhooks.schemas import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPublic,
    EndpointCreate,
    EndpointPublic,
    EndpointSecret,
    EndpointUpdate,
)
from liveshop.settings import Settings

router = APIRouter(tags=["webhooks"])
CallerDep = Annotated[Caller, Depends(current_caller)]
SettingsDep = Annotated[Settings, Depends(settings_of)]
IdemKey = Annotated[str | None, Depends(idempotency_key)]
OwnerKindQ = Annotated[Literal["shop", "creator"], Query()]
OwnerIdQ = Annotated[int, Query(ge=1, le=MAX_ID)]
StatusQ = Annotated[Literal["pending", "delivered", "dead"] | None, Query()]


def _with_secret(endpoint: WebhookEndpoint) -> EndpointSecret:
    public = EndpointPublic.model_validate(endpoint).model_dump()
    return EndpointSecret(**public, secret=endpoint.secret)


@router.get("/integrations/webhooks")
async def list_endpoints(
    owner_kind: OwnerKindQ, owner_id: OwnerIdQ, caller: CallerDep, uow: Uow
) -> list[EndpointPublic]:
    """A shop's or a creator's webhook endpoints."""
    rows = await service.list_(
        session=uow.session,
        user=caller.user,
        grant=caller.grant,
        owner_kind=owner_kind,
        owner_id=owner_id,
    )
    return [EndpointPublic.model_validate(r) for r in rows]


@router.post(
    "/integrations/webhooks", status_code=status.HTTP_201_CREATED, response_model=EndpointSecret
)
async def create_endpoint(
    data: EndpointCreate, caller: CallerDep, uow: Uow, settings: SettingsDep, key: IdemKey
) -> JSONResponse:
    """Add an endpoint; the answer carries its signing secret (also shown on its page)."""

    async def work() -> tuple[int, object]:
        endpoint = await service.create(
            session=uow.session, user=caller.user, grant=caller.grant, settings=settings, data=data
        )
        return 201, _with_secret(endpoint).model_dump(mode="json")

    if key is None:
        code, body = await work()
        await uow.commit()
    else:
        code, body = await run_once(
            uow,
            user_id=caller.user.id,
            key=key,
            scope="webhook_endpoint",
            body=data.model_dump(mode="json"),
            work=work,
        )
    return JSONResponse(body, status_code=code)


@router.get("/integrations/webhooks/{endpoint_id}")
async def get_endpoint(endpoint_id: IdPath, caller: CallerDep, uow: Uow) -> EndpointSecret:
    """One endpoint, with its current signing secret (its owners need it to verify)."""
    endpoint = await service.get(
        session=uow.session, user=caller.user, grant=caller.grant, endpoint_id=endpoint_id
    )
    return _with_secret(endpoint)


@router.patch("/integrations/webhooks/{endpoint_id}")
async def update_endpoint(
    endpoint_id: IdPath, data: EndpointUpdate, caller: CallerDep, uow: Uow, settings: SettingsDep
) -> EndpointPublic:
    """Change the address, the events, or enable/disable it (enabling clears its failures)."""
    endpoint = await service.update_(
        session=uow.session,
        user=caller.user,
        grant=caller.grant,
        settings=settings,
        endpoint_id=endpoint_id,
        data=data,
    )
    await uow.commit()
    return EndpointPublic.model_validate(endpoint)


@router.delete("/integrations/webhooks/{endpoint_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_endpoint(endpoint_id: IdPath, caller: CallerDep, uow: Uow) -> None:
    """Remove the endpoint and its delivery log."""
    await service.delete(
        session=uow.session, user=caller.user, grant=caller.grant, endpoint_id=endpoint_id
    )
    await uow.commit()


@router.post("/integrations/webhooks/{endpoint_id}/rotate-secret")
async def rotate_secret(endpoint_id: IdPath, caller: CallerDep, uow: Uow) -> EndpointSecret:
    """A new signing secret; the old one keeps signing beside it for 24 hours."""
    endpoint = await service.rotate_secret(
        session=uow.session, user=caller.user, grant=caller.grant, endpoint_id=endpoint_id
    )
    await uow.commit()
    return _with_secret(endpoint)


@router.post(
    "/integrations/webhooks/{endpoint_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryPublic,
)
async def send_test(endpoint_id: IdPath, caller: CallerDep, uow: Uow, key: IdemKey) -> JSONResponse:
    """Queue a signed `webhook.test` event; its result shows in the delivery log."""

    async def work() -> tuple[int, object]:
        row = await service.send_test(
            session=uow.session, user=caller.user, grant=caller.grant, endpoint_id=endpoint_id
        )
        return 202, DeliveryPublic.model_validate(row).model_dump(mode="json")

    if key is None:
        code, body = await work()
        await uow.commit()
    else:
        code, body = await run_once(
            uow,
            user_id=caller.user.id,
            key=key,
            scope=f"webhook_test:{endpoint_id}",
            body={},
            work=work,
        )
    return JSONResponse(body, status_code=code)


@router.get("/integrations/webhooks/{endpoint_id}/deliveries")
async def list_deliveries(
    endpoint_id: IdPath, caller: CallerDep, uow: Uow, page: PageDep, status: StatusQ = None
) -> Paginated[DeliveryPublic]:
    """The delivery log, newest first."""
    rows, total = await service.list_deliveries(
        session=uow.session,
        user=caller.user,
        grant=caller.grant,
        endpoint_id=endpoint_id,
        status=status,
        limit=page.limit,
        offset=page.offset,
    )
    items = [DeliveryPublic.model_validate(r) for r in rows]
    return Paginated[DeliveryPublic](**paginated(items, total, page))


@router.get("/integrations/webhook-deliveries/{delivery_id}")
async def get_delivery(delivery_id: IdPath, caller: CallerDep, uow: Uow) -> DeliveryDetail:
    """One delivery: the body sent and every attempt's response code and time."""
    delivery, attempts = await service.get_delivery(
        session=uow.session, user=caller.user, grant=caller.grant, delivery_id=delivery_id
    )
    public = DeliveryPublic.model_validate(delivery).model_dump()
    return DeliveryDetail(
        **public, body=delivery.body, log=[AttemptPublic.model_validate(a) for a in attempts]
    )


@router.post("/integrations/webhook-deliveries/{delivery_id}/redeliver")
async def redeliver(delivery_id: IdPath, caller: CallerDep, uow: Uow) -> DeliveryPublic:
    """Send it again now (same webhook-id), e.g. a dead-lettered one once the receiver is fixed."""
    delivery = await service.redeliver(
        session=uow.session, user=caller.user, grant=caller.grant, delivery_id=delivery_id
    )
    await uow.commit()
    return DeliveryPublic.model_validate(delivery)
