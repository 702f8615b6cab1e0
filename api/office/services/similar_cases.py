"""Similar cases beside a deviation (issue #17): same violation and amount band in the case's province,
decided within the last ``similar_case_years`` years — median and range of the fine rate (fine ÷ amount).

Read from the published warehouse snapshot (marts.fct_case_fines, the cases the pipeline assessed) when
there is one, else from the API store's own decided cases; the answer says which."""

from __future__ import annotations

import math
import statistics
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core import refdata
from api.models import Case, Unit
from api.office.schemas import SimilarCase, SimilarOut
from api.platform import warehouse
from api.platform.services.users import province_of, unit_path
from zhifa.clock import LOCAL, local_date

EXAMPLES = 10  # rows shown under the statistics; the statistics use every similar case


def amount_band(amount: Decimal | None) -> int | None:
    """The power of ten at or below the amount — the warehouse's amount_band (fct_case_fines.sql)."""
    if amount is None or amount <= 0:
        return None
    return int(10 ** math.floor(math.log10(float(amount))))


def _years_back(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def _from_warehouse(
    snapshot: Path, case: Case, province: str, band: int, since: date
) -> list[SimilarCase] | None:
    rows = warehouse.similar_fines(snapshot, province, case.violation_code, band, since, case.case_id)
    if rows is None:
        return None
    return [
        SimilarCase(
            case_id=c,
            unit_code=u,
            amount=Decimal(str(a)).quantize(Decimal("0.01")),
            fine_amount=Decimal(str(f)).quantize(Decimal("0.01")),
            rate=Decimal(str(r)),
            decided_on=d,
        )
        for c, u, a, f, r, d in rows
    ]


def _from_store(session: Session, case: Case, province: str, band: int, since: date) -> list[SimilarCase]:
    prefix = unit_path(session, province)
    stmt = (
        select(Case)
        .join(Unit, Unit.unit_code == Case.unit_code)
        .where(
            Unit.path.startswith(prefix),
            Case.violation_code == case.violation_code,
            Case.case_id != case.case_id,
            Case.decided_at >= datetime.combine(since, time(), LOCAL),
            Case.fine_amount.is_not(None),
            Case.illegal_amount >= band,
            Case.illegal_amount < band * 10,
        )
        .order_by(Case.decided_at.desc(), Case.case_id)
    )
    out = []
    for c in session.scalars(stmt):
        assert c.decided_at is not None and c.fine_amount is not None and c.illegal_amount is not None
        out.append(
            SimilarCase(
                case_id=c.case_id,
                unit_code=c.unit_code,
                amount=c.illegal_amount,
                fine_amount=c.fine_amount,
                rate=c.fine_amount / c.illegal_amount,
                decided_on=local_date(c.decided_at),
            )
        )
    return out


def similar(
    session: Session, case: Case, snapshot: Path, on: date, visible: frozenset[str] | None
) -> SimilarOut:
    """The statistics cover the province; the example rows only cases of units the caller may see."""
    province = province_of(session, case.unit_code)
    since = _years_back(on, refdata.days("similar_case_years", province, on))
    band = amount_band(case.illegal_amount)
    source: Literal["warehouse", "store"] = "warehouse" if snapshot.exists() else "store"
    found: list[SimilarCase] = []
    if band is not None and source == "warehouse":
        from_snapshot = _from_warehouse(snapshot, case, province, band, since)
        if from_snapshot is None:  # a snapshot being replaced, or of an older layout: the store answers
            source = "store"
        else:
            found = from_snapshot
    if band is not None and source == "store":
        found = _from_store(session, case, province, band, since)
    rates = [s.rate for s in found]
    return SimilarOut(
        source=source,
        province_code=province,
        violation_code=case.violation_code,
        amount_band=band,
        since=since,
        count=len(found),
        rate_median=statistics.median(rates) if rates else None,
        rate_min=min(rates) if rates else None,
        rate_max=max(rates) if rates else None,
        examples=[s for s in found if visible is None or s.unit_code in visible][:EXAMPLES],
    )
