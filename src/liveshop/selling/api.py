"""Flash deal routes."""

from fastapi import APIRouter

router = APIRouter(tags=["selling"])
