"""Money is an integer count of minor units plus an ISO 4217 code; Babel formats it."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency, get_currency_precision
from pydantic import BaseModel

from liveshop.markets.seed import LOCALES, MARKETS

# Rupiah prices are whole numbers in practice (CLDR cash digits 0), though ISO lists 2.
_EXPONENT_OVERRIDES = {"IDR": 0}
_PATTERN_OVERRIDES = {"IDR": "¤\xa0#,##0"}


def exponent(currency: str) -> int:
    return _EXPONENT_OVERRIDES.get(currency, get_currency_precision(currency))


# A currency sold in several markets (EUR) is formatted in the first seeded market's locale.
CURRENCY_LOCALES: dict[str, str] = {}
for _market in MARKETS:
    CURRENCY_LOCALES.setdefault(_market["currency"], _market["locale"])


# Babel's formatting is pure and costs ~0.1 ms a call; an order's answer makes ten of them,
# mostly of the same few amounts (a flash deal's every order has the same price).
@lru_cache(maxsize=4096)
def format_money(amount: int, currency: str, locale: str) -> str:
    value = Decimal(amount).scaleb(-exponent(currency))
    pattern = _PATTERN_OVERRIDES.get(currency)
    if pattern:
        return format_currency(
            value, currency, format=pattern, locale=locale, currency_digits=False
        )
    return format_currency(value, currency, locale=locale)


class MoneyPublic(BaseModel):
    amount: int
    currency: str
    formatted: str

    @classmethod
    def of(cls, amount: int, currency: str, locale: str) -> MoneyPublic:
        return cls(
            amount=amount, currency=currency, formatted=format_money(amount, currency, locale)
        )

    @classmethod
    def in_market(cls, amount: int, currency: str, market: str) -> MoneyPublic:
        """The one way to show money that belongs to a market: formatted in its locale."""
        return cls.of(amount, currency, LOCALES[market])

    @classmethod
    def in_currency(cls, amount: int, currency: str) -> MoneyPublic:
        """A sum across markets that share `currency` (EUR in DE, FR, IT and ES)."""
        return cls.of(amount, currency, CURRENCY_LOCALES[currency])


def format_in_market(amount: int, currency: str, market: str) -> str:
    return format_money(amount, currency, LOCALES[market])
