"""Numbers and dates in the page's locale and the viewer's time zone (Babel), for templates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from jinja2 import Environment

from liveshop.i18n import babel_locale


def viewer_zone(reported: str | None, fallback: str) -> str:
    """The browser-reported zone when it is a real one, else `fallback` (the market's)."""
    if reported and len(reported) <= 64 and reported in available_timezones():
        return reported
    return fallback


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(value: datetime | str | None, zone: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_datetime(moment, fmt, tzinfo=_zone(zone), locale=babel_locale())


def day(value: datetime | str | None, zone: str | None = None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return format_date(moment.astimezone(_zone(zone)), fmt, locale=babel_locale())


def number(value: Any) -> str:
    return format_decimal(value, locale=babel_locale())


def install_filters(env: Environment) -> None:
    env.filters["when"] = when
    env.filters["day"] = day
    env.filters["number"] = number
