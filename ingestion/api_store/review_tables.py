"""Dossier-review work in the API store → warehouse: human reviews into the contract ``reviews`` /
``review_items`` tables, everything else into API-only raw tables (``raw.api_*``).

- ``reviews`` / ``review_items`` (contract, loaded with ``load_folder`` so the same checks apply): every
  human review (modes pool, sample, re_review, arbitration) as ``API-H<id>``; ``reviewer_id`` is the
  reviewer's officer id, else the username (then quarantined as unknown_fk: link the account to an
  officer). Items are summed per (review, rule); rejected machine findings deduct nothing and are left out.
- Machine reviews go to ``raw.api_machine_reviews`` rather than the contract table: the contract's
  ``reviewer_id`` must be an officer, and no officer made them.
- ``raw.api_review_rules`` (every version) and ``raw.api_review_rule_sets``: small, extracted in full.
- ``raw.api_dossiers``, ``raw.api_review_tasks`` (with the task's review score),
  ``raw.api_sampling_draws``, ``raw.api_training_assignments`` (training, issue #19 §2; the assigner as
  officer id, else username), ``raw.api_rectifications`` and ``raw.api_rectification_items`` (整改), and
  ``raw.api_upward_reports`` (备案, 大案报告, 移送 with their clocks and the recipient's record), and
  ``raw.api_layout_rule_sets`` (layout rules saved through the API, rules as JSON): changed rows after their
  own watermark.

Own tables keep the raw layout: typed columns plus ``_load_id``, ``_source_file``, ``_line_no``,
``_loaded_at``; one row per key, a changed row replaces the old one, an unchanged one is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from ingestion.api_store.schema import StoreTables
from ingestion.api_store.tables import OWN_TABLES, OwnTable


def _naive_utc(since: datetime) -> datetime:
    return since.astimezone(UTC).replace(tzinfo=None)


def _prefixed(prefix: str, column: Any) -> Any:
    return sa.case((column.is_(None), None), else_=prefix + sa.cast(column, sa.String))


def _columns_of(table: sa.Table, own: str) -> list[Any]:
    return [table.c[c] for c in OWN_TABLES[own].column_names]


def own_queries(store: StoreTables, since: dict[str, datetime | None]) -> dict[str, Any]:
    """SELECT per own table of what changed after ``since[table]`` (None = everything)."""
    d, t, h, mr = (
        store["dossiers"].c,
        store["review_tasks"].c,
        store["human_reviews"].c,
        store["machine_reviews"].c,
    )
    draw, plan = store["sampling_draws"].c, store["sampling_plans"].c
    up = store["upward_reports"].c
    assignee = store["users"].alias("assignee")
    ta, assigner = store["training_assignments"].c, store["users"].alias("assigner")
    queries: dict[str, Any] = {
        "api_review_rules": sa.select(*_columns_of(store["review_rules"], "api_review_rules")),
        "api_review_rule_sets": sa.select(*_columns_of(store["review_rule_sets"], "api_review_rule_sets")),
        "api_dossiers": sa.select(*_columns_of(store["dossiers"], "api_dossiers")),
        "api_machine_reviews": sa.select(
            ("API-M" + sa.cast(mr.review_id, sa.String)).label("review_id"), mr.dossier_id, d.case_id,
            mr.rule_set_version, mr.total_score, mr.grade, mr.veto, mr.n_checked, mr.n_failed,
            mr.n_needs_human, mr.created_at,
        ).join_from(store["machine_reviews"], store["dossiers"], d.dossier_id == mr.dossier_id),
        "api_review_tasks": sa.select(
            ("API-T" + sa.cast(t.task_id, sa.String)).label("task_id"), t.dossier_id, d.case_id, d.unit_code,
            t.mode, t.status, _prefixed("API-T", t.parent_task_id).label("parent_task_id"), t.draw_id,
            t.publisher_unit, t.published_at,
            sa.func.coalesce(assignee.c.officer_id, assignee.c.username).label("assignee_id"),
            t.claimed_at, t.lease_expires_at, _prefixed("API-H", h.review_id).label("review_id"),
            h.started_at, h.submitted_at, h.total_score, h.grade, h.veto,
            sa.case((h.updated_at > t.updated_at, h.updated_at), else_=t.updated_at).label("changed_at"),
        )
        .select_from(store["review_tasks"])
        .join(store["dossiers"], d.dossier_id == t.dossier_id)
        .outerjoin(assignee, assignee.c.id == t.assignee_id)
        .outerjoin(store["human_reviews"], h.task_id == t.task_id),
        "api_sampling_draws": sa.select(
            draw.draw_id, draw.plan_id, plan.name.label("plan_name"), plan.unit_code.label("plan_unit"),
            draw.seed, draw.algorithm,
            draw.population.label("population_size"),  # a list: its length is kept (to_frame)
            draw.population_digest, draw.selected, draw.drawn_at,
        ).join_from(store["sampling_draws"], store["sampling_plans"], plan.plan_id == draw.plan_id),
        "api_training_assignments": sa.select(
            ta.assignment_id, ta.course_id, ta.officer_id, ta.unit_code,
            sa.func.coalesce(assigner.c.officer_id, assigner.c.username).label("assigned_by"),
            ta.assigned_at, ta.due_date, ta.status, ta.completed_at, ta.score, ta.certificate_sha256,
            ta.updated_at,
        ).join_from(store["training_assignments"], assigner, assigner.c.id == ta.assigned_by),
        **rectification_queries(store),
        "api_upward_reports": sa.select(
            ("API-U" + sa.cast(up.report_id, sa.String)).label("report_id"),
            *[up[c] for c in OWN_TABLES["api_upward_reports"].column_names[1:]],
        ),
        "api_layout_rule_sets": sa.select(*_columns_of(store["layout_rule_sets"], "api_layout_rule_sets")),
    }  # fmt: skip
    changed = {
        "api_dossiers": lambda after: d.updated_at > after,
        "api_machine_reviews": lambda after: mr.created_at > after,
        "api_review_tasks": lambda after: sa.or_(t.updated_at > after, h.updated_at > after),
        "api_sampling_draws": lambda after: draw.drawn_at > after,
        "api_training_assignments": lambda after: ta.updated_at > after,
        "api_rectifications": lambda after: store["rectifications"].c.updated_at > after,
        "api_rectification_items": lambda after: store["rectification_items"].c.updated_at > after,
        "api_upward_reports": lambda after: up.updated_at > after,
        "api_layout_rule_sets": lambda after: store["layout_rule_sets"].c.saved_at > after,
    }
    for name, test in changed.items():
        after = since.get(name)
        if after is not None:
            queries[name] = queries[name].where(test(_naive_utc(after)))
    return queries


def rectification_queries(store: StoreTables) -> dict[str, Any]:
    """Rectifications (整改) and their findings; the opening review as ``API-H<id>`` / ``API-M<id>``."""
    r, i = store["rectifications"].c, store["rectification_items"].c
    reviewer = store["users"].alias("rechecker")
    review_id = sa.func.coalesce(
        _prefixed("API-H", r.human_review_id), _prefixed("API-M", r.machine_review_id)
    )
    return {
        "api_rectifications": sa.select(
            r.rectification_id, r.dossier_id, r.case_id, r.unit_code, r.source, review_id.label("review_id"),
            r.officer_ids, r.deducted_points, r.threshold, r.status,
            sa.func.coalesce(reviewer.c.officer_id, reviewer.c.username).label("reviewer_id"),
            r.opened_at, r.due_date, r.answered_at, r.closed_at, r.rounds, r.updated_at,
        ).join_from(store["rectifications"], reviewer, reviewer.c.id == r.reviewer_id),
        "api_rectification_items": sa.select(
            i.item_id, i.rectification_id, i.rule_id, i.deducted_points, i.status, i.outcome,
            i.document_sha256.is_not(None).label("has_document"), i.answered_at, i.rechecked_at, i.updated_at,
        ),
    }  # fmt: skip


def text(value: Any) -> str | None:
    """A store value as contract text: UTC ISO timestamps (the store keeps naive UTC), JSON for lists and
    maps, true/false."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def to_frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    data = [
        [
            text(len(v) if c == "population_size" and isinstance(v, list) else v)
            for c, v in zip(columns, r, strict=True)
        ]
        for r in rows
    ]
    return pd.DataFrame(data, columns=list(columns), dtype="str")


