"""HTTP routes for the live room: pins, pinned message, moderators, keyword lists."""

from fastapi import APIRouter

router = APIRouter(tags=["room"])
