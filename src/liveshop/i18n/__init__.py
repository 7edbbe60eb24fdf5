"""Languages: gettext catalogues through Babel, one language per request.

The catalogues live in `liveshop/locale/<lang>/LC_MESSAGES/messages.{po,mo}`; `catalog.py`
extracts, updates and compiles them (`liveshop i18n ...`). The language of the code running now is
a context variable: a page or an error answer sets it from the request (`choose`), and
`gettext`/`ngettext` read it. The ES modules read the same texts from JSON catalogues generated
from the `.po` files (`static/i18n/<lang>.json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE = "en_GB"
# Every language a page can be in, the source first; `en_XA` is the pseudo-locale that tests use.
LANGUAGES = ("en_GB", "en_US", "de", "fr", "it", "es", "id")
PSEUDO = "en_XA"
# What the switcher offers, each in its own language (names are not translated).
NAMES = {
    "en_GB": "English (UK)",
    "en_US": "English (US)",
    "de": "Deutsch",
    "fr": "Français",
    "it": "Italiano",
    "es": "Español",
    "id": "Bahasa Indonesia",
}
COOKIE = "liveshop_lang"
TZ_COOKIE = "liveshop_tz"

_current: ContextVar[str] = ContextVar("liveshop_language", default=SOURCE)


def known(lang: str | None) -> str | None:
    """`lang` as one of ours (`de-DE` → `de`, `en-us` → `en_US`), or None."""
    if not lang:
        return None
    tag = lang.strip().replace("-", "_")
    if tag.lower() == PSEUDO.lower():
        return PSEUDO
    for ours in LANGUAGES:
        if ours.lower() == tag.lower():
            return ours
    base = tag.split("_")[0].lower()
    if base == "en":
        return SOURCE
    return base if base in LANGUAGES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    weighted: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            weighted.append((-q, i, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(chosen: str | None, accept_language: str | None, market_language: str | None) -> str:
    """The user's chosen language, else the best of Accept-Language, else the market's."""
    mine = known(chosen)
    if mine:
        return mine
    wanted = parse_accept_language(accept_language)
    if any(known(w) == PSEUDO for w in wanted[:1]):
        return PSEUDO
    available = [*LANGUAGES, *(lang.split("_")[0] for lang in LANGUAGES if "_" in lang)]
    best = negotiate_locale([w.replace("-", "_") for w in wanted], available, sep="_")
    if best:
        return known(best) or SOURCE
    return known(market_language) or SOURCE


@cache
def translations(lang: str) -> NullTranslations:
    if lang == SOURCE:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [lang], domain="messages")


def current() -> str:
    return _current.get()


def activate(lang: str) -> None:
    """Make `lang` the language of the code running in this context (a request's task)."""
    _current.set(lang)


def gettext(message: str) -> str:
    return translations(_current.get()).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_current.get()).ngettext(singular, plural, n)


def _(message: str, **values: object) -> str:
    """A message in the current language, `{name}` placeholders filled from `values`."""
    text = gettext(message)
    return text.format(**values) if values else text


def fill(message: str, values: Mapping[str, object]) -> str:
    """`_` for stored messages: a text that no longer fits its values stays English, filled."""
    try:
        return _(message, **values)
    except (KeyError, IndexError, ValueError):
        try:
            return message.format(**values)
        except (KeyError, IndexError, ValueError):
            return message


class Msg(str):
    """A message (an English msgid) to translate where it is shown, e.g. a problem's value."""


def N_(message: str) -> Msg:
    """Marks a message for extraction; translated later, where it is shown."""
    return Msg(message)


def babel_locale(lang: str | None = None) -> Locale:
    """The Babel locale for formatting numbers and dates in `lang` (the current one by default)."""
    tag = lang or _current.get()
    if tag == PSEUDO:
        tag = SOURCE
    try:
        return Locale.parse(tag)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(SOURCE)


def html_lang(lang: str) -> str:
    """The BCP 47 tag for `<html lang>`."""
    return lang.replace("_", "-")
