"""The Shop tab: live now, the "For you" feed, search with suggestions and facets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.web.pages.common import MaybeCaller, render

router = APIRouter(include_in_schema=False)


@router.get("/for-you", response_class=HTMLResponse)
async def shop_tab(
    request: Request, caller: MaybeCaller, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    return render(request, caller, "discovery/shop_tab.html", "For you", q=q)
