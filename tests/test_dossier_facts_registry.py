"""One vocabulary of dossier facts (zhifa.rules.BASE_FACTS + has_<doc_type>) on both sides.

SQL: the final select of dbt's int_dossier_facts names exactly the vocabulary (plus the declared extra
columns), and its
NULL columns are exactly the facts the registry declares unknown to the warehouse, typed as the vocabulary
says. Python: the API's dossier_facts row has exactly the vocabulary's keys. (tests/test_metrics.py checks the
built table's columns and types on the demo world as well.)
"""

from __future__ import annotations

import re

import pandas as pd

from zhifa.dossier_facts import FIELD_INPUT_COLUMNS, dossier_facts
from zhifa.rules import BASE_FACTS, WAREHOUSE_EXTRA_COLUMNS, WAREHOUSE_UNKNOWN_FACTS, default_vocabulary
from zhifa.settings import DBT_PROJECT_DIR

MODEL = DBT_PROJECT_DIR / "models" / "intermediate" / "int_dossier_facts.sql"


def _final_select() -> list[str]:
    sql = MODEL.read_text(encoding="utf-8")
    body = sql[sql.rindex("\nselect\n") : sql.index("\nfrom {{ ref('int_cases') }} as c")]
    names = []
    for line in body.splitlines()[2:]:
        alias = re.search(r"\bas ([a-z_0-9{} ]+?),?\s*$", line)
        bare = re.fullmatch(r"\s+(?:[a-z0-9_]+\.)?([a-z_0-9]+),?\s*", line)
        if alias and "{{" not in alias.group(1):
            names.append(alias.group(1))
        elif bare and bare.group(1) not in ("end", "then"):
            names.append(bare.group(1))
    return names


def test_the_sql_facts_are_the_vocabulary() -> None:
    names = _final_select()
    assert len(names) == len(set(names)), "a fact named twice"
    assert set(names) - WAREHOUSE_EXTRA_COLUMNS == set(BASE_FACTS)
    assert set(names) >= WAREHOUSE_EXTRA_COLUMNS
    assert "as has_{{ t }}" in MODEL.read_text(encoding="utf-8")  # one has_<doc_type> per document type


def test_the_warehouse_unknown_facts_are_declared_and_typed() -> None:
    sql = MODEL.read_text(encoding="utf-8")
    nulls = dict((name, sql_type) for sql_type, name in re.findall(r"null::(\w+) as (\w+)", sql))
    assert set(nulls) == WAREHOUSE_UNKNOWN_FACTS
    for name, sql_type in nulls.items():
        assert sql_type.upper() == BASE_FACTS[name], name


def test_the_api_facts_row_has_the_vocabulary_keys() -> None:
    vocabulary = default_vocabulary()
    row = dossier_facts(
        "C1", pd.DataFrame(columns=FIELD_INPUT_COLUMNS), ["penalty_decision"], vocabulary, {"n_officers": 2}
    )
    assert set(row) == set(vocabulary)
    assert row["n_officers"] == 2 and row["has_penalty_decision"] is True
