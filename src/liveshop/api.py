"""The router registry: every domain's `api.router`, mounted under /api/v1."""

from fastapi import APIRouter

from liveshop.accounts.api import router as accounts
from liveshop.catalog.api import router as catalog
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
):
    api_router.include_router(router)
