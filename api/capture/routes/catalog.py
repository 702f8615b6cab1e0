"""Catalog look-up, image scanning (fixed path ``POST /scan``) and carton spray codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from sqlalchemy import select

from api.capture.schemas import LookupOut, ProductOut, ScanCandidate, ScanOut, SprayIn, SprayOut
from api.capture.services import barcodes, catalog
from api.core.errors import Invalid, NotFound, TooLarge, not_found
from api.deps import DB, CurrentUser, TxRoute
from api.models import Product, Retailer, Unit
from zhifa.clock import today

router = APIRouter(tags=["catalog"], route_class=TxRoute)


def _lookup(db: DB, code: str) -> LookupOut:
    match = catalog.find_by_barcode(db, code)
    if match is None:
        raise NotFound("UNKNOWN_BARCODE", f"目录中无此条码 / barcode not in catalog: {code}")
    sticks = int(match.cartons_per_unit * match.sticks_per_carton)
    return LookupOut(
        code=code.strip(),
        level=match.level,  # type: ignore[arg-type]
        cartons_per_unit=match.cartons_per_unit,
        sticks_per_unit=sticks,
        product=ProductOut.model_validate(match.product),
    )


@router.get(
    "/products/by-barcode/{code}", response_model=LookupOut, summary="Product by pack/carton/case code"
)
def by_barcode(code: str, db: DB, _: CurrentUser) -> LookupOut:
    """Typed digits or a handheld scanner's output; the EAN-13 check digit is verified."""
    return _lookup(db, code)


@router.get("/products/{product_code}", response_model=ProductOut, summary="Product by code")
def product(product_code: str, db: DB, _: CurrentUser) -> Product:
    found = db.get(Product, product_code)
    if found is None:
        raise not_found("product", "产品")
    return found


@router.post("/scan", response_model=ScanOut, summary="Decode a barcode photo and name the product")
def scan(request: Request, db: DB, _: CurrentUser, file: Annotated[UploadFile, File()]) -> ScanOut:
    """The decode ladder (docs/barcodes.md) under the configured time budget. A plain ``def`` route:
    FastAPI runs it in its thread pool, so decoding never blocks the event loop. Only codes that pass
    the misread guard come back ``confirmed``; the rest are ``candidates`` for the officer to confirm."""
    settings = request.app.state.api_settings
    limit = settings.max_scan_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("TOO_LARGE", f"图片超过 {limit} 字节 / image larger than {limit} bytes")
    if not data:
        raise Invalid("EMPTY_FILE", "文件为空 / empty file")

    def in_catalog(code: str) -> bool:  # the catalog holds EAN-13 codes only (an EAN-8 is never in it)
        return len(code) == 13 and catalog.find_by_barcode(db, code) is not None

    result = barcodes.decode_bytes(data, settings.max_scan_pixels, in_catalog, settings.scan_budget_ms)
    out = ScanOut(
        confirmed=result.confirmed,
        candidates=[
            ScanCandidate(code=c.code, symbology=c.symbology, seen_by=c.seen_by) for c in result.candidates
        ],
        codes=result.confirmed,
        ambiguous=result.ambiguous,
        product=None,
        decoder=result.decoder,
        spray_code=result.spray_codes[0] if result.spray_codes else None,
    )
    if len(result.confirmed) == 1 and not result.ambiguous and len(result.confirmed[0]) == 13:
        match = catalog.find_by_barcode(db, result.confirmed[0])
        if match is not None:
            out.product = ProductOut.model_validate(match.product)
            out.level = match.level
    return out


@router.post("/spray-codes/parse", response_model=SprayOut, summary="Parse a 32-digit carton spray code")
def spray(body: SprayIn, db: DB, _: CurrentUser) -> SprayOut:
    parsed = barcodes.parse_spray_code(body.code, body.reference_date or today())
    division = parsed.division_code
    # The licence's division names a county; fall back to its city and province bureaus.
    candidates = [division, division[:4] + "00", division[:2] + "0000"]
    units = {u.unit_code: u for u in db.scalars(select(Unit).where(Unit.unit_code.in_(candidates)))}
    unit = next((units[c] for c in candidates if c in units), None)
    retailer = db.get(Retailer, parsed.licence_no)
    return SprayOut(
        sorting_date=parsed.sorting_date,
        case_serial=parsed.case_serial,
        carton_serial=parsed.carton_serial,
        company_letters=parsed.company_letters,
        licence_no=parsed.licence_no,
        division_code=division,
        unit_code=unit.unit_code if unit else None,
        unit_name=unit.name if unit else None,
        retailer_name=retailer.name if retailer else None,
    )
