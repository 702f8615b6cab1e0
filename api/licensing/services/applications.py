"""Applications at the counter: received with the applicant's materials, checked for completeness (one
notice naming every missing item, or acceptance that starts the legal clock), assigned for the on-site
check, extended once with the head's approval."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import numbering
from api.core import refdata
from api.core.errors import Conflict, Invalid
from api.models import Licence, LicenceApplication, LicenceMaterial, OnsiteCheck, User
from api.platform.services import audit
from api.platform.services.users import can_see_unit, in_scope, province_of, visible_units
from zhifa.clock import now, today
from zhifa.licensing import clock
from zhifa.licensing.materials import SITE_CHECKED, missing, required_materials

OPEN = ("received", "incomplete", "accepted")


def get(session: Session, user: User, application_id: str, *, lock: bool = False) -> LicenceApplication:
    stmt = select(LicenceApplication).where(LicenceApplication.application_id == application_id)
    row = session.scalars(stmt.with_for_update() if lock else stmt).first()
    return in_scope(session, user, row, "APPLICATION_NOT_FOUND", "许可申请不存在 / application not found")


def _same_place(address: str) -> str:
    return "".join(address.split())


def _refuse_licensed_place(session: Session, unit_code: str, address: str, on: date) -> None:
    """A new licence for a place that already holds one, or is already applied for, is refused."""
    place = _same_place(address)
    held = session.scalars(
        select(Licence).where(
            Licence.unit_code == unit_code, Licence.status != "cancelled", Licence.valid_to >= on
        )
    )
    for lic in held:
        if _same_place(lic.place_address) == place:
            raise Conflict(
                "PLACE_ALREADY_LICENSED",
                f"该经营场所已持有许可证 {lic.licence_no}（有效期至 {lic.valid_to}）"
                " / the place is already licensed",
            )
    pending = session.scalars(
        select(LicenceApplication).where(
            LicenceApplication.unit_code == unit_code,
            LicenceApplication.kind == "new",
            LicenceApplication.status.in_(OPEN),
        )
    )
    for app in pending:
        if _same_place(app.place_address) == place:
            raise Conflict(
                "PLACE_ALREADY_APPLIED",
                f"该经营场所已有在办申请 {app.application_id} / an application for this place is open",
            )


def receive(session: Session, user: User, body: dict[str, Any]) -> LicenceApplication:
    kind, on = body["kind"], today()
    if kind == "new":
        _refuse_licensed_place(session, user.unit_code, body["place_address"], on)
    else:
        held = session.get(Licence, body.get("licence_no") or "")
        if held is None or not can_see_unit(session, user, held.unit_code):
            raise Invalid(
                "LICENCE_REQUIRED", "该申请事项须填写本辖区已核发的许可证号 / a held licence number is needed"
            )
        if held.status == "cancelled":
            raise Conflict("LICENCE_CANCELLED", f"许可证 {held.licence_no} 已注销 / the licence is cancelled")
    serial = numbering.allocate(session, user.unit_code, on.year, "licence_application")
    row = LicenceApplication(
        application_id=f"LA{user.unit_code}{on.year}{serial:05d}",
        unit_code=user.unit_code,
        status="received",
        received_by=user.id,
        received_at=now(),
        updated_at=now(),
        **body,
    )
    audit.add_created(
        session, user, row, action="receive", entity="licence_application", entity_id="application_id"
    )
    return row


def materials(session: Session, row: LicenceApplication) -> list[LicenceMaterial]:
    return list(
        session.scalars(
            select(LicenceMaterial)
            .where(LicenceMaterial.application_id == row.application_id)
            .order_by(LicenceMaterial.material_id)
        )
    )


def add_material(
    session: Session, user: User, row: LicenceApplication, code: str, filename: str, sha: str
) -> LicenceMaterial:
    if row.status not in ("received", "incomplete"):
        raise Conflict("APPLICATION_ACCEPTED", "申请已受理或已决定，材料不能再补交 / materials closed")
    known = {m.code for m in required_materials()[row.kind]}
    if code not in known:
        raise Invalid("UNKNOWN_MATERIAL", f"该申请事项无此材料：{code} / not a material of this kind")
    item = LicenceMaterial(
        application_id=row.application_id,
        material_code=code,
        filename=filename,
        sha256=sha,
        uploaded_by=user.id,
        uploaded_at=now(),
    )
    row.updated_at = now()
    audit.add_created(
        session, user, item, action="upload", entity="licence_material", entity_id="material_id"
    )
    return item


def check_completeness(session: Session, user: User, row: LicenceApplication) -> LicenceApplication:
    """Every missing item at once (补正材料通知书), or acceptance: the decision falls due a number of working
    days after it (``licence_decision_working_days``)."""
    if row.status not in ("received", "incomplete"):
        raise Conflict("APPLICATION_ACCEPTED", "申请已受理 / already accepted")
    before = audit.snapshot(row)
    lacking = missing(row.kind, {m.material_code for m in materials(session, row)})
    if lacking:
        row.status, row.missing = "incomplete", [m.code for m in lacking]
    else:
        on = today()
        days = refdata.days("licence_decision_working_days", province_of(session, row.unit_code), on)
        row.status, row.missing, row.accepted_on = "accepted", [], on
        row.due_on = clock.decision_due(on, days)
    row.updated_at = now()
    audit.record_change(
        session,
        user,
        row,
        action="completeness",
        entity="licence_application",
        entity_id=row.application_id,
        before=before,
    )
    return row


def assign(session: Session, user: User, row: LicenceApplication, usernames: list[str]) -> LicenceApplication:
    """Two officers of the application's unit visit the site (new licences and changes of address)."""
    if row.status != "accepted" or row.kind not in SITE_CHECKED:
        raise Conflict(
            "NO_SITE_CHECK", "仅已受理的新办、变更申请需实地核查 / no on-site check for this application"
        )
    names = set(usernames)
    officers = list(session.scalars(select(User).where(User.username.in_(names))))
    if (
        len(names) < 2
        or len(officers) != len(names)
        or any(o.unit_code != row.unit_code or not o.active for o in officers)
        or any("officer" not in o.role_set for o in officers)
    ):
        raise Invalid(
            "TWO_OFFICERS", "实地核查须指派本单位两名执法人员 / two officers of the unit are needed"
        )
    before = audit.snapshot(row)
    row.onsite_officers, row.updated_at = sorted(o.id for o in officers), now()
    audit.record_change(
        session,
        user,
        row,
        action="assign",
        entity="licence_application",
        entity_id=row.application_id,
        before=before,
    )
    return row


