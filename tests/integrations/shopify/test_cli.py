"""`liveshop import shopify FILE --shop SLUG`: the operator's import, with a progress bar."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from liveshop.settings import Settings
from tests.integrations.shopify.kit import FILES, products
from tests.kits.factories import Api

LIVESHOP = Path(sys.executable).parent / "liveshop"


async def _cli(settings: Settings, *args: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_ENV": "test",
        "COLUMNS": "160",
    }
    proc = await asyncio.create_subprocess_exec(
        str(LIVESHOP),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_cli_import(api: Api, client: Any, settings: Settings) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    path = str(FILES / "products_current.csv")
    code, out = await _cli(settings, "import", "shopify", path, "--shop", shop["slug"])
    assert code == 0, out
    assert "Shopify product CSV (current export" in out
    assert "Importing products_current.csv" in out  # the progress bar's last frame
    assert "3 products: 3 created, 0 updated, 0 unchanged" in out
    assert "5 errors" in out
    assert "line 4 · Price = 'abc': not a price (variant skipped)" in out
    assert set(await products(client, seller, shop["id"])) == {
        "organic-tee",
        "plain-mug",
        "gift-card",
    }
    code, out = await _cli(settings, "import", "shopify", path, "--shop", shop["slug"])
    assert "0 created, 0 updated, 3 unchanged" in out

    code, out = await _cli(settings, "import", "shopify", path, "--shop", "no-such-shop")
    assert code == 1
    assert "No shop no-such-shop exists." in out
