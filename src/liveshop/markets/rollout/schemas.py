from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from liveshop.inputs import MAX_ID, NOT_BLANK, Input
from liveshop.markets.models import Phase

Reason = Annotated[
    str,
    StringConstraints(min_length=3, max_length=500, strip_whitespace=True, pattern=NOT_BLANK),
    Field(description="Why: required, kept in the market's audit log"),
]
LocalTime = Annotated[
    str,
    StringConstraints(
        pattern=r"^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9](:[0-5][0-9])?$"
    ),
    Field(description="Wall-clock time in `zone` (one of the market's), without an offset"),
]
# Literals rather than the enums: inputs are strict, and JSON has no enum type.
PhaseName = Literal["closed", "pilot", "open"]
FeatureName = Literal["live", "shop_tab", "auctions", "giveaways", "affiliates"]
KindName = Literal["shop", "creator", "buyer"]
Zone = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[A-Za-z_/+-]+$")]


class PhaseIn(Input):
    phase: PhaseName
    reason: Reason


class SwitchIn(Input):
    feature: FeatureName
    on: bool
    reason: Reason


class AllowIn(Input):
    kind: KindName
    subject_id: int = Field(ge=1, le=MAX_ID, description="A shop id, or a user id")
    reason: Reason


class InvitationIn(Input):
    max_uses: int = Field(ge=1, le=100_000)
    reason: Reason


class JoinIn(Input):
    invitation_code: str = Field(min_length=4, max_length=40, pattern=r"^[A-Za-z0-9-]+$")


class ScheduleIn(Input):
    target: Literal["phase"] | FeatureName
    value: PhaseName | Literal["on", "off"]
    local_time: LocalTime
    zone: Zone | None = None
    reason: Reason

    @model_validator(mode="after")
    def _fits(self) -> ScheduleIn:
        phases = {p.value for p in Phase}
        if (self.target == "phase") != (self.value in phases):
            raise ValueError("a phase takes closed, pilot or open; a switch takes on or off")
        try:
            datetime.fromisoformat(self.local_time)
        except ValueError as exc:
            raise ValueError("local_time is not a real date and time") from exc
        return self


class CancelIn(Input):
    reason: Reason


class AllowedPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    subject_id: int
    invitation_id: int | None
    created_at: datetime


class InvitationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    max_uses: int
    uses: int
    created_at: datetime


class ScheduledPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    target: str
    value: str
    due_at: datetime
    zone: str
    reason: str
    status: str
    created_by: int | None
    applied_at: datetime | None


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    actor_id: int | None
    actor: str | None = None
    action: str
    data: dict[str, Any]
    reason: str
    created_at: datetime


class RolloutPublic(BaseModel):
    market: str
    name: str
    phase: str
    switches: dict[str, bool]
    language: str
    timezones: list[str]
    allowed: list[AllowedPublic]
    invitations: list[InvitationPublic]
    scheduled: list[ScheduledPublic]
    audit: list[AuditPublic]
