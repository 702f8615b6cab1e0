"""Pass 3: case records → contract tables (cases, case_items, case_officers, approvals, videos)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from zhifa.generator.cases import Case, CaseGenerator


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%S")


def status_of(gen: CaseGenerator, case: Case) -> str:
    if case.path in ("transferred", "withdrawn"):
        return case.path if gen.reached(case, case.path) else "investigating"
    for step, status in (
        ("closed", "closed"),
        ("executed", "executed"),
        ("served", "served"),
        ("decided", "decided"),
    ):
        if gen.reached(case, step):
            return status
    return "investigating" if gen.reached(case, "filed") else "filed"


def case_rows(gen: CaseGenerator, cases: list[Case]) -> dict[str, pd.DataFrame]:
    cases_out, items_out, officers_out, approvals_out, videos_out = [], [], [], [], []
    for case in cases:
        status = status_of(gen, case)
        seen = {step: case.at(step) if gen.reached(case, step) else None for step in case.off}
        decided = seen.get("decided")
        cases_out.append(
            dict(
                case_id=case.case_id,
                case_no=gen.case_no(case) if seen.get("filed") else None,
                unit_code=case.unit_code,
                violation_code=case.violation_code,
                source=case.source,
                discovered_at=_ts(case.discovered_at),
                filed_at=_ts(seen.get("filed")),
                party_type=case.party_type,
                **case.party,
                licence_no=case.licence_no,
                prior_offences_3y=case.prior_offences,
                circumstance_tier=case.tier.tier if case.tier is not None and decided else None,
                illegal_amount=case.stated_amount if decided else None,
                fine_amount=case.fine if decided else None,
                confiscated_value=case.computed_amount if decided else None,
                illegal_gains=None,
                deviation_reason=case.deviation_reason if decided else None,
                status=status,
                decided_at=_ts(decided),
                served_at=_ts(seen.get("served")),
                closed_at=_ts(seen.get("closed")),
                archived_at=_ts(seen.get("archived")),
                published_at=_ts(seen.get("published")),
                hearing_notified=bool(case.flags.get("hearing")) if decided else None,
                legal_review_done=bool(case.flags.get("legal_review")) if decided else None,
                collective_discussion=bool(case.flags.get("collective")) if decided else None,
                transferred_to="market_regulation" if status == "transferred" else None,
                extension_days=case.flags.get("extension") or None,
            )
        )
        for item in case.items:
            items_out.append(
                dict(
                    case_id=case.case_id,
                    line_no=item["line_no"],
                    barcode=item["barcode"],
                    product_code=item["product_code"],
                    spec_name_raw=item["spec_name_raw"],
                    quantity=item["quantity"],
                    quantity_unit=item["quantity_unit"],
                    unit_price=item.get("stated_unit_price", item["unit_price"]),
                    authenticity=item["authenticity"],
                    spray_code=item["spray_code"],
                )
            )
        for i, officer in enumerate(case.officers):
            officers_out.append(
                dict(case_id=case.case_id, officer_id=officer, role="lead" if i == 0 else "assistant")
            )
        approvals_out.extend(_approvals(gen, case, seen))
        videos_out.extend(_videos(gen, case, seen))
    return {
        "cases": pd.DataFrame(cases_out),
        "case_items": pd.DataFrame(items_out),
        "case_officers": pd.DataFrame(officers_out),
        "approvals": pd.DataFrame(approvals_out),
        "videos": pd.DataFrame(videos_out),
    }


def _approvals(gen: CaseGenerator, case: Case, seen: dict[str, datetime | None]) -> list[dict[str, Any]]:
    head = gen.unit_head[case.unit_code]
    lead = case.officers[0]
    wanted: list[tuple[str, str, datetime | None]] = [("filing", "approved", seen.get("filed"))]
    wanted.append(("preservation", "approved", seen.get("preservation")))
    wanted.append(("preservation_handling", "approved", seen.get("preservation_handling")))
    if case.flags.get("extension") and seen.get("extension"):
        wanted.append(("extension", "approved", seen.get("extension")))
    decided = seen.get("decided")
    if decided is not None:
        if case.deviation == "approved":
            wanted.append(("discretion_deviation", "approved", decided - timedelta(days=2)))
        elif case.deviation == "unapproved" and len(case.case_id) % 2:
            wanted.append(("discretion_deviation", "pending", None))  # asked, never granted
        if case.flags.get("legal_review"):
            wanted.append(("legal_review", "approved", seen.get("legal_review")))
        wanted.append(("decision", "approved", decided - timedelta(hours=3)))
    if seen.get("closed") is not None:
        wanted.append(("closing", "approved", seen.get("closed")))
    rows = []
    for n, (kind, outcome, when) in enumerate(wanted, start=1):
        if outcome == "approved" and when is None:
            continue
        requested = (when or (decided or case.discovered_at)) - timedelta(hours=5)
        rows.append(
            dict(
                approval_id=f"A{case.case_id[1:]}{n:02d}",
                case_id=case.case_id,
                kind=kind,
                requested_by=lead,
                requested_at=_ts(requested),
                decided_by=head if outcome != "pending" else None,
                decided_at=_ts(when) if outcome != "pending" else None,
                outcome=outcome,
                reason=case.deviation_reason if kind == "discretion_deviation" else None,
            )
        )
    return rows


def _videos(gen: CaseGenerator, case: Case, seen: dict[str, datetime | None]) -> list[dict[str, Any]]:
    steps: list[tuple[str, datetime | None]] = [("inspection", case.discovered_at)]
    if seen.get("preservation"):
        steps.append(("preservation", seen["preservation"]))
    if seen.get("served"):
        steps.append(("service", seen["served"]))
    rows = []
    for n, (step, started) in enumerate(steps, start=1):
        if step == "inspection" and case.flags.get("no_inspection_video"):
            continue
        assert started is not None
        ended = started + timedelta(minutes=20 + (n * 7 + case.serial) % 60)
        delay = case.flags.get("late_video_hours") if step == "inspection" else None
        uploaded = ended + timedelta(hours=delay if delay else 1 + (case.serial + n) % 18)
        video_id = f"V{case.case_id[1:]}{n:02d}"
        rows.append(
            dict(
                video_id=video_id,
                case_id=case.case_id,
                officer_id=case.officers[0],
                device_id=f"DV{case.unit_code}{case.serial % 7 + 1:02d}",
                step=step,
                started_at=_ts(started),
                ended_at=_ts(ended),
                uploaded_at=_ts(uploaded),
                sha256=hashlib.sha256(video_id.encode()).hexdigest(),
            )
        )
    return rows
