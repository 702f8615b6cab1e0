"""Pass 3: case columns → contract tables (cases, case_items, case_officers, approvals, videos).

Timestamps stay datetimes here; ``output.py`` formats them when it writes.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from generator.cases import NONE, STEPS, CaseGenerator, Cases

Seen = dict[str, pd.Series]


def seen_steps(gen: CaseGenerator, f: pd.DataFrame) -> Seen:
    """Each step's time where it happened before the export (NaT otherwise); plus the discovery time."""
    return {"discovered": f.discovered_at, **{step: gen.seen(f, step) for step in STEPS}}


def status_of(f: pd.DataFrame, seen: Seen) -> np.ndarray:
    status = np.where(seen["filed"].notna(), "investigating", "filed").astype(object)
    for step in ("decided", "served", "executed", "closed"):
        status[seen[step].notna().to_numpy()] = step
    for path in ("transferred", "withdrawn"):
        mine = (f.path == path).to_numpy()
        status[mine] = np.where(seen[path].notna().to_numpy()[mine], path, "investigating")
    return status


def _when(mask: Any, values: Any) -> Any:
    return pd.Series(values).where(np.asarray(mask))


def case_rows(gen: CaseGenerator, cases: Cases, seen: Seen) -> dict[str, pd.DataFrame]:
    f = cases.frame
    status = status_of(f, seen)
    decided = seen["decided"].notna().to_numpy()

    def flag(col: str) -> pd.Series:
        return pd.Series(np.where(decided, f[col].to_numpy(bool), None), dtype=object)

    table = pd.DataFrame(
        dict(
            case_id=f.case_id,
            case_no=_when(seen["filed"].notna(), gen.case_numbers(f)),
            unit_code=f.unit_code,
            violation_code=f.violation_code,
            source=f.source,
            discovered_at=f.discovered_at,
            filed_at=seen["filed"],
            party_type=f.party_type,
            party_name=f.party_name,
            party_id_no=f.party_id_no,
            address=f.address,
            licence_no=f.licence_no,
            prior_offences_3y=f.prior_offences,
            circumstance_tier=_when(decided, f.tier),
            illegal_amount=_when(decided, f.stated_amount),
            fine_amount=_when(decided, f.fine),
            confiscated_value=_when(decided, f.computed_amount),
            illegal_gains=None,
            deviation_reason=_when(decided, f.deviation_reason),
            status=status,
            decided_at=seen["decided"],
            served_at=seen["served"],
            closed_at=seen["closed"],
            archived_at=seen["archived"],
            published_at=seen["published"],
            hearing_notified=flag("hearing"),
            legal_review_done=flag("legal_review"),
            collective_discussion=flag("collective"),
            transferred_to=np.where(status == "transferred", "market_regulation", NONE),
            extension_days=f.extension.where(f.extension > 0),
        )
    )
    it = cases.items
    items = pd.DataFrame(
        dict(
            case_id=f.case_id.to_numpy()[it.case],
            line_no=it.line_no,
            barcode=it.barcode,
            product_code=it.product_code,
            spec_name_raw=it.spec_name_raw,
            quantity=it.quantity,
            quantity_unit=it.quantity_unit,
            unit_price=it.stated_unit_price.fillna(it.unit_price),
            authenticity=it.authenticity,
            spray_code=it.spray_code,
        )
    )
    return {
        "cases": table,
        "case_items": items,
        "case_officers": _officers(f),
        "approvals": _approvals(gen, f, seen),
        "videos": _videos(f, seen),
    }