def human_review_frames(
    db: sa.Connection, store: StoreTables, since: datetime | None
) -> tuple[dict[str, pd.DataFrame], datetime | None]:
    """Contract ``reviews`` and ``review_items`` of the human reviews changed after ``since``, and the
    newest change among them."""
    h, d, u = store["human_reviews"].c, store["dossiers"].c, store["users"].c
    query = (
        sa.select(
            ("API-H" + sa.cast(h.review_id, sa.String)).label("review_id"), d.case_id,
            sa.func.coalesce(u.officer_id, u.username).label("reviewer_id"),  # else quarantined: no officer
            h.mode, _prefixed("API-H", h.parent_review_id).label("parent_review_id"), h.started_at,
            h.submitted_at, h.total_score, h.grade, h.updated_at,
        )
        .select_from(store["human_reviews"])
        .join(store["dossiers"], d.dossier_id == h.dossier_id)
        .join(store["users"], u.id == h.reviewer_id)
    )  # fmt: skip
    if since is not None:
        query = query.where(h.updated_at > _naive_utc(since))
    reviews = db.execute(query).all()
    ids = [int(r.review_id[5:]) for r in reviews]
    i = store["human_review_items"].c
    items = db.execute(
        sa.select(
            ("API-H" + sa.cast(i.review_id, sa.String)).label("review_id"), i.rule_id, i.deducted_points,
            i.comment,
        ).where(i.review_id.in_(ids), i.decision != "rejected")
    ).all() if ids else []  # fmt: skip
    cols = ["review_id", "case_id", "reviewer_id", "mode", "parent_review_id", "started_at", "submitted_at"]
    out = {"reviews": to_frame([r[:-1] for r in reviews], [*cols, "total_score", "grade"])}
    raw_items = pd.DataFrame(
        [r._asdict() for r in items], columns=["review_id", "rule_id", "deducted_points", "comment"]
    )
    summed = (
        raw_items.assign(deducted_points=raw_items["deducted_points"].astype(float))
        .groupby(["review_id", "rule_id"], as_index=False, sort=True)
        .agg(
            deducted_points=("deducted_points", "sum"),
            comment=("comment", lambda c: "；".join(x for x in c.dropna() if x)),  # no comment: NaN
        )
    )
    out["review_items"] = summed.astype("str").replace({"": None})
    return out, max((r.updated_at for r in reviews), default=None)


