"""Product catalog: barcode look-up with pack/carton/case conversion, and bulk loading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.capture.services.price_periods import Period, state_price
from api.core.errors import Invalid
from api.models import Officer, Price, Product, Unit
from ingestion.contract import ean13_is_valid

NATIONAL = "000000"
CARTONS_PER_CASE = 50  # 1 件 = 50 条: a unit of measure (DOMAIN §4), not a bureau setting


@dataclass
class Match:
    product: Product
    level: str  # pack | carton | case
    cartons_per_unit: Decimal  # how many cartons one scanned unit is

    @property
    def sticks_per_carton(self) -> int:
        return self.product.sticks_per_pack * self.product.packs_per_carton


def check_barcode(code: str) -> str:
    code = code.strip()
    if not (len(code) == 13 and code.isascii() and code.isdigit()):
        raise Invalid("BAD_BARCODE", f"条码应为13位数字 / barcode must be 13 digits: {code!r}")
    if not ean13_is_valid(code):
        raise Invalid("BAD_CHECK_DIGIT", f"条码校验位错误 / EAN-13 check digit wrong: {code}")
    return code


def find_by_barcode(session: Session, code: str) -> Match | None:
    """The product whose pack, carton or case code this is."""
    code = check_barcode(code)
    product = session.scalars(
        select(Product).where(
            or_(Product.pack_barcode == code, Product.carton_barcode == code, Product.case_barcode == code)
        )
    ).first()
    if product is None:
        return None
    if product.carton_barcode == code:
        return Match(product, "carton", Decimal(1))
    if product.pack_barcode == code:
        return Match(product, "pack", Decimal(1) / Decimal(product.packs_per_carton))
    return Match(product, "case", Decimal(CARTONS_PER_CASE))


def _valid_prices(
    session: Session, province: str, price_type: str, on: date, product_code: str | None = None
) -> list[Price]:
    stmt = select(Price).where(
        Price.price_type == price_type,
        Price.province_code.in_([province, NATIONAL]),
        Price.valid_from <= on,
        or_(Price.valid_to.is_(None), Price.valid_to >= on),
    )
    if product_code is not None:
        stmt = stmt.where(Price.product_code == product_code)
    return list(session.scalars(stmt))


def _precedence(price: Price, province: str) -> tuple[bool, date]:
    """The province's own row wins over the national one; then the latest start."""
    return (price.province_code == province, price.valid_from)


def price_on(session: Session, product_code: str, province: str, price_type: str, on: date) -> Price | None:
    """The price valid on ``on``: the province's own row wins over the national one."""
    rows = _valid_prices(session, province, price_type, on, product_code)
    return max(rows, key=lambda p: _precedence(p, province), default=None)


def current_prices(session: Session, province: str, price_type: str, on: date) -> dict[str, Decimal]:
    """Every product's price valid on ``on`` (one query), with ``price_on``'s precedence."""
    best: dict[str, Price] = {}
    for p in _valid_prices(session, province, price_type, on):
        held = best.get(p.product_code)
        if held is None or _precedence(p, province) > _precedence(held, province):
            best[p.product_code] = p
    return {code: p.price_per_carton for code, p in best.items()}


# --- bulk load (``zhifa catalog load``) ----------------------------------------------------------
@dataclass
class LoadReport:
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)  # "file:line: reason"


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _int(value: str | None, default: int | None = None) -> int | None:
    return int(Decimal(value)) if value else default


def _unit_path(session: Session, parent: str | None, code: str) -> str:
    if parent is None:
        return f"/{code}/"
    parent_unit = session.get(Unit, parent)
    base = parent_unit.path if parent_unit else f"/{parent}/"
    return f"{base}{code}/"


def _upsert(session: Session, model: type, key: dict[str, Any], values: dict[str, Any]) -> None:
    obj = session.get(model, tuple(key.values()) if len(key) > 1 else next(iter(key.values())))
    if obj is None:
        session.add(model(**key, **values))
    else:
        for k, v in values.items():
            setattr(obj, k, v)


def _row_units(session: Session, r: dict[str, str | None]) -> None:
    code, parent = r["unit_code"] or "", r.get("parent_code")
    _upsert(
        session,
        Unit,
        {"unit_code": code},
        {
            "name": r["name"],
            "level": r["level"],
            "parent_code": parent,
            "abbreviation": r.get("abbreviation"),
            "path": _unit_path(session, parent, code),
        },
    )


def _row_officers(session: Session, r: dict[str, str | None]) -> None:
    _upsert(
        session,
        Officer,
        {"officer_id": r["officer_id"]},
        {
            "name": r["name"],
            "unit_code": r["unit_code"],
            "cert_no": r.get("cert_no"),
            "cert_valid_from": _date(r.get("cert_valid_from")),
            "cert_valid_to": _date(r.get("cert_valid_to")),
            "roles": r.get("roles") or "officer",
        },
    )


