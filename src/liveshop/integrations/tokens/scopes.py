"""Which API routes a public token may call, and the scope each needs; all others refuse it.

Keyed by method and route template (as mounted, `/api/v1/...`). A route missing here is closed
to tokens: a new route is safe by default and is opened here on purpose.
"""

from __future__ import annotations

from typing import Final

ROUTES: Final[dict[tuple[str, str], str]] = {
    # catalog
    ("GET", "/shops/{shop_id}"): "catalog:read",
    ("GET", "/shops/{shop_id}/products/manage"): "catalog:read",
    ("GET", "/products"): "catalog:read",
    ("GET", "/products/{product_id}"): "catalog:read",
    ("POST", "/shops/{shop_id}/products"): "catalog:write",
    ("PATCH", "/products/{product_id}"): "catalog:write",
    ("DELETE", "/products/{product_id}"): "catalog:write",
    ("POST", "/products/{product_id}/variants"): "catalog:write",
    ("PATCH", "/variants/{variant_id}"): "catalog:write",
    # orders
    ("GET", "/shops/{shop_id}/orders"): "orders:read",
    ("GET", "/orders/{order_id}"): "orders:read",
    ("GET", "/orders/{order_id}/events"): "orders:read",
    ("POST", "/orders/{order_id}/ship"): "orders:write",
    ("POST", "/orders/{order_id}/deliver"): "orders:write",
    ("POST", "/orders/{order_id}/cancel"): "orders:write",
    # shows
    ("POST", "/shows"): "shows:write",
    ("PATCH", "/shows/{show_id}"): "shows:write",
    ("POST", "/shows/{show_id}/cancel"): "shows:write",
    ("GET", "/shows/{show_id}/ingest"): "shows:write",
    # webhooks (the service checks the scope and the owner again)
    ("GET", "/integrations/webhooks"): "webhooks:write",
    ("POST", "/integrations/webhooks"): "webhooks:write",
    ("GET", "/integrations/webhooks/{endpoint_id}"): "webhooks:write",
    ("PATCH", "/integrations/webhooks/{endpoint_id}"): "webhooks:write",
    ("DELETE", "/integrations/webhooks/{endpoint_id}"): "webhooks:write",
    ("POST", "/integrations/webhooks/{endpoint_id}/test"): "webhooks:write",
    ("POST", "/integrations/webhooks/{endpoint_id}/rotate-secret"): "webhooks:write",
    ("GET", "/integrations/webhooks/{endpoint_id}/deliveries"): "webhooks:write",
    ("GET", "/integrations/webhook-deliveries/{delivery_id}"): "webhooks:write",
    ("POST", "/integrations/webhook-deliveries/{delivery_id}/redeliver"): "webhooks:write",
}
API_PREFIX: Final = "/api/v1"


def template_of(route_path: str) -> str:
    """`/api/v1/orders/{order_id:int}/ship` -> `/orders/{order_id}/ship`."""
    return route_path.removeprefix(API_PREFIX).replace(":int}", "}")


def required(method: str, route_path: str) -> str | None:
    """The scope a token needs for this route, or None when tokens may not call it."""
    key = "GET" if method == "HEAD" else method
    return ROUTES.get((key, template_of(route_path)))
