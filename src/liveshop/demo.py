"""Demo data: three shops in three markets, ~30 products, creators, buyers, a scheduled show."""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy.engine import make_url

from liveshop import demo_analytics, demo_live
from liveshop.accounts import service as accounts
from liveshop.accounts.models import Role, User
from liveshop.accounts.schemas import UserCreate
from liveshop.broker import InProcessBroker
from liveshop.catalog import service as catalog
from liveshop.catalog.schemas import PriceIn, ProductCreate, ShopCreate, VariantIn
from liveshop.db import create_database
from liveshop.migrate import upgrade
from liveshop.uow import UnitOfWork

PASSWORD = "liveshop-demo"


@dataclass
class DemoAccount:
    email: str
    role: str
    note: str


Catalog = list[tuple[str, list[str], list[list[str]], int]]
SHOPS: list[tuple[str, str, str, str, Catalog]] = [
    (
        "Leeds Loungewear",
        "UK",
        "GBP",
        "#e76f51",
        [
            ("Cloud Knit Hoodie", ["Size"], [["S"], ["M"], ["L"]], 4499),
            (
                "Everyday Joggers",
                ["Size", "Colour"],
                [["M", "Grey"], ["L", "Grey"], ["M", "Black"]],
                3499,
            ),
            ("Cosy Bed Socks (3 pack)", [], [[]], 999),
            ("Waffle Robe", ["Size"], [["S/M"], ["L/XL"]], 5999),
            ("Weekend Tee", ["Colour"], [["White"], ["Sage"]], 1999),
            ("Knitted Beanie", [], [[]], 1499),
            ("Sherpa Slippers", ["Size"], [["5"], ["6"], ["7"]], 2499),
            ("Lounge Set", ["Size"], [["S"], ["M"]], 6999),
            ("Silk Sleep Mask", [], [[]], 1299),
            ("Fleece Blanket", [], [[]], 2999),
        ],
    ),
    (
        "Berliner Kaffee",
        "DE",
        "EUR",
        "#6d4c41",
        [
            ("Espresso Blend 1 kg", ["Grind"], [["Beans"], ["Fine"]], 2490),
            ("Filter Roast 500 g", [], [[]], 1290),
            ("Hand Grinder", [], [[]], 8900),
            ("Pour-over Kit", [], [[]], 4990),
            ("Milk Frother", [], [[]], 3490),
            ("Ceramic Cup Set", ["Colour"], [["Weiß"], ["Schwarz"]], 2990),
            ("Cold Brew Bottle", [], [[]], 1990),
            ("Decaf Blend 250 g", [], [[]], 890),
            ("Barista Scale", [], [[]], 3990),
            ("Gooseneck Kettle", [], [[]], 5990),
        ],
    ),
    (
        "Brooklyn Beauty",
        "US",
        "USD",
        "#8e44ad",
        [
            ("Glow Serum 30 ml", [], [[]], 2800),
            ("Matte Lipstick", ["Shade"], [["Ruby"], ["Nude"], ["Berry"]], 1800),
            ("Hydrating Mask (5 pack)", [], [[]], 1500),
            ("Brush Set", [], [[]], 3900),
            ("SPF 50 Sunscreen", [], [[]], 2200),
            ("Hair Oil", [], [[]], 2400),
            ("Nail Polish Trio", ["Set"], [["Pastel"], ["Bold"]], 1600),
            ("Eye Palette", [], [[]], 3400),
            ("Jade Roller", [], [[]], 1900),
            ("Body Butter", [], [[]], 2000),
        ],
    ),
]

CREATORS = [
    ("maya@demo.liveshop", "Maya Live", "UK"),
    ("jonas@demo.liveshop", "Jonas Brews", "DE"),
    ("tasha@demo.liveshop", "Tasha Glam", "US"),
]
BUYERS = [
    ("amy@demo.liveshop", "Amy", "UK", "Leeds"),
    ("ben@demo.liveshop", "Ben", "UK", "Manchester"),
    ("clara@demo.liveshop", "Clara", "DE", "Berlin"),
    ("dan@demo.liveshop", "Dan", "US", "Brooklyn"),
    ("eva@demo.liveshop", "Eva", "FR", "Lyon"),
]
FX = {
    "GBP": {"EUR": 1.17, "USD": 1.27},
    "EUR": {"GBP": 0.86, "USD": 1.09},
    "USD": {"GBP": 0.79, "EUR": 0.92},
}
MARKET_CURRENCY = {"UK": "GBP", "DE": "EUR", "FR": "EUR", "IT": "EUR", "ES": "EUR", "US": "USD"}


def placeholder(title: str, colour: str) -> str:
    return f"/img/placeholder.svg?t={quote(title)}&c={quote(colour)}"


