"""Valuation (案值), discretion proposal and the fine."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter

from api.capture.schemas import CaseOut, DiscretionOut, FineIn, FineOut, ValuationOut, ValuedLine
from api.capture.services import cases
from api.capture.services.valuation import discretion, value_case
from api.deps import DB, CurrentUser, Officer, TxRoute

router = APIRouter(prefix="/cases/{case_id}", tags=["valuation"], route_class=TxRoute)


@router.get("/valuation", response_model=ValuationOut, summary="Value the seized goods")
def valuation(case_id: str, db: DB, user: CurrentUser) -> ValuationOut:
    """Each line at the price valid on the seizure date under the province's price basis."""
    case = cases.get_visible(db, user, case_id)
    v = value_case(db, case)
    lines = [
        ValuedLine(
            line_no=ln.item.line_no,
            barcode=ln.item.barcode,
            spec_name=ln.spec_name,
            cartons=ln.cartons,
            unit_price=ln.unit_price,
            subtotal=ln.subtotal,
            basis=ln.basis,
            problem=ln.problem,
        )
        for ln in v.lines
    ]
    return ValuationOut(
        case_id=case.case_id,
        province_code=v.province_code,
        price_type=v.price_type,
        priced_on=case.seized_on,
        lines=lines,
        total=v.total,
        cartons=v.cartons,
        complete=v.complete,
    )


@router.get("/discretion", response_model=DiscretionOut, summary="Tier, ranges and proposed fine")
def proposal(case_id: str, db: DB, user: CurrentUser) -> DiscretionOut:
    case = cases.get_visible(db, user, case_id)
    d = discretion(db, case)
    tier_fines = d.tier_fines()
    return DiscretionOut(
        case_id=case.case_id,
        violation_code=case.violation_code,
        base_amount=d.base_amount,
        statutory_rate_min=d.statutory_rate_min or Decimal(0),
        statutory_rate_max=d.statutory_rate_max or Decimal(0),
        tier=d.tier,
        tier_label=d.tier_label,
        tier_rate_min=d.tier_rate_min,
        tier_rate_max=d.tier_rate_max,
        rate_default=d.rate_default,
        reasons=d.reasons,
        proposed_fine=d.proposed_fine,
        fine_min=d.fine_min,
        fine_max=d.fine_max,
        tier_fine_min=tier_fines[0] if tier_fines else None,
        tier_fine_max=tier_fines[1] if tier_fines else None,
        source_province=d.source_province,
    )


@router.put("/fine", response_model=FineOut, summary="Record the intended fine")
def set_fine(case_id: str, body: FineIn, db: DB, user: Officer) -> FineOut:
    """Inside the tier: accepted. Outside the tier: needs `deviation_reason` and opens a pending
    `discretion_deviation` approval (the decision waits for it). Outside the statutory range: refused."""
    case = cases.get_writable(db, user, case_id)
    within, approval_id = cases.set_fine(db, user, case, body)
    return FineOut(case=CaseOut.model_validate(case), within_tier=within, deviation_approval_id=approval_id)
