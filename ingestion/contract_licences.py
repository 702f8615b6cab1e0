"""The licence register's tables (docs/contract-licences.md): licence versions and licence applications.

A bureau's existing register (CSV / XLSX, Chinese column names allowed: ref_column_aliases.csv) and the API
store's licensing tables land in the same two raw tables. Besides the generic checks, row rules quarantine
reversed dates, a licence number outside its division, a suspension without its date and overlapping
validity periods of one licence (ingestion.row_rules).
"""

from __future__ import annotations

from ingestion.contract_spec import (
    Column,
    NoOverlap,
    Ordered,
    RequiredWhen,
    SamePrefix,
    T,
    Table,
    _c,
    _enum,
    _fk,
    _ts,
)

LICENCE_STATUSES = "valid suspended cancelled expired"
LICENCE_DECISION_KINDS = "new renewal change replacement"
APPLICATION_KINDS = "new renewal change suspension cancellation replacement"
APPLICATION_OUTCOMES = "pending approved refused withdrawn"
BUSINESS_TYPES = "supermarket convenience grocery tobacco_shop restaurant_hotel entertainment other"


def _position() -> list[Column]:
    """Where the business is, in WGS-84 degrees (bounds: China's extent)."""
    return [
        _c("lng", T.DECIMAL, min_value=73, max_value=136),
        _c("lat", T.DECIMAL, min_value=3, max_value=54),
    ]


LICENCE_TABLES: tuple[Table, ...] = (
    Table(
        "licence_applications",
        (
            _c("application_id", req=True),
            _c("unit_code", req=True),
            _enum("kind", APPLICATION_KINDS, "licence_application_kind", req=True),
            _c("licence_no", T.LICENCE12),
            _c("division_code"),
            *_position(),
            _c("applicant_name"),
            _c("address"),
            _c("received_at", T.TIMESTAMP, req=True),
            *_ts("accepted_at"),
            _c("extension_days", T.INT, min_value=0),
            *_ts("decided_at"),
            _enum("outcome", APPLICATION_OUTCOMES, "licence_outcome", req=True),
            _c("refusal_rule"),
            _c("late_reason"),
            *_ts("published_at"),
            _c("source"),
        ),
        ("application_id",),
        (_fk("unit_code", "units.unit_code"), _fk("division_code", "units.unit_code")),
        rules=(
            Ordered("received_at", "accepted_at"),
            Ordered("accepted_at", "decided_at"),
            Ordered("decided_at", "published_at"),
            RequiredWhen("refusal_rule", "outcome", ("refused",)),
            SamePrefix("licence_no", "division_code", 6),
        ),
    ),
    Table(
        "licences",
        (
            _c("licence_no", T.LICENCE12, req=True),
            _c("valid_from", T.DATE, req=True),
            _c("valid_to", T.DATE, req=True),
            _c("unit_code", req=True),
            _c("division_code", req=True),
            _c("retailer_name", req=True),
            _c("operator_name"),
            _c("operator_id_no"),
            _c("address"),
            *_position(),
            _enum("business_type", BUSINESS_TYPES, "business_type"),
            _enum("status", LICENCE_STATUSES, "licence_status", req=True),
            _c("status_from", T.DATE),
            _enum("decision_kind", LICENCE_DECISION_KINDS, "licence_decision_kind"),
            *_ts("decided_at"),
            _c("application_id"),
            _c("source"),
        ),
        ("licence_no", "valid_from"),
        (
            _fk("unit_code", "units.unit_code"),
            _fk("division_code", "units.unit_code"),
            _fk("application_id", "licence_applications.application_id"),
        ),
        rules=(
            Ordered("valid_from", "valid_to"),
            SamePrefix("licence_no", "division_code", 6),
            RequiredWhen("status_from", "status", ("suspended", "cancelled")),
            NoOverlap("licence_no", "valid_from", "valid_to"),
        ),
    ),
)
