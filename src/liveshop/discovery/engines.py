"""The two full-text engines behind one small interface.

Both see the same stemmed terms (`text.py`); they differ in how a word group becomes a match
expression, how a title-only match is asked for, and how typo candidates are found:

- SQLite: FTS5 over `search_docs` (external content, kept by triggers) and a trigram FTS5
  table over the vocabulary;
- PostgreSQL: a generated `tsvector` (title weight A, the rest B) with a GIN index, and
  `pg_trgm` similarity over the vocabulary.

A search asks the engine for candidate rows up to a cap, so even a word in half the catalogue
costs a bounded walk. FTS5 walks a word's matches newest first (its rowid order) and stops at
the cap; the ranking happens over those candidates. A GIN index has no order: asking it for
the newest matches of a common word fetches every match. So on PostgreSQL candidates come in
the ranking order itself, best first, and only as many as the page needs: the planner either
walks `ix_search_docs_rank` backwards testing each row's `tsv` (a common word: a short walk)
or takes the GIN matches and sorts them (a rare word: few matches).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.discovery.text import within


@dataclass(frozen=True)
class Group:
    """One query word: any of `terms` matches it, and `prefixes` match as prefixes."""

    terms: frozenset[str]
    prefixes: frozenset[str] = frozenset()


class Engine(Protocol):
    name: str
    # Whether candidates come best first (walking the ranking index, `ix_search_docs_rank`)
    # rather than newest first (the engine's own match order).
    rank_walk: bool

    def match_sql(self, groups: list[Group], *, title_only: bool, key: str) -> tuple[str, str, str]:
        """(FROM clause naming the documents `d`, WHERE condition, newest-first ORDER BY column)
        with parameters under `key`."""
        ...

    def match_params(
        self, groups: list[Group], *, title_only: bool, key: str
    ) -> dict[str, Any]: ...

    async def similar_words(self, session: AsyncSession, word: str, limit: int) -> list[str]: ...


def _fts5_expr(groups: list[Group]) -> str:
    parts = []
    for g in groups:
        alts = [f'"{t}"' for t in sorted(g.terms)] + [f'"{p}"*' for p in sorted(g.prefixes)]
        parts.append("(" + " OR ".join(alts) + ")")
    return " AND ".join(parts)


class SqliteEngine:
    name = "sqlite"
    rank_walk = False

    def match_sql(self, groups: list[Group], *, title_only: bool, key: str) -> tuple[str, str, str]:
        # FROM the FTS table and ORDER BY its rowid: FTS5 then yields matches newest first and
        # the LIMIT stops the walk; ordering by the joined table's key sorts every match.
        return (
            f"search_docs_fts {key} JOIN search_docs d ON d.product_id = {key}.rowid",
            f"{key}.search_docs_fts MATCH :{key}",
            f"{key}.rowid",
        )

    def match_params(self, groups: list[Group], *, title_only: bool, key: str) -> dict[str, Any]:
        expr = _fts5_expr(groups)
        return {key: f"title_terms : ({expr})" if title_only else expr}

    async def similar_words(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        grams = sorted({word[i : i + 3] for i in range(len(word) - 2)})
        if not grams:
            return []
        expr = " OR ".join(f'"{g}"' for g in grams)
        rows = await session.execute(
            text(
                "SELECT word FROM search_words_fts WHERE search_words_fts MATCH :q"
                " AND length(word) BETWEEN :lo AND :hi ORDER BY rank LIMIT :n"
            ),
            {"q": expr, "lo": len(word) - 2, "hi": len(word) + 2, "n": limit},
        )
        return [r[0] for r in rows]


def _tsquery(groups: list[Group], weight: str) -> str:
    parts = []
    for g in groups:
        alts = [f"{t}:{weight}" if weight else t for t in sorted(g.terms)]
        alts += [f"{p}:*{weight}" for p in sorted(g.prefixes)]
        parts.append("(" + " | ".join(alts) + ")")
    return " & ".join(parts)


class PostgresEngine:
    name = "postgresql"
    rank_walk = True

    def match_sql(self, groups: list[Group], *, title_only: bool, key: str) -> tuple[str, str, str]:
        return "search_docs d", f"d.tsv @@ to_tsquery('simple', :{key})", "d.product_id"

    def match_params(self, groups: list[Group], *, title_only: bool, key: str) -> dict[str, Any]:
        return {key: _tsquery(groups, "A" if title_only else "")}

    async def similar_words(self, session: AsyncSession, word: str, limit: int) -> list[str]:
        # The default threshold (0.3) loses two typos in a nine-letter word; SET LOCAL ends
        # with this request's transaction.
        await session.execute(text("SET LOCAL pg_trgm.similarity_threshold = 0.2"))
        rows = await session.execute(
            text(
                "SELECT word FROM search_words WHERE word % :w"
                " AND length(word) BETWEEN :lo AND :hi ORDER BY word <-> :w LIMIT :n"
            ),
            {"w": word, "lo": len(word) - 2, "hi": len(word) + 2, "n": limit},
        )
        return [r[0] for r in rows]


def engine_for(session: AsyncSession) -> Engine:
    return PostgresEngine() if session.get_bind().dialect.name == "postgresql" else SqliteEngine()


async def corrections(engine: Engine, session: AsyncSession, word: str, edits: int) -> list[str]:
    """Vocabulary words within `edits` of `word` (never `word` itself), closest first."""
    if edits <= 0:
        return []
    found = await engine.similar_words(session, word, 40)
    return [w for w in found if w != word and within(w, word, edits)][:4]
