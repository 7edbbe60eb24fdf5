"""nginx-rtmp callbacks and replay routes."""

from fastapi import APIRouter

router = APIRouter(tags=["media"])
