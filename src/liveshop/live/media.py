"""nginx-rtmp: config rendering and the managed nginx child process (filled in by issue 3)."""

from __future__ import annotations

from typing import Protocol

from liveshop.settings import Settings


class ManagedMedia(Protocol):
    async def stop(self) -> None: ...


def render_config(settings: Settings) -> str:
    raise NotImplementedError


async def start_managed(settings: Settings) -> ManagedMedia | None:
    """Start nginx when it is installed and enabled; None when video is unavailable."""
    return None
