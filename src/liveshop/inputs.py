"""What every API input shares: strict numbers, no NUL in text, real date-times, bounded ids.

Every request model derives from `Input`. Fuzzing found what lax parsing let through: `false`
read as 0, `0` read as 1970-01-01, and NUL characters that PostgreSQL refuses to store.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    model_validator,
)
from pydantic_core import PydanticCustomError

MAX_ID = 2**31 - 1  # ids are 32-bit serials on PostgreSQL
MAX_MONEY = 10**12  # minor units; far above any real price, far below int64
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def _nul_at(value: Any, path: str) -> str | None:
    """Where the first NUL character sits in a JSON value, or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items: Any = ()
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    for key, item in items:
        where = _nul_at(key, path) or _nul_at(item, f"{path}.{key}" if path else str(key))
        if where is not None:
            return where
    return None


def refuse_nul(value: Any) -> Any:
    """Text may not carry NUL: PostgreSQL cannot store it and no client means it."""
    where = _nul_at(value, "")
    if where is not None:
        # errors.py appends `field` to the error's location.
        raise PydanticCustomError(
            "string_nul", "Text must not contain NUL characters", {"field": where}
        )
    return value


def _iso_text(value: Any) -> Any:
    # JSON has no date-time type; a number would otherwise be read as seconds since 1970.
    if not isinstance(value, str | datetime):
        raise PydanticCustomError(
            "datetime_type", "Give an ISO 8601 date-time with a timezone, as text"
        )
    return value


def _plausible(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise PydanticCustomError(
            "datetime_range", "Give a date-time between the years 2000 and 2099"
        )
    return value


When = Annotated[
    AwareDatetime,
    Strict(False),
    BeforeValidator(_iso_text),
    AfterValidator(_plausible),
]
"""An ISO 8601 date-time with its offset, in 2000-2099."""


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field that may be left out but not sent as null, because its column is NOT NULL."""
    return Field(default=None, json_schema_extra=_drop_default, **constraints)


# Whitespace is stripped before length checks, so the schema says "some non-space" up front.
NOT_BLANK = r"\S"


class Input(BaseModel):
    """A request body or client message: unknown fields, lax coercions and NUL are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)
