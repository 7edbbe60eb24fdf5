"""`liveshop`: serve, demo, database and user operations."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from rich.console import Console

from liveshop.settings import get_settings

app = typer.Typer(help="Liveshop: live shopping, self-hosted.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
media_app = typer.Typer(help="The nginx-rtmp media server.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(media_app, name="media")
app.add_typer(user_app, name="user")
console = Console()


def _serve(host: str, port: int, workers: int) -> None:
    import uvicorn

    from liveshop.server import WS_MAX_BYTES, BoundedHttpTools

    uvicorn.run(
        "liveshop.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http=BoundedHttpTools,  # httptools, with a bound on the request head
        ws="websockets-sansio",
        # Room frames are small and go to thousands of sockets: compressing each costs more
        # CPU than it saves bandwidth.
        ws_per_message_deflate=False,
        ws_max_size=WS_MAX_BYTES,  # a bigger frame is refused (1009) before it is buffered
        log_config=None,
        access_log=False,
    )


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first")] = True,
) -> None:
    """Run the web server."""
    settings = get_settings()
    if migrate:
        from liveshop.migrate import upgrade

        upgrade(settings.database_url)
    _serve(host or settings.host, port or settings.port, workers)


@media_app.command("config")
def media_config(
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write here, not stdout")
    ] = None,
) -> None:
    """Render the nginx config (RTMP ingest, HLS, hooks) from the settings."""
    from liveshop.live.media import render_config

    text = render_config(get_settings())
    if output:
        from pathlib import Path

        Path(output).write_text(text)
        console.print(f"[green]Wrote {output}[/green]")
    else:
        typer.echo(text)


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    from liveshop.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    console.print(f"[green]Database at {revision}.[/green]")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models have changes no migration captures."""
    from liveshop.migrate import check

    check(get_settings().database_url)
    console.print("[green]Models and migrations agree.[/green]")


@user_app.command("create")
def user_create(
    email: str,
    name: Annotated[str, typer.Option(help="Display name")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    role: Annotated[
        list[str] | None, typer.Option(help="buyer, creator, seller, moderator, admin")
    ] = None,
    market: Annotated[str, typer.Option(help="Home market")] = "UK",
) -> None:
    """Create a user (use --role admin for an operator)."""
    from liveshop.accounts.models import Role
    from liveshop.accounts.schemas import UserCreate
    from liveshop.accounts.service import create
    from liveshop.broker import InProcessBroker
    from liveshop.db import create_database
    from liveshop.uow import UnitOfWork

    roles = [Role(r) for r in role or ["buyer"]]

    async def run() -> int:
        db = create_database(get_settings().database_url)
        try:
            async with UnitOfWork(db=db, broker=InProcessBroker()) as uow:
                data = UserCreate.model_validate(
                    {"email": email, "password": password, "display_name": name, "market": market}
                )
                user = await create(session=uow.session, data=data, extra_roles=roles)
                await uow.commit()
                return user.id
        finally:
            await db.dispose()

    user_id = asyncio.run(run())
    console.print(
        f"[green]Created user {user_id} ({email}) with roles {[r.value for r in roles]}.[/green]"
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server")
    ] = True,
    reset: Annotated[bool, typer.Option(help="Start from an empty demo database")] = True,
) -> None:
    """Create a demo database with shops, products, creators, buyers and a show; then serve it."""
    from liveshop.demo import build_demo, print_accounts

    settings = get_settings()
    url = (
        os.environ.get("LIVESHOP_DATABASE_URL") or f"sqlite+aiosqlite:///{settings.var_dir}/demo.db"
    )
    os.environ["LIVESHOP_DATABASE_URL"] = url
    get_settings.cache_clear()
    accounts = asyncio.run(build_demo(url, reset=reset, progress_console=console))
    print_accounts(console, accounts, f"http://127.0.0.1:{port}")
    if serve_after:
        _serve("127.0.0.1", port, 1)


if __name__ == "__main__":
    app()
