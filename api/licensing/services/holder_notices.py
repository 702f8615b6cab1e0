"""Renewal reminders to licence holders (持证人): when a valid licence comes within
``licence_holder_notice_days`` of its last day to apply for renewal (and no renewal is under way), its holder
gets one text message by the bureau's gateway (the reminders' webhook, as an SMS) — one per licence period.

The notice is written first and delivered after; a notice the gateway did not take is sent again on the next
run while the licence is still in force. A licence without a contact phone (a bulk-imported register row,
say) gets no notice and is counted, so the unit can complete its register."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.core import refdata
from api.db import in_chunks
from api.licensing.services.due import renewals
from api.models import HolderNotice, LicenceApplication, Unit
from api.platform.services.notifiers import Notifier, Outcome, send_with_retries
from zhifa.clock import now

KIND = "renewal"
WIRE_KIND = "licence_holder_renewal"  # what the gateway reads in ``kind``: a text to ``to``


@dataclass
class HolderReport:
    written: int = 0
    without_phone: list[str] = field(default_factory=list)  # licence numbers
    delivered: int = 0
    failed: list[int] = field(default_factory=list)  # notice ids


def _text(shop: str, licence_no: str, valid_to: date, last_day: date, unit_name: str) -> str:
    return (
        f"【烟草专卖】{shop}：您的烟草专卖零售许可证（{licence_no}）有效期至 {valid_to.isoformat()}，"
        f"请于 {last_day.isoformat()} 前向{unit_name}申请延续；到期未延续的，不得继续经营烟草制品零售业务。"
    )


def _by_key(session: Session, key: Any, value: Any, keys: Iterable[Any]) -> dict[Any, Any]:
    """``value`` by ``key`` for these keys, a few queries whatever their number."""
    out: dict[Any, Any] = {}
    for part in in_chunks(sorted(set(keys))):
        out.update((k, v) for k, v in session.execute(select(key, value).where(key.in_(part))).all())
    return out


def write(session: Session, on: date, report: HolderReport) -> None:
    """The day's new notices; a period already noticed is left alone (its unique key says so)."""
    due = [
        (lic, last_day)
        for lic, last_day in renewals(
            session, None, on, lambda province: refdata.days("licence_holder_notice_days", province, on)
        )
        if lic.valid_to >= on  # expired: a renewal can no longer be applied for
    ]
    noticed = {  # the periods already noticed
        (licence_no, valid_to)
        for part in in_chunks(sorted({lic.licence_no for lic, _ in due}))
        for licence_no, valid_to in session.execute(
            select(HolderNotice.licence_no, HolderNotice.valid_to).where(
                HolderNotice.kind == KIND, HolderNotice.licence_no.in_(part)
            )
        ).all()
    }
    phones = _by_key(
        session,
        LicenceApplication.application_id,
        LicenceApplication.applicant_phone,
        (lic.application_id for lic, _ in due),
    )
    unit_names = _by_key(session, Unit.unit_code, Unit.name, (lic.unit_code for lic, _ in due))
    for lic, last_day in due:
        if (lic.licence_no, lic.valid_to) in noticed:
            continue
        phone = phones.get(lic.application_id)
        if not phone:
            report.without_phone.append(lic.licence_no)
            continue
        notice = HolderNotice(
            licence_no=lic.licence_no,
            kind=KIND,
            valid_to=lic.valid_to,
            phone=phone,
            body=_text(
                lic.shop_name, lic.licence_no, lic.valid_to, last_day, unit_names.get(lic.unit_code, "")
            ),
            created_on=on,
            attempts=0,
        )
        try:
            with session.begin_nested():  # a concurrent run wrote it first
                session.add(notice)
            report.written += 1
        except IntegrityError:
            continue


def deliver(session: Session, notifier: Notifier, on: date, report: HolderReport) -> None:
    """Hand each undelivered notice of a licence still in force to the gateway; each try is committed."""
    pending = session.scalars(
        select(HolderNotice)
        .where(HolderNotice.delivered_at.is_(None), HolderNotice.valid_to >= on)
        .order_by(HolderNotice.notice_id)
    ).all()
    for notice in pending:
        payload = {
            "message_id": f"LH{notice.notice_id}",
            "kind": WIRE_KIND,
            "day": on.isoformat(),
            "to": notice.phone,
            "licence_no": notice.licence_no,
            "body": notice.body,
        }

        def record(_attempt: int, outcome: Outcome, notice: HolderNotice = notice) -> None:
            notice.attempts += 1
            notice.last_error = None if outcome.ok else (outcome.error or f"HTTP {outcome.status_code}")[:300]
            if outcome.ok:
                notice.delivered_at = now()
            session.commit()

        if send_with_retries(notifier, payload, record):
            report.delivered += 1
        else:
            report.failed.append(notice.notice_id)
