"""What the media API gives: whether video works here, encoder sessions, stream health."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class MediaStatus(BaseModel):
    available: bool
    reason: str | None
    rtmp_url: str
    hls_base_url: str


class StreamSessionPublic(BaseModel):
    id: int
    started_at: datetime
    ended_at: datetime | None
    end_reason: str | None
    bitrate_kbps: int | None
    max_bitrate_kbps: int | None


class StreamHealth(BaseModel):
    status: str
    publishing: bool
    disconnects: int
    bitrate_kbps: int | None
    sessions: list[StreamSessionPublic]