def _row_products(session: Session, r: dict[str, str | None]) -> None:
    for col in ("pack_barcode", "carton_barcode", "case_barcode"):
        value = r.get(col)
        if value is not None and not ean13_is_valid(value):
            raise ValueError(f"{col} {value} is not a valid EAN-13")
    if not r.get("carton_barcode"):
        raise ValueError("carton_barcode is required")
    tar = r.get("tar_mg")
    _upsert(
        session,
        Product,
        {"product_code": r["product_code"]},
        {
            "brand": r["brand"],
            "spec_name": r["spec_name"],
            "manufacturer": r.get("manufacturer"),
            "pack_barcode": r.get("pack_barcode"),
            "carton_barcode": r["carton_barcode"],
            "case_barcode": r.get("case_barcode"),
            "sticks_per_pack": _int(r.get("sticks_per_pack"), 20),
            "packs_per_carton": _int(r.get("packs_per_carton"), 10),
            "price_class": _int(r.get("price_class")),
            "tar_mg": Decimal(tar) if tar else None,
            "pack_form": r.get("pack_form"),
            "status": r.get("status") or "active",
        },
    )


def _row_prices(session: Session, r: dict[str, str | None]) -> None:
    if r.get("price_type") not in ("wholesale", "retail_suggested"):
        raise ValueError(f"unknown price_type {r.get('price_type')}")
    if session.get(Product, r["product_code"]) is None:
        raise ValueError(f"unknown product {r['product_code']}")
    valid_from = _date(r["valid_from"])
    if valid_from is None:
        raise ValueError("valid_from is required")
    price = Decimal(r["price_per_carton"] or "")
    if price <= 0:
        raise ValueError("price_per_carton must be positive")
    key = {
        "product_code": r["product_code"],
        "province_code": r.get("province_code") or NATIONAL,
        "price_type": r["price_type"],
    }
    rows = {
        row.valid_from: row
        for row in session.scalars(select(Price).filter_by(**key))  # one key: a handful of rows
    }
    known = [Period(row.valid_from, row.valid_to, row.price_per_carton) for row in rows.values()]
    wanted = state_price(known, Period(valid_from, _date(r.get("valid_to")), price))
    for period in wanted:
        row = rows.pop(period.start, None)
        if row is None:
            row = Price(**key, valid_from=period.start)
            session.add(row)
        if row.price_per_carton != period.price or row.valid_to != period.end:
            row.price_per_carton, row.valid_to = period.price, period.end


_LOADERS = {"units": _row_units, "officers": _row_officers, "products": _row_products, "prices": _row_prices}


def load_catalog(session: Session, folder: Path) -> LoadReport:
    """Upsert units, officers, products and prices from a bulk folder (CONTRACT.md). Caller commits.

    Bad rows are reported with file and line, never dropped silently; loading twice changes nothing.
    """
    from ingestion.readers import find_tables, read_table
    from ingestion.validate import validate_table

    report = LoadReport()
    tables = find_tables(Path(folder))
    # parents already in the store count as known, so a catalog can be topped up table by table
    known: dict[str, set[Any]] = {
        "units.unit_code": set(session.scalars(select(Unit.unit_code))),
        "products.product_code": set(session.scalars(select(Product.product_code))),
    }
    for name, loader in _LOADERS.items():
        if name not in tables:
            continue
        raw = read_table(tables[name], name)
        checked = validate_table(name, raw, known_keys=known)  # the contract's own checks and reasons
        for reject in checked.rejects.itertuples():
            report.rejected.append(f"{raw.source}:{reject.line_no}: {reject.reason}")
        if name in ("units", "products"):
            key = f"{name}.{'unit_code' if name == 'units' else 'product_code'}"
            known[key] |= set(checked.good[key.split(".")[1]])
        bad_lines = checked.rejected_lines
        rows = [
            (line, row)
            for line, row in zip(raw.line_no.tolist(), raw.data.to_dict("records"), strict=True)
            if line not in bad_lines
        ]
        if name == "units":  # parents first so each path can be built from its parent's
            rows.sort(key=lambda lr: {"province": 0, "city": 1}.get(str(lr[1].get("level")), 2))
        count = 0
        for line, row in rows:
            clean = {str(k): _clean(v) for k, v in row.items()}
            try:
                with session.begin_nested():
                    loader(session, clean)
                count += 1
            except (ValueError, KeyError, TypeError, InvalidOperation, IntegrityError) as exc:
                report.rejected.append(f"{raw.source}:{line}: {exc}")
        session.flush()
        report.loaded[name] = count
    return report
