"""Creator studio pages: the show list, scheduling, and the live control room's extra panels."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.web.pages import MaybeCaller, login_first, render

router = APIRouter(include_in_schema=False)


@router.get("/studio", response_class=HTMLResponse)
async def studio_home(request: Request, caller: MaybeCaller) -> Response:
    """My shows (live, upcoming, past) and the form to schedule one."""
    if caller is None:
        return login_first(request)
    return render(request, caller, "studio_home.html", "Creator studio")
