"""Shopify import and webhook endpoints."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import shutil
import tempfile
from typing import IO, Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import IdPath, Uow
from liveshop.errors import Problem
from liveshop.integrations.shopify import service
from liveshop.integrations.shopify.parse import DIALECT_LABELS, JSON_DIALECT, preview
from liveshop.integrations.shopify.schemas import (
    ImportPreview,
    ImportPublic,
    ShopifyConnect,
    ShopifyLinkPublic,
    WebhookResult,
)

log = logging.getLogger(__name__)
router = APIRouter(tags=["integrations"])
ShopQuery = Annotated[int, Query(ge=1, le=2**31 - 1)]
PREVIEW_ROWS = 10


def _link_public(request: Request, shop_id: int, domain: str) -> ShopifyLinkPublic:
    base = str(request.base_url).rstrip("/")
    return ShopifyLinkPublic(
        shop_id=shop_id,
        store_domain=domain,
        webhook_url=f"{base}/api/v1/integrations/shopify/{shop_id}/webhooks",
    )


@router.put("/shops/{shop_id}/shopify")
async def connect_shopify(
    shop_id: IdPath, data: ShopifyConnect, request: Request, user: CurrentUser, uow: Uow
) -> ShopifyLinkPublic:
    """Connect the shop's Shopify store: its domain and the secret its webhooks are signed with."""
    link = await service.connect(
        session=uow.session,
        actor=user,
        shop_id=shop_id,
        store_domain=data.store_domain,
        secret=data.webhook_secret,
    )
    await uow.commit()
    return _link_public(request, shop_id, link.store_domain)


@router.get("/shops/{shop_id}/shopify")
async def get_shopify(
    shop_id: IdPath, request: Request, user: CurrentUser, uow: Uow
) -> ShopifyLinkPublic:
    link = await service.get_link(session=uow.session, actor=user, shop_id=shop_id)
    return _link_public(request, shop_id, link.store_domain)


@router.post("/imports/shopify/preview")
async def preview_import(
    shop_id: ShopQuery, user: CurrentUser, uow: Uow, file: Annotated[UploadFile, File()]
) -> ImportPreview:
    """The detected dialect and the first rows of a Shopify file; nothing is written."""
    await service.check_can_import(session=uow.session, actor=user, shop_id=shop_id)
    opened = service.open_file(file.file, file.filename or "")
    if opened.dialect == JSON_DIALECT:
        reader = opened.reader
        header = ["handle", "title", "variants", "images"]
        rows = []
        for product in reader.products():
            rows.append(
                [
                    product.handle,
                    product.title,
                    str(len(product.variants)),
                    str(len(product.images)),
                ]
            )
            if len(rows) >= PREVIEW_ROWS:
                break
        return ImportPreview(
            dialect=opened.dialect,
            dialect_label=DIALECT_LABELS[opened.dialect],
            header=header,
            rows=rows,
        )
    file.file.seek(0)
    try:
        dialect, header, first = preview(service.ByteLines(file.file), PREVIEW_ROWS)
    except csv.Error as exc:
        raise Problem(
            422, "bad_csv", "The file cannot be read as CSV: {exc}", values={"exc": exc}
        ) from None
    assert dialect is not None
    return ImportPreview(
        dialect=dialect, dialect_label=DIALECT_LABELS[dialect], header=header, rows=first
    )


@router.post("/imports/shopify", status_code=201)
async def import_shopify(
    request: Request,
    response: Response,
    shop_id: ShopQuery,
    user: CurrentUser,
    file: Annotated[UploadFile, File()],
    background: Annotated[bool, Query()] = False,
) -> ImportPublic:
    """Import a Shopify product CSV (either header dialect) or products JSON into a shop.

    Safe to retry: products are matched by handle and variants by SKU, so a repeated upload
    updates in place (and reports them unchanged) instead of adding duplicates.

    With `background=true` the answer is 202 as soon as the file is received and its format
    known: the run is "running", and `GET /imports/shopify/{id}` reports its progress (rows
    done, bytes read of `total_bytes`) until it is done, with the report.
    """
    state = request.app.state
    if not background:
        opened = service.open_file(file.file, file.filename or "")
        run = await service.run_import(
            db=state.db,
            broker=state.broker,
            actor=user,
            shop_id=shop_id,
            opened=opened,
            filename=file.filename or "",
        )
        return ImportPublic.model_validate(run)
    # The upload is closed with the request: the run reads its own copy.
    copy: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the run's task
    try:
        await run_in_threadpool(shutil.copyfileobj, file.file, copy)
        size = copy.tell()
        copy.seek(0)
        opened = service.open_file(copy, file.filename or "")
        run = await service.start_import(
            db=state.db,
            broker=state.broker,
            actor=user,
            shop_id=shop_id,
            opened=opened,
            filename=file.filename or "",
            total_bytes=size,
        )
    except BaseException:
        copy.close()
        raise

    async def finish() -> None:
        try:
            await service.continue_import(
                db=state.db, broker=state.broker, run_id=run.id, shop_id=shop_id, opened=opened
            )
        except Exception:
            log.exception("Shopify import %s failed", run.id)
        finally:
            copy.close()

    task = asyncio.create_task(finish())
    jobs: set[asyncio.Task[None]] = state.background_jobs
    jobs.add(task)
    task.add_done_callback(jobs.discard)
    response.status_code = 202
    return ImportPublic.model_validate(run)


@router.get("/imports/shopify/{import_id}")
async def get_import(import_id: IdPath, user: CurrentUser, uow: Uow) -> ImportPublic:
    run = await service.get_import(session=uow.session, actor=user, import_id=import_id)
    return ImportPublic.model_validate(run)


@router.get("/imports/shopify/{import_id}/errors.csv")
async def import_errors_csv(import_id: IdPath, user: CurrentUser, uow: Uow) -> Response:
    """The error report as a CSV file: line, column, value, why, handle, action."""
    run = await service.get_import(session=uow.session, actor=user, import_id=import_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "column", "value", "why", "handle", "action"])
    for e in run.errors:
        writer.writerow(
            [e["line"] or "", e["column"], e["value"], e["why"], e["handle"], e["action"]]
        )
    if run.error_count > len(run.errors):
        writer.writerow(["", "", "", f"{run.error_count - len(run.errors)} more errors", "", ""])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{run.id}-errors.csv"'},
    )


@router.post("/integrations/shopify/{shop_id}/webhooks")
async def shopify_webhook(shop_id: IdPath, request: Request, uow: Uow) -> WebhookResult:
    """Shopify's products/update, products/delete and inventory_levels/update deliveries."""
    body = await request.body()
    headers = request.headers
    try:
        result = await service.receive(
            session=uow.session,
            shop_id=shop_id,
            topic=headers.get("x-shopify-topic", ""),
            webhook_id=headers.get("x-shopify-webhook-id", ""),
            hmac_header=headers.get("x-shopify-hmac-sha256", ""),
            body=body,
        )
        await uow.commit()
    except IntegrityError:
        # The same delivery, handled at this very moment by another request or worker.
        await uow.rollback()
        return WebhookResult(status="duplicate")
    status = str(result.pop("status"))
    return WebhookResult(status=status, detail=result)
