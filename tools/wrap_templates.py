"""One-off helper: wrap the literal texts of the Jinja templates in gettext calls."""

import re
import sys
from pathlib import Path

TOKEN = re.compile(r"(\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}|<script\b.*?</script>|<style\b.*?</style>|<!--.*?-->|<[^>]*>)", re.S)
ATTR = re.compile(r'\b(aria-label|placeholder|title|alt)="([^"{}]*[A-Za-z][^"{}]*)"')
SKIP = {"Liveshop"}


def esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def wrap_attrs(tag: str) -> str:
    return ATTR.sub(lambda m: f'{m.group(1)}="{{{{ _("{esc(m.group(2))}") }}}}"', tag)


def var_name(expr: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", expr.split("|")[0].strip().split("(")[0].lower()).strip("_")
    base = base.split("_")[-1] or "value"
    name, i = base, 2
    while name in used:
        name, i = f"{base}{i}", i + 1
    used.add(name)
    return name


def wrap_run(run: list[str]) -> str:
    text = "".join(run)
    literal = "".join(p for p in run if not p.startswith("{{"))
    if not re.search(r"[A-Za-z]", literal) or literal.strip() in SKIP:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    # Only whitespace at the ends of the run stays outside.
    parts = run[:]
    parts[0] = parts[0].lstrip() if not parts[0].startswith("{{") else parts[0]
    parts[-1] = parts[-1].rstrip() if not parts[-1].startswith("{{") else parts[-1]
    if not any(p.startswith("{{") for p in parts):
        body = " ".join("".join(parts).split())
        return f'{lead}{{{{ _("{esc(body)}") }}}}{trail}'
    used: set[str] = set()
    args, body = [], ""
    for p in parts:
        if p.startswith("{{"):
            expr = p[2:-2].strip()
            name = var_name(expr, used)
            args.append(f"{name}={expr}")
            body += f"{{{{ {name} }}}}"
        else:
            body += p.replace("%", "%%")
    body = " ".join(body.split())
    return f"{lead}{{% trans {', '.join(args)} %}}{body}{{% endtrans %}}{trail}"


def wrap(source: str) -> str:
    out: list[str] = []
    run: list[str] = []
    for piece in TOKEN.split(source):
        if not piece:
            continue
        is_expr = piece.startswith("{{")
        is_text = not TOKEN.fullmatch(piece)
        if is_text or is_expr:
            run.append(piece)
            continue
        if run:
            out.append(wrap_run(run) if any(not r.startswith("{{") for r in run) else "".join(run))
            run = []
        out.append(wrap_attrs(piece) if piece.startswith("<") and not piece.startswith(("<script", "<style", "<!--")) else piece)
    if run:
        out.append(wrap_run(run) if any(not r.startswith("{{") for r in run) else "".join(run))
    return "".join(out)


for name in sys.argv[1:]:
    path = Path(name)
    path.write_text(wrap(path.read_text()))
