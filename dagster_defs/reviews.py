"""Reviews domain: dossier reviews (评查) and their deductions."""

from __future__ import annotations

from dagster_defs.importing import domain_defs

TABLES = ("reviews", "review_items")

defs = domain_defs("reviews", TABLES)
