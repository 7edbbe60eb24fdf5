"""The baseline for bench/flash_sale.py: a bare Starlette JSON endpoint."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def buy(request: Request) -> JSONResponse:
    await request.body()  # read what the real endpoint reads
    return JSONResponse({"ok": True}, status_code=409)


app = Starlette(routes=[Route("/buy", buy, methods=["POST"]), Route("/", buy, methods=["GET"])])
