"""Start-up wiring: which higher domain hears what a lower one publishes (see bus.py).

Called by every entry point that runs services (the app, `liveshop worker`, the CLI and the
tests); subscribing is by name, so calling it again replaces rather than repeats.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import bus
from liveshop.accounts import deps as account_deps
from liveshop.accounts import service as accounts
from liveshop.accounts.models import User
from liveshop.analytics import handlers as analytics_handlers
from liveshop.analytics import rollup as analytics_rollup
from liveshop.analytics.live import service as analytics_live
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Shop
from liveshop.discovery import indexer as discovery_index
from liveshop.discovery import service as discovery
from liveshop.integrations.tokens import auth as api_tokens
from liveshop.integrations.tokens.grants import TOKEN_PREFIX
from liveshop.integrations.webhooks import outbox
from liveshop.ledger import incentives as ledger_incentives
from liveshop.ledger import posting as ledger_posting
from liveshop.ledger.messages import PayoutPaid
from liveshop.ledger.terms import Terms as LedgerTerms
from liveshop.live.room import service as room_service
from liveshop.live.shows.messages import ShowStateChanged
from liveshop.live.shows.models import Show
from liveshop.orders.messages import DealHoldSettled, OrderChanged, OrderPaid
from liveshop.selling import pricing, show_end
from liveshop.selling.deals import locks as deal_locks
from liveshop.settings import Settings


def wire(settings: Settings) -> None:
    accounts.follow_targets["shop"] = catalog.check_shop_exists
    bus.subscribe(DealHoldSettled, "selling.deal_units", deal_locks.on_deal_hold_settled)
    bus.subscribe(OrderPaid, "live.announce_purchase", room_service.on_order_paid)
    # In this order: the room announces the end before selling closes the deals.
    bus.subscribe(ShowStateChanged, "live.room_show_state", room_service.on_show_state)
    bus.subscribe(ShowStateChanged, "selling.close_on_end", show_end.closer(settings.hold_minutes))
    bus.subscribe(OrderChanged, "analytics.sales", analytics_handlers.on_order_changed)
    analytics_rollup.set_show_resolver(show_facts)
    analytics_live.use_live_source(room_service.live_figures)
    discovery_index.install()
    catalog.use_text_search(discovery.catalog_search)
    bus.subscribe(
        discovery_index.ProductsChanged, "discovery.reindex", discovery_index.on_products_changed
    )
    bus.subscribe(OrderChanged, "discovery.stock", discovery_index.on_order_changed)
    bus.subscribe(OrderPaid, "discovery.purchases", discovery_index.on_order_paid)
    # In the order's transaction: ledger entries commit or roll back with the change.
    bus.subscribe(
        OrderChanged,
        "ledger.post",
        ledger_posting.handler(LedgerTerms.of(settings), categories=discovery.categories),
    )
    pricing.use_budget(reserve_coupon_budget)
    # Outgoing webhooks: outbox rows in the transaction of the change (integrations/webhooks).
    # Selling counts a deal's units first (subscribed above), then the outbox reads them.
    bus.subscribe(OrderChanged, "integrations.webhooks.order", outbox.on_order_changed)
    bus.subscribe(ShowStateChanged, "integrations.webhooks.show", outbox.on_show_changed)
    bus.subscribe(DealHoldSettled, "integrations.webhooks.deal", outbox.on_deal_hold_settled)
    bus.subscribe(PayoutPaid, "integrations.webhooks.payout", outbox.on_payout_paid)
    account_deps.bearer_resolvers[TOKEN_PREFIX] = api_tokens.resolve


async def show_facts(
    session: AsyncSession, show_ids: list[int]
) -> list[analytics_rollup.ShowFacts]:
    """What analytics (below live) needs of shows: host, shop and the market it sells in."""
    stmt = (
        select(Show.id, Show.host_id, Show.shop_id, Show.title, Show.markets)
        .add_columns(Shop.market_code, User.market_code)
        .outerjoin(Shop, Shop.id == Show.shop_id)
        .join(User, User.id == Show.host_id)
        .where(Show.id.in_(show_ids))
    )
    out = []
    for show_id, host, shop, title, markets, shop_market, host_market in (
        await session.execute(stmt)
    ).all():
        market = shop_market or (markets[0] if markets else None) or host_market
        out.append(analytics_rollup.ShowFacts(show_id, host, shop, market, title))
    return out


async def reserve_coupon_budget(
    session: AsyncSession, currency: str, order_id: int, coupon_id: int, amount: int
) -> int | None:
    """Selling's checkout reserves a platform coupon's discount from the ledger's programs."""
    return await ledger_incentives.reserve_live_coupon(
        session, currency=currency, order_id=order_id, coupon_id=coupon_id, amount=amount
    )
