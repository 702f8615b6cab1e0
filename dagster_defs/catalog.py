"""Catalog domain: units, officers, products, prices, and the reference data a bureau may supply."""

from __future__ import annotations

from dagster_defs.importing import domain_defs

TABLES = ("units", "officers", "products", "prices", "discretion_tiers", "price_basis", "settings")

defs = domain_defs("catalog", TABLES)
