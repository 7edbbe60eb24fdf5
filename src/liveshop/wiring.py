"""Start-up wiring: which higher domain hears what a lower one publishes (see bus.py).

Called by every entry point that runs services (the app, `liveshop worker`, the CLI and the
tests); subscribing is by name, so calling it again replaces rather than repeats.
"""

from __future__ import annotations

from liveshop import bus, deps
from liveshop.integrations.tokens import auth as api_tokens
from liveshop.integrations.tokens.grants import TOKEN_PREFIX
from liveshop.integrations.webhooks import outbox
from liveshop.live import room_service
from liveshop.live import service as shows
from liveshop.orders.messages import DealHoldSettled, OrderChanged, OrderPaid
from liveshop.selling import locks as deal_locks
from liveshop.selling import show_end
from liveshop.settings import Settings


def wire(settings: Settings) -> None:
    bus.subscribe(DealHoldSettled, "selling.deal_units", deal_locks.on_deal_hold_settled)
    bus.subscribe(OrderPaid, "live.announce_purchase", room_service.on_order_paid)
    shows.on_show_ended("selling", show_end.closer(settings.hold_minutes))
    # Outgoing webhooks: outbox rows in the transaction of the change (integrations/webhooks).
    # Selling counts a deal's units first (subscribed above), then the outbox reads them.
    bus.subscribe(OrderChanged, "integrations.webhooks.order", outbox.on_order_changed)
    bus.subscribe(shows.ShowChanged, "integrations.webhooks.show", outbox.on_show_changed)
    bus.subscribe(DealHoldSettled, "integrations.webhooks.deal", outbox.on_deal_hold_settled)
    shows.on_show_ended("integrations.webhooks", outbox.on_show_ended)
    # When the ledger lands: bus.subscribe(ledger.messages.PayoutPaid,
    #     "integrations.webhooks.payout", outbox.on_payout_paid)  (fields: webhooks/events.py)
    deps.bearer_resolvers[TOKEN_PREFIX] = api_tokens.resolve
