"""Webhook test fixtures: fast retry settings, a real receiver, a seller with an endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from liveshop.integrations.webhooks import delivery
from liveshop.settings import Settings
from tests.integrations.receiver import Receiver, running_receiver
from tests.kits.factories import Actor, Api
from tests.kits.mail import Inbox


@pytest.fixture
def settings(settings: Settings, smtp: Inbox) -> Settings:
    """Retries in tens of milliseconds instead of hours; mail to a real SMTP inbox."""
    return smtp.settings(
        settings,
        webhook_backoff_base_seconds=0.05,
        webhook_max_attempts=4,
        webhook_timeout_seconds=2,
        webhook_disable_after_failures=1000,
        webhook_disable_after_seconds=0,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with running_receiver() as r:
        yield r


@dataclass
class Hooks:
    """A seller, their shop and product, and a way to run the delivery job's passes."""

    api: Api
    app: Any
    seller: Actor
    shop: dict[str, Any]
    variant_id: int

    async def endpoint(
        self, url: str, events: list[str], owner: tuple[str, int] | None = None, **kw: Any
    ) -> dict[str, Any]:
        kind, oid = owner or ("shop", self.shop["id"])
        r = await self.api.c.post(
            "/api/v1/integrations/webhooks",
            headers=kw.pop("headers", self.seller.headers),
            json={"owner_kind": kind, "owner_id": oid, "url": url, "events": events, **kw},
        )
        assert r.status_code == 201, r.text
        body: dict[str, Any] = r.json()
        return body

    async def deliver(self, settings: Settings | None = None, *, until_idle: bool = True) -> int:
        """Run the job's passes (as the worker does) until nothing is due right now."""
        s = settings or self.app.state.settings
        total = 0
        async with delivery.client_for(s) as client:
            while True:
                n = await delivery.deliver_due(self.app.state.db, self.app.state.broker, s, client)
                total += n
                if not n or not until_idle:
                    return total

    async def deliveries(self, endpoint_id: int) -> list[dict[str, Any]]:
        r = await self.api.c.get(
            f"/api/v1/integrations/webhooks/{endpoint_id}/deliveries", headers=self.seller.headers
        )
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


@pytest.fixture
async def hooks(api: Api, app: Any, client: httpx.AsyncClient) -> Hooks:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=50)
    return Hooks(api, app, seller, shop, product["variants"][0]["id"])
