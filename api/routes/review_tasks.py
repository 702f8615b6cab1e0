"""Placeholder: filled in by the dossier-review work (issue #7)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import TxRoute

router = APIRouter(route_class=TxRoute)
