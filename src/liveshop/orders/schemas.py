from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from liveshop.accounts.schemas import MarketCode
from liveshop.inputs import NOT_BLANK, Input
from liveshop.markets import addresses
from liveshop.markets.money import MoneyPublic
from liveshop.orders.models import Order, OrderEvent, OrderLine, ReturnRequest

Id = Field(ge=1, le=2**31 - 1)
MAX_QTY = 99


class CartItemIn(Input):
    variant_id: int = Id
    quantity: int = Field(ge=1, le=MAX_QTY)


class CartItemPublic(BaseModel):
    variant_id: int
    product_id: int
    title: str
    sku: str
    quantity: int
    unit_price: MoneyPublic | None
    available: int


class CartPublic(BaseModel):
    market: str
    items: list[CartItemPublic]
    subtotal: MoneyPublic


class Address(Input):
    name: str = Field(min_length=1, max_length=120)
    line1: str = Field(min_length=1, max_length=200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    postcode: str = Field(min_length=1, max_length=20)
    region: str | None = Field(
        default=None,
        max_length=60,
        description="US: the state, required (CA or California, stored as CA); elsewhere free",
    )
    country: MarketCode

    @model_validator(mode="after")
    def _country_rules(self) -> Address:
        """The postcode in its country's format, a US state from the closed list."""
        try:
            fixed = addresses.normalise(
                country=self.country, postcode=self.postcode, region=self.region
            )
        except addresses.AddressError as exc:
            raise PydanticCustomError(exc.kind, exc.message, {"field": exc.field}) from exc
        self.postcode, self.region = fixed.postcode, fixed.region
        return self


CouponCode = Annotated[
    str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True, pattern=NOT_BLANK)
]


class CheckoutIn(Input):
    market: MarketCode
    address: Address
    coupons: list[CouponCode] = Field(default_factory=list, max_length=5)
    show_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Bought from this show"
    )


class BuyNowIn(Input):
    market: MarketCode
    variant_id: int = Id
    quantity: int = Field(default=1, ge=1, le=MAX_QTY)
    address: Address
    show_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="The live room or replay"
    )
    coupons: list[CouponCode] = Field(default_factory=list, max_length=5)


class ShipIn(Input):
    carrier: str = Field(min_length=1, max_length=60)
    tracking_number: str = Field(min_length=1, max_length=80)


class ReturnLineIn(Input):
    line_id: int = Id
    quantity: int = Field(ge=1, le=MAX_QTY)


class ReturnCreate(Input):
    reason: str = Field(min_length=1, max_length=1000)
    lines: list[ReturnLineIn] | None = Field(default=None, min_length=1, max_length=100)


class ReturnDecision(Input):
    note: str | None = Field(default=None, max_length=1000)


class OrderLinePublic(BaseModel):
    id: int
    variant_id: int
    product_id: int
    title: str
    sku: str
    quantity: int
    refunded_quantity: int
    tax_rate_bp: int
    unit_price: MoneyPublic
    net: MoneyPublic
    tax: MoneyPublic
    gross: MoneyPublic


class OrderPublic(BaseModel):
    id: int
    status: str
    buyer_id: int
    shop_id: int
    market: str
    currency: str
    lines: list[OrderLinePublic]
    subtotal_net: MoneyPublic
    tax_total: MoneyPublic
    shipping_total: MoneyPublic
    total: MoneyPublic
    refunded_total: MoneyPublic
    discount_total: MoneyPublic
    discounts: list[dict[str, Any]]
    address: dict[str, Any]
    carrier: str | None
    tracking_number: str | None
    source: dict[str, Any]
    hold_expires_at: datetime | None
    created_at: datetime
    paid_at: datetime | None
    delivered_at: datetime | None


class OrderEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    from_status: str | None
    to_status: str | None
    actor_id: int | None
    data: dict[str, Any]
    created_at: datetime


class ReturnPublic(BaseModel):
    id: int
    order_id: int
    status: str
    reason: str
    lines: list[dict[str, int]]
    amount: MoneyPublic
    decision_note: str | None
    created_at: datetime
    decided_at: datetime | None


class ReturnItemPublic(BaseModel):
    line_id: int
    title: str
    sku: str
    quantity: int


class ShopReturnPublic(ReturnPublic):
    """A return as the seller lists it: with what is coming back and where the order stands."""

    order_status: str
    order_total: MoneyPublic
    refunded_total: MoneyPublic
    buyer_name: str
    items: list[ReturnItemPublic]


def _money(order: Order, amount: int) -> MoneyPublic:
    return MoneyPublic.in_market(amount, order.currency, order.market_code)


def line_public(order: Order, line: OrderLine) -> OrderLinePublic:
    m = partial(_money, order)
    return OrderLinePublic(
        id=line.id,
        variant_id=line.variant_id,
        product_id=line.product_id,
        title=line.title,
        sku=line.sku,
        quantity=line.quantity,
        refunded_quantity=line.refunded_quantity,
        tax_rate_bp=line.tax_rate_bp,
        unit_price=m(line.unit_price),
        net=m(line.net),
        tax=m(line.tax),
        gross=m(line.gross),
    )


def order_public(order: Order) -> OrderPublic:
    m = partial(_money, order)
    return OrderPublic(
        id=order.id,
        status=order.status,
        buyer_id=order.buyer_id,
        shop_id=order.shop_id,
        market=order.market_code,
        currency=order.currency,
        lines=[line_public(order, ln) for ln in order.lines],
        subtotal_net=m(order.subtotal_net),
        tax_total=m(order.tax_total),
        shipping_total=m(order.shipping_total),
        total=m(order.total),
        refunded_total=m(order.refunded_total),
        discount_total=m(order.discount_total),
        discounts=order.discounts,
        address=order.address,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        source=order.source,
        hold_expires_at=order.hold_expires_at,
        created_at=order.created_at,
        paid_at=order.paid_at,
        delivered_at=order.delivered_at,
    )


def return_public(order: Order, ret: ReturnRequest) -> ReturnPublic:
    return ReturnPublic(
        id=ret.id,
        order_id=ret.order_id,
        status=ret.status,
        reason=ret.reason,
        lines=ret.lines,
        amount=_money(order, ret.amount),
        decision_note=ret.decision_note,
        created_at=ret.created_at,
        decided_at=ret.decided_at,
    )


def event_public(event: OrderEvent) -> OrderEventPublic:
    return OrderEventPublic.model_validate(event)


def shop_return_public(order: Order, ret: ReturnRequest) -> ShopReturnPublic:
    by_id = {ln.id: ln for ln in order.lines}
    items = [
        ReturnItemPublic(
            line_id=item["line_id"],
            title=by_id[item["line_id"]].title,
            sku=by_id[item["line_id"]].sku,
            quantity=item["quantity"],
        )
        for item in ret.lines
        if item["line_id"] in by_id
    ]
    return ShopReturnPublic(
        **return_public(order, ret).model_dump(),
        order_status=order.status,
        order_total=_money(order, order.total),
        refunded_total=_money(order, order.refunded_total),
        buyer_name=str(order.address.get("name", "")),
        items=items,
    )
