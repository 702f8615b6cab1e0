"""The office 待办 inbox (issue #17): one read, scoped like the rest, instead of N calls per page.

待办 (to do): approvals the caller may decide (their decider role, their unit subtree, never their own
request), review tasks they hold, deadlines due within ``deadline_due_soon_days`` or overdue in their
scope, rectifications (整改) to answer or re-check. 已办 (done): the approvals they decided and the review
tasks they submitted, latest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased, lazyload

from api.capture.services import clocks, upward
from api.capture.services.approvals import DECIDER_ROLE, KINDS
from api.core import refdata
from api.licensing.services import due as licensing_due
from api.models import Approval, Case, Dossier, ReviewTask, Unit, User
from api.office.schemas import (
    InboxApproval,
    InboxCounts,
    InboxDone,
    InboxLicence,
    InboxOut,
    InboxRectification,
    InboxTask,
    InboxTodo,
    InboxUpward,
)
from api.platform.services.users import province_of, remembered_scope, visible_units
from api.review.services import rectifications, review_tasks
from zhifa.clock import as_utc, now


def decidable_kinds(user: User) -> list[str]:
    """Approval kinds the user's roles decide (legal review by legal reviewers, the rest by approvers)."""
    if "admin" in user.role_set:
        return list(KINDS)
    return [k for k in KINDS if DECIDER_ROLE.get(k, "approver") in user.role_set]


def _approvals(session: Session, user: User) -> Select[Approval, Case, str]:
    requester = aliased(User)
    stmt = (
        select(Approval, Case, requester.username)
        .options(lazyload(Case.items), lazyload(Case.officers))  # a few columns read: no goods, no officers
        .join(Case, Case.case_id == Approval.case_id)
        .join(requester, requester.id == Approval.requested_by)
    )
    units = visible_units(session, user)
    return stmt if units is None else stmt.where(Case.unit_code.in_(units))


def _approval_item(approval: Approval, case: Case, requester: str) -> InboxApproval:
    return InboxApproval(
        approval_id=approval.approval_id,
        kind=approval.kind,
        case_id=case.case_id,
        case_no=case.case_no,
        unit_code=case.unit_code,
        violation_code=case.violation_code,
        party_name=case.party_name,
        fine_amount=case.fine_amount,
        requested_by=requester,
        requested_at=approval.requested_at,
        reason=approval.reason,
        outcome=approval.outcome,
        decided_at=approval.decided_at,
        decision_note=approval.decision_note,
    )


def _tasks(session: Session, user: User, statuses: tuple[str, ...], limit: int) -> list[InboxTask]:
    rows = session.execute(
        select(ReviewTask, Dossier)
        .join(Dossier, Dossier.dossier_id == ReviewTask.dossier_id)
        .where(ReviewTask.assignee_id == user.id, ReviewTask.status.in_(statuses))
        .order_by(ReviewTask.updated_at.desc(), ReviewTask.task_id.desc())
        .limit(limit)
    ).tuples()
    return [
        InboxTask(
            task_id=t.task_id,
            dossier_id=t.dossier_id,
            case_id=d.case_id,
            unit_code=d.unit_code,
            mode=t.mode,
            status=t.status,
            claimed_at=t.claimed_at,
            lease_expires_at=t.lease_expires_at,
        )
        for t, d in rows
    ]


def _pending(session: Session, user: User) -> Select[Approval, Case, str] | None:
    """Pending approvals the user may decide: their decider role, their subtree, never their own request."""
    kinds = decidable_kinds(user)
    if not kinds:
        return None
    return _approvals(session, user).where(
        Approval.outcome == "pending", Approval.kind.in_(kinds), Approval.requested_by != user.id
    )


def todo_approvals(
    session: Session, user: User, limit: int | None = None
) -> Sequence[tuple[Approval, Case, str]]:
    """The pending approvals the user may decide, oldest request first (the first ``limit``)."""
    stmt = _pending(session, user)
    if stmt is None:
        return []
    stmt = stmt.order_by(Approval.requested_at, Approval.approval_id).limit(limit)
    return session.execute(stmt).tuples().all()


