"""Capture request and response bodies (pydantic). Examples feed /openapi.json and /docs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StringConstraints, computed_field

from api.core.bounds import Id, PlausibleDate, PlausibleDatetime
from api.core.schema_types import Orm, UtcDatetime
from zhifa.documents import lookup

Money = Annotated[Decimal, PlainSerializer(lambda v: f"{v:.2f}", return_type=str, when_used="json")]
Barcode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=14)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


# --- catalog and scan ------------------------------------------------------------------------------
class ProductOut(Orm):
    product_code: str
    brand: str
    spec_name: str
    manufacturer: str | None
    pack_barcode: str | None
    carton_barcode: str
    case_barcode: str | None
    sticks_per_pack: int
    packs_per_carton: int
    price_class: int | None
    pack_form: str | None
    status: str


class LookupOut(BaseModel):
    code: str
    level: Literal["pack", "carton", "case"] = Field(description="which of the product's codes matched")
    cartons_per_unit: Decimal = Field(description="cartons (条) in one scanned unit")
    sticks_per_unit: int
    product: ProductOut


class ScanCandidate(BaseModel):
    code: str = Field(description="normalised code (check digit valid) the ladder could not confirm")
    symbology: str = Field(description="ean13, upca, upce or ean8")
    seen_by: list[str] = Field(description="evidence: the engine/variant pairs that read it")


class ScanOut(BaseModel):
    confirmed: list[str] = Field(
        description="codes safe to use: check digit valid and read twice independently or in the catalog "
        "(EAN-13; UPC-A and UPC-E as 13 digits with a leading 0; EAN-8 as 8 digits)"
    )
    candidates: list[ScanCandidate] = Field(
        default_factory=list, description="codes seen but not confirmed: the officer must confirm one"
    )
    codes: list[str] = Field(
        description="same as ``confirmed``; kept for field-app builds still cached on phones"
    )
    ambiguous: bool = Field(
        description="two different codes in one frame (both confirmed, or a candidate seen twice beside "
        "the confirmed one): no product is chosen"
    )
    product: ProductOut | None
    level: str | None = None
    decoder: str | None = Field(default=None, description="engine/variant whose reading confirmed the code")
    spray_code: str | None = Field(
        default=None, description="a 32-character carton spray code read from a Code 128 / Data Matrix"
    )


class SprayIn(BaseModel):
    code: Annotated[str, StringConstraints(max_length=64)] = Field(
        examples=["6031512345678901ABCD410122100001"]
    )
    reference_date: PlausibleDate | None = Field(
        default=None, description="resolve the year digit (default today)"
    )


class SprayOut(BaseModel):
    sorting_date: date
    case_serial: str
    carton_serial: str
    company_letters: str
    licence_no: str
    division_code: str
    unit_code: str | None = Field(description="the bureau whose area the licence belongs to, if known")
    unit_name: str | None
    retailer_name: str | None


# --- cases ---------------------------------------------------------------------------------------
CaseStatus = Literal[
    "filed", "investigating", "decided", "served", "executed", "closed", "transferred", "withdrawn"
]


class CaseOfficerIn(BaseModel):
    officer_id: Annotated[str, StringConstraints(max_length=20)]
    role: Literal["lead", "assistant"] = "assistant"


class CaseBase(BaseModel):
    party_type: Literal["individual", "entity"] | None = None
    party_name: Text | None = None
    party_id_no: Annotated[str, StringConstraints(max_length=40)] | None = None
    licence_no: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = None
    address: Text | None = None
    phone: Annotated[str, StringConstraints(max_length=30)] | None = None
    place: Text | None = None
    cause: Text | None = None
    facts: Annotated[str, StringConstraints(max_length=4000)] | None = None
    prior_offences_3y: Annotated[int, Field(ge=0, le=100)] | None = None


class CaseCreate(CaseBase):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_code": "410122",
                    "violation_code": "NON_DESIGNATED_SOURCE",
                    "discovered_at": "2026-03-02T10:30:00+08:00",
                    "party_type": "individual",
                    "party_name": "张三",
                    "licence_no": "410122100001",
                    "place": "中牟县城关镇建设路12号",
                    "officers": [
                        {"officer_id": "O410122001", "role": "lead"},
                        {"officer_id": "O410122002", "role": "assistant"},
                    ],
                }
            ]
        }
    )
    unit_code: Annotated[str, StringConstraints(max_length=12)] | None = None
    violation_code: Annotated[str, StringConstraints(max_length=40)]
    source: Literal["inspection", "report", "transfer_in", "assigned"] = "inspection"
    discovered_at: PlausibleDatetime
    seized_on: PlausibleDate | None = None
    officers: list[CaseOfficerIn] = Field(default_factory=list, max_length=20)


class CaseUpdate(CaseBase):
    violation_code: Annotated[str, StringConstraints(max_length=40)] | None = None
    seized_on: PlausibleDate | None = None
    marked_complex: bool | None = None  # 疑难复杂: the case then needs legal review and collective discussion
    officers: list[CaseOfficerIn] | None = Field(default=None, max_length=20)


class ItemIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"barcode": "6901028075015", "quantity": "12", "quantity_unit": "carton"}]
        }
    )
    barcode: Barcode | None = None
    product_code: Annotated[str, StringConstraints(max_length=40)] | None = None
    spec_name_raw: Text | None = None
    quantity: Annotated[Decimal, Field(gt=0, le=10_000_000, max_digits=14, decimal_places=3)]
    quantity_unit: Literal["carton", "pack", "case", "stick", "kg"] = "carton"
    unit_price: (
        Annotated[
            Decimal,
            Field(
                ge=0,
                le=100_000_000,
                max_digits=14,
                decimal_places=2,
                description="only for goods without a catalog price (leaf by the kg, paper, filter rods,"
                " machinery): the unit price per quantity_unit as stated on the valuation table (核价表) or"
                " set by a price appraisal (an appraisal_notice document on the case makes it `appraised`)",
            ),
        ]
        | None
    ) = None
    authenticity: Literal["genuine", "counterfeit", "smuggled", "illegal", "unknown"] = "unknown"
    spray_code: Annotated[str, StringConstraints(max_length=40)] | None = None


class ItemOut(Orm):
    line_no: int
    barcode: str | None
    product_code: str | None
    spec_name_raw: str | None
    quantity: Decimal = Field(description="in quantity_unit (cartons after conversion)")
    quantity_unit: str
    unit_price: Money | None
    authenticity: str
    spray_code: str | None


class CaseOfficerOut(Orm):
    officer_id: str
    role: str


class CaseOut(Orm):
    case_id: str
    case_no: str | None
    unit_code: str
    violation_code: str
    cause: str | None
    source: str
    status: str
    discovered_at: UtcDatetime
    seized_on: date
    party_type: str | None
    party_name: str | None
    licence_no: str | None
    address: str | None
    place: str | None
    facts: str | None
    prior_offences_3y: int
    circumstance_tier: str | None
    illegal_amount: Money | None
    fine_amount: Money | None
    deviation_reason: str | None
    filed_at: UtcDatetime | None
    decided_at: UtcDatetime | None
    served_at: UtcDatetime | None
    closed_at: UtcDatetime | None
    transferred_to: str | None
    extension_days: int
    marked_complex: bool
    officers: list[CaseOfficerOut]
    items: list[ItemOut]


class TransitionIn(BaseModel):
    to: CaseStatus
    reason: Text | None = None
    transferred_to: Literal["market_regulation", "police", "other"] | None = None


# --- valuation and discretion ----------------------------------------------------------------------
class ValuedLine(BaseModel):
    line_no: int
    barcode: str | None
    spec_name: str | None
    cartons: Decimal
    unit_price: Money | None
    subtotal: Money | None
    basis: str | None = Field(
        default=None,
        description="catalog | stated | appraised: catalog price, valuation table's or appraisal's",
    )
    problem: str | None = None


class ValuationOut(BaseModel):
    case_id: str
    province_code: str
    price_type: str
    priced_on: date
    lines: list[ValuedLine]
    total: Money
    cartons: Decimal
    complete: bool = Field(description="false when a line has no price: the total is then a lower bound")


class DiscretionOut(BaseModel):
    case_id: str
    violation_code: str
    base_amount: Money
    statutory_rate_min: Decimal
    statutory_rate_max: Decimal
    tier: int | None
    tier_label: str | None
    tier_rate_min: Decimal | None
    tier_rate_max: Decimal | None
    rate_default: Decimal | None
    reasons: list[str]
    proposed_fine: Money | None
    fine_min: Money
    fine_max: Money
    tier_fine_min: Money | None = Field(default=None, description="lowest fine inside the tier (no approval)")
    tier_fine_max: Money | None = Field(
        default=None, description="highest fine inside the tier (no approval)"
    )
    source_province: str | None


class FineIn(BaseModel):
    fine_amount: Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
    deviation_reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] | None = None


class FineOut(BaseModel):
    case: CaseOut
    within_tier: bool
    deviation_approval_id: int | None


# --- approvals -----------------------------------------------------------------------------------
ApprovalKind = Literal[
    "filing",
    "preservation",
    "preservation_handling",
    "discretion_deviation",
    "extension",
    "legal_review",
    "decision",
    "closing",
]


class ApprovalIn(BaseModel):
    kind: ApprovalKind
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = None
    extension_days: Annotated[int, Field(gt=0, le=365)] | None = None


class ChecklistEntry(BaseModel):
    item: Annotated[str, StringConstraints(max_length=40)]
    result: Literal["confirmed", "flagged"]
    note: Annotated[str, StringConstraints(max_length=500)] | None = None


class ApprovalDecision(BaseModel):
    outcome: Literal["approved", "rejected"]
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None
    # legal review only (法制审核结论); 同意 and 修改后同意 approve, 不同意 rejects. Defaults from outcome.
    conclusion: Literal["同意", "修改后同意", "不同意"] | None = None
    checklist: Annotated[list[ChecklistEntry], Field(max_length=50)] | None = Field(
        default=None, description="legal reviews: every item of GET /legal-review/checklist, once"
    )


class ChecklistItemOut(BaseModel):
    item_code: str
    name_zh: str
    description_zh: str


class ApprovalOut(Orm):
    approval_id: int
    case_id: str
    kind: str
    requested_by: int
    requested_at: UtcDatetime
    decided_by: int | None
    decided_at: UtcDatetime | None
    outcome: str
    reason: str | None
    decision_note: str | None
    payload: dict[str, Any]


class DeadlineOut(BaseModel):
    case_id: str
    unit_code: str
    what: str
    due_on: date
    overdue: bool
    days_left: int


# --- documents and uploads -------------------------------------------------------------------------
class DocumentIn(BaseModel):
    doc_type: Annotated[str, StringConstraints(max_length=40)] = Field(examples=["inspection_record"])
    served_document_id: Id | None = Field(default=None, description="service receipt: the document served")


class DocumentOut(Orm):
    document_id: int
    case_id: str
    doc_type: str
    doc_no: str | None
    issued_at: UtcDatetime
    docx_sha256: str
    pdf_sha256: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def title(self) -> str:
        """The type's Chinese name (ref_document_types.name_zh), for pages that must not show codes."""
        return lookup(self.doc_type).title


class UploadOut(Orm):
    upload_id: int
    case_id: str
    kind: str
    filename: str
    sha256: str
    media_type: str
    size: int
    description: str | None
    step: str | None
    started_at: UtcDatetime | None
    ended_at: UtcDatetime | None
    uploaded_at: UtcDatetime


class DossierOut(BaseModel):
    case_id: str
    documents: list[DocumentOut]
    uploads: list[UploadOut]
