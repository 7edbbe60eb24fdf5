"""Creator studio pages: the show list with scheduling, and a show's live control room."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from liveshop.deps import IdPath
from liveshop.web.pages.common import LoggedIn, render

router = APIRouter(include_in_schema=False)


@router.get("/studio", response_class=HTMLResponse)
async def studio_home(request: Request, caller: LoggedIn) -> Response:
    """My shows (live, upcoming, past) and the form to schedule one."""
    return render(request, caller, "studio_home.html", "Creator studio")


@router.get("/studio/shows/{show_id}", response_class=HTMLResponse)
async def studio(request: Request, show_id: IdPath, caller: LoggedIn) -> Response:
    return render(request, caller, "studio.html", "Creator studio", show_id=show_id)


@router.get("/studio/collaborations", response_class=HTMLResponse)
async def collaborations(request: Request, caller: LoggedIn) -> Response:
    """A creator's offers (accept or decline), showcase, rates and affiliate links."""
    return render(request, caller, "studio_collaborations.html", "Collaborations")
