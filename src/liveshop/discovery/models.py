"""Discovery's own tables: the search documents, their facets, the vocabulary and the signals.

`search_docs` is a denormalised copy of each product, kept in the transaction that changes the
product (see `indexer.py`). The engines' own structures hang off it and are created by the
migration, not by these models: on SQLite the FTS5 tables `search_docs_fts` and
`search_words_fts` with their triggers; on PostgreSQL the generated `tsv` column with a GIN
index and a `pg_trgm` index on the vocabulary.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow

# What the migration creates for the engines outside these models; Alembic's autogenerate
# must not offer to drop them (migrations/env.py).
ENGINE_OWNED = (
    "search_docs_fts",
    "search_words_fts",
    "tsv",
    "ix_search_docs_tsv",
    "ix_search_words_trgm",
)


class SearchDoc(Base):
    __tablename__ = "search_docs"
    __table_args__ = (
        Index("ix_search_docs_shop", "shop_id"),
        # The ranking order, walked backwards (0113_search_speed).
        Index("ix_search_docs_rank", "in_stock", "sales", "product_id"),
    )

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(2))
    # Stemmed terms, space separated: what FTS5 and to_tsvector('simple', …) index.
    title_terms: Mapped[str] = mapped_column(Text, default="")
    body_terms: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(60))
    listed: Mapped[bool] = mapped_column(default=False)  # active and from a verified-or-open shop
    in_stock: Mapped[bool] = mapped_column(default=False)
    sales: Mapped[int] = mapped_column(default=0)  # units sold in paid orders, the popularity
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchPrice(Base):
    """The cheapest variant price of a product in one market (the price filter and facet)."""

    __tablename__ = "search_prices"
    __table_args__ = (Index("ix_search_prices_market_amount", "market_code", "amount"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("search_docs.product_id", ondelete="CASCADE"), primary_key=True
    )
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInt)


class SearchTag(Base):
    __tablename__ = "search_tags"
    __table_args__ = (Index("ix_search_tags_tag", "tag"),)

    product_id: Mapped[int] = mapped_column(
        ForeignKey("search_docs.product_id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class SearchWord(Base):
    """The vocabulary (folded, unstemmed words) that typo tolerance corrects towards."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(60), primary_key=True)
    docs: Mapped[int] = mapped_column(default=0)


class ProductLabel(Base):
    """A seller's category and tags for a product (the catalog has neither)."""

    __tablename__ = "product_labels"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str | None] = mapped_column(String(60))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)


class Interaction(Base):
    """A signed-in buyer looked at a product or watched a show (recently viewed, show viewers)."""

    __tablename__ = "discovery_interactions"
    __table_args__ = (
        Index("ix_discovery_interactions_user", "user_id", "at"),
        Index("ix_discovery_interactions_show", "show_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Purchase(Base):
    """One paid order line, copied when the order is paid: co-purchase, trending and
    "viewers also bought" read this narrow table instead of the orders."""

    __tablename__ = "discovery_purchases"
    __table_args__ = (
        # product_id too: "what did these buyers buy" is then an index-only scan.
        Index("ix_discovery_purchases_buyer", "buyer_id", "at", "product_id"),
        Index("ix_discovery_purchases_product", "product_id", "buyer_id"),
        Index("ix_discovery_purchases_market", "market_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(String(2))
    quantity: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)
