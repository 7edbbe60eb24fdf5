from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from liveshop.inputs import Input


class MarketPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    currency: str
    locale: str
    timezone: str
    tax_name: str
    tax_rate_bp: int
    prices_include_tax: bool
    return_window_days: int
    enabled: bool


class MarketUpdate(Input):
    enabled: bool
