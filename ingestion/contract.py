"""The bulk interchange contract (../shared/CONTRACT.md, v1) as data.

Every table a bureau may hand over, with its columns (logical type, required flag, enum values,
numeric bounds), primary key and foreign keys. Readers and validators interpret this spec; nothing
table-specific is hard-coded elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable

from ingestion.contract_licences import LICENCE_TABLES
from ingestion.contract_spec import Column as Column
from ingestion.contract_spec import ForeignKey as ForeignKey
from ingestion.contract_spec import LogicalType as LogicalType
from ingestion.contract_spec import T, _c, _coded, _enum, _fk, _money, _ts
from ingestion.contract_spec import Table as Table

# one definition of the check digit (the kernel's), re-exported for the readers and validators
from zhifa.barcodes.gtin import ean13_check_digit as ean13_check_digit
from zhifa.barcodes.gtin import ean13_is_valid as ean13_is_valid

# CONTRACT: timestamps without an offset are local time here.


CASE_STATUSES = "filed investigating decided served executed closed transferred withdrawn"
APPROVAL_KINDS = (
    "filing preservation preservation_handling discretion_deviation extension legal_review decision closing"
)
OFFICER_ROLES = "officer approver legal_reviewer reviewer manager"
SETTING_KEYS = (
    "hearing_fine_threshold legal_review_fine_threshold filing_days_after_discovery "
    "preservation_handling_days decision_days_after_filing service_days_after_decision "
    "publication_working_days video_upload_hours grade_excellent_min grade_pass_min"
)

_TABLES: list[Table] = [
    Table(
        "units",
        (
            _c("unit_code", req=True),
            _c("name", req=True),
            _enum("level", "province city county", "unit_level", req=True),
            _c("parent_code"),
            _c("abbreviation"),
        ),
        ("unit_code",),
        (_fk("parent_code", "units.unit_code"),),
    ),
    Table(
        "officers",
        (
            _c("officer_id", req=True),
            _c("name", req=True),
            _c("unit_code", req=True),
            _c("cert_no"),
            _c("cert_valid_from", T.DATE),
            _c("cert_valid_to", T.DATE),
            _coded("roles", "officer_role", values=OFFICER_ROLES, multi=True),
        ),
        ("officer_id",),
        (_fk("unit_code", "units.unit_code"),),
    ),
    Table(
        "products",
        (
            _c("product_code", req=True),
            _c("brand", req=True),
            _c("spec_name", req=True),
            _c("manufacturer"),
            _c("pack_barcode", T.EAN13),
            _c("carton_barcode", T.EAN13, req=True),
            _c("case_barcode", T.EAN13),
            _c("sticks_per_pack", T.INT, min_value=1),
            _c("packs_per_carton", T.INT, min_value=1),
            _c("price_class", T.INT, min_value=1, max_value=5),
            _c("tar_mg", T.DECIMAL, min_value=0),
            _c("pack_form"),
            _enum("status", "active discontinued", "product_status"),
        ),
        ("product_code",),
    ),
    Table(
        "prices",
        (
            _c("product_code", req=True),
            _c("province_code"),  # null = national
            _enum("price_type", "wholesale retail_suggested", "price_type", req=True),
            _c("price_per_carton", T.DECIMAL, req=True, min_value=0),
            _c("valid_from", T.DATE, req=True),
            _c("valid_to", T.DATE),
        ),
        ("product_code", "province_code", "price_type", "valid_from"),
        (_fk("product_code", "products.product_code"),),
    ),
    Table(
        "cases",
        (
            _c("case_id", req=True),
            _c("case_no"),
            _c("unit_code", req=True),
            _coded("violation_code", "violation_code", req=True),
            _enum("source", "inspection report transfer_in assigned", "case_source"),
            _c("discovered_at", T.TIMESTAMP, req=True),
            _c("filed_at", T.TIMESTAMP),
            _enum("party_type", "individual entity", "party_type"),
            _c("party_name"),
            _c("party_id_no"),
            _c("licence_no", T.LICENCE12),
            _c("address"),
            _c("prior_offences_3y", T.INT, min_value=0),
            _c("circumstance_tier"),
            *_money("illegal_amount", "fine_amount", "confiscated_value", "illegal_gains"),
            _c("deviation_reason"),
            _enum("status", CASE_STATUSES, "case_status", req=True),
            *_ts("decided_at", "served_at", "closed_at", "archived_at", "published_at"),
            _c("hearing_notified", T.BOOL),
            _c("legal_review_done", T.BOOL),
            _c("collective_discussion", T.BOOL),
            _c("transferred_to"),
            _c("extension_days", T.INT, min_value=0),
        ),
        ("case_id",),
        (_fk("unit_code", "units.unit_code"),),
    ),
    Table(
        "case_items",
        (
            _c("case_id", req=True),
            _c("line_no", T.INT, req=True, min_value=1),
            _c("barcode", T.EAN13),
            _c("product_code"),
            _c("spec_name_raw"),
            _c("quantity", T.DECIMAL, req=True, min_value=0),
            _enum("quantity_unit", "carton pack stick kg", "quantity_unit"),
            _c("unit_price", T.DECIMAL, min_value=0),
            _enum("authenticity", "genuine counterfeit smuggled illegal unknown", "authenticity"),
            _c("spray_code"),
        ),
        ("case_id", "line_no"),
        (_fk("case_id", "cases.case_id"), _fk("product_code", "products.product_code")),
    ),
    Table(
        "case_officers",
        (
            _c("case_id", req=True),
            _c("officer_id", req=True),
            _enum("role", "lead assistant", "case_officer_role", req=True),
        ),
        ("case_id", "officer_id"),
        (_fk("case_id", "cases.case_id"), _fk("officer_id", "officers.officer_id")),
    ),
    Table(
        "approvals",
        (
            _c("approval_id", req=True),
            _c("case_id", req=True),
            _enum("kind", APPROVAL_KINDS, "approval_kind", req=True),
            _c("requested_by", req=True),
            _c("requested_at", T.TIMESTAMP, req=True),
            _c("decided_by"),
            _c("decided_at", T.TIMESTAMP),
            _enum("outcome", "pending approved rejected", "approval_outcome", req=True),
            _c("reason"),
        ),
        ("approval_id",),
        (
            _fk("case_id", "cases.case_id"),
            _fk("requested_by", "officers.officer_id"),
            _fk("decided_by", "officers.officer_id"),
        ),
    ),
    Table(
        "documents",
        (
            _c("document_id", req=True),
            _c("case_id", req=True),
            _coded("doc_type", "doc_type", req=True),
            _c("doc_no"),
            _c("issued_at", T.TIMESTAMP),
            _c("signed_by"),  # ';'-separated officer ids
            _c("file_path"),
            _c("sha256"),
        ),
        ("document_id",),
        (_fk("case_id", "cases.case_id"),),
    ),
    Table(
        "videos",
        (
            _c("video_id", req=True),
            _c("case_id", req=True),
            _c("officer_id", req=True),
            _c("device_id", req=True),
            _enum("step", "inspection preservation inquiry notice hearing service", "video_step", req=True),
            _c("started_at", T.TIMESTAMP, req=True),
            *_ts("ended_at", "uploaded_at"),
            _c("sha256"),
        ),
        ("video_id",),
        (_fk("case_id", "cases.case_id"), _fk("officer_id", "officers.officer_id")),
    ),
    Table(
        "reviews",
        (
            _c("review_id", req=True),
            _c("case_id", req=True),
            _c("reviewer_id", req=True),
            _enum("mode", "pool sample re_review arbitration machine", "review_mode", req=True),
            _c("parent_review_id"),
            *_ts("started_at", "submitted_at"),
            _c("total_score", T.DECIMAL, req=True),
            _c("grade"),
        ),
        ("review_id",),
        (
            _fk("case_id", "cases.case_id"),
            _fk("reviewer_id", "officers.officer_id"),
            _fk("parent_review_id", "reviews.review_id"),
        ),
    ),
    Table(
        "review_items",
        (
            _c("review_id", req=True),
            _c("rule_id", req=True),
            _c("deducted_points", T.DECIMAL, req=True),
            _c("comment"),
        ),
        ("review_id", "rule_id"),
        (_fk("review_id", "reviews.review_id"),),
    ),
    Table(
        "discretion_tiers",
        (
            _c("province_code", req=True),
            _coded("violation_code", "violation_code", req=True),
            _c("tier", T.INT, req=True, min_value=1),
            _c("tier_label"),
            *_money("amount_min", "amount_max", "quantity_min", "quantity_max"),
            _enum("quantity_unit", "carton stick kg", "quantity_unit"),
            _c("min_prior_offences", T.INT, min_value=0),
            _c("rate_min", T.DECIMAL, req=True, min_value=0),
            _c("rate_max", T.DECIMAL, req=True, min_value=0),
            _c("rate_default", T.DECIMAL, req=True, min_value=0),
            _c("valid_from", T.DATE),
            _c("valid_to", T.DATE),
        ),
        ("province_code", "violation_code", "tier", "valid_from"),
        reference_data=True,
    ),
    Table(
        "price_basis",
        (
            _c("province_code", req=True),
            _enum("price_type", "wholesale retail_suggested", "price_type", req=True),
            _c("valid_from", T.DATE),
            _c("valid_to", T.DATE),
        ),
        # one basis per province and period
        ("province_code", "valid_from"),
        reference_data=True,
    ),
    Table(
        "settings",
        (
            _c("province_code"),  # null = everywhere
            _enum("key", SETTING_KEYS, "setting_key", req=True),
            _c("value", T.DECIMAL, req=True),  # every known key is numeric
            _c("valid_from", T.DATE),
        ),
        ("province_code", "key", "valid_from"),
        reference_data=True,
    ),
    *LICENCE_TABLES,
]

CONTRACT: dict[str, Table] = {t.name: t for t in _TABLES}

# Parents before children (self-references such as units.parent_code are resolved within a table).
TABLE_LOAD_ORDER: tuple[str, ...] = (
    "units",
    "officers",
    "products",
    "prices",
    "cases",
    "case_items",
    "case_officers",
    "approvals",
    "documents",
    "videos",
    "reviews",
    "review_items",
    "discretion_tiers",
    "price_basis",
    "settings",
    "licence_applications",
    "licences",
)

# Columns some foreign key points at: their good values feed children's checks.
REFERENCED_KEYS: frozenset[str] = frozenset(fk.key for t in _TABLES for fk in t.foreign_keys)


def _check_load_order(order: Iterable[str]) -> None:
    seen: set[str] = set()
    for name in order:
        for fk in CONTRACT[name].foreign_keys:
            if fk.ref_table != name and fk.ref_table not in seen:
                raise ValueError(f"load order puts {name} before its parent {fk.ref_table}")
        seen.add(name)
    if seen != set(CONTRACT):
        raise ValueError("load order must list every contract table once")


_check_load_order(TABLE_LOAD_ORDER)
