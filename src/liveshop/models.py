"""Imports every ORM model so that Base.metadata is complete (Alembic, tests)."""

from liveshop.accounts import models as accounts
from liveshop.catalog import models as catalog
from liveshop.idempotency import IdempotencyRecord
from liveshop.markets import models as markets
from liveshop.orders import models as orders
from liveshop.payments import models as payments

__all__ = ["IdempotencyRecord", "accounts", "catalog", "markets", "orders", "payments"]
