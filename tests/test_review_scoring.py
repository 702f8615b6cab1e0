"""One grading rule on both sides: dbt's ``dossier_grade`` macro (the SQL of marts.fct_dossier_quality),
rendered from its file and run in DuckDB, against ``zhifa.review_scoring.grade_for`` (the API's machine and
human reviews), on every score around the cut-offs, with and without a veto, under two sets of settings."""

from __future__ import annotations

import itertools

import duckdb
import jinja2

from zhifa.review_scoring import grade_for
from zhifa.settings import DBT_PROJECT_DIR


def _macro_sql(score: str, veto: str, excellent: str, passing: str) -> str:
    source = (DBT_PROJECT_DIR / "macros" / "dossier_grade.sql").read_text(encoding="utf-8")
    call = f"{{{{ dossier_grade('{score}', '{veto}', '{excellent}', '{passing}') }}}}"
    return jinja2.Environment().from_string(source + call).render().strip()


def test_the_warehouse_macro_grades_like_the_api() -> None:
    sql = _macro_sql("s", "v", "e", "p")
    con = duckdb.connect()
    compared = 0
    for excellent, passing in ((90.0, 60.0), (85.0, 70.5)):
        settings = {"grade_excellent_min": excellent, "grade_pass_min": passing, "review_total_points": 100}
        scores = [0.0, passing - 0.01, passing, passing + 0.5, excellent - 0.01, excellent, 100.0]
        for score, veto in itertools.product(scores, (False, True)):
            (expected,) = con.execute(
                f"SELECT {sql} FROM (SELECT ?::DOUBLE AS s, ?::BOOLEAN AS v, ?::DOUBLE AS e, ?::DOUBLE AS p)",
                [score, veto, excellent, passing],
            ).fetchone() or (None,)
            assert expected == grade_for(score, veto, settings), (score, veto, excellent, passing)
            compared += 1
    assert compared == 28


def test_the_mart_grades_only_through_the_macro() -> None:
    """No grade label or cut-off comparison written out again in the mart: a second copy could drift."""
    mart = (DBT_PROJECT_DIR / "models" / "marts" / "fct_dossier_quality.sql").read_text(encoding="utf-8")
    assert "dossier_grade(" in mart
    for label in ("'优秀'", "'合格'", "'不合格'"):
        assert label not in mart
