"""A real SMTP server for the tests (aiosmtpd, in its own thread) and settings that send to it."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from liveshop.settings import Settings
from tests.kits.system import free_port


@dataclass
class Inbox:
    """Every message the server accepted, in order."""

    port: int
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd hook
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    async def wait_for(self, address: str, subject: str, within: float = 10.0) -> Message:
        """The first message to `address` whose subject contains `subject`."""
        deadline = time.monotonic() + within
        while True:
            for m in self.to(address):
                if subject in m["Subject"]:
                    return m
            assert time.monotonic() < deadline, f"no mail {subject!r} for {address}"
            await asyncio.sleep(0.05)

    def settings(self, base: Settings, **extra: Any) -> Settings:
        return Settings(
            **{
                **base.model_dump(),
                "mail_backend": "smtp",
                "smtp_host": "127.0.0.1",
                "smtp_port": self.port,
                "smtp_timeout_seconds": 5,
                **extra,
            }
        )


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def link_token(message: Message) -> str:
    found = re.search(r"token=([A-Za-z0-9_\-]+)", body_of(message))
    assert found, body_of(message)
    return found[1]


@pytest.fixture
def smtp() -> Iterator[Inbox]:
    inbox = Inbox(port=free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
