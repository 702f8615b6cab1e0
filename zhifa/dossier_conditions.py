"""Which dossier conditions a case meets — the ``required_when`` vocabulary of ref_document_types.csv.

A document type is required when its condition holds ('always' always does). The warehouse derives the
same conditions in ``int_case_conditions.sql``; ``tests/test_dossier_conditions.py`` replays that model's
dbt unit test through :func:`conditions`, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# The conditions in the order the warehouse model lists them (its columns; 'preserved' there).
CONDITIONS = (
    "preservation",
    "decided",
    "hearing_right",
    "extension",
    "collective_discussion",
    "transferred",
    "withdrawn",
    "report_source",
    "closed",
    "fine_paid",
)


@dataclass(frozen=True)
class ConditionFacts:
    """What a case record says, in the terms the conditions need."""

    preserved: bool  # goods registered and preserved (先行登记保存): requested, or its documents are held
    decided: bool
    fine_amount: Decimal | None
    hearing_threshold: Decimal | None  # the province's fine above which a hearing must be offered
    extension_days: int
    extension_approved: bool
    collective_discussion: bool
    transferred: bool
    withdrawn: bool
    report_source: bool
    closed: bool


def conditions(f: ConditionFacts) -> frozenset[str]:
    fine = f.fine_amount or Decimal(0)
    held = {
        "preservation": f.preserved,
        "decided": f.decided,
        # a "large" fine is above the province's threshold, not at it (DOMAIN.md: hearing)
        "hearing_right": f.decided and f.hearing_threshold is not None and fine > f.hearing_threshold,
        # an extension counts once approved — or once the case was decided within its extended time
        "extension": f.extension_days > 0 and (f.extension_approved or f.decided),
        "collective_discussion": f.decided and f.collective_discussion,
        "transferred": f.transferred,
        "withdrawn": f.withdrawn,
        "report_source": f.report_source,
        "closed": f.closed,
        # closed with a fine: paid or enforced, so its receipt (罚没款收据) belongs in the dossier
        "fine_paid": f.closed and fine > 0,
    }
    return frozenset(name for name in CONDITIONS if held[name])
