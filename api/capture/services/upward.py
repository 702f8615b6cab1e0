"""Upward reporting and transfer (备案、大案报告、移送公安), issue #18 §4.

The duties of a case come from :mod:`zhifa.upward` (settings of the case's province and date). They are
found when the case moves to investigating, decided or transferred: each new duty becomes a row of
``upward_reports`` addressed to the recipient unit (the city or province bureau above, or for a criminal
transfer the case's own unit, whose head decides it) and sits in that unit's 待办 until someone there records
it. The warehouse reads the rows (raw.api_upward_reports) and flags a duty recorded late or never."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import documents
from api.capture.services.valuation import value_case
from api.capture.services.workflow import generated
from api.core import refdata
from api.core.errors import Conflict, Forbidden, Invalid, NotFound
from api.models import Case, Unit, UpwardReport, User
from api.platform.services import audit
from api.platform.services.users import province_of, unit_path, visible_units
from zhifa.calendar import load_calendar
from zhifa.clock import local_date, now
from zhifa.upward import TRANSFER_CHECKLIST, UpwardFacts, due_at, duties

RECORDER_ROLES = {"approver", "legal_reviewer", "admin"}
FOUND_ON = ("investigating", "decided", "transferred")  # transitions after which duties are looked for


def facts(session: Session, case: Case) -> UpwardFacts:
    unit = session.get(Unit, case.unit_code)
    valuation = value_case(session, case) if case.items else None
    return UpwardFacts(
        unit_level=unit.level if unit else "county",
        fine_amount=case.fine_amount,
        case_value=valuation.total if valuation else case.illegal_amount,
        sticks=valuation.sticks if valuation else None,
        illegal_gains=None,  # the store keeps no illegal gains apart from the value
    )


def _recipient(session: Session, case: Case, level: str) -> str | None:
    """The unit of ``level`` above the case's unit (``own``: the case's unit); None if the tree has none."""
    if level == "own":
        return case.unit_code
    codes = unit_path(session, case.unit_code).strip("/").split("/")
    rows = session.execute(select(Unit.unit_code, Unit.level).where(Unit.unit_code.in_(codes))).all()
    return next((code for code, lvl in rows if lvl == level), None)


def for_case(session: Session, case: Case) -> list[UpwardReport]:
    return list(
        session.scalars(
            select(UpwardReport).where(UpwardReport.case_id == case.case_id).order_by(UpwardReport.report_id)
        )
    )


def sync(session: Session, user: User, case: Case) -> list[UpwardReport]:
    """Create the duties the case carries now and has not yet got (one per kind); returns the new ones.
    A filing duty waits for the decision (its clock starts there)."""
    on = case.seized_on or local_date(case.discovered_at)
    settings = refdata.settings_for(province_of(session, case.unit_code), on)
    have = {r.kind for r in for_case(session, case)}
    created = []
    at = now()
    for duty in duties(facts(session, case), settings):
        if duty.kind in have or (duty.kind == "filing" and case.decided_at is None):
            continue
        to_unit = _recipient(session, case, duty.recipient_level)
        if to_unit is None:
            continue
        started = case.decided_at if duty.kind == "filing" and case.decided_at else at
        row = UpwardReport(
            case_id=case.case_id, kind=duty.kind, from_unit=case.unit_code, to_unit=to_unit,
            name_zh=duty.name_zh, legal_basis=duty.legal_basis, reason=duty.reason_zh, clock=duty.clock,
            limit_value=duty.limit, started_at=started,
            due_at=due_at(duty.clock, duty.limit, started, load_calendar()), status="open",
            created_at=at, updated_at=at,
        )  # fmt: skip
        audit.add_created(session, user, row, action="report", entity="upward_report", entity_id="report_id")
        created.append(row)
    return created


def get_visible(session: Session, user: User, report_id: int) -> tuple[UpwardReport, Case]:
    """The duty if the caller sees its case or is at (or above) its recipient; else 404."""
    row = session.get(UpwardReport, report_id)
    case = session.get(Case, row.case_id) if row else None
    units = visible_units(session, user)
    if row is None or case is None or not (units is None or case.unit_code in units or row.to_unit in units):
        raise NotFound("UPWARD_REPORT_NOT_FOUND", "没有这项报告任务 / no such report task")
    return row, case


def checklist(session: Session, row: UpwardReport) -> list[dict[str, object]]:
    """For a criminal transfer: each required material and whether it is on file."""
    if row.kind != "criminal_transfer":
        return []
    have = generated(session, row.case_id)
    return [{"doc_type": t, "name_zh": n, "present": t in have} for t, n in TRANSFER_CHECKLIST]


def transfer_letter(session: Session, user: User, row: UpwardReport, case: Case, to: str, root: Path) -> None:
    """The 案件移送函 of a criminal transfer, with the thresholds reached."""
    if row.kind != "criminal_transfer":
        raise Conflict("NOT_A_TRANSFER", "只有移送任务需要移送函 / only a transfer has a transfer letter")
    extra = [("移送机关", to), ("移送理由", row.reason), ("移送依据", row.legal_basis)]
    documents.generate(session, user, case, "transfer_letter", root, extra_fields=extra)


def acknowledge(session: Session, user: User, row: UpwardReport, note: str) -> UpwardReport:
    """The recipient records the report (备案登记 / 已收到大案报告 / 批准移送) — only someone of the recipient
    unit who decides there; a transfer only with its checklist complete."""
    roles = user.role_set
    if not roles & RECORDER_ROLES or ("admin" not in roles and user.unit_code != row.to_unit):
        raise Forbidden("NOT_RECIPIENT", "只能由接收单位的负责人登记 / only the recipient unit records it")
    if row.status != "open":
        raise Conflict("ALREADY_ACKNOWLEDGED", "该报告已登记 / already recorded")
    if not note.strip():
        raise Invalid("NOTE_REQUIRED", "须填写登记意见 / a note is required")
    missing = [str(c["name_zh"]) for c in checklist(session, row) if not c["present"]]
    if missing:
        raise Conflict(
            "TRANSFER_CHECKLIST_INCOMPLETE",
            f"移送材料不全：{'、'.join(missing)} / transfer materials missing",
            detail=missing,
        )
    before = audit.snapshot(row)
    at = now()
    row.status, row.acknowledged_by, row.acknowledged_at, row.note, row.updated_at = (
        "acknowledged", user.id, at, note.strip(), at,
    )  # fmt: skip
    audit.record_change(
        session, user, row, action="acknowledge", entity="upward_report", entity_id=str(row.report_id),
        before=before,
    )  # fmt: skip
    return row


def inbox(session: Session, user: User) -> list[UpwardReport]:
    """Open duties addressed to the caller's unit (every unit for an admin), oldest due first."""
    roles = user.role_set
    if not roles & RECORDER_ROLES:
        return []
    stmt = select(UpwardReport).where(UpwardReport.status == "open")
    if "admin" not in roles:
        stmt = stmt.where(UpwardReport.to_unit == user.unit_code)
    return list(session.scalars(stmt.order_by(UpwardReport.due_at, UpwardReport.report_id)))
