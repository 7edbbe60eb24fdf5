"""A flood's front door: login, sign-up and password-reset attempts are counted per address
here, and one over its limit is answered 429 before routing, body parsing or a database session
(like selling/edge.py for sold out). The per-account limits need the body: accounts/sessions.py.

Requests that will run argon2 also take their hashing slot here, so that when every slot is busy
the refusal is as cheap as a rate-limited one, even for the first burst of a flood.
"""

from __future__ import annotations

import contextlib
import json
import math

from starlette.types import ASGIApp, Receive, Scope, Send

from liveshop.accounts.security import HasherBusy, admission
from liveshop.errors import PROBLEM, problem_body
from liveshop.metrics import LOGIN_REFUSALS
from liveshop.ratelimit import Limiter, Rule
from liveshop.settings import Settings

API = "/api/v1"


class AuthFloodEdge:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hashing = {
            f"{API}/auth/login",
            f"{API}/auth/signup",
            f"{API}/auth/password-reset/confirm",
        }
        self.rules = {
            f"{API}/auth/login": ("login:ip", settings.rate_login_ip),
            f"{API}/auth/signup": ("signup:ip", settings.rate_signup_ip),
            f"{API}/auth/password-reset": ("reset:ip", settings.rate_reset_ip),
            f"{API}/auth/password-reset/confirm": ("reset:ip", settings.rate_reset_ip),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = self.rules.get(scope["path"]) if scope["type"] == "http" else None
        if rule is not None and scope["method"] == "POST":
            limiter: Limiter = scope["app"].state.limiter
            ip = scope["client"][0] if scope.get("client") else "unknown"
            wait = await limiter.hit([Rule(rule[0], rule[1], ip)])
            if wait is not None:
                if rule[0] == "login:ip":
                    LOGIN_REFUSALS.labels("rate_limited").inc()
                await _answer(receive, send, max(1, math.ceil(wait)))
                return
            if scope["path"] in self.hashing:
                with contextlib.ExitStack() as slot:
                    try:
                        slot.enter_context(admission())
                    except HasherBusy:
                        if rule[0] == "login:ip":
                            LOGIN_REFUSALS.labels("busy").inc()
                        await _answer(receive, send, 1, "Too many sign-ins in progress; retry.")
                        return
                    await self.app(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _answer(
    receive: Receive, send: Send, seconds: int, detail: str = "Too many attempts; try again later."
) -> None:
    # Read the ignored body first so the keep-alive connection stays usable.
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away
        if not message.get("more_body", False):
            break
    body = json.dumps(problem_body(429, "rate_limited", detail, retry_after=seconds)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(seconds).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
