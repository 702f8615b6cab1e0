"""Dossier facts a case captured in the API store can tell (dates, officers, amounts, status, approvals).

Keys are those of docs/review-rules.md; a fact the store does not record is left out (stays unknown).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from api.capture.services import approvals
from api.core import refdata
from api.models import Case
from api.platform.services.users import province_of
from zhifa.clock import local_date

# API case status → CONTRACT cases.status (the warehouse vocabulary the rules are written in)
STATUS = {
    "filed": "filed",
    "investigating": "investigating",
    "decided": "decided",
    "served": "served",
    "executed": "executed",
    "closed": "closed",
    "transferred": "transferred",
    "withdrawn": "withdrawn",
}


def _day(value: datetime | None) -> date | None:
    return None if value is None else local_date(value)


def _days(start: date | None, end: date | None) -> int | None:
    return None if start is None or end is None else (end - start).days


def _approved_on(session: Session, case_id: str, kind: str) -> date | None:
    found = approvals.approved(session, case_id, kind)
    return _day(found.decided_at) if found is not None else None


def case_facts(session: Session, case: Case) -> dict[str, Any]:
    from api.capture.services.workflow import valid_officers

    discovered = local_date(case.discovered_at)
    filed, decided = _day(case.filed_at), _day(case.decided_at)
    served = _day(case.served_at)
    inspection = discovered
    facts: dict[str, Any] = {
        "province_code": province_of(session, case.unit_code),
        "unit_code": case.unit_code,
        "violation_code": case.violation_code,
        "case_status": STATUS.get(case.status, case.status),
        "case_source": case.source,
        "n_officers": len(case.officers),
        "n_officers_certified": len(valid_officers(session, case, inspection)),
        "discovered_date": discovered,
        "filing_date": filed,
        "decision_date": decided,
        "decision_service_date": served,
        "closing_date": _day(case.closed_at),
        "preservation_date": case.seized_on if case.items else None,
        "preservation_approval_date": _approved_on(session, case.case_id, "preservation"),
        "preservation_handling_date": _approved_on(session, case.case_id, "preservation_handling"),
        "legal_review_date": _approved_on(session, case.case_id, "legal_review"),
        "head_approval_date": _approved_on(session, case.case_id, "decision"),
        "filed_days_after_discovery": _days(discovered, filed),
        "decision_days_after_filing": _days(filed, decided),
        "service_days_after_decision": _days(decided, served),
        "extension_days": case.extension_days,
        "preserved": bool(case.items),
        "transferred_to": case.transferred_to or "",  # "" = not transferred (NULL: unknown)
        "prior_offences_3y": case.prior_offences_3y,
        "fine_amount": None if case.fine_amount is None else float(case.fine_amount),
        "has_deviation_reason": bool(case.deviation_reason),
        "deviation_approved": approvals.deviation_approved_for(session, case),
    }
    facts["preservation_handling_days"] = _days(
        facts["preservation_date"], facts["preservation_handling_date"]
    )
    if case.items:
        facts["preservation_lines"] = len(case.items)
        facts["preservation_quantity"] = None
    facts.update(_discretion_facts(session, case))
    return facts


def _discretion_facts(session: Session, case: Case) -> dict[str, Any]:
    """Base amount, statutory range and tiers as the capture API proposes them; none when it cannot."""
    from api.capture.services.valuation import discretion, value_case
    from api.core.errors import DomainError

    if not case.items:
        return {}
    try:
        valuation = value_case(session, case)
        proposal = discretion(session, case, valuation)
    except (DomainError, LookupError, KeyError, ValueError):
        return {}
    ref = refdata.reference()
    chosen = None
    if case.circumstance_tier:  # the capture API stores the tier's label (较轻 …)
        tiers = ref.tiers_for(valuation.province_code, case.violation_code, case.seized_on)
        label = str(case.circumstance_tier)
        match = tiers[(tiers["tier_label"].astype(str) == label) | (tiers["tier"].astype(str) == label)]
        chosen = match.iloc[0] if not match.empty else None
    return {
        "base_amount": float(proposal.base_amount),
        "sticks_total": float(valuation.sticks),
        "statutory_min_amount": float(proposal.fine_min),
        "statutory_max_amount": float(proposal.fine_max),
        "benchmark_tier": _int(proposal.tier),
        "chosen_tier": None if chosen is None else _int(chosen["tier"]),
        "tier_rate_min": None if chosen is None else float(chosen["rate_min"]),
        "tier_rate_max": None if chosen is None else float(chosen["rate_max"]),
        "preservation_quantity": float(valuation.cartons),
    }


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(str(value))
    except ValueError:
        return None
