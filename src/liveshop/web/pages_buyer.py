"""Buyer pages beyond the room: shops, creators, events, replays, notifications, returns."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
