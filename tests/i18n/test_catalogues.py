"""The message catalogues: complete, up to date with the code, and the same in every form.

`test_every_language_has_every_message` is issue 16's acceptance test for the translations: it
FAILS for de, fr, it, es and id until the translators have filled their .po files (TRANSLATORS.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

from liveshop.i18n import LANGUAGES, PSEUDO, catalog

PLACEHOLDER = re.compile(r"\{[a-z_0-9]+[^{}]*\}|%\([a-z_0-9]+\)s")


@pytest.mark.translations
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_message(lang: str) -> None:
    """ACCEPTANCE (issue 16): fails until the translators have finished this language."""
    cov = catalog.coverage(lang)
    assert cov.complete, (
        f"{lang}: {len(cov.missing)} of {cov.total} messages untranslated, e.g. {cov.missing[:3]}"
        " — fill src/liveshop/locale/{lang}/LC_MESSAGES/messages.po, then ./dev i18n compile"
    )


def test_the_template_holds_every_marked_text_of_the_code(tmp_path: Path) -> None:
    """Somebody who adds a text and forgets `./dev i18n extract update compile` is told here."""
    fresh = catalog.extract(tmp_path / "messages.pot")
    committed = catalog.msgids(catalog.read(catalog.TEMPLATE))
    assert sorted(set(catalog.msgids(fresh)) - set(committed)) == []
    assert sorted(set(committed) - set(catalog.msgids(fresh))) == []


@pytest.mark.parametrize("lang", [*LANGUAGES, PSEUDO])
def test_every_po_file_has_every_msgid_of_the_template(lang: str) -> None:
    template = set(catalog.msgids(catalog.read(catalog.TEMPLATE)))
    assert set(catalog.msgids(catalog.read(catalog.po_path(lang), lang))) == template


@pytest.mark.parametrize("lang", [*LANGUAGES, PSEUDO])
def test_the_json_catalogue_matches_the_po_file(lang: str) -> None:
    shipped = json.loads((catalog.JSON_DIR / f"{lang}.json").read_text(encoding="utf-8"))
    assert shipped == catalog.json_catalogue(lang), "run ./dev i18n compile"


@pytest.mark.parametrize("lang", [*LANGUAGES, PSEUDO])
def test_the_compiled_catalogue_matches_the_po_file(lang: str) -> None:
    with catalog.po_path(lang).with_suffix(".mo").open("rb") as f:
        compiled = {
            m.id if isinstance(m.id, str) else m.id[0]: m.string
            if isinstance(m.string, str)
            else list(m.string)
            for m in read_mo(f)
        }
    for msgid, text in catalog.messages_of(lang).items():
        assert compiled.get(msgid) == text, f"{lang}: {msgid!r}: run ./dev i18n compile"


def test_the_source_and_the_pseudo_locale_are_complete() -> None:
    for lang in ("en_GB", "en_US", PSEUDO):
        assert catalog.coverage(lang).complete, lang
    pseudo = catalog.messages_of(PSEUDO)
    assert all(
        (t if isinstance(t, str) else t[0]).startswith(catalog.PSEUDO_OPEN) for t in pseudo.values()
    )


def test_american_english_spells_the_american_way() -> None:
    us = catalog.messages_of("en_US")
    assert us["Postcode"] == "ZIP code"
    assert all("cancelled" not in str(t) and "colour" not in str(t).lower() for t in us.values())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_every_placeholder(lang: str) -> None:
    """A translation that drops or renames `{name}` would show a hole or break formatting."""
    for message in catalog.read(catalog.po_path(lang), lang):
        if not message.id:
            continue
        if isinstance(message.id, str):
            forms, wanted = [message.string], set(PLACEHOLDER.findall(message.id))
            allowed = wanted
        else:  # a plural: a form may leave out the count ("one minute")
            forms = [f for f in message.string if f]
            allowed = set(PLACEHOLDER.findall(" ".join(message.id)))
            wanted = allowed - {"{n}"}
        for form in forms:
            if form:
                found = set(PLACEHOLDER.findall(str(form)))
                assert wanted <= found <= allowed, f"{lang}: {message.id!r} → {form!r}"


def test_pseudo_translation_keeps_placeholders_and_markup() -> None:
    text = catalog.pseudo('Open <a href="/x">{name}</a> at %(time)s')
    assert text.startswith("⟦") and text.endswith("⟧")
    assert "{name}" in text and '<a href="/x">' in text and "%(time)s" in text
    assert "Open" not in text
