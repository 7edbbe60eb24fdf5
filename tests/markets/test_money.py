"""Money: VAT-inclusive UK/EU prices against tax-exclusive US prices; Babel formatting."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from liveshop.markets.money import format_money
from liveshop.markets.tax import line_tax
from tests.kits.factories import Api


async def test_uk_eu_and_us_totals_are_exact(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(
        seller,
        shop["id"],
        stock=50,
        prices={"UK": 999, "DE": 1199, "IT": 1199, "US": 1299, "ID": 150000},
    )
    vid = product["variants"][0]["id"]

    uk = await api.order(await api.user("buyer", market="UK"), vid, quantity=3)
    assert (uk["total"]["amount"], uk["tax_total"]["amount"], uk["subtotal_net"]["amount"]) == (
        2997,
        500,
        2497,
    )
    assert uk["total"]["formatted"] == "£29.97"
    assert uk["lines"][0]["tax_rate_bp"] == 2000

    de = await api.order(await api.user("buyer", market="DE"), vid, quantity=3)
    assert (de["total"]["amount"], de["tax_total"]["amount"]) == (
        3597,
        574,
    )  # 3597 * 19/119 = 574.3
    assert de["total"]["formatted"] == "35,97\xa0€"

    it = await api.order(await api.user("buyer", market="IT"), vid, quantity=1)
    assert (it["total"]["amount"], it["tax_total"]["amount"]) == (
        1199,
        216,
    )  # 1199 * 22/122 = 216.2

    us = await api.order(await api.user("buyer", market="US"), vid, quantity=3, region="CA")
    # US prices exclude tax: California's 7.25 % is added on top. 3897 * 0.0725 = 282.5 -> 283
    assert (us["subtotal_net"]["amount"], us["tax_total"]["amount"], us["total"]["amount"]) == (
        3897,
        283,
        4180,
    )
    assert us["total"]["formatted"] == "$41.80"
    oregon = await api.order(await api.user("buyer", market="US"), vid, region="OR")
    assert oregon["tax_total"]["amount"] == 0 and oregon["total"]["formatted"] == "$12.99"

    rupiah = await api.order(await api.user("buyer", market="ID"), vid)
    assert rupiah["total"]["formatted"] == "Rp\xa0150.000"
    assert rupiah["tax_total"]["amount"] == 14865  # 150000 * 11/111

    for order in (uk, de, it, us, oregon, rupiah):
        assert (
            order["subtotal_net"]["amount"] + order["tax_total"]["amount"]
            == order["total"]["amount"]
        )
        assert sum(ln["gross"]["amount"] for ln in order["lines"]) == order["total"]["amount"]


def test_babel_formats_each_market() -> None:
    assert format_money(123450, "GBP", "en_GB") == "£1,234.50"
    assert format_money(123450, "EUR", "de_DE") == "1.234,50\xa0€"
    assert format_money(123450, "EUR", "fr_FR") == "1\u202f234,50\xa0€"
    assert format_money(123450, "USD", "en_US") == "$1,234.50"
    assert format_money(150000, "IDR", "id_ID") == "Rp\xa0150.000"


@given(st.integers(0, 10**9), st.integers(1, 99), st.integers(0, 3000), st.booleans())
def test_line_tax_always_adds_up(unit: int, qty: int, rate: int, inclusive: bool) -> None:
    t = line_tax(unit_price=unit, quantity=qty, rate_bp=rate, inclusive=inclusive)
    assert t.net + t.tax == t.gross
    assert t.tax >= 0 and t.net >= 0
    assert (t.gross if inclusive else t.net) == unit * qty
