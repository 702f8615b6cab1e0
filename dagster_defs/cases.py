"""Cases domain: cases, seized goods, case officers, approvals and enforcement videos."""

from __future__ import annotations

from dagster_defs.importing import domain_defs

TABLES = ("cases", "case_items", "case_officers", "approvals", "videos")

defs = domain_defs("cases", TABLES)
