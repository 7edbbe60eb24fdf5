"""Extract, update and compile the message catalogues; the JSON catalogues for the ES modules.

    liveshop i18n extract   every marked text → locale/messages.pot
    liveshop i18n update    the .pot into every language's .po (new msgids with empty msgstr)
    liveshop i18n compile   .po → .mo, and .po → static/i18n/<lang>.json (the ES modules' texts)
    liveshop i18n check     which languages still have untranslated messages

en_GB is the source language (its msgstr are the msgids), en_US is filled from the source with US
spellings, and the pseudo-locale en_XA is generated: every text accented and bracketed, so a page
rendered in it shows at a glance (and to a test) every text that did not go through a catalogue.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from liveshop.i18n import LANGUAGES, LOCALE_DIR, PSEUDO, SOURCE

PACKAGE_DIR = LOCALE_DIR.parent
TEMPLATE = LOCALE_DIR / "messages.pot"
JSON_DIR = PACKAGE_DIR / "web" / "static" / "i18n"
PROJECT = "Liveshop"

# What counts as a marked text, by kind of file (mirrors babel.cfg at the repository root).
METHOD_MAP = [
    ("web/static/js/vendor/**", "ignore"),
    ("web/static/js/*.js", "javascript"),
    ("web/templates/**.html", "jinja2"),
    ("locale/**", "ignore"),
    ("migrations/**", "ignore"),
    ("**.py", "python"),
]
OPTIONS_MAP: dict[str, dict[str, Any]] = {
    "web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"},
    "web/static/js/*.js": {},
}
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
    "t": None,
    "nt": (1, 2),
    # A problem's detail (its third argument) and a page's title (render's fourth) are shown to
    # users, so they are messages without marking each call.
    "Problem": (3,),
    "forbidden": None,
    "render": (4,),
    "_page": (4,),
}

# en_US: the source's British spellings that American English spells differently.
US_SPELLINGS = {
    "colour": "color",
    "favourite": "favorite",
    "cancelled": "canceled",
    "cancelling": "canceling",
    "catalogue": "catalog",
    "organise": "organize",
    "organisation": "organization",
    "authorise": "authorize",
    "authorised": "authorized",
    "recognise": "recognize",
    "analyse": "analyze",
    "centre": "center",
    "licence": "license",
    "behaviour": "behavior",
    "personalise": "personalize",
    "personalised": "personalized",
    "postcode": "ZIP code",
    "labelled": "labeled",
    "travelling": "traveling",
    "jewellery": "jewelry",
    "normalise": "normalize",
    "normalised": "normalized",
    "summarise": "summarize",
    "prioritise": "prioritize",
    "customise": "customize",
    "enrol": "enroll",
    "fulfil": "fulfill",
    "fulfilment": "fulfillment",
    "neighbour": "neighbor",
    "honour": "honor",
    "programme": "program",
    "cheque": "check",
    "mum": "mom",
}
_US_RE = re.compile(r"\b(" + "|".join(US_SPELLINGS) + r")\b", re.IGNORECASE)

# Placeholders and markup that must survive pseudo-translation unchanged.
_KEEP = re.compile(r"(\{[^{}]*\}|%\([a-z_]+\)[sd]|%[sd]|<[^>]*>|&[a-z]+;|https?://\S+)")
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "àƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÀßÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"


def us_spelling(text: str) -> str:
    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        us = US_SPELLINGS[word.lower()]
        return us[0].upper() + us[1:] if word[0].isupper() else us

    return _US_RE.sub(swap, text)


def pseudo(text: str) -> str:
    """`Add to cart` → `⟦Àđđ ţö çàŕţ⟧`, placeholders and tags untouched."""
    parts = _KEEP.split(text)
    out = "".join(p if i % 2 else p.translate(_ACCENTS) for i, p in enumerate(parts))
    return f"{PSEUDO_OPEN}{out}{PSEUDO_CLOSE}" if text.strip() else text


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def _new_catalog(lang: str | None) -> Catalog:
    babel_lang = SOURCE if lang in (None, PSEUDO) else lang
    catalog = Catalog(
        locale=babel_lang if lang else None,
        project=PROJECT,
        version="1",
        msgid_bugs_address="https://github.com/liveshop/liveshop/issues",
        copyright_holder="Liveshop contributors",
        charset="utf-8",
        fuzzy=False,
    )
    catalog.creation_date = datetime(2026, 11, 30, tzinfo=UTC)
    catalog.revision_date = catalog.creation_date
    return catalog


def extract(out: Path = TEMPLATE) -> Catalog:
    """Every marked text of the package into `out` (the committed template by default)."""
    catalog = _new_catalog(None)
    for filename, lineno, message, comments, context in extract_from_dir(
        PACKAGE_DIR,
        method_map=METHOD_MAP,
        options_map=OPTIONS_MAP,
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    _write(out, catalog, omit_header=False)
    return catalog


def _write(path: Path, catalog: Catalog, *, omit_header: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=100, omit_header=omit_header, sort_output=False)


def read(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=SOURCE if lang == PSEUDO else lang)


def _fill(message: Message, make: Any) -> None:
    if isinstance(message.id, tuple | list):
        n = len(message.string) if isinstance(message.string, tuple | list) else 2
        forms = [make(message.id[0])] + [make(message.id[1])] * (max(n, 2) - 1)
        message.string = tuple(forms[:n]) if n else tuple(forms)
    else:
        message.string = make(message.id)


def update() -> dict[str, int]:
    """Merge the template into every language; returns how many msgids each has."""
    counts: dict[str, int] = {}
    for lang in (*LANGUAGES, PSEUDO):
        # Read afresh each time: Catalog.update shares the template's Message objects.
        template = read(TEMPLATE)
        path = po_path(lang)
        catalog = read(path, lang) if path.exists() else _new_catalog(lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            message.flags.discard("fuzzy")
            if lang == SOURCE:
                _fill(message, lambda s: s)
            elif lang == PSEUDO:
                _fill(message, pseudo)
            elif lang == "en_US" and (not _translated(message) or message.string == message.id):
                _fill(message, us_spelling)  # a reviewer's own wording is kept
        _write(path, catalog)
        counts[lang] = sum(1 for m in catalog if m.id)
    return counts


def _translated(message: Message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def messages_of(lang: str) -> dict[str, str | list[str]]:
    """The translated, non-fuzzy messages of a language's .po: what its JSON catalogue holds."""
    out: dict[str, str | list[str]] = {}
    for message in read(po_path(lang), lang):
        if not message.id or message.fuzzy or not _translated(message):
            continue
        if isinstance(message.id, tuple | list) and isinstance(message.string, tuple | list):
            out[message.id[0]] = [str(form) for form in message.string]
        else:
            out[str(message.id)] = str(message.string)
    return out


