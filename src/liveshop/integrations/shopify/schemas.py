from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from liveshop.inputs import Input


class ShopifyConnect(Input):
    store_domain: str = Field(
        min_length=3, max_length=255, pattern=r"^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$"
    )
    webhook_secret: str = Field(min_length=16, max_length=255)


class ShopifyLinkPublic(BaseModel):
    shop_id: int
    store_domain: str
    webhook_url: str = Field(description="The address to give Shopify for its webhooks")


class ImportErrorPublic(BaseModel):
    line: int | None = Field(description="Line in the file (CSV); none for JSON")
    column: str = Field(description="CSV column, or JSON path")
    value: str
    why: str
    handle: str
    action: str = Field(description="What the import did: row, variant or product skipped, …")


class ImportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    filename: str
    dialect: str
    status: str = Field(description="running, done or failed")
    rows: int = Field(description="Rows (CSV) or products (JSON) read so far")
    bytes_read: int = Field(description="Bytes of the file read so far (progress)")
    total_bytes: int = Field(description="The file's size in bytes; 0 when not known")
    products: int
    created: int
    updated: int
    unchanged: int
    error_count: int
    errors: list[ImportErrorPublic]
    created_at: datetime
    finished_at: datetime | None


class ImportPreview(BaseModel):
    dialect: str
    dialect_label: str
    header: list[str]
    rows: list[list[str]]


class WebhookResult(BaseModel):
    status: str
    detail: dict[str, Any] = Field(default_factory=dict)
