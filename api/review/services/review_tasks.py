"""Review tasks: publishing, the shared pool (抢单制), claims under a lease, release and lease expiry.

A claim is a compare-and-set: ``UPDATE review_tasks SET status='claimed' … WHERE task_id=? AND
status='open' AND lock_version=?`` — of two claimers only one UPDATE matches a row. The per-reviewer cap
is checked after locking the reviewer's own user row (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` already serialises every writer), so one reviewer's parallel claims cannot all pass
the count. Thresholds (cap, lease, exclusion policy) are settings of reference data.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from api.core import refdata
from api.core.errors import Conflict, Forbidden, Invalid, Misconfigured, NotFound
from api.models import Dossier, HumanReview, Officer, ReviewTask, Unit, User
from api.platform.services import audit
from api.platform.services.users import can_see_unit, province_of, unit_path, visible_units
from zhifa.clock import now, today

FIRST_MODES = ("pool", "sample")  # a first review of a dossier
ACTIVE = ("open", "claimed")  # a task not yet done: at most one per dossier and mode


def province(session: Session, unit_code: str) -> tuple[str, str]:
    """(province code, its unit path), remembered for the session: a claim asks several times."""
    memo: dict[str, tuple[str, str]] = session.info.setdefault("review_provinces", {})
    if unit_code not in memo:
        code = province_of(session, unit_code)
        memo[unit_code] = (code, unit_path(session, code))
    return memo[unit_code]


def setting(session: Session, key: str, unit_code: str, on: date | None = None) -> float | str:
    """A review setting in force for the province of ``unit_code``."""
    return refdata.setting(key, province(session, unit_code)[0], on or today())


def excluded_units(session: Session, user: User) -> set[str]:
    """Units whose dossiers ``user`` may never review: their own, and their parent's when the setting
    ``review_exclusion`` is ``own_unit_and_parent``."""
    policy = str(setting(session, "review_exclusion", user.unit_code))
    if policy not in ("own_unit", "own_unit_and_parent"):
        raise Misconfigured(
            "BAD_SETTING", f"设置 review_exclusion 取值无效 / bad review_exclusion setting: {policy}"
        )
    out = {user.unit_code}
    if policy == "own_unit_and_parent":
        parent = session.scalar(select(Unit.parent_code).where(Unit.unit_code == user.unit_code))
        if parent:
            out.add(parent)
    return out


def prior_reviewers(session: Session, dossier_id: int) -> set[int]:
    return set(session.scalars(select(HumanReview.reviewer_id).where(HumanReview.dossier_id == dossier_id)))


def _qualified(session: Session, user: User, mode: str) -> None:
    """Reviewers claim; quality staff may also take arbitration. A reviewer linked to an officer record
    must hold a certificate valid today (an unlinked reviewer account is accepted: not every reviewer is
    a field officer)."""
    roles = user.role_set
    if not ({"reviewer", "admin"} & roles or (mode == "arbitration" and "quality" in roles)):
        raise Forbidden("ROLE_REQUIRED", "需要评查员角色 / reviewer role required")
    if user.officer_id:
        officer = session.get(Officer, user.officer_id)
        on = today()
        if officer is None or not (
            (officer.cert_valid_from is None or officer.cert_valid_from <= on)
            and (officer.cert_valid_to is None or officer.cert_valid_to >= on)
        ):
            raise Forbidden(
                "CERTIFICATE_INVALID", "执法证不在有效期内，不能评查 / reviewer certificate not valid"
            )


def _in_province(session: Session, user: User) -> Any:
    """SQL condition: the dossier's unit lies in the reviewer's province (the pool is province-wide)."""
    return Unit.path.startswith(province(session, user.unit_code)[1])


def _get(session: Session, user: User, task_id: int) -> ReviewTask:
    """The task if ``user`` may know of it — its dossier lies in their scope or their province (the pool's
    reach), or they hold it; otherwise 404, exactly as for an id that does not exist."""
    task = session.get(ReviewTask, task_id)
    dossier = session.get(Dossier, task.dossier_id) if task is not None else None
    if (
        task is None
        or dossier is None
        or not (
            "admin" in user.role_set
            or task.assignee_id == user.id
            or can_see_unit(session, user, dossier.unit_code)
            or province(session, dossier.unit_code)[0] == province(session, user.unit_code)[0]
        )
    ):
        raise NotFound("TASK_NOT_FOUND", f"评查任务不存在 / review task {task_id} not found")
    return task


def set_state(session: Session, user: User | None, task: ReviewTask, action: str, **values: Any) -> bool:
    """Compare-and-set on (status, lock_version); False if someone else changed the task first."""
    before = audit.snapshot(task)
    result = session.execute(
        update(ReviewTask)
        .where(
            ReviewTask.task_id == task.task_id,
            ReviewTask.status == task.status,
            ReviewTask.lock_version == task.lock_version,
        )
        .values(lock_version=ReviewTask.lock_version + 1, updated_at=now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(task)
    audit.record(
        session,
        user_id=user.id if user else None,
        username=user.username if user else "system",
        action=action,
        entity="review_task",
        entity_id=str(task.task_id),
        before=before,
        after=audit.snapshot(task),
    )
    return True


def expire_leases(session: Session, *, task_ids: list[int] | None = None) -> list[int]:
    """Return every claimed task whose lease has run out to the pool (called lazily by the pool list and
    by claims, and by ``POST /review-tasks/expire-leases``). Caller commits."""
    stmt = select(ReviewTask).where(ReviewTask.status == "claimed", ReviewTask.lease_expires_at < now())
    if task_ids is not None:
        stmt = stmt.where(ReviewTask.task_id.in_(task_ids))
    returned = []
    for task in session.scalars(stmt).all():
        if set_state(
            session, None, task, "lease_expired", status="open", assignee_id=None, lease_expires_at=None
        ):
            returned.append(task.task_id)
    return returned


# --- publishing ---------------------------------------------------------------------------------------
def lock_dossier(session: Session, dossier_id: int) -> Dossier:
    dossier = session.scalars(
        select(Dossier).where(Dossier.dossier_id == dossier_id).with_for_update()
    ).one_or_none()
    if dossier is None:
        raise NotFound("DOSSIER_NOT_FOUND", f"案卷不存在 / dossier {dossier_id} not found")
    return dossier


def create_task(
    session: Session,
    user: User,
    dossier: Dossier,
    mode: str,
    *,
    parent_task_id: int | None = None,
    draw_id: int | None = None,
    actor: User | None = None,
) -> ReviewTask:
    """One task not yet done per dossier and mode (the dossier row is locked by the caller). ``user``
    publishes it; ``actor`` (default ``user``) is who caused it, for the audit log."""
    active = session.scalar(
        select(ReviewTask.task_id).where(
            ReviewTask.dossier_id == dossier.dossier_id,
            ReviewTask.mode == mode,
            ReviewTask.status.in_(ACTIVE),
        )
    )
    if active is not None:
        raise Conflict(
            "TASK_EXISTS",
            f"该案卷已有未完成的{mode}任务 / dossier {dossier.dossier_id} already has an open {mode} "
            f"task ({active})",
            {"task_id": active},
        )
    stamp = now()
    task = ReviewTask(
        dossier_id=dossier.dossier_id,
        mode=mode,
        status="open",
        parent_task_id=parent_task_id,
        draw_id=draw_id,
        publisher_unit=user.unit_code,
        published_by=user.id,
        published_at=stamp,
        lock_version=0,
        updated_at=stamp,
    )
    audit.add_created(
        session, actor or user, task, action="publish", entity="review_task", entity_id="task_id"
    )
    return task


def _first_review(session: Session, dossier_id: int) -> HumanReview | None:
    return session.scalars(
        select(HumanReview)
        .where(HumanReview.dossier_id == dossier_id, HumanReview.mode.in_(FIRST_MODES))
        .order_by(HumanReview.review_id)
        .limit(1)
    ).first()


def publish(session: Session, user: User, dossier_ids: list[int], mode: str) -> list[ReviewTask]:
    """Quality staff (or a manager, for dossiers of their own subtree) publish dossiers as ``pool`` tasks
    or open a ``re_review`` of a dossier that has a first review."""
    if not ({"quality", "manager", "admin"} & user.role_set):
        raise Forbidden("ROLE_REQUIRED", "需要评查管理或管理者角色 / quality or manager role required")
    if mode not in ("pool", "re_review"):
        raise Invalid("BAD_MODE", f"只能发布 pool 或 re_review 任务 / cannot publish mode {mode}")
    units = visible_units(session, user)
    tasks = []
    for dossier_id in dict.fromkeys(dossier_ids):
        dossier = lock_dossier(session, dossier_id)
        if units is not None and dossier.unit_code not in units:
            raise NotFound("DOSSIER_NOT_FOUND", f"案卷不存在或无权访问 / dossier {dossier_id} not found")
        parent = None
        if mode == "re_review":
            first = _first_review(session, dossier_id)
            if first is None:
                raise Conflict(
                    "NO_FIRST_REVIEW", f"案卷尚无初评，不能复核 / dossier {dossier_id} has no review yet"
                )
            parent = first.task_id
        tasks.append(create_task(session, user, dossier, mode, parent_task_id=parent))
    return tasks


# --- pool and claims ----------------------------------------------------------------------------------
def _claimable(session: Session, user: User) -> Select[ReviewTask, Dossier]:
    stmt = (
        select(ReviewTask, Dossier)
        .join(Dossier, Dossier.dossier_id == ReviewTask.dossier_id)
        .join(Unit, Unit.unit_code == Dossier.unit_code)
        .where(ReviewTask.status == "open", Dossier.unit_code.not_in(excluded_units(session, user)))
    )
    if "admin" not in user.role_set:
        stmt = stmt.where(_in_province(session, user))
    reviewed = select(HumanReview.dossier_id).where(HumanReview.reviewer_id == user.id)
    # nobody reviews the same dossier twice: re-review and arbitration need someone new
    return stmt.where(ReviewTask.dossier_id.not_in(reviewed))


def pool(session: Session, user: User, mode: str | None, limit: int) -> list[tuple[ReviewTask, Dossier]]:
    """Open tasks ``user`` may claim, oldest first (expired leases are returned to the pool first)."""
    expire_leases(session)
    stmt = _claimable(session, user)
    if not ({"reviewer", "admin"} & user.role_set):
        stmt = stmt.where(ReviewTask.mode == "arbitration")  # quality staff arbitrate only
    if mode:
        stmt = stmt.where(ReviewTask.mode == mode)
    rows = session.execute(stmt.order_by(ReviewTask.published_at, ReviewTask.task_id).limit(limit))
    return [(t, d) for t, d in rows.tuples()]


def open_claims(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(ReviewTask)
            .where(ReviewTask.assignee_id == user_id, ReviewTask.status == "claimed")
        )
        or 0
    )


def claim(session: Session, user: User, task_id: int) -> ReviewTask:
    """First come, first served; 409 TASK_TAKEN to everyone after the first."""
    # serialise this reviewer's own claims so the cap holds (PostgreSQL; SQLite is serialised already)
    session.execute(select(User.id).where(User.id == user.id).with_for_update())
    expire_leases(session, task_ids=[task_id])
    task = _get(session, user, task_id)
    _qualified(session, user, task.mode)
    found = session.execute(_claimable(session, user).where(ReviewTask.task_id == task_id)).first()
    if found is None:
        session.refresh(task)  # the row as of now: another claim may have committed meanwhile
        if task.status != "open":
            raise Conflict("TASK_TAKEN", "任务已被领取或已完成 / task already claimed or done")
        raise Forbidden(
            "TASK_EXCLUDED", "回避：不能评查本单位或已评过的案卷 / excluded: own unit or reviewed before"
        )
    dossier = found[1]
    cap = int(float(setting(session, "review_claim_cap", user.unit_code)))
    if open_claims(session, user.id) >= cap:
        raise Conflict("CLAIM_CAP", f"已达领取上限 {cap} 件 / open-claim cap of {cap} reached", {"cap": cap})
    lease = timedelta(minutes=float(setting(session, "review_lease_minutes", dossier.unit_code)))
    stamp = now()
    if not set_state(
        session,
        user,
        task,
        "claim",
        status="claimed",
        assignee_id=user.id,
        claimed_at=stamp,
        lease_expires_at=stamp + lease,
    ):
        raise Conflict("TASK_TAKEN", "任务已被领取 / task already claimed")
    return task


def held(session: Session, user: User, task_id: int) -> ReviewTask:
    """The task, if ``user`` holds it under a live lease (an expired one goes back to the pool)."""
    expire_leases(session, task_ids=[task_id])
    task = _get(session, user, task_id)
    if task.status != "claimed" or task.assignee_id != user.id:
        raise Conflict(
            "NOT_HOLDER", "你未持有该任务或租约已过期 / you do not hold this task (lease expired?)"
        )
    return task


def release(session: Session, user: User, task_id: int) -> ReviewTask:
    task = held(session, user, task_id)
    if not set_state(
        session,
        user,
        task,
        "release",
        status="open",
        assignee_id=None,
        claimed_at=None,
        lease_expires_at=None,
    ):
        raise Conflict("TASK_CHANGED", "任务已被修改，请刷新 / task changed meanwhile")
    return task


def cancel(session: Session, user: User, task_id: int) -> ReviewTask:
    task = _get(session, user, task_id)
    manage_scope(session, user, task)
    if task.status not in ACTIVE or not set_state(
        session, user, task, "cancel", status="cancelled", assignee_id=None, lease_expires_at=None
    ):
        raise Conflict("TASK_DONE", "任务已完成或已取消 / task already done or cancelled")
    return task


def manage_scope(session: Session, user: User, task: ReviewTask) -> Dossier:
    """Quality staff and managers manage tasks of dossiers in their subtree."""
    dossier = session.get(Dossier, task.dossier_id)
    units = visible_units(session, user)
    if (
        not ({"quality", "manager", "admin"} & user.role_set)
        or dossier is None
        or (units is not None and dossier.unit_code not in units)
    ):
        raise NotFound("TASK_NOT_FOUND", f"评查任务不存在 / review task {task.task_id} not found")
    return dossier
