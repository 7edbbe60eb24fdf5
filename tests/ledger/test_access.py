"""Who may see which books (a matrix, including a revoked admin), and bad input."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow


async def test_finance_access_matrix(api: Api, client: httpx.AsyncClient) -> None:
    owner = await api.user("seller")
    shop = (await api.shop(owner))["id"]
    other_seller = await api.user("seller")
    await api.shop(other_seller)
    buyer = await api.user("buyer")
    creator = await api.user("creator")
    admin = await api.user("admin")

    finance = f"{API}/ledger/shops/{shop}/finance"
    statement = f"{API}/ledger/shops/{shop}/statement.csv"
    admin_reads = [
        f"{API}/ledger/admin/trial-balance",
        f"{API}/ledger/admin/programs",
        f"{API}/ledger/admin/payout-runs",
    ]
    expect = {
        owner.id: {finance: 200, statement: 200, **dict.fromkeys(admin_reads, 403)},
        other_seller.id: {finance: 403, statement: 403, **dict.fromkeys(admin_reads, 403)},
        buyer.id: {finance: 403, statement: 403, **dict.fromkeys(admin_reads, 403)},
        creator.id: {finance: 403, statement: 403, **dict.fromkeys(admin_reads, 403)},
        admin.id: {finance: 200, statement: 200, **dict.fromkeys(admin_reads, 200)},
    }
    for actor in (owner, other_seller, buyer, creator, admin):
        for path, code in expect[actor.id].items():
            r = await client.get(path, headers=actor.headers)
            assert r.status_code == code, (actor.email, path, r.text)
    for path in (finance, f"{API}/ledger/me/earnings", admin_reads[0]):
        assert (await client.get(path)).status_code == 401

    writes = [
        ("POST", f"{API}/ledger/admin/settle", None),
        ("PUT", f"{API}/ledger/admin/shops/{shop}/terms", {"reserve_bp": 100}),
        ("POST", f"{API}/ledger/admin/payout-runs", {"currency": "GBP"}),
    ]
    for method, path, body in writes:
        headers = {**owner.headers, "Idempotency-Key": "k-12345678"}
        r = await client.request(method, path, headers=headers, json=body)
        assert r.status_code == 403, (path, r.text)

    # An admin whose role is taken away loses the books at once.
    async with db_uow(client) as uow:
        await uow.session.execute(update(User).where(User.id == admin.id).values(roles=["buyer"]))
        await uow.commit()
    r = await client.get(admin_reads[0], headers=admin.headers)
    assert r.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "kind": "jackpot", "currency": "GBP", "budget": 1},
        {"name": "x", "kind": "new_seller", "currency": "GBP", "budget": 0},
        {"name": "x", "kind": "new_seller", "currency": "XYZ", "budget": 10},
        {"name": "x", "kind": "new_seller", "currency": "GBP", "budget": 10, "fee_bp": 20_000},
        {"name": "x", "kind": "new_seller", "currency": "GBP", "budget": "10"},
    ],
)
async def test_bad_program_input_is_a_422(
    api: Api, client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    admin = await api.user("admin")
    full = {"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2027-01-01T00:00:00Z", **body}
    r = await client.post(f"{API}/ledger/admin/programs", headers=admin.headers, json=full)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    backwards = {
        "name": "x",
        "kind": "new_seller",
        "currency": "GBP",
        "budget": 10,
        "starts_at": "2026-01-01T00:00:00Z",
        "ends_at": "2025-01-01T00:00:00Z",
    }
    r = await client.post(f"{API}/ledger/admin/programs", headers=admin.headers, json=backwards)
    assert r.status_code == 422 and r.json()["code"] == "program_invalid"


async def test_payout_run_needs_an_idempotency_key(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    r = await client.post(
        f"{API}/ledger/admin/payout-runs", headers=admin.headers, json={"currency": "GBP"}
    )
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_required"
