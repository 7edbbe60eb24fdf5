"""The posting path itself: batches are idempotent by id, chains are all or nothing."""

from __future__ import annotations

import httpx
import pytest

from liveshop.ledger.models import Kind, Phase
from liveshop.ledger.service import Acct, Chain, LedgerError, Leg, post, post_many
from tests.kits.promotions import db_uow
from tests.ledger.ledger_kit import balances

CLEARING, FEES = Acct(Kind.buyer_clearing), Acct(Kind.fee_revenue)


def _chain(n: int) -> Chain:
    seller = Acct(Kind.seller_payable, 1 + n % 7)
    return Chain(
        "GBP",
        f"t{n}",
        [
            Leg(f"t{n}:pay", "payment", 1000 + n, CLEARING, seller, Phase.pending),
            Leg(f"t{n}:fee", "fee", 90, seller, FEES, Phase.pending),
        ],
    )


async def test_a_batch_posted_twice_counts_once(client: httpx.AsyncClient) -> None:
    batch = [_chain(n) for n in range(300)]  # past the bulk threshold on PostgreSQL
    async with db_uow(client) as uow:
        assert await post_many(uow.session, batch) == 300
        await uow.commit()
    first = await balances(client)
    async with db_uow(client) as uow:
        assert await post_many(uow.session, [*batch, _chain(300)]) == 1  # only the new one
        await uow.commit()
    after = await balances(client)
    assert after[("GBP", "buyer_clearing", 0)][1] == first[("GBP", "buyer_clearing", 0)][1] - 1300
    assert sum(p for p, _q in after.values()) == 0 and sum(q for _p, q in after.values()) == 0

    # The same id with other legs is refused whole: nothing of the chain is written.
    clash = Chain("GBP", "t-clash", [*_chain(0).legs[:1], Leg("t-new", "fee", 1, CLEARING, FEES)])
    async with db_uow(client) as uow:
        with pytest.raises(LedgerError, match="partly posted"):
            await post(uow.session, clash)
    # A post of more than was pending is refused.
    async with db_uow(client) as uow:
        with pytest.raises(LedgerError, match="more than was pending"):
            await post(
                uow.session,
                Chain(
                    "GBP",
                    "x",
                    [Leg("t0:pay:post", "payment", 5000, phase=Phase.post, pending_id="t0:pay")],
                ),
            )
    assert await balances(client) == after
