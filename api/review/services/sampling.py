"""Sampling plans (抽查制) and reproducible draws.

Algorithm ``hmac-sha256-es-v1`` (docs/review-workflow.md has the by-hand version):

1. Population: the plan's dossiers (period, units with their subtrees, violations) inside the plan
   owner's subtree, as case ids sorted by code point — the order never depends on a database collation.
2. Strata: the dossier's ``unit_code`` or ``violation_code`` (``-`` if none), or one stratum ``all``.
   Size per stratum: ``count_per_unit`` (at most the stratum), or ``ceil(rate × N)``.
3. Per case ``u = ((first 8 bytes of HMAC-SHA256(key=seed, msg=case_id) as big-endian int) >> 11) + 0.5)
   / 2**53`` — uniform in (0, 1), exact in binary floating point.
4. Unweighted: the n cases with the largest ``u``. Weighted (Efraimidis–Spirakis A-Res): weight
   ``w = sampling_risk_weight_base + risk_score`` and the n largest keys ``u ** (1 / w)``, compared as
   ``ln(u) / w``. Ties (never seen in practice) go to the smaller case id.
5. Draw order: strata by name, then key, largest first.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.core.errors import Conflict, DomainError, Invalid
from api.models import Dossier, SamplingDraw, SamplingPlan, Unit, User
from api.platform import warehouse
from api.platform.services import audit
from api.platform.services.users import in_scope, unit_path, visible_units
from api.review.services import review_tasks as tasks
from zhifa.clock import now

ALGORITHM = "hmac-sha256-es-v1"


# --- the pure algorithm (no database: an auditor can run it on the logged draw) ------------------------
def uniform(seed: str, case_id: str) -> float:
    digest = hmac.new(seed.encode("utf-8"), case_id.encode("utf-8"), hashlib.sha256).digest()
    return ((int.from_bytes(digest[:8], "big") >> 11) + 0.5) / 2.0**53


def population_digest(population: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(population).encode("utf-8")).hexdigest()


def stratum_size(size: int, rate: Decimal | None, count: int | None) -> int:
    if count is not None:
        return min(size, count)
    assert rate is not None
    return min(size, int((Decimal(size) * rate).to_integral_value(rounding=ROUND_CEILING)))


@dataclass(frozen=True)
class Drawn:
    selected: list[str]
    strata: list[tuple[str, int, int]]  # (stratum, size, n)


def draw_sample(
    population: Sequence[str],
    stratum_of: Mapping[str, str],
    seed: str,
    *,
    rate: Decimal | None,
    count: int | None,
    weights: Mapping[str, float] | None = None,
) -> Drawn:
    groups: dict[str, list[str]] = {}
    for case_id in sorted(population):
        groups.setdefault(stratum_of.get(case_id, "all"), []).append(case_id)
    selected: list[str] = []
    strata = []
    for name in sorted(groups):
        members = groups[name]
        n = stratum_size(len(members), rate, count)

        def key(case_id: str) -> tuple[float, str]:
            u = uniform(seed, case_id)
            k = u if weights is None else math.log(u) / float(weights[case_id])
            return (-k, case_id)  # largest key first; the smaller case id on a tie

        selected.extend(sorted(members, key=key)[:n])
        strata.append((name, len(members), n))
    return Drawn(selected, strata)


# --- plans and draws --------------------------------------------------------------------------------
def _check_units(session: Session, user: User, codes: list[str]) -> None:
    units = visible_units(session, user)
    bad = [c for c in codes if session.get(Unit, c) is None or (units is not None and c not in units)]
    if bad:
        raise Invalid("UNKNOWN_UNIT", f"单位不存在或不在管辖范围 / unit unknown or out of scope: {bad}")


def create_plan(session: Session, user: User, body: Any) -> SamplingPlan:
    _check_units(session, user, body.unit_codes)
    filters = {
        "decided_from": body.decided_from.isoformat() if body.decided_from else None,
        "decided_to": body.decided_to.isoformat() if body.decided_to else None,
        "unit_codes": sorted(set(body.unit_codes)),
        "violation_codes": sorted(set(body.violation_codes)),
    }
    plan = SamplingPlan(
        name=body.name,
        unit_code=user.unit_code,
        filters=filters,
        rate=body.rate,
        count_per_unit=body.count_per_unit,
        stratify_by=body.stratify_by,
        weight_by_risk=body.weight_by_risk,
        seed=body.seed or secrets.token_hex(16),
        created_by=user.id,
        created_at=now(),
    )
    audit.add_created(session, user, plan, action="create", entity="sampling_plan", entity_id="plan_id")
    return plan


def get_plan(session: Session, user: User, plan_id: int) -> SamplingPlan:
    plan = session.get(SamplingPlan, plan_id)
    return in_scope(
        session, user, plan, "PLAN_NOT_FOUND", f"抽查方案不存在 / sampling plan {plan_id} not found"
    )


def population(session: Session, plan: SamplingPlan) -> list[Dossier]:
    """The plan's dossiers, sorted by case id in Python (code points, not a database collation)."""
    f = plan.filters or {}
    stmt = (
        select(Dossier)
        .join(Unit, Unit.unit_code == Dossier.unit_code)
        .where(Unit.path.startswith(unit_path(session, plan.unit_code)))
    )
    if f.get("unit_codes"):
        stmt = stmt.where(or_(*(Unit.path.startswith(unit_path(session, c)) for c in f["unit_codes"])))
    if f.get("violation_codes"):
        stmt = stmt.where(Dossier.violation_code.in_(f["violation_codes"]))
    if f.get("decided_from"):
        stmt = stmt.where(Dossier.decided_on >= date.fromisoformat(f["decided_from"]))
    if f.get("decided_to"):
        stmt = stmt.where(Dossier.decided_on <= date.fromisoformat(f["decided_to"]))
    return sorted(session.scalars(stmt), key=lambda d: d.case_id)


