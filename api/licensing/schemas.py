"""Bodies of the licensing routes."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.core.schema_types import UtcDatetime

Kind = Literal["new", "renewal", "change", "suspension", "cancellation", "replacement"]
Lat = Field(ge=-90, le=90)
Lon = Field(ge=-180, le=180)


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    applicant_type: Literal["individual", "organisation"]
    applicant_name: str = Field(min_length=1, max_length=120)
    applicant_id_no: str | None = Field(default=None, max_length=40)
    applicant_phone: str | None = Field(default=None, max_length=30)
    shop_name: str = Field(min_length=1, max_length=120)
    place_address: str = Field(min_length=2, max_length=200)
    lat: float | None = Lat
    lon: float | None = Lon
    licence_no: str | None = Field(
        default=None, pattern=r"^\d{12}$", description="the held licence (not for new)"
    )


class MissingItem(BaseModel):
    code: str
    name_zh: str


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    application_id: str
    unit_code: str
    kind: str
    status: str
    applicant_type: str
    applicant_name: str
    shop_name: str
    place_address: str
    lat: float | None
    lon: float | None
    licence_no: str | None
    received_at: UtcDatetime
    accepted_on: date | None
    due_on: date | None
    extended: bool
    onsite_officers: list[int] | None
    outcome: str | None
    reasons: str | None
    remedies: str | None
    late: bool
    late_reason: str | None
    required: list[MissingItem] = []
    missing: list[MissingItem] = []
    materials: list[str] = []
    notice: str | None = Field(default=None, description="the document the last step produced")


class AssignIn(BaseModel):
    officers: list[str] = Field(min_length=2, max_length=4, description="usernames of the unit's officers")


class ExtendIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["approved", "refused"]
    reasons: str | None = Field(default=None, max_length=2000)
    remedies: str | None = Field(default=None, max_length=1000)
    late_reason: str | None = Field(default=None, max_length=1000)


class PublishIn(BaseModel):
    channel: str = Field(default="本局门户网站", min_length=1, max_length=60)


class PublicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    application_id: str
    public_text: str
    due_on: date
    channel: str
    published_at: UtcDatetime


class Nearest(BaseModel):
    kind: str
    name: str
    distance_m: float


class Outcome(BaseModel):
    kind: str
    passed: bool
    text_zh: str


class SurveyOut(BaseModel):
    city_code: str
    nearest: list[Nearest]
    outcomes: list[Outcome]
    passed: bool


class LayoutRuleOut(BaseModel):
    kind: str
    distance_m: float
    place_type: str | None
    max_count: int | None


class SiteOut(BaseModel):
    kind: str
    name: str
    lat: float
    lon: float


class LayoutDataOut(BaseModel):
    """What the phone needs to explain the layout rules at any point with no signal: the rules in force
    and the sites they measure, as the server would use them for this application today."""

    application_id: str
    city_code: str
    on: date
    rules: list[LayoutRuleOut]
    sites: list[SiteOut]
    place_names: dict[str, str]
    nearest_kinds: list[str]


class OnsiteOut(BaseModel):
    nearest: list[Nearest]
    outcomes: list[Outcome]
    passed: bool
    application_id: str
    lat: float
    lon: float
    photos: int
    signed_by: str
    checked_at: UtcDatetime


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["retailer_min_distance", "retailer_max_count", "place_exclusion"]
    distance_m: float = Field(le=100_000)
    place_type: str | None = Field(default=None, max_length=20)
    max_count: int | None = Field(default=None, le=10_000)


class RuleSetIn(BaseModel):
    valid_from: date
    valid_to: date | None = None
    rules: list[RuleIn] = Field(max_length=50)


class RuleSetOut(BaseModel):
    city_code: str
    valid_from: date
    valid_to: date | None
    rules: list[dict[str, Any]]


class PlaceIn(BaseModel):
    place_type: str = Field(max_length=20)
    name: str = Field(min_length=1, max_length=120)
    lat: float = Lat
    lon: float = Lon


class LicenceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    licence_no: str
    unit_code: str
    shop_name: str
    status: str
    valid_from: date
    valid_to: date
    renewal_due_on: date | None = None
