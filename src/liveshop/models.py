"""Imports every ORM model so that Base.metadata is complete (Alembic, tests)."""

from liveshop.accounts import models as accounts
from liveshop.affiliates import models as affiliates
from liveshop.analytics import models as analytics
from liveshop.catalog import models as catalog
from liveshop.discovery import models as discovery
from liveshop.idempotency import IdempotencyRecord
from liveshop.integrations.shopify import models as shopify
from liveshop.integrations.tokens import models as api_tokens
from liveshop.integrations.webhooks import models as webhooks
from liveshop.leases import JobLease
from liveshop.ledger import models as ledger
from liveshop.live.campaigns import models as campaigns
from liveshop.live.media import models as media
from liveshop.live.room import models as room
from liveshop.live.shows import models as shows
from liveshop.markets import models as markets
from liveshop.orders import models as orders
from liveshop.payments import models as payments
from liveshop.selling import models as selling
from liveshop.selling.auctions import models as auctions
from liveshop.selling.coupons import models as coupons
from liveshop.selling.deals import models as deals
from liveshop.selling.giveaways import models as giveaways

__all__ = [
    "IdempotencyRecord",
    "JobLease",
    "accounts",
    "affiliates",
    "analytics",
    "api_tokens",
    "auctions",
    "campaigns",
    "catalog",
    "coupons",
    "deals",
    "discovery",
    "giveaways",
    "ledger",
    "markets",
    "media",
    "orders",
    "payments",
    "room",
    "selling",
    "shopify",
    "shows",
    "webhooks",
]