def strata_of(plan: SamplingPlan, dossiers: Sequence[Dossier]) -> dict[str, str]:
    if plan.stratify_by is None:
        return {d.case_id: "all" for d in dossiers}
    return {d.case_id: str(getattr(d, plan.stratify_by) or "-") for d in dossiers}


def risk_weights(snapshot: Path, case_ids: Sequence[str], base: float) -> tuple[dict[str, float], int]:
    """``base + risk_score`` per case from the published snapshot (api.platform.warehouse).
    Cases the snapshot does not know yet weigh ``base`` (risk 0); their number is returned."""
    risk = warehouse.case_risk(snapshot, case_ids)
    return {c: base + risk.get(c, 0.0) for c in case_ids}, sum(c not in risk for c in case_ids)


def draw(
    session: Session, user: User, plan: SamplingPlan, snapshot: Path
) -> tuple[SamplingDraw, list[int], str]:
    dossiers = population(session, plan)
    case_ids = [d.case_id for d in dossiers]
    if not case_ids:
        raise Conflict("EMPTY_POPULATION", "抽查总体为空 / the plan's population is empty")
    notes = []
    weights = None
    if plan.weight_by_risk:
        base = float(tasks.setting(session, "sampling_risk_weight_base", plan.unit_code))
        weights, unknown = risk_weights(snapshot, case_ids, base)
        if unknown:
            notes.append(
                f"{unknown} 件不在快照中，按风险 0 计 / {unknown} cases not in the snapshot weigh as risk 0"
            )
    drawn = draw_sample(
        case_ids,
        strata_of(plan, dossiers),
        plan.seed,
        rate=plan.rate,
        count=plan.count_per_unit,
        weights=weights,
    )
    record = SamplingDraw(
        plan_id=plan.plan_id,
        seed=plan.seed,
        algorithm=ALGORITHM,
        population=case_ids,
        population_digest=population_digest(case_ids),
        weights=weights,
        selected=drawn.selected,
        drawn_by=user.id,
        drawn_at=now(),
    )
    audit.add_created(session, user, record, action="draw", entity="sampling_draw", entity_id="draw_id")
    by_case = {d.case_id: d for d in dossiers}
    task_ids, skipped = [], 0
    for case_id in drawn.selected:
        dossier = tasks.lock_dossier(session, by_case[case_id].dossier_id)
        try:
            task = tasks.create_task(session, user, dossier, "sample", draw_id=record.draw_id)
        except DomainError:  # an unfinished sample task of this dossier exists: it is not published twice
            skipped += 1
            continue
        task_ids.append(task.task_id)
    if skipped:
        notes.append(
            f"{skipped} 件已有未完成的抽查任务 / {skipped} drawn dossiers already had an open sample task"
        )
    return record, task_ids, "; ".join(notes)


def _rederive(session: Session, record: SamplingDraw) -> tuple[SamplingPlan, dict[str, str], Drawn]:
    """The logged draw's plan, the stratum of every case (from its dossier: unit and violation of a case
    do not change) and the draw recomputed from the logged population, weights and seed."""
    plan = session.get(SamplingPlan, record.plan_id)
    assert plan is not None
    dossiers = list(session.scalars(select(Dossier).where(Dossier.case_id.in_(record.population))))
    stratum_of = strata_of(plan, dossiers)
    drawn = draw_sample(
        record.population,
        stratum_of,
        record.seed,
        rate=plan.rate,
        count=plan.count_per_unit,
        weights=record.weights,
    )
    return plan, stratum_of, drawn


def draw_strata(session: Session, record: SamplingDraw) -> tuple[dict[str, str], list[tuple[str, int, int]]]:
    """Stratum of every case of a logged draw and the per-stratum sizes recomputed from them."""
    _, stratum_of, drawn = _rederive(session, record)
    return stratum_of, drawn.strata


def verify(session: Session, record: SamplingDraw) -> dict[str, Any]:
    plan, _, again = _rederive(session, record)
    return {
        "draw_id": record.draw_id,
        "digest_matches": population_digest(record.population) == record.population_digest,
        "selection_matches": again.selected == list(record.selected),
        "population_unchanged": [d.case_id for d in population(session, plan)] == list(record.population),
        "recomputed": again.selected,
    }


def get_draw(session: Session, user: User, draw_id: int) -> SamplingDraw:
    """The draw if its plan is in the user's scope; a draw of another unit's plan is "not found" too."""
    record = session.get(SamplingDraw, draw_id)
    plan = session.get(SamplingPlan, record.plan_id) if record is not None else None
    in_scope(session, user, plan, "DRAW_NOT_FOUND", f"抽查记录不存在 / sampling draw {draw_id} not found")
    assert record is not None
    return record
