"""The router registry: every domain's `api.router`, mounted under /api/v1."""

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.routing import compile_path

from liveshop.accounts.api import router as accounts
from liveshop.catalog.api import router as catalog
from liveshop.integrations.tokens.api import router as api_tokens
from liveshop.integrations.webhooks.api import router as webhooks
from liveshop.live.api import router as live
from liveshop.live.media_api import router as media
from liveshop.live.metrics_api import router as metrics
from liveshop.live.room_api import router as room
from liveshop.markets.api import router as markets
from liveshop.orders.address_api import router as addresses
from liveshop.orders.api import router as orders
from liveshop.payments.api import router as payments
from liveshop.selling.api import router as deals
from liveshop.selling.promo_api import router as promos


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
    accounts,
    markets,
    catalog,
    orders,
    addresses,
    payments,
    live,
    room,
    media,
    deals,
    promos,
    metrics,
    webhooks,
    api_tokens,
):
    _int_paths(router)
    api_router.include_router(router)
