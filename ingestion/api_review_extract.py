"""Dossier-review work in the API store → warehouse: human reviews into the contract ``reviews`` /
``review_items`` tables, everything else into API-only raw tables (``raw.api_*``).

- ``reviews`` / ``review_items`` (contract, loaded with ``load_folder`` so the same checks apply): every
  human review (modes pool, sample, re_review, arbitration) as ``API-H<id>``; ``reviewer_id`` is the
  reviewer's officer id, else the username (then quarantined as unknown_fk: link the account to an
  officer). Items are summed per (review, rule); rejected machine findings deduct nothing and are left out.
- Machine reviews go to ``raw.api_machine_reviews`` rather than the contract table: the contract's
  ``reviewer_id`` must be an officer, and no officer made them.
- ``raw.api_review_rules`` (every version) and ``raw.api_review_rule_sets``: small, extracted in full.
- ``raw.api_dossiers``, ``raw.api_review_tasks`` (with the task's review score) and
  ``raw.api_sampling_draws``: changed rows after their own watermark.

Own tables keep the raw layout: typed columns plus ``_load_id``, ``_source_file``, ``_line_no``,
``_loaded_at``; one row per key, a changed row replaces the old one, an unchanged one is left alone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from ingestion.warehouse import META_COLUMNS


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
    )
}


def ensure_own_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create every ``raw.api_*`` table (empty), so the dbt sources exist before the API store does."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for t in OWN_TABLES.values():
        cols = ", ".join(f"{c} {sql}" for c, sql in (*t.columns, *META_COLUMNS))
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{t.name} ({cols})")


def _naive_utc(since: datetime) -> datetime:
    return since.astimezone(UTC).replace(tzinfo=None)


def _who() -> Any:
    """The contract reviewer id of a user: their officer id, else their username."""
    from api import models as m

    return sa.func.coalesce(m.User.officer_id, m.User.username)


def _prefixed(prefix: str, column: Any) -> Any:
    return sa.case((column.is_(None), None), else_=prefix + sa.cast(column, sa.String))


def _columns_of(model: Any, table: str) -> list[Any]:
    return [getattr(model, c) for c in OWN_TABLES[table].column_names]


def own_queries(since: dict[str, datetime | None]) -> dict[str, Any]:
    """SELECT per own table of what changed after ``since[table]`` (None = everything)."""
    from api import models as m

    d, t, h, mr = m.Dossier, m.ReviewTask, m.HumanReview, m.MachineReview
    assignee = sa.orm.aliased(m.User)
    queries: dict[str, Any] = {
        "api_review_rules": sa.select(*_columns_of(m.ReviewRule, "api_review_rules")),
        "api_review_rule_sets": sa.select(*_columns_of(m.ReviewRuleSet, "api_review_rule_sets")),
        "api_dossiers": sa.select(*_columns_of(d, "api_dossiers")),
        "api_machine_reviews": sa.select(
            ("API-M" + sa.cast(mr.review_id, sa.String)).label("review_id"), mr.dossier_id, d.case_id,
            mr.rule_set_version, mr.total_score, mr.grade, mr.veto, mr.n_checked, mr.n_failed,
            mr.n_needs_human, mr.created_at,
        ).join(d, d.dossier_id == mr.dossier_id),
        "api_review_tasks": sa.select(
            ("API-T" + sa.cast(t.task_id, sa.String)).label("task_id"), t.dossier_id, d.case_id, d.unit_code,
            t.mode, t.status, _prefixed("API-T", t.parent_task_id).label("parent_task_id"), t.draw_id,
            t.publisher_unit, t.published_at,
            sa.func.coalesce(assignee.officer_id, assignee.username).label("assignee_id"),
            t.claimed_at, t.lease_expires_at, _prefixed("API-H", h.review_id).label("review_id"),
            h.started_at, h.submitted_at, h.total_score, h.grade, h.veto,
            sa.case((h.updated_at > t.updated_at, h.updated_at), else_=t.updated_at).label("changed_at"),
        )
        .join(d, d.dossier_id == t.dossier_id)
        .outerjoin(assignee, assignee.id == t.assignee_id)
        .outerjoin(h, h.task_id == t.task_id),
        "api_sampling_draws": sa.select(
            m.SamplingDraw.draw_id, m.SamplingDraw.plan_id, m.SamplingPlan.name.label("plan_name"),
            m.SamplingPlan.unit_code.label("plan_unit"), m.SamplingDraw.seed, m.SamplingDraw.algorithm,
            m.SamplingDraw.population.label("population_size"),  # a list: its length is kept (to_frame)
            m.SamplingDraw.population_digest,
            m.SamplingDraw.selected, m.SamplingDraw.drawn_at,
        ).join(m.SamplingPlan, m.SamplingPlan.plan_id == m.SamplingDraw.plan_id),
    }  # fmt: skip
    changed = {
        "api_dossiers": lambda after: d.updated_at > after,
        "api_machine_reviews": lambda after: mr.created_at > after,
        "api_review_tasks": lambda after: sa.or_(t.updated_at > after, h.updated_at > after),
        "api_sampling_draws": lambda after: m.SamplingDraw.drawn_at > after,
    }
    for name, test in changed.items():
        after = since.get(name)
        if after is not None:
            queries[name] = queries[name].where(test(_naive_utc(after)))
    return queries


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
    db: sa.Connection, since: datetime | None
) -> tuple[dict[str, pd.DataFrame], datetime | None]:
    """Contract ``reviews`` and ``review_items`` of the human reviews changed after ``since``, and the
    newest change among them."""
    from api import models as m

    h = m.HumanReview
    query = (
        sa.select(
            ("API-H" + sa.cast(h.review_id, sa.String)).label("review_id"), m.Dossier.case_id,
            _who().label("reviewer_id"), h.mode,
            _prefixed("API-H", h.parent_review_id).label("parent_review_id"), h.started_at, h.submitted_at,
            h.total_score, h.grade, h.updated_at,
        )
        .join(m.Dossier, m.Dossier.dossier_id == h.dossier_id)
        .join(m.User, m.User.id == h.reviewer_id)
    )  # fmt: skip
    if since is not None:
        query = query.where(h.updated_at > _naive_utc(since))
    reviews = db.execute(query).all()
    ids = [int(r.review_id[5:]) for r in reviews]
    i = m.HumanReviewItem
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
            comment=("comment", lambda c: "；".join(x for x in c if x)),
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


def present(session: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether ``raw.<name>`` exists (it does once the API-store asset has run on this warehouse)."""
    sql = "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?"
    return bool(session.execute(sql, [name]).fetchall()[0][0])


def staged(session: duckdb.DuckDBPyConnection, name: str, source: Any = None) -> Any:
    """For the dbt staging models: the typed columns of ``source`` (the ``raw.<name>`` relation, without the
    load columns), or with ``source`` None an empty relation with the same columns."""
    table = OWN_TABLES[name]
    if source is None:
        nulls = ", ".join(f'CAST(NULL AS {sql}) AS "{c}"' for c, sql in table.columns)
        return session.sql(f"SELECT {nulls} WHERE false")
    return source.project(", ".join(f'CAST("{c}" AS {sql}) AS "{c}"' for c, sql in table.columns))
