"""Who may see which dashboard rows: the platform's users as Superset accounts with unit-scoped RLS.

The platform API is the one place users live (``zhifa users …``). :func:`sync_accounts` makes Superset
match a list of :class:`Account` (built from the API store by ``cli/dashboards.py``): it runs
``dashboards/in_superset/zhifa_security.py sync`` in Superset's own virtualenv, which writes Superset's
metadata DB directly, so it works whether or not the web server is running (and takes effect on the next
request when it is). Every dataset carries ``unit_code``; a scope's clause lists its unit codes, and a
dataset showing rows of a second unit (a similar-case pair) bounds that unit's column too.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dashboards.assessment import ASSESSMENT_DATASETS
from dashboards.bundle import DATABASE_NAME
from dashboards.datasets import DATASETS
from dashboards.licence_datasets import LICENCE_DATASETS
from dashboards.review_datasets import REVIEW_DATASETS
from dashboards.service import EXT_DIR, Instance, SupersetError

UNIT_COLUMN = "unit_code"  # every dataset has it (tests/test_dashboards_access.py checks the bundle)
_CODE = re.compile(r"[0-9A-Za-z]{1,12}")
ALL_DATASETS = (*DATASETS, *REVIEW_DATASETS, *ASSESSMENT_DATASETS, *LICENCE_DATASETS)


@dataclass(frozen=True)
class Account:
    username: str
    display_name: str
    active: bool
    # the unit codes whose rows the user sees; None: every unit (the platform's admin)
    units: frozenset[str] | None
    scope_key: str | None  # names the scope role: users with the same scope share one role and filter


def scope_clause(units: Iterable[str], column: str = UNIT_COLUMN) -> str:
    """``unit_code IN (…)``; codes are checked, so nothing but a code reaches the SQL."""
    codes = sorted(set(units))
    bad = [c for c in codes if not _CODE.fullmatch(c)]
    if bad or not codes:
        raise SupersetError(f"单位代码无效 / not unit codes: {bad or 'none'}")
    return f"{column} IN ({', '.join(repr(c) for c in codes)})"


def extra_scope_columns() -> dict[str, list[str]]:
    """Unit columns besides unit_code (bounded on every dataset) → the datasets that have them."""
    extra: dict[str, list[str]] = {}
    for ds in ALL_DATASETS:
        if UNIT_COLUMN not in ds.scope_columns:
            raise SupersetError(f"dataset {ds.table} is not scoped by {UNIT_COLUMN}")
        for column in ds.scope_columns:
            if column != UNIT_COLUMN:
                extra.setdefault(column, []).append(ds.table)
    return extra


def payload(accounts: Iterable[Account]) -> dict[str, Any]:
    """What the Superset side writes: accounts, and per scope its RLS filters — ``unit_code`` on every
    dataset of the snapshot database (``tables`` None), each further unit column on its datasets."""
    listed = list(accounts)
    extra = extra_scope_columns()
    filters: list[dict[str, Any]] = []
    scopes: dict[str, frozenset[str]] = {}
    for a in listed:
        if a.units is not None:
            if a.scope_key is None or not _CODE.fullmatch(a.scope_key.replace(".", "")):
                raise SupersetError(f"scope key of {a.username!r} missing or not a code")
            scopes[a.scope_key] = a.units
    for key, units in sorted(scopes.items()):
        filters.append({"scope": key, "name": key, "clause": scope_clause(units), "tables": None})
        for column, tables in sorted(extra.items()):
            filters.append(
                {
                    "scope": key,
                    "name": f"{key}:{column}",
                    "clause": scope_clause(units, column),
                    "tables": tables,
                }
            )
    return {
        "database": DATABASE_NAME,
        "filters": filters,
        "accounts": [
            {
                "username": a.username,
                "display_name": a.display_name,
                "active": a.active,
                "scope": a.scope_key if a.units is not None else None,
            }
            for a in listed
        ],
    }


def sync_accounts(inst: Instance, accounts: Iterable[Account], timeout: float = 300) -> dict[str, Any]:
    """Create, re-role and disable Superset accounts and write the scope filters; returns the report."""
    proc = subprocess.run(
        [str(inst.settings.bin("python")), str(EXT_DIR / "zhifa_security.py"), "sync"],
        input=json.dumps(payload(accounts), ensure_ascii=False),
        env=inst.env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout)[-3000:]
        raise SupersetError(f"同步仪表板账号失败 / syncing the Superset accounts failed:\n{tail}")
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return report
