"""Market data: postcodes per market, US states as a closed list, a tax rate for every state."""

from __future__ import annotations

from typing import Any

import httpx
import pycountry
import pytest
from pydantic import ValidationError

from liveshop.errors import Problem
from liveshop.markets.addresses import POSTCODE_RULES, US_STATES
from liveshop.markets.seed import LANGUAGES, MARKETS, TIMEZONES
from liveshop.markets.tax import US_STATE_RATES_BP, rate_for
from liveshop.orders.schemas import Address
from tests.kits.factories import Api

API = "/api/v1"

GOOD = {
    "UK": ["LS1 6HD", "ls16hd", "SW1A 1AA", "EC1A 1BB", "M1 1AE", "B33 8TH", "CR2 6XH", "GIR 0AA"],
    "DE": ["10115", "01067", "80331"],
    "FR": ["75008", "69001", "97400"],
    "IT": ["20121", "00184"],
    "ES": ["28013", "08001", "52001"],
    "US": ["11201", "94103-1234"],
    "ID": ["10110", "80361"],
}
BAD = {
    "UK": ["12345", "LS1", "QS1 6HD", "LS1 6HDD"],
    "DE": ["1011", "101155", "00999", "LS1 6HD"],
    "FR": ["7500", "99000", "ABCDE"],
    "IT": ["2012", "201210"],
    "ES": ["53001", "00123", "2801"],
    "US": ["1120", "11201-12", "ABCDE"],
    "ID": ["01011", "1011"],
}


def address(country: str, postcode: str, region: str | None = None) -> dict[str, Any]:
    return {
        "name": "A",
        "line1": "1 Street",
        "city": "City",
        "postcode": postcode,
        "region": region or ("NY" if country == "US" else None),
        "country": country,
    }


def test_every_market_has_a_postcode_rule_a_language_and_its_zones() -> None:
    codes = {m["code"] for m in MARKETS}
    assert set(POSTCODE_RULES) == codes == set(GOOD) == set(BAD)
    assert set(LANGUAGES) == codes
    for m in MARKETS:
        assert TIMEZONES[m["code"]][0] == m["timezone"]  # its own zone first
    assert len(TIMEZONES["US"]) >= 6 and "Asia/Makassar" in TIMEZONES["ID"]


@pytest.mark.parametrize("country", sorted(GOOD))
def test_each_markets_postcode_rule_holds(country: str) -> None:
    for code in GOOD[country]:
        Address.model_validate(address(country, code))
    for code in BAD[country]:
        with pytest.raises(ValidationError) as caught:
            Address.model_validate(address(country, code))
        assert caught.value.errors()[0]["type"] == "postcode_format", code


def test_uk_postcodes_are_stored_as_royal_mail_writes_them() -> None:
    assert Address.model_validate(address("UK", " ls16hd ")).postcode == "LS1 6HD"
    assert Address.model_validate(address("UK", "sw1a  1aa")).postcode == "SW1A 1AA"


def test_the_us_states_are_the_fifty_and_dc_and_each_has_a_rate() -> None:
    iso = {
        s.code.removeprefix("US-")
        for s in pycountry.subdivisions.get(country_code="US")  # type: ignore[no-untyped-call]
        if s.type in {"State", "District"}
    }
    assert len(US_STATES) == 51 and set(US_STATES) == iso
    assert set(US_STATE_RATES_BP) == set(US_STATES)
    for state in US_STATES:
        assert 0 <= rate_for(market_code="US", market_rate_bp=0, region=state) <= 1000
    # The states without a sales tax are listed on purpose, not missing.
    assert {s for s, r in US_STATE_RATES_BP.items() if r == 0} == {"AK", "DE", "MT", "NH", "OR"}
    assert "PR" not in US_STATES and "GU" not in US_STATES


@pytest.mark.parametrize("written", ["California", "california", " CALIFORNIA ", "ca", "US-CA"])
def test_california_is_normalised_to_ca(written: str) -> None:
    assert Address.model_validate(address("US", "94103", written)).region == "CA"
    assert rate_for(market_code="US", market_rate_bp=0, region=written) == 725


@pytest.mark.parametrize(
    ("region", "kind"),
    [("Narnia", "unknown_region"), ("XX", "unknown_region"), ("Puerto Rico", "unknown_region"),
     (None, "region_required"), ("  ", "region_required")],
)  # fmt: skip
def test_an_unknown_or_missing_state_is_refused_never_taxed_at_zero(
    region: str | None, kind: str
) -> None:
    body = {**address("US", "94103"), "region": region}
    with pytest.raises(ValidationError) as caught:
        Address.model_validate(body)
    assert caught.value.errors()[0]["type"] == kind
    with pytest.raises(Problem) as refused:
        rate_for(market_code="US", market_rate_bp=0, region=region)
    assert refused.value.status == 422 and refused.value.code == kind


async def test_orders_refuse_a_bad_address_with_the_field_named(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller", market="US")
    shop = await api.shop(seller, market="US")
    variant = (await api.product(seller, shop["id"], prices={"US": 10_000}))["variants"][0]["id"]
    buyer = await api.user("buyer", market="US")

    async def buy(addr: dict[str, Any]) -> httpx.Response:
        return await client.post(
            f"{API}/orders/buy-now",
            headers=buyer.headers,
            json={"market": "US", "variant_id": variant, "quantity": 1, "address": addr},
        )

    r = await buy(address("US", "94103", "Narnia"))
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "validation_error"
    assert body["errors"][0]["loc"] == ["body", "address", "region"]
    assert body["errors"][0]["type"] == "unknown_region"
    assert "not a US state" in body["detail"]

    r = await buy(address("US", "9410", "CA"))
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "address", "postcode"]

    # "California" is taxed as CA (7.25 %), and the order stores CA.
    r = await buy(address("US", "94103", "California"))
    assert r.status_code == 201, r.text
    order = r.json()[0]
    assert order["address"]["region"] == "CA"
    assert order["tax_total"]["amount"] == 725 and order["total"]["amount"] == 10_725
    # Oregon has no sales tax: zero, because Oregon says so.
    r = await buy(address("US", "97201", "Oregon"))
    assert r.status_code == 201 and r.json()[0]["tax_total"]["amount"] == 0


async def test_the_address_book_keeps_the_same_rules(api: Api, client: httpx.AsyncClient) -> None:
    buyer = await api.user("buyer", market="DE")
    r = await client.post(
        f"{API}/me/addresses",
        headers=buyer.headers,
        json={"address": address("DE", "LS1 6HD")},
    )
    assert r.status_code == 422 and "five digits" in r.json()["detail"]
    r = await client.post(
        f"{API}/me/addresses", headers=buyer.headers, json={"address": address("DE", "10115")}
    )
    assert r.status_code == 201, r.text
