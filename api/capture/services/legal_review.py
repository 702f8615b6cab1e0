"""Legal review of major decisions (重大执法决定法制审核) and collective discussion (集体讨论),
行政处罚法 §57–58.

Whether a case is major comes from the catalogue (:mod:`zhifa.major_decisions`); a matching case is not
decided (or transferred) until a legal reviewer of the right level has concluded 同意 or 修改后同意, and —
where the catalogue says so — a collective discussion is on record. Both are checked by the workflow, so
neither can be bypassed through the API."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.capture.services import approvals, documents
from api.capture.services.valuation import value_case
from api.core.errors import Forbidden, Invalid
from api.models import Approval, Case, CollectiveDiscussion, Document, Unit, User
from api.platform.services import audit
from api.platform.services.users import province_of
from zhifa.clock import local_date, now
from zhifa.major_decisions import CatalogueHit, MajorDecisionFacts, hits, may_review, required_level

# the legal reviewer's conclusion (法制审核意见) and what it does to the approval
CONCLUSIONS = {"同意": "approved", "修改后同意": "approved", "不同意": "rejected"}
LEVEL_ZH = {"county": "县级", "city": "市级", "province": "省级"}


def _on(case: Case) -> date:
    return case.seized_on or local_date(case.discovered_at)


def catalogue_hits(session: Session, case: Case, *, transferring: bool = False) -> list[CatalogueHit]:
    held = session.scalar(
        select(Document.document_id).where(
            Document.case_id == case.case_id, Document.doc_type == "hearing_record"
        )
    )
    goods_value = value_case(session, case).total if case.items else case.illegal_amount
    facts = MajorDecisionFacts(
        fine_amount=case.fine_amount,
        goods_value=goods_value,
        hearing_held=held is not None,
        marked_complex=bool(case.marked_complex),
        transferring=transferring,
    )
    return hits(facts, province_of(session, case.unit_code), _on(case))


def discussion(session: Session, case: Case) -> CollectiveDiscussion | None:
    return session.scalars(
        select(CollectiveDiscussion)
        .where(CollectiveDiscussion.case_id == case.case_id)
        .order_by(CollectiveDiscussion.discussion_id.desc())
    ).first()


def problems(session: Session, case: Case, *, transferring: bool = False) -> list[str]:
    """What the catalogue still demands before the decision (or transfer), in words; empty: nothing."""
    found = catalogue_hits(session, case, transferring=transferring)
    if not found:
        return []
    out = []
    if approvals.approved(session, case.case_id, "legal_review") is None:
        reasons = "；".join(h.words() for h in found)
        out.append(f"重大执法决定须经法制审核：{reasons} / legal review required (major decision)")
    needs_discussion = [h for h in found if h.collective_discussion]
    if needs_discussion and discussion(session, case) is None:
        reasons = "；".join(h.name_zh for h in needs_discussion)
        out.append(f"须经负责人集体讨论：{reasons} / collective discussion required")
    return out


def check_reviewer(session: Session, user: User, found: list[CatalogueHit]) -> None:
    """A legal review of a major case needs a reviewer of the unit level the catalogue names, or higher."""
    needed = required_level(found)
    unit = session.get(Unit, user.unit_code)
    if needed is None or unit is None or "admin" in user.role_set:
        return
    if not may_review(unit.level, needed):
        raise Forbidden(
            "REVIEWER_LEVEL",
            f"该案须由{LEVEL_ZH[needed]}法制审核人员审核 / needs a legal reviewer of a {needed}-level unit",
        )


def conclude(
    session: Session, user: User, approval: Approval, case: Case, outcome: str, conclusion: str | None,
    note: str | None, root: Path, checklist: list[dict[str, Any]] | None = None,
) -> None:  # fmt: skip
    """Check the legal reviewer's conclusion against the outcome and generate the 法制审核意见书 with it."""
    conclusion = conclusion or ("同意" if outcome == "approved" else "不同意")
    if CONCLUSIONS[conclusion] != outcome:
        raise Invalid(
            "CONCLUSION_MISMATCH", f"审核结论“{conclusion}”与审批结果不符 / conclusion contradicts outcome"
        )
    if not (note or "").strip():
        raise Invalid("OPINION_REQUIRED", "法制审核须填写审核意见 / the review needs an opinion")
    found = catalogue_hits(session, case)  # values the goods once for the level check and the text
    check_reviewer(session, user, found)
    basis = "；".join(h.words() for h in found) or "承办机构申请审核"
    approval.payload = {**approval.payload, "conclusion": conclusion}
    extra = [("审核事项", basis)]
    for item in checklist or []:  # the reviewer's checklist, item by item (符合 / 存疑 with the note)
        verdict = "符合" if item["result"] != "flagged" else f"存疑：{item['note']}"
        extra.append((str(item["name_zh"]), verdict))
    extra += [("审核结论", conclusion), ("审核意见", str(note)), ("审核人", user.username)]
    documents.generate(session, user, case, "legal_review_opinion", root, extra_fields=extra)


def decide(
    session: Session, user: User, approval: Approval, case: Case, outcome: str, conclusion: str | None,
    note: str | None, root: Path, checklist: list[dict[str, Any]] | None = None,
) -> None:  # fmt: skip
    """Decide any approval; a legal review (法制审核) also takes a conclusion and an opinion and generates
    the 法制审核意见书 — after every check has passed, so a refused decision leaves no document."""
    items = approvals.admissible(session, user, approval, case, note, checklist)
    if approval.kind == "legal_review":
        conclude(session, user, approval, case, outcome, conclusion, note, root, items)
    approvals.record_decision(session, user, approval, case, outcome, note, items)


def record_discussion(
    session: Session,
    user: User,
    case: Case,
    held_on: date,
    participants: list[str],
    conclusion: str,
    root: Path,
) -> CollectiveDiscussion:
    """Record the head's collective discussion and generate its 集体讨论记录."""
    names = [p.strip() for p in participants if p.strip()]
    if len(set(names)) < 3:
        raise Invalid("TOO_FEW_PARTICIPANTS", "集体讨论至少三名负责人参加 / at least three participants")
    if held_on > local_date(now()):
        raise Invalid("DATE_IN_FUTURE", "讨论日期晚于今天 / held_on is in the future")
    extra = [("讨论时间", held_on.isoformat()), ("参加人员", "、".join(names)), ("讨论结论", conclusion)]
    doc = documents.generate(session, user, case, "collective_discussion", root, extra_fields=extra)
    row = CollectiveDiscussion(
        case_id=case.case_id,
        held_on=held_on,
        participants=names,
        conclusion=conclusion,
        document_id=doc.document_id,
        recorded_by=user.id,
        recorded_at=now(),
    )
    audit.add_created(
        session, user, row, action="record", entity="collective_discussion", entity_id="discussion_id"
    )
    return row
