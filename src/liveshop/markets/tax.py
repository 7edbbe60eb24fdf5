"""Per-line tax with integer arithmetic only.

VAT/PPN markets quote prices with tax included, so the tax is carved out of the gross;
the US quotes prices before sales tax, which is added on top at the destination state's rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from liveshop.errors import Problem
from liveshop.markets.addresses import AddressError, us_state

# Statewide base rates in basis points (fractions of a point rounded half up: MN 6.875 % is
# 688), for every state and DC. Local add-ons are out of scope for the sandbox. A state with
# no sales tax is listed at 0 on purpose: an address outside this table is refused, never
# taxed at zero by default.
US_STATE_RATES_BP = {
    "AL": 400, "AK": 0, "AZ": 560, "AR": 650, "CA": 725, "CO": 290, "CT": 635, "DE": 0,
    "DC": 600, "FL": 600, "GA": 400, "HI": 400, "ID": 600, "IL": 625, "IN": 700, "IA": 600,
    "KS": 650, "KY": 600, "LA": 500, "ME": 550, "MD": 600, "MA": 625, "MI": 600, "MN": 688,
    "MS": 700, "MO": 423, "MT": 0, "NE": 550, "NV": 685, "NH": 0, "NJ": 663, "NM": 488,
    "NY": 400, "NC": 475, "ND": 500, "OH": 575, "OK": 450, "OR": 0, "PA": 600, "RI": 700,
    "SC": 600, "SD": 420, "TN": 700, "TX": 625, "UT": 610, "VT": 600, "VA": 530, "WA": 650,
    "WV": 600, "WI": 500, "WY": 400,
}  # fmt: skip


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
    """The rate for a destination. In the US: the state's, by code or name ("California");
    a missing or unknown state is a 422 (`region_required` / `unknown_region`)."""
    if market_code != "US":
        return market_rate_bp
    try:
        return US_STATE_RATES_BP[us_state(region)]
    except AddressError as exc:
        raise Problem(422, exc.kind, exc.message, field=exc.field) from exc
