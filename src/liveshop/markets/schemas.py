from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    requires_verified_shops: bool
    phase: str = Field(description="Rollout: closed, pilot (allow-list only) or open")
    switches_off: list[str] = Field(description="Features switched off in this market")
    language: str = Field(description="The market's default language (BCP 47)")
    timezones: list[str] = Field(description="Every time zone the market spans, its own first")


class MarketUpdate(Input):
    enabled: bool | None = None
    requires_verified_shops: bool | None = Field(
        default=None, description="Whether shops must be verified to go live or sell here"
    )
    reason: str | None = Field(
        default=None, max_length=500, description="Why, for the market's audit log"
    )

    @model_validator(mode="after")
    def _something(self) -> MarketUpdate:
        if self.enabled is None and self.requires_verified_shops is None:
            raise ValueError("give enabled, requires_verified_shops or both")
        return self
