"""Imports every ORM model so that Base.metadata is complete (Alembic, tests)."""

from liveshop.accounts import models as accounts
from liveshop.catalog import models as catalog
from liveshop.idempotency import IdempotencyRecord
from liveshop.integrations.tokens import models as api_tokens
from liveshop.integrations.webhooks import models as webhooks
from liveshop.leases import JobLease
from liveshop.live import models as live
from liveshop.markets import models as markets
from liveshop.orders import models as orders
from liveshop.payments import models as payments
from liveshop.selling import models as selling

__all__ = [
    "IdempotencyRecord",
    "JobLease",
    "accounts",
    "api_tokens",
    "catalog",
    "live",
    "markets",
    "orders",
    "payments",
    "selling",
    "webhooks",
]