def upsert_own(
    con: duckdb.DuckDBPyConnection, table: OwnTable, frame: pd.DataFrame, load_id: str, now: datetime
) -> int:
    """Insert new and changed rows of ``frame`` (text columns) into ``raw.<table>``; returns their number."""
    if frame.empty:
        return 0
    cols = table.column_names
    typed = ", ".join(f'CAST(i."{c}" AS {sql}) AS "{c}"' for c, sql in table.columns)
    match = " AND ".join(f'{{t}}."{k}" = c."{k}"' for k in table.keys)
    con.register("api_incoming", frame.assign(_line_no=range(1, len(frame) + 1)))
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE api_typed AS SELECT {typed}, i._line_no FROM api_incoming AS i"
        )
        listed = ", ".join(f'"{c}"' for c in cols)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE api_changed AS "
            f"SELECT {listed} FROM api_typed EXCEPT SELECT {listed} FROM raw.{table.name}"
        )
        n = int(con.execute("SELECT count(*) FROM api_changed").fetchall()[0][0])
        if n:
            old = match.format(t=table.name)
            con.execute(
                f"DELETE FROM raw.{table.name} WHERE EXISTS (SELECT 1 FROM api_changed c WHERE {old})"
            )
            con.execute(
                f"INSERT INTO raw.{table.name} SELECT {listed}, ?, ?, _line_no, ? FROM api_typed AS n "
                f"WHERE EXISTS (SELECT 1 FROM api_changed c WHERE {match.format(t='n')})",
                [load_id, f"api_store:{table.name}", now],
            )
        return n
    finally:
        con.unregister("api_incoming")
        con.execute("DROP TABLE IF EXISTS api_typed")
        con.execute("DROP TABLE IF EXISTS api_changed")
