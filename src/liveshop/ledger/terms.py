"""The ledger's configurable terms, read once from the settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from liveshop.settings import Settings


@dataclass(frozen=True)
class Terms:
    fee_bp: dict[str, int] = field(default_factory=dict)
    fee_fixed: dict[str, int] = field(default_factory=dict)
    fee_category_bp: dict[str, dict[str, int]] = field(default_factory=dict)
    settle_days: dict[str, int] = field(default_factory=dict)
    payout_minimum: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: Settings) -> Terms:
        return cls(
            fee_bp=dict(settings.ledger_fee_bp),
            fee_fixed=dict(settings.ledger_fee_fixed),
            fee_category_bp={
                market: {c.strip().lower(): bp for c, bp in table.items()}
                for market, table in settings.ledger_fee_category_bp.items()
            },
            settle_days=dict(settings.ledger_settle_days),
            payout_minimum=dict(settings.ledger_payout_minimum),
        )

    def by_category(self, market: str) -> bool:
        """Whether the market's rate depends on the product's category."""
        return bool(self.fee_category_bp.get(market))

    def fee(self, market: str, base: int, lines: Sequence[tuple[int, str | None]] = ()) -> int:
        """The platform fee on `base` minor units for one order in `market`: a percentage, and
        a fixed amount per order. Where the market rates by category, `lines` (each line's
        value and category) splits `base` between the lines in proportion to their value,
        and each share pays its category's rate (the market's rate without a category)."""
        rate = self.fee_bp.get(market, 0)
        table = self.fee_category_bp.get(market, {})
        value = sum(v for v, _category in lines)
        if not table or value <= 0:
            return base * rate // 10_000 + self.fee_fixed.get(market, 0)
        weighted, left = 0, base
        for i, (v, category) in enumerate(lines):
            share = left if i == len(lines) - 1 else base * v // value
            left -= share
            weighted += share * table.get((category or "").strip().lower(), rate)
        return weighted // 10_000 + self.fee_fixed.get(market, 0)

    def days(self, market: str) -> int:
        return self.settle_days.get(market, 8)
