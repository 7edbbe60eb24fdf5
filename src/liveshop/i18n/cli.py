"""`liveshop i18n extract|update|compile|check` (also `./dev i18n ...`)."""

from __future__ import annotations

import typer

from liveshop.i18n import LANGUAGES, catalog

app = typer.Typer(help="Languages: the gettext and JSON catalogues.", no_args_is_help=True)


@app.command()
def extract() -> None:
    """Collect every marked text into locale/messages.pot."""
    found = catalog.extract()
    typer.echo(f"{len([m for m in found if m.id])} msgids → {catalog.TEMPLATE}")


@app.command()
def update() -> None:
    """Merge messages.pot into every language's messages.po."""
    for lang, n in catalog.update().items():
        typer.echo(f"{lang}: {n} msgids")


@app.command(name="compile")
def compile_() -> None:
    """Compile .po → .mo and generate the ES modules' JSON catalogues."""
    written = catalog.compile_all()
    typer.echo(f"wrote {len(written)} files (.mo and static/i18n/*.json)")


@app.command()
def check(
    strict: bool = typer.Option(False, help="Exit 1 when a language has untranslated messages"),
    show: int = typer.Option(5, help="How many untranslated msgids to list per language"),
) -> None:
    """Say which languages still have untranslated messages."""
    incomplete = False
    for lang in LANGUAGES:
        cov = catalog.coverage(lang)
        done = cov.total - len(cov.missing)
        typer.echo(f"{lang:6} {done:5}/{cov.total} translated" + ("" if cov.complete else " ✗"))
        for msgid in cov.missing[:show]:
            typer.echo(f"         missing: {msgid[:80]!r}")
        incomplete |= not cov.complete
    if strict and incomplete:
        raise typer.Exit(1)


@app.command(name="all")
def all_() -> None:
    """extract + update + compile, the usual sequence after changing texts."""
    extract()
    update()
    compile_()
