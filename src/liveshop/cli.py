"""`liveshop`: serve, demo, database and user operations."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from liveshop.i18n import cli as i18n_cli
from liveshop.ledger import cli as ledger_cli
from liveshop.settings import get_settings

app = typer.Typer(help="Liveshop: live shopping, self-hosted.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
media_app = typer.Typer(help="The nginx-rtmp media server.", no_args_is_help=True)
deploy_app = typer.Typer(help="Files for a production host (see deploy/).", no_args_is_help=True)
import_app = typer.Typer(help="Import products from other platforms.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(media_app, name="media")
app.add_typer(deploy_app, name="deploy")
app.add_typer(user_app, name="user")
app.add_typer(import_app, name="import")
app.add_typer(ledger_cli.app, name="ledger")
app.add_typer(i18n_cli.app, name="i18n")
console = Console()


def _version(value: bool) -> None:
    if value:
        from liveshop import __version__  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

        typer.echo(f"liveshop {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version"),
    ] = False,
) -> None:
    """Liveshop: live shopping, self-hosted."""


def _serve(host: str, port: int, workers: int, metrics_dir: Path | None) -> None:
    """uvicorn's workers for the web, and in this (parent) process, nginx and its supervision.

    nginx is supervised here, once per host, not in a worker: killing or replacing a web worker
    must not cut the encoders off.
    """
    import uvicorn  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    from liveshop import logs  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.live.media.supervisor import MediaSupervisor  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.server import WS_MAX_BYTES, BoundedHttpTools  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    settings = get_settings()
    if settings.env != "test":
        logs.configure(json_logs=settings.log_json, level=settings.log_level)
    # uvicorn re-raises the signal that stopped it once it is done: let that end us through
    # `finally` (stopping nginx, removing the metrics directory), not by the default handler.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    media = MediaSupervisor(settings)
    media.start()
    try:
        uvicorn.run(
            "liveshop.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http=BoundedHttpTools,  # httptools, with a bound on the request head
            ws="websockets-sansio",
            # Room frames are small and go to thousands of sockets: compressing each costs
            # more CPU than it saves bandwidth.
            ws_per_message_deflate=False,
            ws_max_size=WS_MAX_BYTES,  # a bigger frame is refused (1009) before it is buffered
            log_config=None,
            access_log=False,
        )
    finally:
        media.close()
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _metrics_dir() -> Path | None:
    """Multi-process metrics (liveshop/metrics.py) for the workers `_serve` starts.

    Runs before anything imports prometheus_client, which picks its storage at import. An
    operator's directory is emptied (a previous run's figures would add up with ours);
    otherwise a fresh one, ours to remove at exit (returned).
    """
    given = os.environ.get(METRICS_DIR_ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for old in path.glob("*.db"):
            old.unlink(missing_ok=True)
        return None
    path = Path(tempfile.mkdtemp(prefix="liveshop-metrics-"))
    os.environ[METRICS_DIR_ENV] = str(path)
    return path


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
    migrate: Annotated[bool, typer.Option(help="Apply migrations first")] = True,
) -> None:
    """Run the web server."""
    settings = get_settings()
    if workers > 1 and (settings.is_sqlite or not settings.redis_url):
        # Rooms, gates and rate limits are per process without Redis, and SQLite has one
        # writer: several workers would each see part of a room and fight over the file.
        console.print(
            "[red]--workers > 1 needs PostgreSQL (LIVESHOP_DATABASE_URL) and Redis "
            "(LIVESHOP_REDIS_URL); embedded mode (SQLite, no Redis) runs one process.[/red]"
        )
        raise typer.Exit(2)
    metrics_dir = _metrics_dir()
    if migrate:
        from liveshop.migrate import upgrade  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

        upgrade(settings.database_url)
    _serve(host or settings.host, port or settings.port, workers, metrics_dir)


@app.command()
def worker() -> None:
    """Run the background jobs (hold expiry, deal and auction timers, media health).

    Run one or more beside the web processes when Redis is configured; a lease lets exactly
    one of them work at a time, and another takes over if it dies.
    """
    from liveshop import logs, wiring  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.broker import create_broker  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.db import create_database  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.worker import run_jobs  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    settings = get_settings()
    logs.configure(json_logs=settings.log_json, level=settings.log_level)
    wiring.wire(settings)

    async def main() -> None:
        db = create_database(settings.database_url, pool_size=4)
        broker = create_broker(settings.redis_url)
        await broker.start()
        job = asyncio.create_task(run_jobs(db, broker, settings))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
            await broker.close()
            await db.dispose()

    asyncio.run(main())


@deploy_app.command("nginx-site")
def deploy_nginx_site(
    server_name: Annotated[str, typer.Option(help="The public host name, e.g. shop.example.com")],
    certificate: Annotated[str, typer.Option(help="TLS certificate (full chain) path")],
    certificate_key: Annotated[str, typer.Option(help="TLS private key path")],
    upstream: Annotated[
        list[str] | None, typer.Option(help="A web process, host:port (repeat for several)")
    ] = None,
    media_origin: Annotated[str, typer.Option(help="The media server's HLS host:port")] = (
        "127.0.0.1:8089"
    ),
) -> None:
    """Print the public nginx site: TLS, WebSocket upgrade, HLS caching, private hooks."""
    from liveshop.deploy_site import Site, render_site  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    site = Site(
        server_name=server_name,
        certificate=certificate,
        certificate_key=certificate_key,
        upstreams=upstream or ["127.0.0.1:8000"],
        media_origin=media_origin,
    )
    typer.echo(render_site(site), nl=False)


@media_app.command("config")
def media_config(
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write here, not stdout")
    ] = None,
) -> None:
    """Render the nginx config (RTMP ingest, HLS, hooks) from the settings."""
    from liveshop.live.media.nginx import render_config  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    text = render_config(get_settings())
    if output:
        Path(output).write_text(text)
        console.print(f"[green]Wrote {output}[/green]")
    else:
        typer.echo(text)


@media_app.command("run")
def media_run() -> None:
    """Supervise nginx alone (when the web runs under another process manager than `serve`)."""
    import threading  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    from liveshop import logs  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.live.media.supervisor import MediaSupervisor  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    settings = get_settings()
    logs.configure(json_logs=settings.log_json, level=settings.log_level)
    media = MediaSupervisor(settings)
    if not media.start():
        raise typer.Exit(1)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    media.close()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION."""
    from liveshop.migrate import upgrade  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    upgrade(get_settings().database_url, revision)
    console.print(f"[green]Database at {revision}.[/green]")