def json_catalogue(lang: str) -> dict[str, Any]:
    plural = get_plural(SOURCE if lang == PSEUDO else lang)
    return {
        "language": lang,
        "plural_forms": plural.plural_expr,
        "nplurals": plural.num_plurals,
        "messages": messages_of(lang),
    }


def compile_all() -> list[Path]:
    written: list[Path] = []
    JSON_DIR.mkdir(parents=True, exist_ok=True)
    for lang in (*LANGUAGES, PSEUDO):
        catalog = read(po_path(lang), lang)
        mo = po_path(lang).with_suffix(".mo")
        with mo.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        out = JSON_DIR / f"{lang}.json"
        text = json.dumps(json_catalogue(lang), ensure_ascii=False, indent=0, sort_keys=True)
        out.write_text(text + "\n", encoding="utf-8")
        written += [mo, out]
    return written


@dataclass(frozen=True)
class Coverage:
    language: str
    total: int
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing


def msgids(catalog: Iterable[Message]) -> list[str]:
    return [m.id[0] if isinstance(m.id, tuple | list) else str(m.id) for m in catalog if m.id]


def coverage(lang: str) -> Coverage:
    template = msgids(read(TEMPLATE))
    have = messages_of(lang)
    return Coverage(lang, len(template), [m for m in template if m not in have])
