"""Rectification (整改): the states of a task and of its findings, as a small pure state machine.

A review with deductions above ``rectification_deduction_threshold`` opens a task to the handling unit; the
unit answers every finding (``corrected`` with a document or an explanation, or ``disputed`` with a
reason); a reviewer re-checks every answer (``accept`` or ``return`` with a reason). The task is

    open ──(every finding answered)──▶ answered ──(every answer accepted)──▶ closed
      ▲                                   │
      └──────── returned ◀──(any answer returned)

and a finding ``pending → corrected | disputed → accepted | returned → corrected | disputed → …``.
The API's service stores the states; the rules of which move is allowed live only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from zhifa.calendar import working_days_between

TASK_STATES = ("open", "answered", "returned", "closed")
ITEM_STATES = ("pending", "corrected", "disputed", "accepted", "returned")
ANSWERS = ("corrected", "disputed")
RECHECKS = ("accept", "return")
ANSWERABLE_TASK = frozenset({"open", "returned"})  # the unit's turn
ANSWERABLE_ITEM = frozenset({"pending", "returned", "corrected", "disputed"})  # answered may be re-answered
AWAITING_RECHECK = frozenset({"corrected", "disputed"})


class RectificationError(ValueError):
    """A move the state machine does not allow. ``kind``: ``closed`` / ``state`` (wrong turn, a 409), or
    ``unknown`` / ``invalid`` (bad input, a 422)."""

    def __init__(self, kind: str, code: str, message: str, detail: object = None) -> None:
        super().__init__(message)
        self.kind, self.code, self.message, self.detail = kind, code, message, detail


@dataclass(frozen=True)
class Answer:
    item_id: int
    outcome: str  # corrected | disputed
    text: str | None  # the explanation (corrected) or the reason (disputed)
    has_document: bool = False


@dataclass(frozen=True)
class Recheck:
    item_id: int
    decision: str  # accept | return
    reason: str | None


def needs_rectification(deductions: Iterable[Decimal], threshold: Decimal) -> bool:
    """Total deducted points strictly above the threshold open a task."""
    return sum(deductions, Decimal(0)) > threshold


def overdue_working_days(status: str, due: date, on: date, closed_on: date | None = None) -> int:
    """Working days past the due day: up to ``on`` while unclosed, up to the closing day once closed. The
    due day itself is in time, and so are the weekend and holidays right after it — a task is overdue from
    the first working day after its due day (the SQL twin: ``int_rectifications``)."""
    end = closed_on if status == "closed" else on
    return working_days_between(due, end) or 0


def is_overdue(status: str, due: date, on: date, closed_on: date | None = None) -> bool:
    return overdue_working_days(status, due, on, closed_on) > 0


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def _known(items: Mapping[int, str], ids: Iterable[int]) -> None:
    ids = list(ids)
    unknown = sorted(set(ids) - set(items))
    if unknown:
        raise RectificationError("unknown", "UNKNOWN_FINDING", "无此整改项 / unknown finding id", unknown)
    if len(set(ids)) != len(ids):
        raise RectificationError("invalid", "DUPLICATE_FINDING", "同一整改项重复 / a finding given twice")


def answer(task_status: str, items: Mapping[int, str], answers: list[Answer]) -> tuple[dict[int, str], str]:
    """New item states and task state after the unit's answers. ``items``: item id → state."""
    if task_status == "closed":
        raise RectificationError("closed", "RECTIFICATION_CLOSED", "整改已办结，不能再答复 / already closed")
    if task_status not in ANSWERABLE_TASK:
        raise RectificationError(
            "state", "AWAITING_RECHECK", "整改答复待复核，暂不能修改 / awaiting re-check"
        )
    if not answers:
        raise RectificationError("invalid", "NO_ANSWER", "请至少答复一项 / answer at least one finding")
    _known(items, (a.item_id for a in answers))
    new = dict(items)
    for a in answers:
        if a.outcome not in ANSWERS:
            raise RectificationError("invalid", "BAD_OUTCOME", "答复须为已整改或有异议 / corrected|disputed")
        if items[a.item_id] not in ANSWERABLE_ITEM:
            raise RectificationError(
                "state", "FINDING_ACCEPTED", "该项已复核通过 / already accepted", a.item_id
            )
        if a.outcome == "disputed" and _blank(a.text):
            raise RectificationError(
                "invalid", "REASON_REQUIRED", "有异议须说明理由 / a dispute needs a reason"
            )
        if a.outcome == "corrected" and _blank(a.text) and not a.has_document:
            raise RectificationError(
                "invalid", "EVIDENCE_REQUIRED", "已整改须上传补正材料或说明 / a document or an explanation"
            )
        new[a.item_id] = a.outcome
    done = all(s in AWAITING_RECHECK or s == "accepted" for s in new.values())
    return new, "answered" if done else task_status


def recheck(task_status: str, items: Mapping[int, str], checks: list[Recheck]) -> tuple[dict[int, str], str]:
    """New item states and task state after the reviewer's re-check of every answer waiting for it."""
    if task_status == "closed":
        raise RectificationError("closed", "RECTIFICATION_CLOSED", "整改已办结 / already closed")
    if task_status != "answered":
        raise RectificationError("state", "NOT_ANSWERED", "整改尚未全部答复 / not every finding answered yet")
    _known(items, (c.item_id for c in checks))
    waiting = {i for i, s in items.items() if s in AWAITING_RECHECK}
    missing = sorted(waiting - {c.item_id for c in checks})
    if missing:
        raise RectificationError(
            "invalid", "RECHECK_MISSING", "每项答复均须复核 / re-check every answer", missing
        )
    new = dict(items)
    for c in checks:
        if c.item_id not in waiting:
            raise RectificationError(
                "state", "FINDING_ACCEPTED", "该项已复核通过 / already accepted", c.item_id
            )
        if c.decision not in RECHECKS:
            raise RectificationError("invalid", "BAD_DECISION", "复核结论须为通过或退回 / accept|return")
        if c.decision == "return" and _blank(c.reason):
            raise RectificationError(
                "invalid", "REASON_REQUIRED", "退回须说明理由 / returning needs a reason"
            )
        new[c.item_id] = "accepted" if c.decision == "accept" else "returned"
    closed = all(s == "accepted" for s in new.values())
    return new, "closed" if closed else "returned"
