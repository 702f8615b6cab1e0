"""Pass 2: plant procedural defects (each one the cause of exactly one risk signal) on chosen cases.

Only cases old enough to have run their whole course are candidates, so every planted defect is
visible in the export; each case carries at most one defect, and biased or noisy units' cases are left
alone so fine-consistency and procedure anomalies stay separable.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from zhifa.generator.cases import DEFECT_SHARE, PROCEDURAL_DEFECTS, Case, CaseGenerator


def _eligible(gen: CaseGenerator, case: Case, defect: str, protected: set[str]) -> bool:
    if case.unit_code in protected or case.officers[0] in protected or case.defects or case.path != "decided":
        return False
    if case.discovered_at > gen.export_at - timedelta(days=270):
        return False
    if defect == "HEARING_NOT_NOTIFIED":
        return bool(case.flags.get("hearing"))
    if defect == "LEGAL_REVIEW_MISSING":
        return bool(case.flags.get("legal_review"))
    if defect in ("DEVIATION_UNAPPROVED", "DECISION_OVERDUE"):
        return case.deviation is None and not case.flags.get("extension")
    if defect == "FINE_OUTSIDE_STATUTORY_RANGE":
        return case.deviation is None
    return True


def plant_defects(gen: CaseGenerator, cases: list[Case], rng: np.random.Generator) -> dict[str, list[str]]:
    protected = {u["unit_code"] for u in gen.truth["biased_units"]} | {gen.truth["small_noisy_unit"]}
    protected |= {o["officer_id"] for o in gen.truth["biased_officers"]}
    planted: dict[str, list[str]] = {}
    for defect in PROCEDURAL_DEFECTS:
        candidates = [c for c in cases if _eligible(gen, c, defect, protected)]
        n = min(len(candidates), max(3, int(DEFECT_SHARE * len(cases))))
        chosen = [candidates[int(i)] for i in sorted(rng.choice(len(candidates), size=n, replace=False))]
        for case in chosen:
            _apply(gen, case, defect, rng)
            case.defects.append(defect)
        planted[defect] = sorted(c.case_id for c in chosen)
    return planted


def _apply(gen: CaseGenerator, case: Case, defect: str, rng: np.random.Generator) -> None:
    off, u = case.off, rng.uniform
    if defect == "FILING_LATE":
        shift = u(9, 20) - off["filed"]
        for step in off:
            if step not in ("preservation", "preservation_handling"):
                off[step] += shift
    elif defect == "PRESERVATION_HANDLING_LATE":
        off["preservation_handling"] = u(9, 20)
    elif defect == "DECISION_OVERDUE":
        shift = off["filed"] + u(100, 130) - off["decided"]
        for step in (
            "decided",
            "prior_notice",
            "legal_review",
            "served",
            "published",
            "executed",
            "closed",
            "archived",
        ):
            off[step] += shift
    elif defect == "FEWER_THAN_TWO_OFFICERS":
        case.officers = case.officers[:1]
    elif defect == "OFFICER_CERT_INVALID":
        case.officers[1] = gen.expired_officer[case.unit_code]
    elif defect == "DOCUMENT_MISSING":
        case.flags["missing_document"] = str(
            rng.choice(["prior_notice", "investigation_report", "filing_report"])
        )
    elif defect == "SERVICE_LATE":
        shift = off["decided"] + u(9, 20) - off["served"]
        for step in ("served", "executed", "closed", "archived"):
            off[step] += shift
    elif defect == "LEGAL_REVIEW_MISSING":
        case.flags["legal_review"] = False
        off.pop("legal_review")
    elif defect == "HEARING_NOT_NOTIFIED":
        case.flags["hearing"] = False
    elif defect == "ARCHIVED_BEFORE_CLOSED":
        off["archived"] = off["closed"] - u(3, 10)
    elif defect == "PUBLICATION_LATE":
        off["published"] = off["decided"] + u(15, 30)
    elif defect == "VIDEO_MISSING":
        case.flags["no_inspection_video"] = True
    elif defect == "VIDEO_UPLOAD_LATE":
        case.flags["late_video_hours"] = float(u(30, 72))
    elif defect == "DEVIATION_UNAPPROVED":
        case.rate = gen.rate_at(case, 1.4)
        if case.tier.rate_min <= case.rate <= case.tier.rate_max:  # top tier ends at the statutory maximum
            case.rate = gen.rate_at(case, -1.4)
        case.fine = round(case.rate * case.computed_amount, 2)
        case.deviation = "unapproved"
        case.deviation_reason = "当事人拒不配合调查，情节较重" if rng.random() < 0.5 else None
    elif defect == "FINE_OUTSIDE_STATUTORY_RANGE":
        _, hi = gen.ref.statutory_range(case.violation_code)
        assert hi is not None
        case.rate = round(hi * 1.2, 4)
        case.fine = round(case.rate * case.computed_amount, 2)
        case.deviation = "approved"  # a superior signed it, but no approval can leave the statutory range
        case.deviation_reason = "情节特别严重"
    if defect in ("DEVIATION_UNAPPROVED", "FINE_OUTSIDE_STATUTORY_RANGE"):
        gen.refresh_thresholds(case)
    if defect == "VALUATION_MISMATCH":
        line = case.items[int(rng.integers(len(case.items)))]
        line["stated_unit_price"] = round(line["unit_price"] * float(rng.choice([0.7, 0.8, 1.25, 1.4])), 2)
        case.stated_amount = round(
            sum(round(i["cartons"] * i.get("stated_unit_price", i["unit_price"]), 2) for i in case.items), 2
        )
