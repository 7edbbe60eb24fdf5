"""The WebSocket endpoint /ws/shows/{id}."""

from fastapi import APIRouter

router = APIRouter()