def todo_approval_count(session: Session, user: User) -> int:
    stmt = _pending(session, user)
    if stmt is None:
        return 0
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)


def held_tasks(session: Session, user: User, limit: int = 10_000) -> list[InboxTask]:
    """Review tasks the user has claimed (call ``review_tasks.expire_leases`` first)."""
    return _tasks(session, user, ("claimed",), limit)


def todo_rectifications(session: Session, user: User, on: date) -> list[InboxRectification]:
    """Rectifications the unit must answer (open, returned — overdue ones included) and answers the
    caller re-checks; overdue and earliest due first."""
    out = []
    visible = rectifications.visible(session, user)
    n_items = rectifications.item_counts(session, [r.rectification_id for r in visible])
    for r in visible:
        answer = r.status in ("open", "returned") and rectifications.unit_side(session, user, r)
        check = r.status == "answered" and rectifications.checker(session, user, r)
        if answer or check:
            out.append(
                InboxRectification(
                    rectification_id=r.rectification_id,
                    case_id=r.case_id,
                    unit_code=r.unit_code,
                    status=r.status,
                    due_date=r.due_date,
                    overdue=rectifications.overdue(r, on),
                    action="answer" if answer else "recheck",
                    n_items=n_items.get(r.rectification_id, 0),
                )
            )
    return sorted(out, key=lambda x: (not x.overdue, x.due_date, x.rectification_id))


def inbox(
    session: Session, user: User, on: date, done_limit: int, deadline_limit: int, approval_limit: int
) -> InboxOut:
    with remembered_scope(session):  # nine parts ask for the caller's units: the tree is walked once
        return _inbox(session, user, on, done_limit, deadline_limit, approval_limit)


def _inbox(
    session: Session, user: User, on: date, done_limit: int, deadline_limit: int, approval_limit: int
) -> InboxOut:
    review_tasks.expire_leases(session)  # a lapsed claim is no longer the caller's to do
    todo_rows = todo_approvals(session, user, approval_limit)
    done_rows = (
        session.execute(
            _approvals(session, user)
            .where(Approval.decided_by == user.id)
            .order_by(Approval.decided_at.desc(), Approval.approval_id.desc())
            .limit(done_limit)
        )
        .tuples()
        .all()
    )
    due_soon = refdata.days("deadline_due_soon_days", province_of(session, user.unit_code), on)
    # the stored deadlines, by index: the most urgent ``deadline_limit`` listed, all counted
    deadlines = clocks.due(session, user, on, within_days=due_soon, limit=deadline_limit)
    n_deadlines, n_overdue = clocks.due_counts(session, user, on, within_days=due_soon)
    at = now()
    reports = [
        InboxUpward.model_validate(r).model_copy(update={"overdue": as_utc(r.due_at) < at})
        for r in upward.inbox(session, user)
    ]
    todo = InboxTodo(
        approvals=[_approval_item(*row) for row in todo_rows],
        review_tasks=held_tasks(session, user),
        deadlines=[clocks.deadline_out(d, on) for d in deadlines],
        rectifications=todo_rectifications(session, user, on),
        upward_reports=reports,
        licences=[
            InboxLicence(**vars(d), days_left=(d.due_on - on).days, overdue=d.due_on < on)
            for d in licensing_due.due(session, user, on, due_soon)
        ],
    )
    unit = session.get(Unit, user.unit_code)
    return InboxOut(
        unit_name=unit.name if unit else user.unit_code,
        due_soon_days=due_soon,
        counts=InboxCounts(
            approvals=todo_approval_count(session, user),
            review_tasks=len(todo.review_tasks),
            deadlines=n_deadlines,
            overdue=n_overdue,
            rectifications=len(todo.rectifications),
            rectifications_overdue=sum(r.overdue for r in todo.rectifications),
            upward_reports=len(reports),
            licences=len(todo.licences),
            licences_overdue=sum(d.overdue for d in todo.licences),
        ),
        todo=todo,
        done=InboxDone(
            approvals=[_approval_item(*row) for row in done_rows],
            review_tasks=_tasks(session, user, ("submitted",), limit=done_limit),
        ),
    )
