"""Room moderation over real sockets: mute, ban, delete, slow mode, keywords, rate limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.kits.factories import Api
from tests.kits.room import RoomClient, chat_texts, make_show
from tests.kits.server import serve_app


async def test_moderator_mutes_deletes_and_bans_only_in_their_room(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    host, show, _ = await make_show(api, client)
    other_host, other, _ = await make_show(api, client)
    sid = show["id"]
    mod, troll, fan = await api.user("buyer"), await api.user("buyer"), await api.user("buyer")
    r = await client.post(
        f"/api/v1/shows/{sid}/moderators", headers=host.headers, json={"user_id": mod.id}
    )
    assert r.status_code == 201
    assert (
        await client.post(
            f"/api/v1/shows/{sid}/moderators", headers=mod.headers, json={"user_id": fan.id}
        )
    ).status_code == 403  # appointing is the host's call
    mods = (await client.get(f"/api/v1/shows/{sid}/moderators", headers=host.headers)).json()
    assert [m["id"] for m in mods] == [mod.id]

    async with serve_app(app) as base:
        watcher = await RoomClient.connect(base, sid, token=fan.token)
        bad = await RoomClient.connect(base, sid, token=troll.token)
        await bad.chat("buy followers at spam.example")
        msg = (await watcher.wait(lambda c: c.of("chat")))[0]

        # A moderator of this room has no say in another room.
        r = await client.post(
            f"/api/v1/shows/{other['id']}/mutes", headers=mod.headers, json={"user_id": troll.id}
        )
        assert r.status_code == 403
        r = await client.delete(f"/api/v1/shows/{other['id']}/chat/{msg.id}", headers=mod.headers)
        assert r.status_code == 403
        r = await client.delete(
            f"/api/v1/shows/{other['id']}/chat/{msg.id}", headers=other_host.headers
        )
        assert r.status_code == 404  # the message belongs to another room

        r = await client.delete(f"/api/v1/shows/{sid}/chat/{msg.id}", headers=mod.headers)
        assert r.status_code == 204
        deleted = await watcher.wait(
            lambda c: [e for e in c.of("moderation") if e.action == "message_deleted"]
        )
        assert deleted[0].message_id == msg.id
        state = (await client.get(f"/api/v1/shows/{sid}/room")).json()
        assert state["chat"] == []

        r = await client.post(
            f"/api/v1/shows/{sid}/mutes",
            headers=mod.headers,
            json={"user_id": troll.id, "minutes": 5},
        )
        assert r.status_code == 201
        r = await client.post(
            f"/api/v1/shows/{sid}/mutes", headers=mod.headers, json={"user_id": host.id}
        )
        assert r.status_code == 409
        await watcher.wait(lambda c: [e for e in c.of("moderation") if e.action == "user_muted"])
        await bad.chat("still here")
        err = await bad.wait(lambda c: c.of("error"))
        assert err[0].code == "muted" and err[0].retry_after and err[0].retry_after > 200
        r = await client.delete(f"/api/v1/shows/{sid}/mutes/{troll.id}", headers=mod.headers)
        assert r.status_code == 204
        await bad.chat("sorry")
        await watcher.wait(lambda c: "sorry" in chat_texts(c))

        r = await client.post(
            f"/api/v1/shows/{sid}/bans", headers=mod.headers, json={"user_id": troll.id}
        )
        assert r.status_code == 204
        assert await bad.wait_closed() == 4403
        assert bad.of("error")[-1].code == "banned"
        again = await RoomClient.connect(base, sid, token=troll.token)
        assert await again.wait_closed() == 4403
        await watcher.wait(lambda c: [e for e in c.of("moderation") if e.action == "user_banned"])
        assert all(e.user_id != fan.id for e in watcher.of("moderation"))
        await watcher.close()


async def test_slow_mode_keywords_and_chat_rate_limits(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    host, show, _ = await make_show(api, client)
    sid = show["id"]
    fan = await api.user("buyer")
    admin = await api.user("admin")
    async with serve_app(app) as base:
        me = await RoomClient.connect(base, sid, token=fan.token)
        hosting = await RoomClient.connect(base, sid, token=host.token)
        assert (
            await client.put(
                f"/api/v1/shows/{sid}/slow-mode", headers=fan.headers, json={"seconds": 30}
            )
        ).status_code == 403
        r = await client.put(
            f"/api/v1/shows/{sid}/slow-mode", headers=host.headers, json={"seconds": 30}
        )
        assert r.status_code == 204
        await me.wait(lambda c: c.of("slow_mode"))
        await me.chat("one")
        await me.chat("two")
        err = await me.wait(lambda c: c.of("error"))
        assert err[0].code == "slow_mode" and 0 < (err[0].retry_after or 0) <= 30
        await hosting.chat("host is exempt 1")
        await hosting.chat("host is exempt 2")
        await me.wait(lambda c: len(c.of("chat")) == 3)
        assert chat_texts(me) == ["one", "host is exempt 1", "host is exempt 2"]
        await client.put(
            f"/api/v1/shows/{sid}/slow-mode", headers=host.headers, json={"seconds": 0}
        )

        r = await client.put(
            f"/api/v1/shows/{sid}/keywords",
            headers=host.headers,
            json={"words": [" Scam ", "scam"]},
        )
        assert r.status_code == 200 and r.json() == ["scam"]
        assert (
            await client.post("/api/v1/admin/keywords", headers=fan.headers, json={"word": "x"})
        ).status_code == 403
        r = await client.post(
            "/api/v1/admin/keywords", headers=admin.headers, json={"word": "Crypto"}
        )
        assert r.status_code == 201
        await me.chat("This is a SCAM!")
        await me.chat("free crypto here")
        await me.chat("scampi is fine")  # whole words only
        await me.wait(lambda c: len(c.of("error")) == 3 or "scampi is fine" in chat_texts(c))
        await me.wait(lambda c: "scampi is fine" in chat_texts(c))
        assert [e.code for e in me.of("error")][1:] == ["blocked_word", "blocked_word"]
        listed = (await client.get("/api/v1/admin/keywords", headers=admin.headers)).json()
        assert [k["word"] for k in listed] == ["crypto"]
        r = await client.delete(f"/api/v1/admin/keywords/{listed[0]['id']}", headers=admin.headers)
        assert r.status_code == 204

        for i in range(12):  # default limit: 10 messages per 10 s
            await me.chat(f"spam {i}")
        limited = await me.wait(lambda c: [e for e in c.of("error") if e.code == "rate_limited"])
        assert limited[0].retry_after and limited[0].retry_after <= 10
        for c in (me, hosting):
            await c.close()


async def test_bad_room_input_gets_4xx_problems_not_500s(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    host, show, _ = await make_show(api, client)
    sid, h = show["id"], host.headers
    cases = [
        ("POST", f"/api/v1/shows/{sid}/pins", {"product_id": "x"}),
        ("POST", f"/api/v1/shows/{sid}/pins", {"product_id": 2**40}),
        ("POST", f"/api/v1/shows/{sid}/pins", {"product_id": 999999}),
        ("POST", f"/api/v1/shows/{2**40}/pins", {"product_id": 1}),
        ("PUT", f"/api/v1/shows/{sid}/pinned-message", {"text": ""}),
        ("PUT", f"/api/v1/shows/{sid}/pinned-message", {"text": "x" * 301}),
        ("PUT", f"/api/v1/shows/{sid}/slow-mode", {"seconds": -1}),
        ("PUT", f"/api/v1/shows/{sid}/keywords", {"words": ["x" * 61]}),
        ("PUT", f"/api/v1/shows/{sid}/keywords", {"words": ["ok"], "extra": 1}),
        ("POST", f"/api/v1/shows/{sid}/mutes", {"user_id": 1, "minutes": 0}),
        ("POST", f"/api/v1/shows/{sid}/bans", {"user_id": 424242}),
        ("POST", f"/api/v1/shows/{sid}/moderators", {"user_id": 424242}),
        ("DELETE", f"/api/v1/shows/{sid}/chat/424242", None),
        ("POST", "/api/v1/admin/keywords", {"word": " "}),
    ]
    for method, url, body in cases:
        r = await client.request(method, url, headers=h, json=body)
        assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    async with serve_app(app) as base:
        for path in ("abc", str(2**40), "0"):
            with pytest.raises(InvalidStatus) as refused:  # refused before the handshake
                await connect(f"{base}/ws/shows/{path}")
            assert refused.value.response.status_code == 403
