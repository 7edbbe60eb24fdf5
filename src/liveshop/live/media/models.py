"""Encoder sessions: each time an encoder publishes a show's stream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


class StreamSession(Base):
    """One RTMP publish: start, end, why it ended, and bitrate samples from nginx-rtmp's stat."""

    __tablename__ = "stream_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    client_addr: Mapped[str | None] = mapped_column(String(64))
    end_reason: Mapped[str | None] = mapped_column(String(40))
    bitrate_kbps: Mapped[int | None]
    max_bitrate_kbps: Mapped[int | None]
