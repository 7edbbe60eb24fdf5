"""The router registry: every domain's `api.router`, mounted under /api/v1."""

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from liveshop.accounts.api import router as accounts
from liveshop.affiliates.api import router as affiliates
from liveshop.analytics.api import router as analytics
from liveshop.analytics.live.api import router as metrics
from liveshop.catalog.api import router as catalog
from liveshop.discovery.api import router as discovery
from liveshop.integrations.shopify.api import router as shopify
from liveshop.integrations.tokens.api import router as api_tokens
from liveshop.integrations.webhooks.api import router as webhooks
from liveshop.ledger.api import router as ledger
from liveshop.live.campaigns.api import router as campaigns
from liveshop.live.media.api import router as media
from liveshop.live.room.api import router as room
from liveshop.live.shows.api import router as shows
from liveshop.markets.api import router as markets
from liveshop.markets.rollout.api import router as rollout
from liveshop.orders.address_api import router as addresses
from liveshop.orders.api import router as orders
from liveshop.payments.api import router as payments
from liveshop.selling.auctions.api import router as auctions
from liveshop.selling.checkout.api import router as checkout
from liveshop.selling.coupons.api import router as coupons
from liveshop.selling.deals.api import router as deals
from liveshop.selling.giveaways.api import router as giveaways


def _int_paths(router: APIRouter) -> None:
    """Match integer path parameters only on digits: `/orders/buy-now` is not `{order_id}`,
    and `/shops/%0C9` is not shop 9 (lax int parsing strips the form feed)."""
    for route in router.routes:
        if not isinstance(route, APIRoute):
            continue
        path = route.path
        for param in route.dependant.path_params:
            if param.field_info.annotation is int:
                path = path.replace(f"{{{param.name}}}", f"{{{param.name}:int}}")
        if path != route.path:
            route.path = path
            route.path_regex, route.path_format, route.param_convertors = compile_path(path)


api_router = APIRouter(prefix="/api/v1")
for router in (
    analytics,  # first: its beacon is the busiest route, and routes match in order
    accounts,
    markets,
    rollout,
    catalog,
    orders,
    checkout,
    addresses,
    payments,
    shows,
    affiliates,
    campaigns,
    room,
    media,
    deals,
    auctions,
    giveaways,
    coupons,
    metrics,
    shopify,
    discovery,
    ledger,
    webhooks,
    api_tokens,
):
    _int_paths(router)
    api_router.include_router(router)
