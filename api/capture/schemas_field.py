"""Bodies of the field app's reference reads: what a phone caches to work offline."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from api.capture.schemas import Money
from api.core.schema_types import Orm


class NamedCode(BaseModel):
    code: str
    name_zh: str


class FieldReferenceOut(BaseModel):
    violation_types: list[NamedCode]
    document_types: list[NamedCode]
    due_soon_days: int


class OfficerOut(Orm):
    officer_id: str
    name: str
    unit_code: str
    cert_no: str | None
    cert_valid_from: date | None
    cert_valid_to: date | None
    cert_valid_today: bool = False


class RetailerOut(Orm):
    licence_no: str
    name: str
    address: str | None
    # from the licence register when the licence was issued here (licensing): None for imported retailers
    licence_status: str | None = None  # valid | suspended | cancelled | expired
    valid_from: date | None = None
    valid_to: date | None = None


class CatalogEntry(BaseModel):
    product_code: str
    brand: str
    spec_name: str
    pack_barcode: str | None
    carton_barcode: str
    case_barcode: str | None
    packs_per_carton: int
    price_per_carton: Money | None


class CatalogOut(BaseModel):
    province_code: str
    price_type: str
    priced_on: date
    products: list[CatalogEntry]