def tasks(session: Session, user: User) -> list[LicenceApplication]:
    """The on-site checks assigned to the caller and not yet recorded."""
    rows = session.scalars(
        select(LicenceApplication)
        .outerjoin(OnsiteCheck, OnsiteCheck.application_id == LicenceApplication.application_id)
        .where(LicenceApplication.status == "accepted", OnsiteCheck.application_id.is_(None))
        .order_by(LicenceApplication.due_on, LicenceApplication.application_id)
    )
    return [r for r in rows if user.id in (r.onsite_officers or [])]


def extend(session: Session, user: User, row: LicenceApplication, reason: str) -> LicenceApplication:
    """Once, by ``licence_extension_working_days``, approved by the head (an approver of the unit tree)."""
    if row.status != "accepted":
        raise Conflict("NOT_PENDING", "仅在办申请可延期 / only an application awaiting decision")
    if row.extended:
        raise Conflict("ALREADY_EXTENDED", "决定期限只能延长一次 / extended once already")
    if not reason.strip():
        raise Invalid("REASON_REQUIRED", "延期须说明理由 / a reason is required")
    assert row.accepted_on is not None
    province = province_of(session, row.unit_code)
    days = refdata.days("licence_decision_working_days", province, row.accepted_on)
    extra = refdata.days("licence_extension_working_days", province, row.accepted_on)
    before = audit.snapshot(row)
    row.extended, row.extension_reason, row.extension_approved_by = True, reason.strip(), user.id
    row.due_on, row.updated_at = clock.decision_due(row.accepted_on, days, extra), now()
    audit.record_change(
        session,
        user,
        row,
        action="extend",
        entity="licence_application",
        entity_id=row.application_id,
        before=before,
    )
    return row


def visible(session: Session, user: User, status: str | None) -> list[LicenceApplication]:
    stmt = select(LicenceApplication).order_by(LicenceApplication.received_at.desc()).limit(200)
    units = visible_units(session, user)
    if units is not None:
        stmt = stmt.where(LicenceApplication.unit_code.in_(units))
    if status:
        stmt = stmt.where(LicenceApplication.status == status)
    return list(session.scalars(stmt))
