"""The markets Liveshop ships with; the first migration inserts them."""

from typing import Any

MARKETS: list[dict[str, Any]] = [
    # code, name, currency, locale, timezone, tax name, rate (basis points), inclusive, returns
    {
        "code": "UK",
        "name": "United Kingdom",
        "currency": "GBP",
        "locale": "en_GB",
        "timezone": "Europe/London",
        "tax_name": "VAT",
        "tax_rate_bp": 2000,
        "prices_include_tax": True,
        "return_window_days": 14,
    },
    {
        "code": "DE",
        "name": "Deutschland",
        "currency": "EUR",
        "locale": "de_DE",
        "timezone": "Europe/Berlin",
        "tax_name": "MwSt",
        "tax_rate_bp": 1900,
        "prices_include_tax": True,
        "return_window_days": 14,
    },
    {
        "code": "FR",
        "name": "France",
        "currency": "EUR",
        "locale": "fr_FR",
        "timezone": "Europe/Paris",
        "tax_name": "TVA",
        "tax_rate_bp": 2000,
        "prices_include_tax": True,
        "return_window_days": 14,
    },
    {
        "code": "IT",
        "name": "Italia",
        "currency": "EUR",
        "locale": "it_IT",
        "timezone": "Europe/Rome",
        "tax_name": "IVA",
        "tax_rate_bp": 2200,
        "prices_include_tax": True,
        "return_window_days": 14,
    },
    {
        "code": "ES",
        "name": "España",
        "currency": "EUR",
        "locale": "es_ES",
        "timezone": "Europe/Madrid",
        "tax_name": "IVA",
        "tax_rate_bp": 2100,
        "prices_include_tax": True,
        "return_window_days": 14,
    },
    {
        "code": "US",
        "name": "United States",
        "currency": "USD",
        "locale": "en_US",
        "timezone": "America/New_York",
        "tax_name": "Sales tax",
        "tax_rate_bp": 0,
        "prices_include_tax": False,
        "return_window_days": 30,
    },
    {
        "code": "ID",
        "name": "Indonesia",
        "currency": "IDR",
        "locale": "id_ID",
        "timezone": "Asia/Jakarta",
        "tax_name": "PPN",
        "tax_rate_bp": 1100,
        "prices_include_tax": True,
        "return_window_days": 7,
    },
]

CURRENCIES = frozenset(m["currency"] for m in MARKETS)

LOCALES = {m["code"]: m["locale"] for m in MARKETS}

# Added by migration 0107 (the first migration inserts only the columns above): each market's
# default language, a BCP 47 tag, and every time zone it spans, its own `timezone` first.
LANGUAGES = {
    "UK": "en-GB",
    "DE": "de",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "US": "en-US",
    "ID": "id",
}
TIMEZONES: dict[str, list[str]] = {
    "UK": ["Europe/London"],
    "DE": ["Europe/Berlin"],
    "FR": ["Europe/Paris"],
    "IT": ["Europe/Rome"],
    "ES": ["Europe/Madrid", "Atlantic/Canary"],
    "US": [
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
        "America/Anchorage",
        "Pacific/Honolulu",
    ],
    "ID": ["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"],
}