def _prices(home: str, currency: str, amount: int) -> list[PriceIn]:
    """The home market's price plus rounded conversions, so every demo buyer can shop."""
    out = []
    for market, cur in MARKET_CURRENCY.items():
        value = amount if cur == currency else int(amount * FX[currency][cur]) // 100 * 100 + 99
        out.append(PriceIn.model_validate({"market": market, "currency": cur, "amount": value}))
    return out


def _write_private(path: Path, text: str) -> None:
    """The simulation's bearer tokens: readable by this user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)


def _reset_sqlite(url: str) -> None:
    path = make_url(url).database
    if path:
        for suffix in ("", "-wal", "-shm"):
            Path(path + suffix).unlink(missing_ok=True)


async def build_demo(
    url: str,
    *,
    reset: bool,
    progress_console: Console | None = None,
    audience_file: Path | None = None,
) -> list[DemoAccount]:
    """Build the demo database; `audience_file` receives what liveshop.demo_audience needs."""
    if reset and url.startswith("sqlite"):
        _reset_sqlite(url)
    await asyncio.to_thread(upgrade, url)  # Alembic runs its own event loop
    db = create_database(url)
    rng = random.Random(7)
    out: list[DemoAccount] = []
    total = len(CREATORS) + len(BUYERS) + len(demo_live.BOTS) + sum(len(s[4]) for s in SHOPS) + 3
    try:
        with Progress(console=progress_console, transient=True) as progress:
            task = progress.add_task("Building demo data", total=total)
            async with UnitOfWork(db=db, broker=InProcessBroker()) as uow:
                s = uow.session

                async def user(
                    email: str, name: str, market: str, roles: list[Role], city: str | None = None
                ) -> User:
                    data = UserCreate.model_validate(
                        {
                            "email": email,
                            "password": PASSWORD,
                            "display_name": name,
                            "market": market,
                            "city": city,
                        }
                    )
                    made = await accounts.create(session=s, data=data, extra_roles=roles)
                    progress.advance(task)
                    return made

                await user("admin@demo.liveshop", "Ops Admin", "UK", [Role.admin, Role.moderator])
                out.append(
                    DemoAccount("admin@demo.liveshop", "admin", "markets, shop verification, users")
                )
                creators = []
                for email, name, market in CREATORS:
                    creators.append(await user(email, name, market, [Role.creator]))
                    out.append(DemoAccount(email, "creator", f"{name}, {market}"))
                for email, name, market, city in BUYERS:
                    await user(email, name, market, [], city)
                    out.append(DemoAccount(email, "buyer", f"{market}, {city}"))
                for email, name, market in demo_live.BOTS:
                    await user(email, name, market, [])
                for (shop_name, market, currency, colour, products), creator in zip(
                    SHOPS, creators, strict=True
                ):
                    owner_email = f"seller.{market.lower()}@demo.liveshop"
                    owner = await user(owner_email, f"{shop_name} team", market, [Role.seller])
                    out.append(DemoAccount(owner_email, "seller", shop_name))
                    shop = await catalog.create_shop(
                        session=s,
                        owner=owner,
                        data=ShopCreate.model_validate({"name": shop_name, "market": market}),
                    )
                    shop.verification = "verified"
                    for n, (title, options, combos, price) in enumerate(products):
                        variants = [
                            VariantIn(
                                sku=f"{shop.slug[:6].upper()}-{n:02d}-{i}",
                                option_values=combo,
                                stock=rng.choice([5, 12, 40, 200]),
                                weight_grams=rng.randint(50, 1500),
                                prices=_prices(market, currency, price),
                            )
                            for i, combo in enumerate(combos)
                        ]
                        await catalog.create_product(
                            session=s,
                            actor=owner,
                            shop_id=shop.id,
                            data=ProductCreate(
                                title=title,
                                description=f"{title} from {shop_name}.",
                                status="active",
                                options=options,
                                images=[placeholder(title, colour)],
                                variants=variants,
                            ),
                        )
                        progress.advance(task)
                    _ = creator
                audience = await demo_live.add_shows(uow)
                progress.advance(task)
                await demo_analytics.add_history(uow)
                progress.advance(task)
                await uow.commit()
        if audience_file is not None:
            await asyncio.to_thread(_write_private, audience_file, json.dumps(audience))
    finally:
        await db.dispose()
    return out


def print_accounts(console: Console, accounts_: list[DemoAccount], base_url: str) -> None:
    table = Table(title=f"Liveshop demo — {base_url}  (password for every account: {PASSWORD})")
    for col in ("email", "role", "who"):
        table.add_column(col)
    for acc in accounts_:
        table.add_row(acc.email, acc.role, acc.note)
    console.print(table)
