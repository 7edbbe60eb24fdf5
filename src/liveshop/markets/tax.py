"""Per-line tax with integer arithmetic only.

VAT/PPN markets quote prices with tax included, so the tax is carved out of the gross;
the US quotes prices before sales tax, which is added on top at the destination state's rate.
"""

from __future__ import annotations

from dataclasses import dataclass

# Statewide base rates (basis points); local add-ons are out of scope for the sandbox.
US_STATE_RATES_BP = {
    "CA": 725,
    "NY": 400,
    "TX": 625,
    "FL": 600,
    "WA": 650,
    "IL": 625,
    "PA": 600,
    "MA": 625,
    "NJ": 663,
    "OR": 0,
    "DE": 0,
    "MT": 0,
    "NH": 0,
}


@dataclass(frozen=True)
class LineTax:
    net: int
    tax: int
    gross: int
    rate_bp: int


def _round_div(numerator: int, denominator: int) -> int:
    """Round half up for non-negative integers, without floats."""
    return (2 * numerator + denominator) // (2 * denominator)


def line_tax(*, unit_price: int, quantity: int, rate_bp: int, inclusive: bool) -> LineTax:
    amount = unit_price * quantity
    if inclusive:
        tax = _round_div(amount * rate_bp, 10_000 + rate_bp)
        return LineTax(net=amount - tax, tax=tax, gross=amount, rate_bp=rate_bp)
    tax = _round_div(amount * rate_bp, 10_000)
    return LineTax(net=amount, tax=tax, gross=amount + tax, rate_bp=rate_bp)


def rate_for(*, market_code: str, market_rate_bp: int, region: str | None) -> int:
    if market_code == "US":
        return US_STATE_RATES_BP.get((region or "").upper(), 0)
    return market_rate_bp
