"""The demo's encoders and audience, simulated over the real paths only.

For each demo show that should be live: an ffmpeg encoder publishes a test picture and tone
through nginx-rtmp exactly as OBS would (so the show goes live through on_publish), the host
pins products and opens a flash deal every few minutes over the HTTP API, and simulated
viewers join and leave the room's WebSocket, chat in the show's language, like, buy now and
then, and buy each flash deal until it sells out. Nothing here writes to the database.

`liveshop demo` starts it as a child process (`--no-audience` turns it off); it stops with
the demo, and its encoders with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect

PHRASES = {
    "UK": ["Love this!", "Is it true to size?", "Just ordered one", "That colour though",
           "Hi from Manchester!", "Does it come in black?", "Sooo cosy", "Take my money"],
    "US": ["Obsessed!", "Is this good for dry skin?", "Just grabbed two", "Shipping to Texas?",
           "Hi from Brooklyn!", "That glow though", "Restocking soon?", "Adding to cart"],
    "DE": ["Sieht super aus!", "Gibt es das auch in Schwarz?", "Gerade bestellt",
           "Hallo aus Berlin!", "Wie stark ist der Kaffee?", "Toller Preis",
           "Ist das spülmaschinenfest?", "Mega!"],
}  # fmt: skip
ADDRESSES: dict[str, dict[str, str | None]] = {
    "UK": {"line1": "1 Briggate", "city": "Leeds", "postcode": "LS1 6HD", "region": None},
    "DE": {"line1": "Torstraße 1", "city": "Berlin", "postcode": "10115", "region": None},
    "US": {"line1": "1 Front St", "city": "Brooklyn", "postcode": "11201", "region": "NY"},
}
CARD = "4242424242424242"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _address(market: str, name: str) -> dict[str, Any]:
    return {"name": name, "country": market, **ADDRESSES[market]}


def say(text: str) -> None:
    print(f"demo audience: {text}", flush=True)


class Show:
    def __init__(self, http: httpx.AsyncClient, url: str, info: dict[str, Any], bots: list[str]):
        self.http, self.url, self.id = http, url, int(info["id"])
        self.market: str = info["market"]
        self.host = _auth(info["host_token"])
        self.bots = bots
        self.rng = random.Random(self.id)
        self.pinned: list[dict[str, Any]] = []

    # --- the encoder ---------------------------------------------------------------------

    async def encode(self, ffmpeg: str) -> None:
        """Publish a test picture and tone for as long as the demo runs; restart if it stops."""
        ingest = (await self.http.get(f"/api/v1/shows/{self.id}/ingest", headers=self.host)).json()
        target = f"{ingest['rtmp_url']}/{ingest['stream_key']}"
        while True:
            proc = await asyncio.create_subprocess_exec(
                *(ffmpeg, "-hide_banner", "-loglevel", "error", "-re"),
                *("-f", "lavfi", "-i", "testsrc2=size=426x240:rate=15"),
                *("-f", "lavfi", "-i", f"sine=frequency={220 + 110 * (self.id % 4)}"),
                *("-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency"),
                *("-g", "15", "-b:v", "300k", "-c:a", "aac", "-b:a", "64k", "-f", "flv", target),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            try:
                await proc.wait()
            finally:
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            await asyncio.sleep(2)

    async def wait_live(self, within: float = 60) -> bool:
        for _ in range(int(within * 2)):
            r = await self.http.get(f"/api/v1/shows/{self.id}")
            if r.status_code == 200 and r.json()["status"] == "live":
                return True
            await asyncio.sleep(0.5)
        return False

    # --- the host ------------------------------------------------------------------------

    async def pin(self) -> None:
        show = (await self.http.get(f"/api/v1/shows/{self.id}")).json()
        for product_id in show["product_ids"][:2]:
            r = await self.http.post(
                f"/api/v1/shows/{self.id}/pins", headers=self.host, json={"product_id": product_id}
            )
            if r.status_code < 300:
                self.pinned.append(r.json())

    def _variant(self) -> tuple[int, int] | None:
        """A pinned variant sold in this market, with its regular price."""
        for product in self.pinned:
            for variant in product["variants"]:
                for price in variant["prices"]:
                    if price["market"] == self.market and variant["available"] > 0:
                        return int(variant["id"]), int(price["amount"])
        return None

    async def deals(self, first: float, every: float) -> None:
        await asyncio.sleep(first)
        while True:
            with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
                await self._one_deal()
            await asyncio.sleep(every)

    async def _one_deal(self) -> None:
        picked = self._variant()
        if picked is None:
            return
        variant_id, regular = picked
        deal_price = max(100, regular * 7 // 10 // 100 * 100 + 99)
        r = await self.http.post(
            f"/api/v1/shows/{self.id}/deals",
            headers=self.host,
            json={
                "variant_id": variant_id,
                "prices": {self.market: deal_price},
                "stock": 3,
                "per_buyer_limit": 1,
                "countdown_seconds": 10,
                "duration_seconds": 60,
            },
        )
        if r.status_code >= 300:
            say(f"show {self.id}: the host could not open a deal ({r.json().get('code')})")
            return
        deal = r.json()
        await asyncio.sleep(10.5)
        buyers = self.bots[:]
        self.rng.shuffle(buyers)
        for token in buyers:  # the first three to tap get it; the rest hear "sold out"
            await asyncio.sleep(self.rng.uniform(0.3, 1.5))
            await self._buy(f"/api/v1/deals/{deal['id']}/buy", token, {"quantity": 1})

    # --- the viewers ---------------------------------------------------------------------

    async def _buy(self, path: str, token: str, body: dict[str, Any]) -> None:
        me = (await self.http.get("/api/v1/me", headers=_auth(token))).json()
        r = await self.http.post(
            path,
            headers={**_auth(token), "Idempotency-Key": uuid.uuid4().hex},
            json={
                "market": self.market,
                "address": _address(self.market, me["display_name"]),
                **body,
            },
        )
        if r.status_code >= 300:
            return
        orders = r.json() if isinstance(r.json(), list) else [r.json().get("order", r.json())]
        for order in orders:
            await self.http.post(
                f"/api/v1/orders/{order['id']}/payments",
                headers={**_auth(token), "Idempotency-Key": uuid.uuid4().hex},
                json={"card_number": CARD},
            )

    async def shoppers(self) -> None:
        """Now and then someone in the room buys a pinned product."""
        while True:
            await asyncio.sleep(self.rng.uniform(40, 90))
            picked = self._variant()
            if picked is not None:
                with contextlib.suppress(httpx.HTTPError, KeyError, ValueError):
                    body = {"variant_id": picked[0], "quantity": 1, "show_id": self.id}
                    await self._buy("/api/v1/orders/buy-now", self.rng.choice(self.bots), body)

    async def viewer(self, token: str) -> None:
        """Join, chat and like for a while, leave, come back."""
        ws_url = self.url.replace("http", "ws", 1) + f"/ws/shows/{self.id}?token={token}"
        rng = random.Random(token)
        while True:
            with contextlib.suppress(Exception):
                async with connect(ws_url, open_timeout=10, max_queue=None) as ws:
                    reader = asyncio.create_task(self._drain(ws))
                    try:
                        stay = asyncio.get_running_loop().time() + rng.uniform(60, 240)
                        while asyncio.get_running_loop().time() < stay:
                            await asyncio.sleep(rng.uniform(4, 14))
                            if rng.random() < 0.6:
                                text = rng.choice(PHRASES[self.market])
                                await ws.send(json.dumps({"type": "chat", "text": text}))
                            else:
                                await ws.send(
                                    json.dumps({"type": "like", "count": rng.randint(1, 5)})
                                )
                    finally:
                        reader.cancel()
            await asyncio.sleep(rng.uniform(5, 20))

    @staticmethod
    async def _drain(ws: Any) -> None:
        async for _ in ws:
            pass


async def run(url: str, state: dict[str, Any], *, first_deal: float, deal_every: float) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=15) as http:
        for _ in range(600):  # the server is starting beside us
            with contextlib.suppress(httpx.TransportError):
                if (await http.get("/healthz")).status_code == 200:
                    break
            await asyncio.sleep(0.2)
        status = (await http.get("/api/v1/media/status")).json()
        ffmpeg = shutil.which("ffmpeg")
        video = bool(status.get("available")) and ffmpeg is not None
        if not video:
            why = status.get("reason") or "ffmpeg is not installed (apt-get install ffmpeg)"
            say(f"no video: {why} The shows stay scheduled; the rest of the demo works.")
        tasks: list[asyncio.Task[None]] = []
        shows = []
        for info in state["shows"]:
            bots = [b["token"] for b in state["bots"] if b["market"] == info["market"]]
            show = Show(http, url, info, bots)
            shows.append(show)
            if video and ffmpeg:
                tasks.append(asyncio.create_task(show.encode(ffmpeg)))
        live = [s for s in shows if video and await s.wait_live()]
        for show in live:
            await show.pin()
            tasks.append(asyncio.create_task(show.deals(first_deal, deal_every)))
            tasks.append(asyncio.create_task(show.shoppers()))
            tasks += [asyncio.create_task(show.viewer(t)) for t in show.bots]
        if live:
            say(f"{len(live)} shows live with a simulated audience ({url}/)")
        try:
            await asyncio.Event().wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--first-deal", type=float, default=20.0, help="seconds before the first")
    parser.add_argument("--deal-every", type=float, default=180.0, help="seconds between deals")
    args = parser.parse_args()
    state = json.loads(args.state.read_text())

    async def _main() -> None:
        job = asyncio.create_task(
            run(args.url, state, first_deal=args.first_deal, deal_every=args.deal_every)
        )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, job.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await job

    asyncio.run(_main())
    sys.exit(0)


if __name__ == "__main__":
    main()
