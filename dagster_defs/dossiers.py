"""Dossiers domain: the documents table (and, once it lands, recognition of the document files)."""

from __future__ import annotations

from dagster_defs.importing import domain_defs

TABLES = ("documents",)

defs = domain_defs("dossiers", TABLES)
