"""One-off helper: wrap the user-visible string literals of the ES modules in t()."""

import re
import sys
from pathlib import Path

SHOWN_KEYS = {"text", "title", "aria-label", "placeholder", "alt", "label", "caption", "summary", "empty", "help", "hint", "message", "confirm"}
REGEX_PREV = set("(,=:[!&|?{};+-*%<>~^") | {""}
SKIP_BEFORE = re.compile(r"(\$\(|\$\$\(|querySelector(All)?\(|closest\(|api\(|track\(|fetch\(|console\.\w+\(|===|!==|==|!=|\bcase|\bfrom|\bimport|getElementById\(|classList\.\w+\(|dataset\.\w+\s*=|el\(|svg\(|addEventListener\(|new Intl\.\w+\(|localStorage\.\w+\(|startsWith\(|endsWith\(|includes\(|split\(|join\(|replace\(|createElement\(|setAttribute\(|getAttribute\(|Error\()\s*$")


def prose(text: str) -> bool:
    if not re.search(r"[A-Za-z]", text):
        return False
    s = text.strip()
    if not s or s.startswith(("/", "#", ".", "[", "http", "-", "?", "&", "%")) or "://" in s:
        return False
    if re.fullmatch(r"[a-z0-9_\-.:]+", s):
        return False
    if re.search(r"[=<>{}\\]", s) and " " not in s:
        return False
    return bool(re.search(r"[A-Za-z]{2,}", s))


def key_before(prefix: str) -> str | None:
    m = re.search(r"""(?:["']([\w-]+)["']|([\w-]+))\s*:\s*$""", prefix)
    if not m:
        return None
    return m.group(1) or m.group(2)


def esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def names_for(exprs: list[str]) -> list[str]:
    used: set[str] = set()
    out = []
    for i, e in enumerate(exprs, 1):
        m = re.fullmatch(r"[\w$.?]*?([A-Za-z_]\w*)", e.strip())
        base = m.group(1) if m else f"v{i}"
        name, k = base, 2
        while name in used:
            name, k = f"{base}{k}", k + 1
        used.add(name)
        out.append(name)
    return out


def read_template(src: str, i: int) -> tuple[int, list[str], list[str]]:
    """From the opening backtick at i: (end index after closing, literal parts, expressions)."""
    i += 1
    parts, exprs, cur = [], [], ""
    while i < len(src):
        c = src[i]
        if c == "\\":
            cur += src[i : i + 2]
            i += 2
            continue
        if c == "`":
            parts.append(cur)
            return i + 1, parts, exprs
        if c == "$" and src[i + 1 : i + 2] == "{":
            parts.append(cur)
            cur = ""
            depth, j = 1, i + 2
            while depth:
                if src[j] == "`":
                    j, _, _ = read_template(src, j)
                    continue
                if src[j] in "\"'":
                    q = src[j]
                    j += 1
                    while src[j] != q:
                        j += 2 if src[j] == "\\" else 1
                    j += 1
                    continue
                depth += {"{": 1, "}": -1}.get(src[j], 0)
                j += 1
            exprs.append(src[i + 2 : j - 1])
            i = j
            continue
        cur += c
        i += 1
    raise ValueError("unterminated template")


def transform(src: str) -> str:
    out: list[str] = []
    i = 0
    prev_sig = ""
    while i < len(src):
        c = src[i]
        if src.startswith("//", i):
            j = src.find("\n", i)
            j = len(src) if j < 0 else j
            out.append(src[i:j])
            i = j
            continue
        if src.startswith("/*", i):
            j = src.index("*/", i) + 2
            out.append(src[i:j])
            i = j
            continue
        if c == "/" and prev_sig in REGEX_PREV:
            j, in_class = i + 1, False
            while True:
                if src[j] == "\\":
                    j += 2
                    continue
                if src[j] == "[":
                    in_class = True
                elif src[j] == "]":
                    in_class = False
                elif src[j] == "/" and not in_class:
                    break
                j += 1
            j += 1
            while j < len(src) and src[j].isalpha():
                j += 1
            out.append(src[i:j])
            i = j
            prev_sig = "x"
            continue
        if c in "\"'`":
            if c == "`":
                j, parts, exprs = read_template(src, i)
                literal = "".join(parts)
            else:
                j = i + 1
                while src[j] != c:
                    j += 2 if src[j] == "\\" else 1
                j += 1
                parts, exprs, literal = [src[i + 1 : j - 1]], [], src[i + 1 : j - 1]
            original = src[i:j]
            prefix = "".join(out)[-80:]
            line_start = "".join(out).rsplit("\n", 1)[-1]
            key = key_before(prefix)
            wrap = False
            if line_start.lstrip().startswith(("import", "export {")) or SKIP_BEFORE.search(prefix):
                wrap = False
            elif re.search(r"\bt\(\s*$", prefix):
                wrap = False
            elif key is not None:
                wrap = key in SHOWN_KEYS and bool(re.search(r"[A-Za-z]", literal)) and not literal.startswith(("/", "#"))
            else:
                wrap = prose(literal)
            if wrap and c != "`":
                out.append(f"t({original})")
            elif wrap:
                names = names_for(exprs)
                msg = ""
                for k, p in enumerate(parts):
                    msg += p.replace('"', '\\"')
                    if k < len(exprs):
                        msg += "{" + names[k] + "}"
                vals = ", ".join(n if n == e.strip() else f"{n}: {transform(e)}" for n, e in zip(names, exprs))
                out.append(f't("{msg}"' + (f", {{ {vals} }})" if exprs else ")"))
            else:
                out.append(original)
            i = j
            prev_sig = "x"
            continue
        out.append(c)
        if not c.isspace():
            if c.isalnum() or c in "_$)]":
                word = re.search(r"[\w$]+$", "".join(out[-12:]))
                prev_sig = "" if word and word.group(0) in ("return", "typeof", "case") else "x"
            else:
                prev_sig = c
        i += 1
    return "".join(out)


def add_import(src: str) -> str:
    if not re.search(r"\bt\(", src):
        return src
    m = re.search(r'import \{([^}]*)\} from "\./common\.js";', src)
    if m:
        names = [n.strip() for n in m.group(1).split(",") if n.strip()]
        if "t" in names:
            return src
        names = sorted(set(names + ["t"]), key=lambda s: (s.lower(), s))
        return src[: m.start()] + f'import {{ {", ".join(names)} }} from "./common.js";' + src[m.end() :]
    lines = src.split("\n")
    k = 0
    while k < len(lines) and lines[k].startswith("//"):
        k += 1
    lines.insert(k, 'import { t } from "./i18n.js";')
    return "\n".join(lines)


for name in sys.argv[1:]:
    path = Path(name)
    src = path.read_text()
    path.write_text(add_import(transform(src)))
