"""The footer's language switcher: the choice is a cookie (a year), read before Accept-Language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from liveshop.i18n import COOKIE, known
from liveshop.web.pages.common import safe_next

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.post("/language")
async def choose_language(request: Request) -> RedirectResponse:
    form = await request.form()
    lang = known(str(form.get("lang") or ""))
    response = RedirectResponse(safe_next(str(form.get("next") or "/")), status_code=303)
    if lang:
        response.set_cookie(COOKIE, lang, max_age=YEAR, samesite="lax", httponly=False)
    else:
        response.delete_cookie(COOKIE)  # "as my browser says"
    return response
