"""The API's one door to the published warehouse snapshot (``serve/warehouse.duckdb``), read-only.

Every mart the API reads is listed in :data:`MARTS`; no other module of ``api/`` opens the snapshot
(``tests/api/test_api_layers.py`` holds that). The API never reads the build warehouse."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from api.core.errors import Conflict

# mart -> what the API uses it for
MARTS: dict[str, str] = {
    "marts.fct_case_risk": "risk_score per case: weights of risk-weighted sampling draws",
}


def case_risk(snapshot: Path, case_ids: Sequence[str]) -> dict[str, float]:
    """``risk_score`` of each of ``case_ids`` the snapshot knows (``marts.fct_case_risk``); absent cases
    are left out."""
    import duckdb  # the snapshot's engine; only this reader needs it

    if not snapshot.exists():
        raise Conflict(
            "RISK_SNAPSHOT_MISSING",
            "尚无已发布的数据仓库快照，不能按风险加权抽样 / no published warehouse snapshot: "
            "cannot weight the draw by risk (run the pipeline, or draw unweighted)",
        )
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        con.execute("CREATE TEMP TABLE wanted (case_id VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [(c,) for c in case_ids])
        rows = con.execute(
            "SELECT r.case_id, r.risk_score FROM marts.fct_case_risk r JOIN wanted USING (case_id)"
        ).fetchall()
    except duckdb.Error as exc:
        raise Conflict(
            "RISK_SNAPSHOT_UNREADABLE", f"快照缺少风险表 / snapshot lacks fct_case_risk: {exc}"
        ) from exc
    finally:
        con.close()
    return {str(c): float(s or 0) for c, s in rows}
