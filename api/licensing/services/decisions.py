"""The decision (决定) within the legal working days: approve — the licence issued, renewed, changed,
suspended or cancelled — or refuse with reasons and remedies. A decision after the due day needs a recorded
reason and is flagged. Documents are generated from the application's facts on request."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import numbering
from api.core import refdata
from api.core.errors import Conflict, Invalid, NotFound
from api.licensing.services import onsite
from api.models import Licence, LicenceApplication, OnsiteCheck, Retailer, Unit, User
from api.platform.services import audit
from api.platform.services.users import province_of
from zhifa.clock import local_date, now, today
from zhifa.documents.model import DocumentContent
from zhifa.licensing import clock, documents
from zhifa.licensing.materials import SITE_CHECKED, required_materials
from zhifa.licensing.numbers import licence_number


def _years_later(day: date, years: int) -> date:
    """The day before the same date ``years`` on (29 February counts as 28 February)."""
    try:
        same = day.replace(year=day.year + years)
    except ValueError:
        same = day.replace(year=day.year + years, day=28)
    return same - timedelta(days=1)


def remedies_text(province: str, on: date) -> str:
    days = refdata.days("reconsideration_days", province, on)
    months = refdata.days("litigation_months", province, on)
    return (
        f"如不服本决定，可以在收到本决定书之日起{days}日内申请行政复议，"
        f"或者在{months}个月内依法向人民法院提起行政诉讼。"
    )


def _issue(session: Session, row: LicenceApplication, province: str, on: date) -> Licence:
    years = refdata.days("licence_validity_years", province, on)
    if row.kind == "new":
        place = "".join(row.place_address.split())
        for lic in session.scalars(
            select(Licence).where(Licence.unit_code == row.unit_code, Licence.status != "cancelled")
        ):
            if "".join(lic.place_address.split()) == place and lic.valid_to >= on:
                raise Conflict(
                    "LICENCE_OVERLAP",
                    f"该场所的许可证 {lic.licence_no} 有效期至 {lic.valid_to}，与新证有效期重叠"
                    " / validity periods overlap",
                )
        serial = numbering.allocate(session, row.unit_code[:6], 0, "licence")
        lic = Licence(
            licence_no=licence_number(row.unit_code[:6], row.applicant_type, serial),
            unit_code=row.unit_code,
            application_id=row.application_id,
            holder_type=row.applicant_type,
            holder_name=row.applicant_name,
            shop_name=row.shop_name,
            place_address=row.place_address,
            lat=row.lat,
            lon=row.lon,
            status="valid",
            valid_from=on,
            valid_to=_years_later(on, years),
            issued_at=now(),
            updated_at=now(),
        )
        session.add(lic)
    else:
        found = session.get(Licence, row.licence_no or "")
        if found is None:
            raise NotFound("LICENCE_NOT_FOUND", "许可证不存在 / licence not found")
        lic = found
        if row.kind == "renewal":
            # the renewed period starts the day after the current one: the two never overlap
            lic.valid_from, lic.valid_to = (
                lic.valid_to + timedelta(days=1),
                _years_later(lic.valid_to + timedelta(days=1), years),
            )
        elif row.kind == "change":
            lic.holder_name, lic.shop_name, lic.place_address = (
                row.applicant_name,
                row.shop_name,
                row.place_address,
            )
            lic.lat, lic.lon = row.lat, row.lon
        elif row.kind == "suspension":
            lic.status = "suspended"
        elif row.kind == "cancellation":
            lic.status = "cancelled"
        lic.updated_at = now()
    retailer = session.get(Retailer, lic.licence_no) or Retailer(licence_no=lic.licence_no)
    retailer.name, retailer.address, retailer.unit_code = lic.shop_name, lic.place_address, lic.unit_code
    session.add(retailer)
    return lic


def decide(
    session: Session,
    user: User,
    row: LicenceApplication,
    outcome: str,
    reasons: str | None,
    remedies: str | None,
    late_reason: str | None,
) -> LicenceApplication:
    if row.status != "accepted":
        raise Conflict("NOT_PENDING", "仅已受理、未决定的申请可作出决定 / the application awaits no decision")
    assert row.due_on is not None
    on, province = today(), province_of(session, row.unit_code)
    late = clock.is_late(on, row.due_on)
    if late and not (late_reason or "").strip():
        raise Invalid(
            "LATE_REASON_REQUIRED",
            f"已超过法定决定期限（{row.due_on}），须记录逾期理由 / past the legal time: record the reason",
        )
    check = session.get(OnsiteCheck, row.application_id)
    if row.kind in SITE_CHECKED and check is None:
        raise Conflict("CHECK_MISSING", "须先完成实地核查 / the on-site check is not recorded")
    failed = [o["text_zh"] for o in onsite.outcomes(check) if not o["passed"]] if check else []
    before = audit.snapshot(row)
    if outcome == "approved":
        if failed:
            raise Conflict("LAYOUT_NOT_MET", "不符合合理布局要求：" + "；".join(failed), detail=failed)
        row.licence_no = _issue(session, row, province, on).licence_no
    else:
        text = (reasons or "").strip() or "；".join(failed)
        if not text:
            raise Invalid("REASONS_REQUIRED", "不予许可须说明理由 / a refusal states its reasons")
        row.reasons, row.remedies = text, (remedies or "").strip() or remedies_text(province, on)
    row.status = row.outcome = outcome
    row.decided_by, row.decided_at, row.updated_at = user.id, now(), now()
    row.late, row.late_reason = late, (late_reason or "").strip() or None
    audit.record_change(
        session,
        user,
        row,
        action="decide",
        entity="licence_application",
        entity_id=row.application_id,
        before=before,
    )
    return row


DOCUMENT_STATES = {
    "acceptance_notice": lambda r: r.accepted_on is not None,
    "correction_notice": lambda r: bool(r.missing),
    "onsite_record": lambda r: True,
    "approval_decision": lambda r: r.outcome == "approved",
    "refusal_decision": lambda r: r.outcome == "refused",
    "extension_notice": lambda r: r.extended,
}


def document(session: Session, row: LicenceApplication, doc_type: str) -> DocumentContent:
    check = session.get(OnsiteCheck, row.application_id)
    if (
        doc_type not in DOCUMENT_STATES
        or not DOCUMENT_STATES[doc_type](row)
        or (doc_type == "onsite_record" and check is None)
    ):
        raise NotFound("DOCUMENT_NOT_FOUND", "该申请没有此文书 / no such document for this application")
    unit = session.get(Unit, row.unit_code)
    names = {m.code: m.name_zh for m in required_materials()[row.kind]}
    lic = session.get(Licence, row.licence_no) if row.licence_no else None
    officers = list(session.scalars(select(User.username).where(User.id.in_(row.onsite_officers or []))))
    facts = documents.ApplicationFacts(
        application_no=row.application_id,
        kind=row.kind,
        applicant=row.applicant_name,
        place_address=row.place_address,
        unit_name=unit.name if unit else row.unit_code,
        received_on=local_date(row.received_at),
        accepted_on=row.accepted_on,
        due_on=row.due_on,
        missing=tuple(names.get(c, c) for c in row.missing or []),
        decided_on=local_date(row.decided_at) if row.decided_at else None,
        licence_no=row.licence_no,
        valid_from=lic.valid_from if lic else None,
        valid_to=lic.valid_to if lic else None,
        reasons=row.reasons,
        remedies=row.remedies,
        extension_reason=row.extension_reason,
        findings=tuple(o["text_zh"] for o in onsite.outcomes(check)) if check else (),
        officers=tuple(officers),
        checked_on=local_date(check.checked_at) if check else None,
        gps=f"{check.lat:.6f}, {check.lon:.6f}" if check else None,
        photos=len(check.photos) if check else 0,
    )
    issued = {
        "acceptance_notice": facts.accepted_on,
        "correction_notice": local_date(row.updated_at),
        "onsite_record": facts.checked_on,
        "extension_notice": local_date(row.updated_at),
    }.get(doc_type, facts.decided_on)
    return documents.build(doc_type, facts, issued or facts.received_on)