def _stack(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Rows of several per-kind frames, in case order then their number within the case."""
    out = pd.concat(parts, ignore_index=True).sort_values(["_case", "_n"], kind="stable")
    return out.drop(columns=["_case", "_n"]).reset_index(drop=True)


def _officers(f: pd.DataFrame) -> pd.DataFrame:
    lead = pd.DataFrame(dict(case_id=f.case_id, officer_id=f.lead, role="lead", _case=f.index, _n=1))
    has = f.assistant.notna()
    assistant = pd.DataFrame(
        dict(case_id=f.case_id[has], officer_id=f.assistant[has], role="assistant", _case=f.index[has], _n=2)
    )
    return _stack([lead, assistant])


def _approvals(gen: CaseGenerator, f: pd.DataFrame, seen: Seen) -> pd.DataFrame:
    decided_at = seen["decided"]
    decided = decided_at.notna()
    always = pd.Series(True, index=f.index)
    pending = (f.deviation == "unapproved") & (f.case_id.str.len() % 2 == 1)  # asked, never granted
    # kind, asked for (in this order, numbered), outcome, decided at
    wanted: list[tuple[str, pd.Series, str | pd.Series, pd.Series]] = [
        ("filing", always, "approved", seen["filed"]),
        ("preservation", always, "approved", seen["preservation"]),
        ("preservation_handling", always, "approved", seen["preservation_handling"]),
        ("extension", (f.extension > 0) & seen["extension"].notna(), "approved", seen["extension"]),
        (
            "discretion_deviation",
            decided & ((f.deviation == "approved") | pending),
            pd.Series(np.where(f.deviation == "approved", "approved", "pending"), index=f.index),
            decided_at - pd.Timedelta(days=2),
        ),
        ("legal_review", decided & f.legal_review, "approved", seen["legal_review"]),
        ("decision", decided, "approved", decided_at - pd.Timedelta(hours=3)),
        ("closing", seen["closed"].notna(), "approved", seen["closed"]),
    ]
    head = f.unit_code.map(gen.unit_head)
    number = pd.Series(0, index=f.index)
    parts = []
    for kind, asked, outcome, when in wanted:
        number = number + asked.astype(int)
        outcome = pd.Series(outcome, index=f.index) if isinstance(outcome, str) else outcome
        granted = outcome != "pending"
        when = when.where(granted)
        keep = (asked & (~granted | when.notna())).to_numpy()
        requested = when.fillna(decided_at).fillna(f.discovered_at) - pd.Timedelta(hours=5)
        parts.append(
            pd.DataFrame(
                dict(
                    approval_id=[
                        f"A{c[1:]}{n:02d}"
                        for c, n in zip(f.case_id[keep].tolist(), number[keep].tolist(), strict=True)
                    ],
                    case_id=f.case_id[keep],
                    kind=kind,
                    requested_by=f.lead[keep],
                    requested_at=requested[keep],
                    decided_by=head[keep].where(granted[keep]),
                    decided_at=when[keep],
                    outcome=outcome[keep],
                    reason=f.deviation_reason[keep] if kind == "discretion_deviation" else None,
                    _case=f.index[keep],
                    _n=number[keep],
                )
            )
        )
    return _stack(parts)


def _videos(f: pd.DataFrame, seen: Seen) -> pd.DataFrame:
    serial = f.serial
    has_preservation = seen["preservation"].notna()
    steps = [
        ("inspection", ~f.no_inspection_video, pd.Series(1, index=f.index), f.discovered_at),
        ("preservation", has_preservation, pd.Series(2, index=f.index), seen["preservation"]),
        ("service", seen["served"].notna(), 2 + has_preservation.astype(int), seen["served"]),
    ]
    parts = []
    for step, keep, n, started in steps:
        k = keep.to_numpy(bool)
        n, started, s = n[k], started[k], serial[k]
        ended = started + pd.to_timedelta(20 + (n * 7 + s) % 60, unit="min")
        hours = (1 + (s + n) % 18).astype(float)
        if step == "inspection":
            hours = f.late_video_hours[k].fillna(hours)
        video_id = [f"V{c[1:]}{m:02d}" for c, m in zip(f.case_id[k].tolist(), n.tolist(), strict=True)]
        parts.append(
            pd.DataFrame(
                dict(
                    video_id=video_id,
                    case_id=f.case_id[k],
                    officer_id=f.lead[k],
                    device_id=[
                        f"DV{u}{x % 7 + 1:02d}"
                        for u, x in zip(f.unit_code[k].tolist(), s.tolist(), strict=True)
                    ],
                    step=step,
                    started_at=started,
                    ended_at=ended,
                    uploaded_at=ended + pd.to_timedelta(hours, unit="h"),
                    sha256=[hashlib.sha256(v.encode()).hexdigest() for v in video_id],
                    _case=f.index[k],
                    _n=n,
                )
            )
        )
    return _stack(parts)


def officer_list(f: pd.DataFrame) -> list[str]:
    """'lead;assistant' (or the lead alone) per case, as documents list their signers."""
    return [
        a if b is None or b != b else f"{a};{b}"
        for a, b in zip(f.lead.tolist(), f.assistant.tolist(), strict=True)
    ]
