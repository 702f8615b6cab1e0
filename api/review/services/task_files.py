"""Who may read a review task, and the dossier's files for the reviewer's side-by-side view (issue #17).

A task is readable by its holder (claimed or submitted) and by managers of the dossier's unit; to anyone
else it does not exist (404, like a missing one). The files are the dossier's own: a pool reviewer from
another county reads them through the task, never through /dossiers (outside their scope)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import NotFound
from api.models import Dossier, DossierFile, ReviewTask, User
from api.platform.services import storage
from api.review.services import human_review as hr
from api.review.services import review_tasks


def readable(session: Session, user: User, task_id: int) -> tuple[ReviewTask, Dossier, bool]:
    """The task, its dossier and whether the caller reads it as a manager."""
    review_tasks.expire_leases(session, task_ids=[task_id])
    task = session.get(ReviewTask, task_id)
    dossier = session.get(Dossier, task.dossier_id) if task else None
    if task is None or dossier is None:
        raise NotFound("TASK_NOT_FOUND", f"评查任务不存在 / review task {task_id} not found")
    manager = hr.is_manager_of(session, user, dossier) or "admin" in user.role_set
    holder = task.assignee_id == user.id and task.status in ("claimed", "submitted")
    if not (manager or holder):
        raise NotFound("TASK_NOT_FOUND", f"评查任务不存在 / review task {task_id} not found")
    return task, dossier, manager


def files(session: Session, dossier: Dossier) -> list[DossierFile]:
    return list(
        session.scalars(
            select(DossierFile)
            .where(DossierFile.dossier_id == dossier.dossier_id)
            .order_by(DossierFile.file_id)
        )
    )


def content(session: Session, dossier: Dossier, file_id: int, root: Path) -> tuple[bytes, str]:
    row = session.get(DossierFile, file_id)
    if row is None or row.dossier_id != dossier.dossier_id or row.sha256 is None:
        raise NotFound("FILE_NOT_FOUND", f"文件不存在 / file {file_id} not found")
    return storage.read(root, row.sha256), row.media_type or "application/octet-stream"
