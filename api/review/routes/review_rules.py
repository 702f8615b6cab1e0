"""Rule management (评查规则录入): list, read with history, create, edit, switch on/off, dry run.

Everything here needs role ``quality`` (admin passes). Rules are national — one rule set for the whole
store, thresholds by province through ``setting('k')`` — so changing them is reserved to quality staff of a
province-level (or national) bureau; any quality user may read rules and dry-run over the dossiers in scope.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.core.errors import Forbidden, NotFound
from api.deps import DB, TxRoute, require
from api.models import ReviewRule, ReviewRuleSet, Unit, User
from api.review.schemas_review_rules import (
    MAX_VERSION,
    ActivateIn,
    DryRunIn,
    DryRunOut,
    RuleEdit,
    RuleIn,
    RuleListOut,
    RuleOut,
    RuleSetOut,
    RuleVersionOut,
)
from api.review.services import review_rules as svc
from api.review.services.rule_dry_run import dry_run as run_dry

router = APIRouter(tags=["review rules"], route_class=TxRoute)
Quality = Annotated[User, Depends(require("quality"))]
RULE_EDITOR_LEVELS = ("province", "national")


def _editor(db: Session, user: User) -> User:
    if "admin" in user.role_set:
        return user
    unit = db.get(Unit, user.unit_code)
    if unit is None or (unit.level not in RULE_EDITOR_LEVELS and unit.parent_code is not None):
        raise Forbidden(
            "RULE_EDITOR_LEVEL",
            "评查规则全国统一，只能由省级（含）以上评查管理人员修改 / rules are national: only quality "
            "staff of a province-level or national bureau may change them",
        )
    return user


def _out(version: svc.Version, in_force: dict[str, int], seen: set[tuple[str, int]]) -> RuleVersionOut:
    return RuleVersionOut(
        rule_id=version.rule_id,
        version=version.version,
        origin="reference" if version.origin == "reference" else "api",
        status=svc.status_of(version, in_force, seen),  # type: ignore[arg-type]
        created_at=version.created_at,
        **version.values,
    )


def _rule_out(db: Session, rule_id: str) -> RuleOut:
    history = svc.versions_of(db, rule_id)
    if not history:
        raise svc.rule_not_found(rule_id)
    _, in_force = svc.in_force_map(db)
    seen = svc.ever_in_force(db)
    versions = [_out(v, in_force, seen) for v in history]
    current = next((v for v in versions if v.status == "in_force"), versions[-1])
    return RuleOut(
        rule_id=rule_id,
        version_in_force=in_force.get(rule_id),
        latest_version=history[-1].version,
        current=current,
        versions=versions,
        null_failures=list(svc.null_warnings(current.condition)),
    )


@router.get("/review-rules", response_model=RuleListOut, summary="Rules in force (and drafts on request)")
def list_rules(db: DB, user: Quality, include_inactive: bool = False) -> RuleListOut:
    version, in_force = svc.in_force_map(db)
    seen = svc.ever_in_force(db)
    ids = set(in_force)
    if include_inactive:
        ids |= set(db.scalars(select(ReviewRule.rule_id).distinct()))
        ids |= set(svc.reference_rules()["rule_id"])
    rules = []
    for rule_id in sorted(ids):
        history = svc.versions_of(db, rule_id)
        chosen = [v for v in history if v.version == in_force.get(rule_id)] or history[-1:]
        rules.append(_out(chosen[0], in_force, seen))
    return RuleListOut(rule_set_version=version, rules=rules)


@router.get("/review-rules/{rule_id}", response_model=RuleOut, summary="A rule with its version history")
def get_rule(rule_id: str, db: DB, user: Quality) -> RuleOut:
    return _rule_out(db, rule_id)


@router.post(
    "/review-rules", response_model=RuleOut, status_code=201, summary="Create a rule (saved as draft)"
)
def create_rule(body: RuleIn, db: DB, user: Quality) -> RuleOut:
    row = svc.create(db, _editor(db, user), body.model_dump())
    return _rule_out(db, row.rule_id)


@router.patch("/review-rules/{rule_id}", response_model=RuleOut, summary="Edit: adds a draft version")
def edit_rule(rule_id: str, body: RuleEdit, db: DB, user: Quality) -> RuleOut:
    svc.edit(db, _editor(db, user), rule_id, body.model_dump(exclude_unset=True))
    return _rule_out(db, rule_id)


@router.post("/review-rules/{rule_id}/enable", response_model=RuleSetOut, summary="Switch a version on")
def enable_rule(rule_id: str, db: DB, user: Quality, body: ActivateIn | None = None) -> ReviewRuleSet:
    body = body or ActivateIn()
    return svc.enable(db, _editor(db, user), rule_id, body.version, body.note)


@router.post("/review-rules/{rule_id}/disable", response_model=RuleSetOut, summary="Switch a rule off")
def disable_rule(rule_id: str, db: DB, user: Quality, body: ActivateIn | None = None) -> ReviewRuleSet:
    return svc.disable(db, _editor(db, user), rule_id, (body or ActivateIn()).note)


@router.post("/review-rules/dry-run", response_model=DryRunOut, summary="Dry-run a rule over past dossiers")
def dry_run(body: DryRunIn, db: DB, user: Quality) -> DryRunOut:
    return run_dry(db, user, body)


@router.get("/review-rule-sets", response_model=list[RuleSetOut], summary="Rule-set versions, newest first")
def list_rule_sets(db: DB, user: Quality) -> list[ReviewRuleSet]:
    return list(db.scalars(select(ReviewRuleSet).order_by(ReviewRuleSet.version.desc())))


@router.get("/review-rule-sets/{version}", response_model=RuleSetOut, summary="One rule-set version")
def get_rule_set(version: Annotated[int, Path(ge=0, le=MAX_VERSION)], db: DB, user: Quality) -> ReviewRuleSet:
    found = db.get(ReviewRuleSet, version)
    if found is None:
        raise NotFound("RULE_SET_NOT_FOUND", f"规则集不存在 / rule set {version} not found")
    return found
