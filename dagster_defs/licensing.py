"""Licensing domain: the retail licence register (licence versions) and the licence applications."""

from __future__ import annotations

from dagster_defs.importing import domain_defs

TABLES = ("licence_applications", "licences")

defs = domain_defs("licensing", TABLES)
