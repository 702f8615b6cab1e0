"""Helpers for the review-task tests: reviewer and quality logins, dossiers with a machine review written
straight through the ORM (upload and machine review are another module's job), the rule table read
from the seed CSV itself (so expected scores do not come from the code under test)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from apitest_support import PASSWORD, SECRET
from sqlalchemy import select

from api.core.security import create_token
from api.models import Dossier, MachineReview, User
from api.platform.services.users import create_user
from zhifa.clock import now
from zhifa.settings import SEEDS_DIR

# unit tree of the test catalog: 410000 province → 410100 city → 410122 county; 410200 another city
REVIEW_USERS = [
    ("quality", "410000", ["quality"]),
    ("r_prov", "410000", ["reviewer"]),
    ("r_city", "410100", ["reviewer"]),
    ("r_county", "410122", ["reviewer"]),
    ("r_kf", "410200", ["reviewer"]),
    ("r_kf2", "410200", ["reviewer"]),
    ("r_kf3", "410200", ["reviewer"]),
]


def seed_rules() -> dict[str, dict[str, Any]]:
    with (SEEDS_DIR / "ref_review_rules.csv").open(encoding="utf-8") as f:
        return {r["rule_id"]: r for r in csv.DictReader(f)}


def seed_setting(key: str) -> str:
    with (SEEDS_DIR / "ref_settings.csv").open(encoding="utf-8") as f:
        return next(r["value"] for r in csv.DictReader(f) if r["key"] == key and not r["province_code"])


def add_users(app: Any, users: list[tuple[str, str, list[str]]] = REVIEW_USERS) -> dict[str, int]:
    with app.state.sessionmaker() as s:
        for name, unit, roles in users:
            create_user(s, name, PASSWORD, unit, roles)
        s.commit()
        return dict(s.execute(select(User.username, User.id)).tuples().all())


def bearer(user_id: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(SECRET, user_id, 120)}"}


@dataclass(frozen=True)
class Finding:
    rule_id: str
    outcome: str  # passed | failed | not_checked | human


def finding_rows(findings: list[Finding]) -> list[dict[str, Any]]:
    rules = seed_rules()
    out = []
    for f in findings:
        rule = rules[f.rule_id]
        failed = f.outcome == "failed"
        out.append(
            {
                "rule_id": f.rule_id,
                "rule_version": 1,
                "outcome": f.outcome,
                "deducted_points": float(rule["deduct_points"]) if failed else 0.0,
                "veto": failed and rule["veto"] == "true",
                "evidence": {"note": f"测试证据 {f.rule_id}"},
            }
        )
    return out


def add_dossier(
    app: Any,
    case_id: str,
    unit_code: str,
    *,
    uploader: int,
    findings: list[Finding] | None = None,
    violation_code: str = "NON_DESIGNATED_SOURCE",
    decided_on: date | None = None,
    machine_score: float = 95.0,
    machine_grade: str = "优秀",
) -> int:
    stamp = now()
    with app.state.sessionmaker() as s:
        dossier = Dossier(
            case_id=case_id,
            unit_code=unit_code,
            violation_code=violation_code,
            decided_on=decided_on or (stamp.date() - timedelta(days=30)),
            status="received",
            uploaded_by=uploader,
            created_at=stamp,
            updated_at=stamp,
        )
        s.add(dossier)
        s.flush()
        if findings is not None:
            rows = finding_rows(findings)
            machine = MachineReview(
                dossier_id=dossier.dossier_id,
                rule_set_version=0,
                facts={},
                findings=rows,
                total_score=Decimal(str(machine_score)),
                grade=machine_grade,
                veto=False,
                n_checked=sum(r["outcome"] in ("passed", "failed") for r in rows),
                n_failed=sum(r["outcome"] == "failed" for r in rows),
                n_needs_human=sum(r["outcome"] == "human" for r in rows),
                duration_ms=1,
                created_at=stamp,
            )
            s.add(machine)
            s.flush()
            dossier.machine_review_id = machine.review_id
            dossier.machine_score = machine.total_score
            dossier.machine_grade = machine_grade
            dossier.machine_veto = False
        s.commit()
        return dossier.dossier_id
