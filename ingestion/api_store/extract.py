"""Incremental extraction from the case-capture API store into the same raw tables as bulk imports.

Cases changed since the watermark (``cases.updated_at``, or a recording uploaded since) are extracted with
their items, officers, approvals, documents and recorder videos (whole-process recording), plus the small
reference tables in full; human dossier reviews changed since
their own watermark (``human_reviews.updated_at``) go to the contract ``reviews`` / ``review_items``. The
rows are written as a contract folder and loaded with ``load_folder``: the same checks, quarantine and
idempotent upsert as a bulk import. The rest of the review work (rules, rule sets, machine reviews,
dossiers, tasks, sampling draws) goes to ``raw.api_*`` tables (:mod:`ingestion.api_store.review_tables`).
The store is read through its reflected Core tables (:mod:`ingestion.api_store.schema`).
Naive timestamps read back from the store (SQLite) are UTC, as the API writes them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import sqlalchemy as sa

from ingestion.api_store.licences import licence_frames
from ingestion.api_store.review_tables import human_review_frames, own_queries, text, to_frame, upsert_own
from ingestion.api_store.schema import StoreTables
from ingestion.api_store.tables import OWN_TABLES
from ingestion.raw_schema import LoadSummary, ensure_schema
from ingestion.warehouse import load_folder
from zhifa import clock

SOURCE = "api_store"


def _frame(rows: Sequence[Any], columns: Sequence[str]) -> pd.DataFrame:
    data = [[text(getattr(r, c)) for c in columns] for r in rows]
    return pd.DataFrame(data, columns=list(columns), dtype="str")


UNIT_COLUMNS = ["unit_code", "name", "level", "parent_code", "abbreviation"]
OFFICER_COLUMNS = ["officer_id", "name", "unit_code", "cert_no", "cert_valid_from", "cert_valid_to", "roles"]


def get_watermark(con: duckdb.DuckDBPyConnection, table: str = "cases") -> datetime | None:
    ensure_schema(con)
    row = con.execute(
        "SELECT max(watermark) FROM ops.watermarks WHERE source = ? AND table_name = ?", [SOURCE, table]
    ).fetchone()
    return row[0] if row and row[0] is not None else None


def _utc(stamp: datetime | None) -> datetime | None:
    return stamp.replace(tzinfo=UTC) if stamp is not None and stamp.tzinfo is None else stamp


def _load_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ") + "-api"


def extract_changes(
    engine: sa.Engine, since: datetime | None
) -> tuple[dict[str, pd.DataFrame], datetime | None]:
    """Contract frames of what changed after ``since`` (everything when None), and the new watermark."""
    case_cols = [
        "case_id", "case_no", "unit_code", "violation_code", "source", "discovered_at", "filed_at",
        "party_type", "party_name", "party_id_no", "licence_no", "address", "prior_offences_3y",
        "circumstance_tier", "illegal_amount", "fine_amount", "deviation_reason", "status", "decided_at",
        "served_at", "closed_at", "legal_review_done", "transferred_to", "extension_days", "published_at",
        "archived_at",
    ]  # fmt: skip
    with engine.connect() as db:
        store = StoreTables(db)
        case, upload = store["cases"], store["uploads"]
        pub, archive = store["publications"], store["archives"]
        published = sa.case((pub.c.status == "published", pub.c.published_at), else_=None).label(
            "published_at"
        )
        query = (
            sa.select(case, published, archive.c.archived_at)
            .outerjoin(pub, pub.c.case_id == case.c.case_id)
            .outerjoin(archive, archive.c.case_id == case.c.case_id)
        )
        new_videos = sa.select(sa.func.max(upload.c.uploaded_at)).where(upload.c.kind == "video")
        if since is not None:
            after = since.astimezone(UTC).replace(tzinfo=None)
            # a recording uploaded later changes the case's evidence even if the case row did not change
            recorded = sa.select(upload.c.case_id).where(
                upload.c.kind == "video", upload.c.uploaded_at > after
            )
            query = query.where(sa.or_(case.c.updated_at > after, case.c.case_id.in_(recorded)))
            new_videos = new_videos.where(upload.c.uploaded_at > after)
        cases = db.execute(query).all()
        frames = {"cases": _contract_statuses(_frame(cases, case_cols)), **_catalog(db, store)}
        ids = [r.case_id for r in cases]
        stamps = [_utc(r.updated_at) for r in cases] + [_utc(db.scalar(new_videos))]
        watermark = max((s for s in stamps if s is not None), default=None)
        if ids:
            frames.update(_children(db, store, ids))
        # the licences the API issued land beside a bulk register's (docs/contract-licences.md)
        licensing, licences_mark = licence_frames(db, since)
        frames.update({name: frame for name, frame in licensing.items() if not frame.empty})
        watermark = max((s for s in (watermark, licences_mark) if s is not None), default=None)
    return frames, watermark


def _contract_statuses(cases: pd.DataFrame) -> pd.DataFrame:
    """The contract knows no ``archived``: an archived case is a closed one there (its archive stays in the
    store)."""
    cases["status"] = cases["status"].replace({"archived": "closed"})
    return cases


VIDEO_COLUMNS = [
    "video_id", "case_id", "officer_id", "device_id", "step", "started_at", "ended_at", "uploaded_at",
    "sha256",
]  # fmt: skip
APPROVAL_COLUMNS = [
    "approval_id", "case_id", "kind", "requested_by", "requested_at", "decided_by", "decided_at",
    "outcome", "reason",
]  # fmt: skip


def _catalog(db: sa.Connection, store: StoreTables) -> dict[str, pd.DataFrame]:
    """Units and officers in full: small, and every extracted row may refer to them."""
    return {
        "units": _frame(db.execute(sa.select(store["units"])).all(), UNIT_COLUMNS),
        "officers": _frame(db.execute(sa.select(store["officers"])).all(), OFFICER_COLUMNS),
    }


def _children(db: sa.Connection, store: StoreTables, ids: list[str]) -> dict[str, pd.DataFrame]:
    item_cols = [
        "case_id", "line_no", "barcode", "product_code", "spec_name_raw", "quantity", "quantity_unit",
        "unit_price", "authenticity", "spray_code",
    ]  # fmt: skip
    item, officer, a, doc, upload = (
        store["case_items"],
        store["case_officers"],
        store["approvals"],
        store["documents"],
        store["uploads"],
    )
    items = db.execute(sa.select(item).where(item.c.case_id.in_(ids))).all()
    officers = db.execute(sa.select(officer).where(officer.c.case_id.in_(ids))).all()
    requester, decider = store["users"].alias("requester"), store["users"].alias("decider")
    approvals = db.execute(
        sa.select(
            ("API-A" + sa.cast(a.c.approval_id, sa.String)).label("approval_id"),
            a.c.case_id,
            a.c.kind,
            requester.c.officer_id.label("requested_by"),
            a.c.requested_at,
            decider.c.officer_id.label("decided_by"),
            a.c.decided_at,
            a.c.outcome,
            a.c.reason,
        )
        .select_from(a)
        .join(requester, requester.c.id == a.c.requested_by)
        .outerjoin(decider, decider.c.id == a.c.decided_by)
        .where(a.c.case_id.in_(ids))
    ).all()
    videos = db.execute(
        sa.select(
            ("API-V" + sa.cast(upload.c.upload_id, sa.String)).label("video_id"),
            upload.c.case_id,
            upload.c.officer_id,
            upload.c.device_id,
            upload.c.step,
            upload.c.started_at,
            upload.c.ended_at,
            upload.c.uploaded_at,
            upload.c.sha256,
        ).where(upload.c.kind == "video", upload.c.case_id.in_(ids))
    ).all()
    documents = db.execute(
        sa.select(
            ("API-D" + sa.cast(doc.c.document_id, sa.String)).label("document_id"),
            doc.c.case_id,
            doc.c.doc_type,
            doc.c.doc_no,
            doc.c.issued_at,
            doc.c.pdf_sha256.label("sha256"),
        ).where(doc.c.case_id.in_(ids))
    ).all()
    return {
        "case_items": _frame(items, item_cols),
        "case_officers": _frame(officers, ["case_id", "officer_id", "role"]),
        "approvals": _frame(approvals, APPROVAL_COLUMNS),
        "documents": _frame(
            documents, ["document_id", "case_id", "doc_type", "doc_no", "issued_at", "sha256"]
        ),
        "videos": _frame(videos, VIDEO_COLUMNS),
    }


def extract_to_warehouse(
    con: duckdb.DuckDBPyConnection, engine: sa.Engine, *, since: datetime | None = None
) -> LoadSummary | None:
    """Extract case changes after the stored watermark (or after ``since``) and load them; None if none."""
    start = since if since is not None else get_watermark(con)
    frames, watermark = extract_changes(engine, start)
    if watermark is None:
        return None
    return _load(con, frames, "cases", watermark)


def extract_reviews(
    con: duckdb.DuckDBPyConnection, engine: sa.Engine, *, since: datetime | None = None
) -> LoadSummary | None:
    """Human reviews changed after their watermark into the contract ``reviews`` / ``review_items``; None if
    none. A load of its own, never refused for its bad-row share: a review whose reviewer is no officer is
    quarantined with its reason and the others go on (they never hold back case changes)."""
    start = since if since is not None else get_watermark(con, "reviews")
    with engine.connect() as db:
        store = StoreTables(db)
        frames, watermark = human_review_frames(db, store, start)
        if watermark is None:
            return None
        frames.update(_catalog(db, store))
    summary = _load(con, frames, "reviews", _utc(watermark), max_bad_row_share=1.0)
    _hold_back_for_missing_cases(con, engine, summary.load_id)
    return summary


def _hold_back_for_missing_cases(con: duckdb.DuckDBPyConnection, engine: sa.Engine, load_id: str) -> None:
    """A review of a case the warehouse does not hold yet (its bulk import comes later, or in the same run
    after this extraction) is quarantined — and must be extracted again once the case is there, although
    the review itself does not change. So the reviews watermark stops just before the oldest such review."""
    orphans = [
        int(str(review_id).removeprefix("API-H"))
        for (review_id,) in con.execute(
            """SELECT DISTINCT json_extract_string(q.raw_values, '$.review_id') FROM ops.quarantine AS q
               WHERE q.load_id = ? AND q.table_name = 'reviews' AND q.reason_code = 'unknown_fk'
                 AND json_extract_string(q.raw_values, '$.case_id') NOT IN (SELECT case_id FROM raw.cases)""",
            [load_id],
        ).fetchall()
        if str(review_id).startswith("API-H")
    ]
    if not orphans:
        return
    with engine.connect() as db:
        h = StoreTables(db)["human_reviews"].c
        oldest = db.scalar(sa.select(sa.func.min(h.updated_at)).where(h.review_id.in_(orphans)))
    oldest_utc = _utc(oldest)
    if oldest_utc is not None:
        held = oldest_utc - timedelta(microseconds=1)
        con.execute(
            "UPDATE ops.watermarks SET watermark = ? "
            "WHERE source = ? AND table_name = 'reviews' AND load_id = ?",
            [held, SOURCE, load_id],
        )


def _load(
    con: duckdb.DuckDBPyConnection,
    frames: dict[str, pd.DataFrame],
    table: str,
    watermark: datetime | None,
    max_bad_row_share: float | None = None,
) -> LoadSummary:
    now = clock.now()
    load_id = _load_id(now)
    with tempfile.TemporaryDirectory(prefix="zhifa-api-") as tmp:
        for name, frame in frames.items():
            if len(frame):
                frame.to_parquet(Path(tmp) / f"{name}.parquet", index=False)
        summary = load_folder(
            con, tmp, load_id, exported_at=now, source=SOURCE, max_bad_row_share=max_bad_row_share
        )
    con.execute("INSERT INTO ops.watermarks VALUES (?, ?, ?, ?, ?)", [SOURCE, table, watermark, load_id, now])
    return summary


def extract_review_tables(
    con: duckdb.DuckDBPyConnection, engine: sa.Engine, *, since: datetime | None = None
) -> dict[str, int]:
    """Upsert the ``raw.api_*`` tables from the store; returns new or changed rows per table. Tables with a
    watermark column are read after their stored watermark (or ``since``); the others in full."""
    ensure_schema(con)
    now = clock.now()
    load_id = _load_id(now)
    marks = {
        t: since if since is not None else get_watermark(con, t) for t, s in OWN_TABLES.items() if s.watermark
    }
    changed: dict[str, int] = {}
    with engine.connect() as db:
        fetched = {
            name: db.execute(query).all() for name, query in own_queries(StoreTables(db), marks).items()
        }
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO ops.loads VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING",
            [load_id, SOURCE, now, now],
        )
        for name, rows in fetched.items():
            table = OWN_TABLES[name]
            changed[name] = upsert_own(con, table, to_frame(rows, table.column_names), load_id, now)
            mark = max((getattr(r, table.watermark) for r in rows), default=None) if table.watermark else None
            if mark is not None:
                con.execute(
                    "INSERT INTO ops.watermarks VALUES (?, ?, ?, ?, ?)",
                    [SOURCE, name, _utc(mark), load_id, now],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return changed
