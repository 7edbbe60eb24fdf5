"""discovery: search documents, vocabulary, labels and feed signals

On SQLite: FTS5 tables over the documents (external content, kept by triggers) and over the
vocabulary (trigram tokenizer, for typo candidates). On PostgreSQL: the pg_trgm extension, a
generated tsvector column with a GIN index, and a trigram index on the vocabulary.

Revision ID: 0103_discovery
Revises: 0012
Create Date: 2026-11-30 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import liveshop.db

revision: str = "0103_discovery"
down_revision: str | None = "0107_markets"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE = [
    "CREATE VIRTUAL TABLE search_docs_fts USING fts5(title_terms, body_terms,"
    " content='search_docs', content_rowid='product_id', prefix='2 3',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN"
    " INSERT INTO search_docs_fts(rowid, title_terms, body_terms)"
    " VALUES (new.product_id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN"
    " INSERT INTO search_docs_fts(search_docs_fts, rowid, title_terms, body_terms)"
    " VALUES ('delete', old.product_id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER search_docs_au AFTER UPDATE OF title_terms, body_terms ON search_docs BEGIN"
    " INSERT INTO search_docs_fts(search_docs_fts, rowid, title_terms, body_terms)"
    " VALUES ('delete', old.product_id, old.title_terms, old.body_terms);"
    " INSERT INTO search_docs_fts(rowid, title_terms, body_terms)"
    " VALUES (new.product_id, new.title_terms, new.body_terms); END",
    "CREATE VIRTUAL TABLE search_words_fts USING fts5(word, content='search_words',"
    " content_rowid='rowid', tokenize='trigram')",
    "CREATE TRIGGER search_words_ai AFTER INSERT ON search_words BEGIN"
    " INSERT INTO search_words_fts(rowid, word) VALUES (new.rowid, new.word); END",
    "CREATE TRIGGER search_words_ad AFTER DELETE ON search_words BEGIN"
    " INSERT INTO search_words_fts(search_words_fts, rowid, word)"
    " VALUES ('delete', old.rowid, old.word); END",
]
_POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "ALTER TABLE search_docs ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', title_terms), 'A') ||"
    " setweight(to_tsvector('simple', body_terms), 'B')) STORED",
    "CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)",
    "CREATE INDEX ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("product_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.Column("in_stock", sa.Boolean(), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("created_at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_search_docs_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_search_docs_shop_id_shops"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_search_docs")),
    )
    op.create_index("ix_search_docs_shop", "search_docs", ["shop_id"])
    op.create_table(
        "search_prices",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("amount", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["market_code"], ["markets.code"], name=op.f("fk_search_prices_market_code_markets")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["search_docs.product_id"],
            name=op.f("fk_search_prices_product_id_search_docs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "market_code", name=op.f("pk_search_prices")),
    )
    op.create_index("ix_search_prices_market_amount", "search_prices", ["market_code", "amount"])
    op.create_table(
        "search_tags",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["search_docs.product_id"],
            name=op.f("fk_search_tags_product_id_search_docs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "tag", name=op.f("pk_search_tags")),
    )
    op.create_index("ix_search_tags_tag", "search_tags", ["tag"])
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(length=60), nullable=False),
        sa.Column("docs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    op.create_table(
        "product_labels",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_labels_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_labels")),
    )
    op.create_table(
        "discovery_interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("show_id", sa.Integer(), nullable=True),
        sa.Column("at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_discovery_interactions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["show_id"],
            ["shows.id"],
            name=op.f("fk_discovery_interactions_show_id_shows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_discovery_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_interactions")),
    )
    op.create_index("ix_discovery_interactions_user", "discovery_interactions", ["user_id", "at"])
    op.create_index(
        "ix_discovery_interactions_show", "discovery_interactions", ["show_id", "user_id"]
    )
    op.create_table(
        "discovery_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("market_code", sa.String(length=2), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("at", liveshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"],
            ["users.id"],
            name=op.f("fk_discovery_purchases_buyer_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_discovery_purchases_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_discovery_purchases_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discovery_purchases")),
    )
    op.create_index(
        "ix_discovery_purchases_buyer", "discovery_purchases", ["buyer_id", "at", "product_id"]
    )
    op.create_index(
        "ix_discovery_purchases_product", "discovery_purchases", ["product_id", "buyer_id"]
    )
    op.create_index("ix_discovery_purchases_market", "discovery_purchases", ["market_code", "at"])
    # Not discovery's table, but every page of results loads its products' variants by
    # product_id, which had no index: at a million products that was a full scan per page.
    op.create_index("ix_variants_product_id", "variants", ["product_id"])
    for statement in _POSTGRES if op.get_bind().dialect.name == "postgresql" else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_search_words_trgm")
    else:
        op.execute("DROP TABLE IF EXISTS search_words_fts")
        op.execute("DROP TABLE IF EXISTS search_docs_fts")
    op.drop_index("ix_variants_product_id", table_name="variants")
    op.drop_table("discovery_purchases")
    op.drop_table("discovery_interactions")
    op.drop_table("product_labels")
    op.drop_table("search_words")
    op.drop_table("search_tags")
    op.drop_table("search_prices")
    op.drop_table("search_docs")