@db_app.command("check")
def db_check() -> None:
    """Fail if the models have changes no migration captures."""
    from liveshop.migrate import check  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    check(get_settings().database_url)
    console.print("[green]Models and migrations agree.[/green]")


@db_app.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from liveshop.migrate import current  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    current(get_settings().database_url)


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, e.g. 0004 (or -- -1 for one step)")
    ],
) -> None:
    """Step the schema back to REVISION (take a backup first: data in dropped columns is lost)."""
    from liveshop.migrate import downgrade  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    downgrade(get_settings().database_url, revision)
    console.print(f"[green]Database at {revision}.[/green]")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the migration does")],
    autogenerate: Annotated[
        bool, typer.Option(help="Compare the models with the database and write the difference")
    ] = False,
) -> None:
    """Write a new migration under src/liveshop/migrations/versions (for developers)."""
    from liveshop.migrate import revision  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    revision(get_settings().database_url, message, autogenerate=autogenerate)


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
    from liveshop.accounts.models import Role  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.accounts.schemas import UserCreate  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.accounts.service import create  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.broker import InProcessBroker  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.db import create_database  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.uow import UnitOfWork  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

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


@import_app.command("shopify")
def import_shopify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or JSON file")],
    shop: Annotated[str, typer.Option("--shop", help="The shop's slug")],
) -> None:
    """Import a Shopify product CSV (either header dialect) or products JSON into a shop."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    from liveshop import models  # every table, for the ORM's foreign keys  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.broker import InProcessBroker  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.catalog.service import get_shop_by_slug  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.db import create_database  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.errors import Problem  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.integrations.shopify import service as shopify  # noqa: PLC0415 - each command loads only what it needs: --help stays fast
    from liveshop.uow import UnitOfWork  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    # No wiring.wire(): importing publishes no bus messages, and leaving the live and selling
    # domains unloaded keeps this process small (bench/import.py measures its peak RSS).
    assert models.__all__
    settings = get_settings()
    size = file.stat().st_size

    async def run() -> shopify.ShopifyImport:
        db = create_database(settings.database_url)
        try:
            async with UnitOfWork(db=db, broker=InProcessBroker(), write=False) as uow:
                shop_id = (await get_shop_by_slug(session=uow.session, slug=shop)).id
            with (
                file.open("rb") as binary,
                Progress(
                    TextColumn("[bold]{task.description}"),
                    BarColumn(),
                    DownloadColumn(),
                    TextColumn("{task.fields[rows]} rows"),
                    TimeElapsedColumn(),
                    console=console,
                ) as bar,
            ):
                task = bar.add_task(f"Importing {file.name}", total=size, rows=0)
                opened = shopify.open_file(binary, file.name)
                console.print(f"Detected: {shopify.DIALECT_LABELS[opened.dialect]}")

                def progress(rows: int, done: int) -> None:
                    bar.update(task, completed=done if opened.lines else size, rows=rows)

                return await shopify.run_import(
                    db=db,
                    broker=InProcessBroker(),
                    actor=None,
                    shop_id=shop_id,
                    opened=opened,
                    filename=file.name,
                    progress=progress,
                )
        finally:
            await db.dispose()

    try:
        report = asyncio.run(run())
    except Problem as exc:
        console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from None
    console.print(
        f"[green]{report.products} products: {report.created} created, {report.updated} updated,"
        f" {report.unchanged} unchanged[/green] from {report.rows} rows;"
        f" {report.error_count} errors."
    )
    for e in report.errors[:50]:
        where = f"line {e['line']}" if e["line"] else "—"
        console.print(
            f"  {where} · {e['column']} = {e['value']!r}: {e['why']} ({e['action']})",
            markup=False,
            highlight=False,
        )
    if report.error_count > 50:
        console.print(f"  … and {report.error_count - 50} more")


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the server")
    ] = True,
    reset: Annotated[bool, typer.Option(help="Start from an empty demo database")] = True,
    audience: Annotated[
        bool,
        typer.Option(
            "--audience/--no-audience",
            help="Take one show per market live (ffmpeg) with a simulated audience",
        ),
    ] = True,
    first_deal: Annotated[
        float, typer.Option(help="Seconds before the simulated hosts' first flash deal")
    ] = 20.0,
    deal_every: Annotated[float, typer.Option(help="Seconds between flash deals")] = 180.0,
) -> None:
    """Build demo data (shops, products, people, shows), serve it, and take shows live."""
    metrics_dir = _metrics_dir() if serve_after else None
    from liveshop.demo import build_demo, print_accounts  # noqa: PLC0415 - each command loads only what it needs: --help stays fast

    settings = get_settings()
    url = (
        os.environ.get("LIVESHOP_DATABASE_URL") or f"sqlite+aiosqlite:///{settings.var_dir}/demo.db"
    )
    os.environ["LIVESHOP_DATABASE_URL"] = url
    # The demo's own port is the public address unless one is given (nginx's hooks use it).
    os.environ.setdefault("LIVESHOP_BASE_URL", f"http://127.0.0.1:{port}")
    os.environ.setdefault("LIVESHOP_LOG_JSON", "false")  # a person reads this console
    get_settings.cache_clear()
    state = settings.var_dir / "demo-audience.json"
    accounts = asyncio.run(
        build_demo(url, reset=reset, progress_console=console, audience_file=state)
    )
    print_accounts(console, accounts, f"http://127.0.0.1:{port}")
    if not serve_after:
        return
    crowd = None
    if audience:
        crowd = subprocess.Popen(  # stops with the demo (see finally)
            [
                *(sys.executable, "-m", "liveshop.demo_audience"),
                *("--url", f"http://127.0.0.1:{port}", "--state", str(state)),
                *("--first-deal", str(first_deal), "--deal-every", str(deal_every)),
            ],
            start_new_session=True,
        )
    try:
        _serve("127.0.0.1", port, 1, metrics_dir)
    finally:
        if crowd is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(crowd.pid, signal.SIGTERM)
            try:
                crowd.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(crowd.pid, signal.SIGKILL)


if __name__ == "__main__":
    app()
