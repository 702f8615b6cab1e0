"""api/ by bounded context (issue #13 §4): one door to the warehouse snapshot, domain errors mapped once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.core import errors, handlers
from api.platform import warehouse

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_READ = re.compile(r"duckdb\.connect\(|\b(?:from|join)\s+marts\.\w+", re.IGNORECASE)


def test_only_the_warehouse_module_reads_the_snapshot() -> None:
    readers = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "api").rglob("*.py")
        if SNAPSHOT_READ.search(path.read_text(encoding="utf-8"))
    }
    assert readers == {"api/platform/warehouse.py"}


def test_the_declared_marts_are_the_ones_read_and_exist() -> None:
    source = (ROOT / "api/platform/warehouse.py").read_text(encoding="utf-8")
    read = set(re.findall(r"\b(?:FROM|JOIN)\s+(marts\.\w+)", source, re.IGNORECASE))
    assert read == set(warehouse.MARTS)
    for mart in warehouse.MARTS:
        assert (ROOT / "dbt_project/models/marts" / f"{mart.split('.')[1]}.sql").is_file(), mart


def _subclasses(cls: type[errors.DomainError]) -> set[type[errors.DomainError]]:
    return {c for sub in cls.__subclasses__() for c in {sub, *_subclasses(sub)}}


def test_every_domain_error_has_one_status() -> None:
    assert set(handlers.STATUS) == _subclasses(errors.DomainError)
    assert len(set(handlers.STATUS.values())) == len(handlers.STATUS)


@pytest.mark.parametrize(
    ("exc", "status", "headers"),
    [
        (errors.Unauthenticated("BAD_TOKEN", "x"), 401, {"WWW-Authenticate": "Bearer"}),
        (errors.TooMany("TOO_MANY_ATTEMPTS", "x", retry_after=37), 429, {"Retry-After": "37"}),
        (errors.case_not_found(), 404, {}),
        (errors.forbidden("不行", "no"), 403, {}),
        (errors.Misconfigured("BAD_SETTING", "x"), 500, {}),
    ],
)
def test_status_and_headers_come_from_the_one_mapping(
    exc: errors.DomainError, status: int, headers: dict[str, str]
) -> None:
    assert handlers._http(exc) == (status, headers)
