"""API store domain: incremental extraction of what the case-capture API stored (placeholder until
the extraction lands below)."""

from __future__ import annotations

import dagster as dg

defs = dg.Definitions()
