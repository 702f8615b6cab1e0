"""Small reads the field app needs and caches for offline work: violation and document names, the
caller's unit's officers with their certificates, a retailer by licence number, and the province's
catalog with today's prices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from api.capture.schemas_field import (
    CatalogEntry,
    CatalogOut,
    FieldReferenceOut,
    NamedCode,
    OfficerOut,
    RetailerOut,
)
from api.capture.services.catalog import current_prices
from api.core import refdata
from api.core.errors import NotFound
from api.deps import DB, CurrentUser, TxRoute
from api.models import Licence, Officer, Product, Retailer
from api.platform.services.users import can_see_unit, province_of
from zhifa.clock import today

router = APIRouter(tags=["field reference"], route_class=TxRoute)


@router.get("/reference/field", response_model=FieldReferenceOut, summary="Violation and document names")
def field_reference(request: Request, _: CurrentUser) -> FieldReferenceOut:
    ref = refdata.reference()
    return FieldReferenceOut(
        violation_types=[
            NamedCode(code=r.violation_code, name_zh=r.name_zh) for r in ref.violation_types.itertuples()
        ],
        document_types=[
            NamedCode(code=r.doc_type, name_zh=r.name_zh) for r in ref.document_types.itertuples()
        ],
        due_soon_days=request.app.state.settings.due_soon_days,
    )


@router.get("/officers", response_model=list[OfficerOut], summary="My unit's officers and certificates")
def officers(db: DB, user: CurrentUser) -> list[OfficerOut]:
    """Cases are handled by officers of the case's unit, which is the caller's own unit."""
    on = today()
    rows = db.scalars(select(Officer).where(Officer.unit_code == user.unit_code).order_by(Officer.officer_id))
    out = []
    for o in rows:
        row = OfficerOut.model_validate(o)
        row.cert_valid_today = bool(o.cert_no) and (
            (o.cert_valid_from is None or o.cert_valid_from <= on)
            and (o.cert_valid_to is None or o.cert_valid_to >= on)
        )
        out.append(row)
    return out


@router.get("/retailers/{licence_no}", response_model=RetailerOut, summary="Retailer by licence number")
def retailer(licence_no: str, db: DB, user: CurrentUser) -> RetailerOut:
    """Only retailers of units in the caller's scope; another unit's answers like a missing one. A licence
    issued through licensing adds its status today (an expired one reads ``expired``) and validity."""
    found = db.get(Retailer, licence_no.strip())
    if found is None or found.unit_code is None or not can_see_unit(db, user, found.unit_code):
        raise NotFound("RETAILER_NOT_FOUND", f"无此许可证号 / no retailer {licence_no}")
    out = RetailerOut.model_validate(found)
    held = db.get(Licence, found.licence_no)
    if held is not None:
        expired = held.status == "valid" and held.valid_to < today()
        out.licence_status = "expired" if expired else held.status
        out.valid_from, out.valid_to = held.valid_from, held.valid_to
    return out


@router.get(
    "/catalog/offline", response_model=CatalogOut, summary="The province's catalog with today's prices"
)
def offline_catalog(db: DB, user: CurrentUser) -> CatalogOut:
    province = province_of(db, user.unit_code)
    on = today()
    price_type = refdata.reference().price_type(province, on)
    prices = current_prices(db, province, price_type, on)
    products = db.scalars(select(Product).where(Product.status == "active").order_by(Product.product_code))
    entries = [
        CatalogEntry(
            product_code=p.product_code,
            brand=p.brand,
            spec_name=p.spec_name,
            pack_barcode=p.pack_barcode,
            carton_barcode=p.carton_barcode,
            case_barcode=p.case_barcode,
            packs_per_carton=p.packs_per_carton,
            price_per_carton=prices.get(p.product_code),
        )
        for p in products
    ]
    if not entries:
        raise NotFound("CATALOG_EMPTY", "产品目录为空，请先导入目录 / the catalog is empty")
    return CatalogOut(province_code=province, price_type=price_type, priced_on=on, products=entries)
