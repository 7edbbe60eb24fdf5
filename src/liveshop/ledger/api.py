"""Ledger endpoints: seller finance, creator earnings, and the operators' books."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response

from liveshop import leases
from liveshop.accounts.deps import CurrentUser
from liveshop.catalog import service as catalog
from liveshop.deps import IdPath, Uow
from liveshop.errors import Problem
from liveshop.idempotency import idempotency_key, require_key
from liveshop.ledger import incentives, payouts, reports, settlement
from liveshop.ledger.models import PayoutRun, ShopTerms
from liveshop.ledger.schemas import PayoutRunCreate, ProgramCreate, ShopTermsUpdate
from liveshop.ledger.terms import Terms

router = APIRouter(tags=["ledger"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]
CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"}
}


def _terms(request: Request) -> Terms:
    return Terms.of(request.app.state.settings)


@router.get("/ledger/shops/{shop_id}/finance")
async def seller_finance(
    shop_id: IdPath, request: Request, user: CurrentUser, uow: Uow
) -> dict[str, Any]:
    return await reports.seller_finance(
        session=uow.session, actor=user, shop_id=shop_id, terms=_terms(request)
    )


@router.get("/ledger/shops/{shop_id}/statement.csv", response_class=Response, responses=CSV)
async def statement(shop_id: IdPath, user: CurrentUser, uow: Uow) -> Response:
    body = await reports.statement_csv(session=uow.session, actor=user, shop_id=shop_id)
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="shop-{shop_id}-statement.csv"'},
    )


@router.get("/ledger/me/earnings")
async def creator_earnings(user: CurrentUser, uow: Uow) -> dict[str, Any]:
    return await reports.creator_earnings(session=uow.session, actor=user)


@router.get("/ledger/admin/trial-balance")
async def trial_balance(user: CurrentUser, uow: Uow) -> dict[str, Any]:
    return await reports.trial_balance(session=uow.session, actor=user)


@router.get("/ledger/admin/programs")
async def programs(user: CurrentUser, uow: Uow) -> list[dict[str, Any]]:
    reports.require_admin(user)
    return await incentives.report(uow.session)


@router.post("/ledger/admin/programs", status_code=status.HTTP_201_CREATED)
async def create_program(data: ProgramCreate, user: CurrentUser, uow: Uow) -> dict[str, Any]:
    reports.require_admin(user)
    program = await incentives.create(
        session=uow.session,
        name=data.name,
        kind=data.kind,
        currency=data.currency,
        budget=data.budget,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        params=data.params(),
    )
    await uow.commit()
    return {"id": program.id, "name": program.name, "budget": program.budget, "spent": 0}


@router.put("/ledger/admin/shops/{shop_id}/terms")
async def set_shop_terms(
    shop_id: IdPath, data: ShopTermsUpdate, user: CurrentUser, uow: Uow
) -> dict[str, int]:
    reports.require_admin(user)
    await catalog.get_shop(session=uow.session, shop_id=shop_id)
    row = await uow.session.get(ShopTerms, shop_id)
    if row is None:
        row = ShopTerms(shop_id=shop_id)
        uow.session.add(row)
    row.reserve_bp, row.reserve_days = data.reserve_bp, data.reserve_days
    await uow.commit()
    return {"shop_id": shop_id, "reserve_bp": data.reserve_bp, "reserve_days": data.reserve_days}


@router.get("/ledger/admin/payout-runs")
async def list_payout_runs(user: CurrentUser, uow: Uow) -> list[dict[str, Any]]:
    return await reports.payout_runs(session=uow.session, actor=user)


@router.post("/ledger/admin/payout-runs", status_code=status.HTTP_201_CREATED)
async def start_payout_run(
    data: PayoutRunCreate, request: Request, user: CurrentUser, uow: Uow, key: IdemKey
) -> dict[str, Any]:
    """Pay out now. The Idempotency-Key names the run: the same key returns the same run."""
    reports.require_admin(user)
    run_id = f"{data.currency}:{require_key(key)}"
    made = await payouts.run_once(
        uow.db,
        uow.broker,
        payouts.SandboxPayoutProvider(),
        currency=data.currency,
        run_id=run_id,
        minimum=_terms(request).payout_minimum.get(data.currency, 1),
    )
    return {
        "id": made.id,
        "currency": made.currency,
        "payouts": made.payouts,
        "total": reports.money(made.total, made.currency),
        "csv_url": f"/api/v1/ledger/admin/payout-runs/{made.id}.csv",
    }


@router.get("/ledger/admin/payout-runs/{run_id}.csv", response_class=Response, responses=CSV)
async def payout_run_csv(run_id: str, user: CurrentUser, uow: Uow) -> Response:
    reports.require_admin(user)
    run = await uow.session.get(PayoutRun, run_id[:80])
    if run is None:
        raise Problem(404, "payout_run_not_found", "No such payout run.")
    return Response(run.csv, media_type="text/csv")


@router.post("/ledger/admin/settle")
async def settle_now(request: Request, user: CurrentUser, uow: Uow) -> dict[str, int]:
    """Run the settlement sweep now (the worker runs it on its own every sweep)."""
    reports.require_admin(user)
    holder = f"api:{id(request)}"
    if not await leases.hold(uow.db, name="ledger.settle", holder=holder, seconds=60):
        raise Problem(409, "sweep_running", "A settlement sweep is running; try again shortly.")
    try:
        settled = await settlement.settle_due(uow.db, uow.broker, _terms(request))
        released = await settlement.release_reserves(uow.db, uow.broker)
    finally:
        await leases.release(uow.db, name="ledger.settle", holder=holder)
    return {"settled": settled, "released": released}
