"""One-off helper: Problem(…, f"… {x} …") → Problem(…, "… {x} …", values={"x": x})."""

import ast
import re
import sys
from pathlib import Path


def name_for(expr: ast.expr, src: str, used: set[str]) -> str:
    if isinstance(expr, ast.Name):
        base = expr.id
    elif isinstance(expr, ast.Attribute):
        base = expr.attr
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and isinstance(expr.func.value, ast.Name | ast.Attribute):
        inner = expr.func.value
        base = inner.id if isinstance(inner, ast.Name) else inner.attr
    elif isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Constant):
        base = str(expr.slice.value)
    else:
        base = "value"
    base = re.sub(r"\W", "_", base).strip("_") or "value"
    name, k = base, 2
    while name in used:
        name, k = f"{base}{k}", k + 1
    used.add(name)
    return name


def convert(path: Path) -> int:
    src = path.read_text()
    tree = ast.parse(src)
    lines = src.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))

    def pos(lineno: int, col: int) -> int:
        return offsets[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    edits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fname = node.func.id if isinstance(node.func, ast.Name) else node.func.attr if isinstance(node.func, ast.Attribute) else ""
        index = {"Problem": 2, "forbidden": 0}.get(fname)
        if index is None or len(node.args) <= index:
            continue
        arg = node.args[index]
        if not isinstance(arg, ast.JoinedStr):
            continue
        if any(k.arg == "values" for k in node.keywords):
            continue
        used: set[str] = set()
        msg, values = "", []
        ok = True
        for part in arg.values:
            if isinstance(part, ast.Constant):
                msg += str(part.value).replace("{", "{{").replace("}", "}}")
            elif isinstance(part, ast.FormattedValue):
                expr_src = ast.get_source_segment(src, part.value)
                if expr_src is None:
                    ok = False
                    break
                name = name_for(part.value, src, used)
                conv = {-1: "", 115: "!s", 114: "!r", 97: "!a"}[part.conversion]
                spec = ""
                if part.format_spec is not None:
                    if not all(isinstance(v, ast.Constant) for v in part.format_spec.values):
                        ok = False
                        break
                    spec = ":" + "".join(str(v.value) for v in part.format_spec.values)
                msg += "{" + name + conv + spec + "}"
                values.append((name, expr_src))
        if not ok:
            continue
        start = pos(arg.lineno, arg.col_offset)
        end = pos(arg.end_lineno, arg.end_col_offset)
        literal = '"' + msg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        vals = ", ".join(f'"{n}": {e}' for n, e in values)
        edits.append((start, end, f"{literal}, values={{{vals}}}" if fname == "Problem" else f"{literal}, values={{{vals}}}"))
    for start, end, text in sorted(edits, reverse=True):
        src = src[:start] + text + src[end:]
    if edits:
        path.write_text(src)
    return len(edits)


total = 0
for name in sys.argv[1:]:
    total += convert(Path(name))
print(total, "converted")
