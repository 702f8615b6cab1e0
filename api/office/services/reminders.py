"""Reminders (issue #17): the daily digest of what is to do and the due-soon notice of deadlines, per user.

Run once a day by the Dagster schedule ``daily_reminders`` (dagster_defs/reminders.py). Every message is
written to the store first (``messages``, read in the office); outside channels get a copy afterwards, so a
failing gateway never loses one. (user, kind, day) is unique and a message with a successful delivery is
not sent again: the job run twice the same day sends once. "Today" is the project clock's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.capture.services import clocks
from api.core import refdata
from api.licensing.services import due as licensing_due
from api.licensing.services import holder_notices
from api.models import Case, Message, MessageDelivery, User
from api.office.services import office
from api.platform.services.notifiers import Notifier, Outcome, send_with_retries
from api.platform.services.users import province_of, visible_units
from api.review.services import review_tasks
from zhifa.clock import now


@dataclass
class RunReport:
    day: date
    written: int = 0  # new in-app messages
    already: int = 0  # messages of this day that existed (an earlier run)
    delivered: int = 0
    failed: list[int] = field(default_factory=list)  # message ids still undelivered after this run
    holders: holder_notices.HolderReport = field(default_factory=holder_notices.HolderReport)


def _item(d: clocks.Deadline, on: date, case_nos: dict[str, str | None]) -> dict[str, Any]:
    return {
        "case_id": d.case_id,
        "case_no": case_nos.get(d.case_id),
        "unit_code": d.unit_code,
        "what": d.what,
        "due_on": d.due_on.isoformat(),
        "days_left": d.days_left(on),
    }


def compose(
    session: Session,
    user: User,
    on: date,
    all_deadlines: list[clocks.Deadline],
    case_nos: dict[str, str | None],
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, title, body, payload) of the user's messages for ``on``: nothing when nothing is due."""
    units = visible_units(session, user)
    soon = refdata.days("deadline_due_soon_days", province_of(session, user.unit_code), on)
    mine = [d for d in all_deadlines if (units is None or d.unit_code in units) and d.days_left(on) <= soon]
    overdue = [d for d in mine if d.days_left(on) < 0]
    coming = [d for d in mine if d.days_left(on) >= 0]
    counts = {
        "approvals": len(office.todo_approvals(session, user)),
        "review_tasks": len(office.held_tasks(session, user)),
        "deadlines": len(mine),
        "overdue": len(overdue),
    }
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    if any(counts.values()):
        body = (
            f"待审批 {counts['approvals']} 件，评查任务 {counts['review_tasks']} 件，"
            f"期限预警 {counts['deadlines']} 件（其中逾期 {counts['overdue']} 件）。"
        )
        payload: dict[str, Any] = {"counts": counts, "overdue": [_item(d, on, case_nos) for d in overdue]}
        out.append(("digest", f"每日待办 {on.isoformat()}", body, payload))
    if coming:
        lines = [
            f"{case_nos.get(d.case_id) or d.case_id} {d.what.split()[-1]} {d.due_on.isoformat()}"
            for d in coming
        ]
        body = f"{len(coming)} 个办案期限将在 {soon} 日内届满：\n" + "\n".join(lines)
        payload = {"due_soon_days": soon, "items": [_item(d, on, case_nos) for d in coming]}
        out.append(("due_soon", f"临期提醒 {on.isoformat()}", body, payload))
    licences = licensing_due.due(session, user, on, soon)
    if licences:
        words = {"decision": "许可决定期限", "renewal": "延续申请截止"}
        lines = [f"{d.shop_name}（{d.ref}）{words[d.kind]} {d.due_on.isoformat()}" for d in licences]
        body = f"{len(licences)} 项行政许可期限将在 {soon} 日内届满或已逾期：\n" + "\n".join(lines)
        items = [
            {**vars(d), "due_on": d.due_on.isoformat(), "days_left": (d.due_on - on).days} for d in licences
        ]
        out.append(("licences", f"行政许可期限提醒 {on.isoformat()}", body, {"items": items}))
    return out


def write_messages(session: Session, on: date, report: RunReport) -> None:
    review_tasks.expire_leases(session)  # a lapsed claim is nobody's to do
    all_deadlines = clocks.deadlines(session, None, on)
    ids = {d.case_id for d in all_deadlines}
    case_nos = dict(
        session.execute(select(Case.case_id, Case.case_no).where(Case.case_id.in_(ids))).tuples().all()
    )
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    for user in users:
        for kind, title, body, payload in compose(session, user, on, all_deadlines, case_nos):
            seen = select(Message.message_id).where(
                Message.user_id == user.id, Message.kind == kind, Message.day == on
            )
            if session.scalar(seen) is not None:
                report.already += 1
                continue
            try:
                with session.begin_nested():  # a concurrent run wrote it first: the unique key says so
                    session.add(
                        Message(
                            user_id=user.id,
                            unit_code=user.unit_code,
                            kind=kind,
                            day=on,
                            title=title,
                            body=body,
                            payload=payload,
                            created_at=now(),
                        )
                    )
                report.written += 1
            except IntegrityError:
                report.already += 1


def _wire(message: Message, username: str) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "kind": message.kind,
        "day": message.day.isoformat(),
        "user": username,
        "unit_code": message.unit_code,
        "title": message.title,
        "body": message.body,
        **message.payload,
    }


def deliver(session: Session, notifier: Notifier, on: date, report: RunReport) -> None:
    """Send the day's messages not yet delivered on this channel; each attempt is a row, committed at once."""
    done = exists().where(
        MessageDelivery.message_id == Message.message_id,
        MessageDelivery.channel == notifier.channel,
        MessageDelivery.ok.is_(True),
    )
    rows = session.execute(
        select(Message, User.username)
        .join(User, User.id == Message.user_id)
        .where(Message.day == on, ~done)
        .order_by(Message.message_id)
    ).tuples()
    for message, username in rows.all():
        payload = _wire(message, username)

        def record(attempt: int, outcome: Outcome, message_id: int = message.message_id) -> None:
            session.add(
                MessageDelivery(
                    message_id=message_id,
                    channel=notifier.channel,
                    attempt=attempt,
                    at=now(),
                    ok=outcome.ok,
                    status_code=outcome.status_code,
                    error=outcome.error,
                )
            )
            session.commit()

        if send_with_retries(notifier, payload, record):
            report.delivered += 1
        else:
            report.failed.append(message.message_id)


def run(factory: sessionmaker[Session], on: date, notifiers: list[Notifier]) -> RunReport:
    """Write the day's in-app messages and the licence holders' notices (committed first), then hand each to
    every outside channel."""
    report = RunReport(on)
    with factory() as session:
        write_messages(session, on, report)
        holder_notices.write(session, on, report.holders)
        session.commit()
        for notifier in notifiers:
            deliver(session, notifier, on, report)
            holder_notices.deliver(session, notifier, on, report.holders)
    return report
