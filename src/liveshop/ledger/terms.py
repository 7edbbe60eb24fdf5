"""The ledger's configurable terms, read once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from liveshop.settings import Settings


@dataclass(frozen=True)
class Terms:
    fee_bp: dict[str, int] = field(default_factory=dict)
    fee_fixed: dict[str, int] = field(default_factory=dict)
    settle_days: dict[str, int] = field(default_factory=dict)
    payout_minimum: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings) -> Terms:
        return cls(
            fee_bp=dict(settings.ledger_fee_bp),
            fee_fixed=dict(settings.ledger_fee_fixed),
            settle_days=dict(settings.ledger_settle_days),
            payout_minimum=dict(settings.ledger_payout_minimum),
        )

    def fee(self, market: str, base: int) -> int:
        """The platform fee on `base` minor units for one order in `market`."""
        return base * self.fee_bp.get(market, 0) // 10_000 + self.fee_fixed.get(market, 0)

    def days(self, market: str) -> int:
        return self.settle_days.get(market, 8)
