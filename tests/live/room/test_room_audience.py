"""Who counts as the room's audience: viewers do, the show's own host does not."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from liveshop.settings import Settings
from tests.kits.factories import Api
from tests.kits.room import RoomClient, make_show
from tests.kits.server import serve_app


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"room_stats_seconds": 0.2})


async def test_the_host_watching_their_own_room_is_not_counted_as_a_viewer(
    app: Any, client: httpx.AsyncClient, api: Api
) -> None:
    host, show, _ = await make_show(api, client)
    fan = await api.user("buyer")
    async with serve_app(app) as base:
        studio = await RoomClient.connect(base, show["id"], token=host.token)
        await studio.wait(lambda c: c.of("snapshot"))
        viewer = await RoomClient.connect(base, show["id"], token=fan.token)
        await viewer.wait(lambda c: c.of("viewers") and c.of("viewers")[-1].count == 1)
        await studio.wait(lambda c: c.of("viewers") and c.of("viewers")[-1].count == 1)
        last = viewer.of("viewers")[-1]
        assert (last.count, last.unique) == (1, 1)
        for c in (studio, viewer):
            await c.close()
