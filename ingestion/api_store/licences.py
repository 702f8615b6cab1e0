"""The store's licensing tables in the licence register's shape (``licences``, ``licence_applications``:
/work/notes/licence-register.md, the contract of branch ``licence-wh``), so the API's licences land in
the same raw tables as a bulk register import. Read through reflected Core tables like every extraction.

The store keeps one row per licence with its current period: a renewal moves ``valid_from``/``valid_to``,
so it is a new key (licence_no, valid_from) here and the earlier version, extracted before, stays in raw.
``accepted_at`` is the acceptance day (the store keeps a date: the legal clock counts days)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa

from zhifa import clock
from zhifa.reference import load_reference

LICENCE_TABLES = ("licence_applications", "licences", "licence_onsite_checks", "licence_publications")
LICENCE_COLUMNS = [
    "licence_no", "valid_from", "valid_to", "unit_code", "division_code", "retailer_name", "operator_name",
    "operator_id_no", "address", "lng", "lat", "business_type", "status", "status_from", "decision_kind",
    "decided_at", "application_id", "source",
]  # fmt: skip
APPLICATION_COLUMNS = [
    "application_id", "unit_code", "kind", "licence_no", "division_code", "applicant_name", "address", "lng",
    "lat", "received_at", "accepted_at", "extension_days", "decided_at", "outcome", "refusal_rule",
    "late_reason", "published_at", "source",
]  # fmt: skip
STARTS_VERSION = ("new", "renewal", "change")


def _utc(stamp: datetime | None) -> datetime | None:
    return stamp.replace(tzinfo=UTC) if stamp is not None and stamp.tzinfo is None else stamp


def _day(stamp: datetime) -> date:
    """The Shanghai day of a store timestamp (naive ones are UTC)."""
    return clock.local_date(stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return _utc(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _refusal_rules(findings: list[dict[str, Any]] | None) -> str | None:
    failed = [f["kind"] for f in findings or [] if "nearest" not in f and not f.get("passed", True)]
    return ";".join(failed) or None


def licence_frames(
    db: sa.Connection, since: datetime | None = None
) -> tuple[dict[str, pd.DataFrame], datetime | None]:
    """Rows changed after ``since`` (everything when None) in the register's columns; the new watermark."""
    meta = sa.MetaData()
    meta.reflect(bind=db, only=list(LICENCE_TABLES))
    app, lic = meta.tables["licence_applications"], meta.tables["licences"]
    check, pub = meta.tables["licence_onsite_checks"], meta.tables["licence_publications"]
    after = since.astimezone(UTC).replace(tzinfo=None) if since is not None else None
    apps = db.execute(
        sa.select(app, check.c.findings, pub.c.published_at)
        .outerjoin(check, check.c.application_id == app.c.application_id)
        .outerjoin(pub, pub.c.application_id == app.c.application_id)
        .where(sa.true() if after is None else app.c.updated_at > after)
    ).all()
    licences = db.execute(
        sa.select(lic).where(sa.true() if after is None else lic.c.updated_at > after)
    ).all()
    started = {  # the latest approved application that started each licence's current version
        r.licence_no: r
        for r in db.execute(
            sa.select(app)
            .where(app.c.outcome == "approved", app.c.kind.in_(STARTS_VERSION))
            .order_by(app.c.decided_at)
        ).all()
    }
    extension = int(float(load_reference().setting("licence_extension_working_days")))
    today = clock.today()
    app_rows = [
        [
            a.application_id, a.unit_code, a.kind, a.licence_no, a.unit_code[:6], a.applicant_name,
            a.place_address, a.lon, a.lat, a.received_at, a.accepted_on, extension if a.extended else 0,
            a.decided_at, a.outcome or "pending",
            _refusal_rules(a.findings) if a.outcome == "refused" else None,
            a.late_reason, a.published_at, "api",
        ]
        for a in apps
    ]  # fmt: skip
    lic_rows = []
    for x in licences:
        origin = started.get(x.licence_no)
        expired = x.status == "valid" and x.valid_to < today
        stopped = x.status in ("suspended", "cancelled")
        lic_rows.append([
            x.licence_no, x.valid_from, x.valid_to, x.unit_code, x.licence_no[:6], x.shop_name, x.holder_name,
            origin.applicant_id_no if origin is not None else None, x.place_address, x.lon, x.lat, None,
            "expired" if expired else x.status, _day(x.updated_at) if stopped else None,
            origin.kind if origin is not None else None, origin.decided_at if origin is not None else None,
            origin.application_id if origin is not None else x.application_id, "api",
        ])  # fmt: skip
    frames = {
        "licences": pd.DataFrame(
            [[_text(v) for v in r] for r in lic_rows], columns=LICENCE_COLUMNS, dtype="str"
        ),
        "licence_applications": pd.DataFrame(
            [[_text(v) for v in r] for r in app_rows], columns=APPLICATION_COLUMNS, dtype="str"
        ),
    }
    stamps = [_utc(a.updated_at) for a in apps] + [_utc(x.updated_at) for x in licences]
    return frames, max((s for s in stamps if s is not None), default=None)
