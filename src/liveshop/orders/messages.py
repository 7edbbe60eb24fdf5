"""What orders tell the domains above them, through the bus (`liveshop.bus`).

Orders import neither selling nor live. When a hold that came from a deal is converted or
released, or an order changes state, orders publish one of these and the app's wiring hands it
to selling, the room, the ledger or the webhooks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class OrderChanged:
    """An entry of the order's audit trail: placed, paid, shipped, refunded, cancelled…"""

    order_id: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DealHoldSettled:
    """Units a deal reserved were sold (`converted`) or given back (`released`)."""

    deal_id: int
    variant_id: int
    buyer_id: int
    quantity: int
    outcome: str  # "converted" or "released"


@dataclass(frozen=True, slots=True)
class OrderPaid:
    """An order was paid, inside the paying transaction (the room announces the purchase)."""

    order_id: int
