"""Case value (案值) at the price valid on the seizure date, and the discretion proposal."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services.catalog import CARTONS_PER_CASE, price_on
from api.core import refdata
from api.core.errors import Invalid
from api.models import Case, CaseItem, Document, Product
from api.platform.services.users import province_of
from zhifa.valuation import NON_CATALOG_BASES, value_line

CENT = Decimal("0.01")


def yuan(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cartons(quantity: Decimal, unit: str, product: Product | None) -> Decimal:
    packs = product.packs_per_carton if product else 10
    sticks = packs * (product.sticks_per_pack if product else 20)
    factor = {
        "carton": Decimal(1),
        "pack": Decimal(1) / packs,
        "case": Decimal(CARTONS_PER_CASE),
        "stick": Decimal(1) / sticks,
    }[unit]
    return (quantity * factor).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@dataclass
class Line:
    item: CaseItem
    spec_name: str | None
    cartons: Decimal
    sticks: Decimal
    unit_price: Decimal | None
    subtotal: Decimal | None
    problem: str | None = None
    basis: str | None = None  # catalog | stated | appraised (zhifa.valuation)
    kg: Decimal = Decimal(0)


@dataclass
class Valuation:
    province_code: str
    price_type: str
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return yuan(sum((ln.subtotal or Decimal(0) for ln in self.lines), Decimal(0)))

    @property
    def cartons(self) -> Decimal:
        return sum((ln.cartons for ln in self.lines), Decimal(0))

    @property
    def sticks(self) -> Decimal:
        return sum((ln.sticks for ln in self.lines), Decimal(0))

    @property
    def complete(self) -> bool:
        return all(ln.unit_price is not None for ln in self.lines)

    def quantities(self) -> dict[str, float]:
        """Quantity per unit for the benchmark's bands: only the units the case has lines in."""
        out: dict[str, float] = {}
        if any(ln.basis not in NON_CATALOG_BASES and ln.kg == 0 for ln in self.lines):
            out |= {"carton": float(self.cartons), "stick": float(self.sticks)}
        if any(ln.kg for ln in self.lines):
            out["kg"] = float(sum((ln.kg for ln in self.lines), Decimal(0)))
        return out


def _appraised(session: Session, case: Case) -> bool:
    """A price appraisal's notice on the case: its non-catalog prices are appraised, not only stated."""
    found = session.scalar(
        select(Document.document_id)
        .where(Document.case_id == case.case_id, Document.doc_type == "appraisal_notice")
        .limit(1)
    )
    return found is not None


PROBLEMS = {
    "UNKNOWN_PRODUCT": "未知规格，无价格 / unknown product, no price",
    "NOT_VALUED_BY_CATALOG": "目录外物品须填核价单价 / no catalog price: a stated unit price is needed",
}


def value_case(session: Session, case: Case) -> Valuation:
    province = province_of(session, case.unit_code)
    price_type = refdata.price_type(province, case.seized_on)
    appraised = _appraised(session, case)
    out = Valuation(province, price_type)
    for item in case.items:
        product = session.get(Product, item.product_code) if item.product_code else None
        # catalog cigarettes are stored in cartons (converted when added); other goods in their own unit
        catalog_goods = product is not None and item.quantity_unit != "kg"
        per_carton = product.packs_per_carton * product.sticks_per_pack if product else 200
        price = (
            price_on(session, product.product_code, province, price_type, case.seized_on) if product else None
        )
        line = value_line(
            item.quantity,
            item.quantity_unit,
            known_product=product is not None,
            catalog_price=price.price_per_carton if price and catalog_goods else None,
            per_carton=per_carton,
            per_pack=product.sticks_per_pack if product else 20,
            stated_price=item.unit_price,
            appraised=appraised,
        )
        problem = None
        if line.issue is not None:
            problem = PROBLEMS.get(
                line.issue, f"{case.seized_on} 无有效价格 / no {price_type} price valid on {case.seized_on}"
            )
        cartons = (
            item.quantity if line.basis in (None, "catalog") and item.quantity_unit != "kg" else Decimal(0)
        )
        out.lines.append(
            Line(
                item,
                product.spec_name if product else item.spec_name_raw,
                cartons,
                cartons * per_carton,
                line.unit_price,
                line.value,
                problem,
                line.basis,
                item.quantity if item.quantity_unit == "kg" else Decimal(0),
            )
        )
    return out


@dataclass
class Discretion:
    base_amount: Decimal
    statutory_rate_min: Decimal | None
    statutory_rate_max: Decimal | None
    fine_min: Decimal
    fine_max: Decimal
    tier: int | None
    tier_label: str | None
    tier_rate_min: Decimal | None
    tier_rate_max: Decimal | None
    rate_default: Decimal | None
    reasons: list[str]
    proposed_fine: Decimal | None
    source_province: str | None
    tolerance: Decimal

    def within_statutory(self, fine: Decimal) -> bool:
        return self.fine_min <= fine <= self.fine_max  # never widened: the statute is absolute

    def tier_fines(self) -> tuple[Decimal, Decimal] | None:
        """The fines accepted as inside the tier (the rounding tolerance included)."""
        if self.tier_rate_min is None or self.tier_rate_max is None:
            return None
        lo, hi = self.base_amount * self.tier_rate_min, self.base_amount * self.tier_rate_max
        return lo - self.tolerance, hi + self.tolerance

    def within_tier(self, fine: Decimal) -> bool:
        bounds = self.tier_fines()
        return bounds is not None and bounds[0] <= fine <= bounds[1]


def discretion(session: Session, case: Case, valuation: Valuation | None = None) -> Discretion:
    ref = refdata.reference()
    valuation = valuation or value_case(session, case)
    base = valuation.total
    try:
        smin, smax = ref.statutory_range(case.violation_code)
        amin, amax = ref.statutory_amounts(case.violation_code, float(base))
    except KeyError as exc:
        raise Invalid("UNKNOWN_VIOLATION", f"未知违法行为 / unknown violation {case.violation_code}") from exc
    choice = ref.select_tier(
        valuation.province_code,
        case.violation_code,
        case.seized_on,
        base_amount=float(base),
        quantity=valuation.quantities(),
        prior_offences=case.prior_offences_3y,
    )
    tolerance = refdata.number("fine_rounding_tolerance", valuation.province_code, case.seized_on)
    rate_default = refdata.dec(choice.rate_default) if choice else None
    return Discretion(
        base_amount=base,
        statutory_rate_min=refdata.dec(smin),
        statutory_rate_max=refdata.dec(smax),
        fine_min=yuan(Decimal(str(amin or 0))),
        fine_max=yuan(Decimal(str(amax or 0))),
        tier=choice.tier if choice else None,
        tier_label=choice.tier_label if choice else None,
        tier_rate_min=refdata.dec(choice.rate_min) if choice else None,
        tier_rate_max=refdata.dec(choice.rate_max) if choice else None,
        rate_default=rate_default,
        reasons=list(choice.reasons) if choice else ["无匹配的裁量档次 / no benchmark tier matches"],
        proposed_fine=yuan(base * rate_default) if rate_default is not None else None,
        source_province=choice.source_province if choice else None,
        tolerance=tolerance,
    )
