"""Creator studio pages: the show list, scheduling, and the live control room's extra panels."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
