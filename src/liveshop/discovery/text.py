"""Words: normalising, stemming and synonyms per market language, and edit distance.

Both search engines index the same pre-processed terms, so SQLite (whose FTS5 stems only
English) and PostgreSQL (whose `simple` configuration stems nothing) rank alike. A document is
stemmed in its shop's market language; a query in the language of the market searched.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer  # type: ignore[import-untyped]

# Market -> Snowball language. US and UK share English.
MARKET_LANG = {
    "UK": "en",
    "US": "en",
    "DE": "de",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "ID": "id",
}
_SNOWBALL = {
    "en": "english",
    "de": "german",
    "fr": "french",
    "it": "italian",
    "es": "spanish",
    "id": "indonesian",
}

# A small, hand-kept synonym table: each group's words find each other. Multi-word phrases are
# left out on purpose (they would need phrase queries); regional words are what shoppers type.
SYNONYMS: dict[str, list[list[str]]] = {
    "en": [
        ["trainers", "sneakers", "kicks"],
        ["jumper", "sweater", "pullover"],
        ["hoodie", "hoody"],
        ["trousers", "pants"],
        ["tee", "tshirt"],
        ["mobile", "cellphone", "smartphone"],
        ["sofa", "couch"],
        ["bag", "handbag", "purse"],
    ],
    "de": [
        ["turnschuhe", "sneaker"],
        ["pullover", "pulli"],
        ["handy", "smartphone"],
        ["hose", "jeans"],
    ],
    "fr": [
        ["baskets", "sneakers", "tennis"],
        ["pull", "chandail"],
        ["portable", "smartphone"],
        ["sac", "sacoche"],
    ],
    "it": [
        ["scarpe", "calzature"],
        ["maglione", "pullover"],
        ["cellulare", "smartphone"],
        ["borsa", "borsetta"],
    ],
    "es": [
        ["zapatillas", "deportivas", "tenis"],
        ["jersey", "sueter"],
        ["movil", "celular", "smartphone"],
        ["bolso", "cartera"],
    ],
    "id": [
        ["sepatu", "sneakers"],
        ["kaos", "tshirt"],
        ["ponsel", "hp", "smartphone"],
        ["tas", "ransel"],
    ],
}

MAX_QUERY_WORDS = 8
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without accents: 'Pullöver' and 'pullover' are the same word to a shopper."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Any:
    return snowballstemmer.stemmer(_SNOWBALL[lang])


@lru_cache(maxsize=50_000)
def stem(word: str, lang: str) -> str:
    if len(word) < 3 or word.isdigit():
        return word
    stemmed: str = _stemmer(lang).stemWord(word)
    return stemmed or word


def lang_of(market: str | None) -> str:
    return MARKET_LANG.get(market or "UK", "en")


def index_terms(text: str, lang: str) -> list[str]:
    """Stems of `text`, one per word, in order: what the engines store and match."""
    return [stem(w, lang) for w in words(text)]


@lru_cache(maxsize=8)
def _synonym_map(lang: str) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for group in SYNONYMS.get(lang, []):
        stems = frozenset(stem(fold(w), lang) for w in group)
        for s in stems:
            out[s] = out.get(s, frozenset()) | stems
    return out


def synonyms(term: str, lang: str) -> frozenset[str]:
    """Stemmed alternatives of a stemmed term, itself included."""
    return _synonym_map(lang).get(term, frozenset({term}))


def max_edits(word: str) -> int:
    """The typos forgiven: none under five letters, one from five, two from nine."""
    if len(word) >= 9:
        return 2
    if len(word) >= 5:
        return 1
    return 0


def within(a: str, b: str, limit: int) -> bool:
    """The edit distance of a and b is at most `limit`; a swap of two neighbouring letters
    counts as one edit, as a typist's "hoodei" is one slip (optimal string alignment)."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], before[j - 2] + 1)
        if min(cur) > limit:
            return False
        before, prev = prev, cur
    return prev[-1] <= limit
