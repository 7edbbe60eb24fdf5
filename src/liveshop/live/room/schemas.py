"""What the room API takes and gives (the room's state itself is in events.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liveshop.inputs import NOT_BLANK, Input

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


Word = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60, pattern=NOT_BLANK)
]


class PinCreate(Input):
    product_id: Id


class PinnedMessageIn(Input):
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=NOT_BLANK),
    ]


class SlowModeIn(Input):
    seconds: int = Field(ge=0, le=3600)


class UserRef(Input):
    user_id: Id


class MuteIn(UserRef):
    minutes: int = Field(default=10, ge=1, le=7 * 24 * 60)


class MutePublic(BaseModel):
    user_id: int
    until: datetime


class KeywordsIn(Input):
    words: list[Word] = Field(max_length=500)


class KeywordIn(Input):
    word: Word


class KeywordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    word: str
    created_at: datetime


class PinPublic(BaseModel):
    product_id: int
    pinned_at: datetime
    unpinned_at: datetime | None
    offset_seconds: float | None


class PlaybackPublic(BaseModel):
    status: str
    hls_url: str | None = None
    replay_url: str | None = None
    pins: list[PinPublic]
