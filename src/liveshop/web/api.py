"""Web routes that are not pages: the demo's generated images (pages live in pages.py)."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

router = APIRouter(include_in_schema=False)


@router.get("/img/placeholder.svg")
async def placeholder(
    t: Annotated[str, Query(max_length=60)] = "Liveshop",
    c: Annotated[str, Query(pattern=r"^#[0-9a-fA-F]{6}$")] = "#444444",
) -> Response:
    """A generated product picture, so the demo needs no network and no image files."""
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600">'
        f'<rect width="600" height="600" fill="{c}"/>'
        '<text x="300" y="310" font-family="sans-serif" font-size="40" fill="#fff" '
        f'text-anchor="middle">{escape(t)}</text></svg>'
    )
    return Response(
        svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )
