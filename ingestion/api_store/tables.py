"""The ``raw.api_*`` tables: API-store work that has no contract table (review work, upward reports).
Declared once here; the warehouse creates them (empty) with the raw tables, dbt reads them as sources
(``_sources.yml``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OwnTable:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, DuckDB type)
    keys: tuple[str, ...]
    watermark: str | None  # column of the extracted rows that advances the watermark; None = full extract

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    return tuple((p.split(":")[0], p.split(":")[1]) for p in spec.split())


OWN_TABLES: dict[str, OwnTable] = {
    t.name: t
    for t in (
        OwnTable(
            "api_review_rules",
            _cols(
                "rule_id:VARCHAR version:INTEGER category:VARCHAR name_zh:VARCHAR description_zh:VARCHAR "
                "legal_basis:VARCHAR condition:VARCHAR evidence_template_zh:VARCHAR deduct_points:DOUBLE "
                "veto:BOOLEAN needs_human:BOOLEAN active:BOOLEAN origin:VARCHAR created_at:TIMESTAMPTZ"
            ),
            ("rule_id", "version"),
            None,
        ),
        OwnTable(
            "api_review_rule_sets",
            _cols("version:INTEGER rule_versions:VARCHAR note:VARCHAR created_at:TIMESTAMPTZ"),
            ("version",),
            None,
        ),
        OwnTable(
            "api_dossiers",
            _cols(
                "dossier_id:BIGINT case_id:VARCHAR unit_code:VARCHAR violation_code:VARCHAR decided_on:DATE "
                "status:VARCHAR machine_score:DOUBLE machine_grade:VARCHAR machine_veto:BOOLEAN "
                "final_score:DOUBLE final_grade:VARCHAR final_rule:VARCHAR created_at:TIMESTAMPTZ "
                "updated_at:TIMESTAMPTZ"
            ),
            ("dossier_id",),
            "updated_at",
        ),
        OwnTable(
            "api_machine_reviews",
            _cols(
                "review_id:VARCHAR dossier_id:BIGINT case_id:VARCHAR rule_set_version:INTEGER "
                "total_score:DOUBLE grade:VARCHAR veto:BOOLEAN n_checked:INTEGER n_failed:INTEGER "
                "n_needs_human:INTEGER created_at:TIMESTAMPTZ"
            ),
            ("review_id",),
            "created_at",
        ),
        OwnTable(
            "api_review_tasks",
            _cols(
                "task_id:VARCHAR dossier_id:BIGINT case_id:VARCHAR unit_code:VARCHAR mode:VARCHAR "
                "status:VARCHAR parent_task_id:VARCHAR draw_id:BIGINT publisher_unit:VARCHAR "
                "published_at:TIMESTAMPTZ assignee_id:VARCHAR claimed_at:TIMESTAMPTZ "
                "lease_expires_at:TIMESTAMPTZ review_id:VARCHAR started_at:TIMESTAMPTZ "
                "submitted_at:TIMESTAMPTZ total_score:DOUBLE grade:VARCHAR veto:BOOLEAN "
                "changed_at:TIMESTAMPTZ"
            ),
            ("task_id",),
            "changed_at",
        ),
        OwnTable(
            "api_sampling_draws",
            _cols(
                "draw_id:BIGINT plan_id:BIGINT plan_name:VARCHAR plan_unit:VARCHAR seed:VARCHAR "
                "algorithm:VARCHAR population_size:INTEGER population_digest:VARCHAR selected:VARCHAR "
                "drawn_at:TIMESTAMPTZ"
            ),
            ("draw_id",),
            "drawn_at",
        ),
        OwnTable(
            "api_training_assignments",
            _cols(
                "assignment_id:BIGINT course_id:VARCHAR officer_id:VARCHAR unit_code:VARCHAR "
                "assigned_by:VARCHAR assigned_at:TIMESTAMPTZ due_date:DATE status:VARCHAR "
                "completed_at:TIMESTAMPTZ score:DOUBLE certificate_sha256:VARCHAR updated_at:TIMESTAMPTZ"
            ),
            ("assignment_id",),
            "updated_at",
        ),
        OwnTable(  # rectification (整改): officer_ids a JSON list, reviewer_id an officer id else username
            "api_rectifications",
            _cols(
                "rectification_id:BIGINT dossier_id:BIGINT case_id:VARCHAR unit_code:VARCHAR "
                "source:VARCHAR review_id:VARCHAR officer_ids:VARCHAR deducted_points:DOUBLE "
                "threshold:DOUBLE status:VARCHAR reviewer_id:VARCHAR opened_at:TIMESTAMPTZ due_date:DATE "
                "answered_at:TIMESTAMPTZ closed_at:TIMESTAMPTZ rounds:INTEGER updated_at:TIMESTAMPTZ"
            ),
            ("rectification_id",),
            "updated_at",
        ),
        OwnTable(
            "api_rectification_items",
            _cols(
                "item_id:BIGINT rectification_id:BIGINT rule_id:VARCHAR deducted_points:DOUBLE "
                "status:VARCHAR outcome:VARCHAR has_document:BOOLEAN answered_at:TIMESTAMPTZ "
                "rechecked_at:TIMESTAMPTZ updated_at:TIMESTAMPTZ"
            ),
            ("item_id",),
            "updated_at",
        ),
        OwnTable(  # duties towards other units (备案, 大案报告, 移送公安), issue #18 §4
            "api_upward_reports",
            _cols(
                "report_id:VARCHAR case_id:VARCHAR kind:VARCHAR from_unit:VARCHAR to_unit:VARCHAR "
                "name_zh:VARCHAR legal_basis:VARCHAR clock:VARCHAR limit_value:INTEGER "
                "started_at:TIMESTAMPTZ due_at:TIMESTAMPTZ status:VARCHAR acknowledged_at:TIMESTAMPTZ "
                "updated_at:TIMESTAMPTZ"
            ),
            ("report_id",),
            "updated_at",
        ),
        OwnTable(  # layout rules saved through the API (合理布局, issue #23); rules a JSON list, never edited
            "api_layout_rule_sets",
            _cols(
                "rule_set_id:BIGINT city_code:VARCHAR valid_from:DATE valid_to:DATE rules:VARCHAR "
                "saved_at:TIMESTAMPTZ"
            ),
            ("rule_set_id",),
            "saved_at",
        ),
    )
}
