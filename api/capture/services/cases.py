"""Case capture: create (idempotent), update, items, fine — each write audited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api.capture.schemas import CaseCreate, CaseUpdate, FineIn, ItemIn
from api.capture.services import approvals, barcodes, catalog, clock_store, idempotency, numbering
from api.capture.services.valuation import discretion, to_cartons
from api.core import refdata
from api.core.errors import Conflict, Forbidden, Invalid, NotFound, case_not_found
from api.db import READ_ONLY
from api.models import Case, CaseItem, CaseOfficer, Officer, Product, Retailer, User
from api.platform.services import audit
from api.platform.services.users import province_of, visible_units
from zhifa.clock import LOCAL, local_date, now, today

EDITABLE = ("filed", "investigating")


def get_visible(session: Session, user: User, case_id: str, *, lock: bool = False) -> Case:
    """The case if the user's scope covers it; otherwise 404 (another unit's cases do not exist)."""
    stmt = select(Case).where(Case.case_id == case_id)
    case = session.scalars(stmt.with_for_update() if lock else stmt).first()
    units = visible_units(session, user)
    if case is None or (units is not None and case.unit_code not in units):
        raise case_not_found()
    return case


def get_writable(session: Session, user: User, case_id: str) -> Case:
    """Only officers of the handling unit change a case; the row is locked for this transaction."""
    case = get_visible(session, user, case_id, lock=True)
    if case.status == "archived":
        raise Conflict("CASE_ARCHIVED", "已归档案件只读 / an archived case is read-only")
    if "admin" not in user.role_set and ("officer" not in user.role_set or user.unit_code != case.unit_code):
        raise Forbidden(
            "NOT_CASE_UNIT", "只有承办单位的执法人员可修改案件 / only the handling unit's officers"
        )
    return case


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=LOCAL) if value.tzinfo is None else value


def _check_dates(discovered: datetime, seized_on: Any) -> None:
    if discovered > now():
        raise Invalid("DATE_IN_FUTURE", "发现时间不能晚于现在 / discovered_at is in the future")
    if seized_on is not None:
        if seized_on > today():
            raise Invalid("DATE_IN_FUTURE", "扣押日期不能晚于今天 / seized_on is in the future")
        if seized_on < local_date(discovered):
            raise Invalid("DATES_OUT_OF_ORDER", "扣押日期早于发现日期 / seized_on before discovered_at")


def _checked_officers(session: Session, unit_code: str, links: list[Any]) -> list[CaseOfficer]:
    """New link rows for ``links``: each officer listed once and of the case's unit (one query)."""
    ids = [x.officer_id for x in links]
    if len(set(ids)) != len(ids):
        raise Invalid("DUPLICATE_OFFICER", "执法人员重复 / an officer is listed twice")
    known = set(
        session.scalars(
            select(Officer.officer_id).where(Officer.officer_id.in_(ids), Officer.unit_code == unit_code)
        )
    )
    for officer_id in ids:
        if officer_id not in known:
            raise Invalid("UNKNOWN_OFFICER", f"本单位无此执法人员 / no officer {officer_id} in unit")
    return [CaseOfficer(officer_id=x.officer_id, role=x.role) for x in links]


def _set_officers(session: Session, case: Case, links: list[Any]) -> None:
    officers = _checked_officers(session, case.unit_code, links)
    case.officers.clear()
    session.flush()  # delete the old links before inserting new ones with the same keys
    case.officers.extend(officers)


def _remember_retailer(session: Session, case: Case) -> None:
    if case.licence_no and case.party_name and session.get(Retailer, case.licence_no) is None:
        session.add(
            Retailer(
                licence_no=case.licence_no,
                name=case.party_name,
                address=case.address,
                unit_code=case.unit_code,
            )
        )


def _replay(session: Session, user: User, key: str, request_hash: str) -> Case | None:
    case_id = idempotency.earlier(session, user, key, request_hash)
    return None if case_id is None else session.get(Case, case_id)


def create_case(session: Session, user: User, body: CaseCreate, key: str | None) -> tuple[Case, bool]:
    """Returns (case, created). With an Idempotency-Key a retry returns the first case unchanged.

    What only reads (the replay, the violation, the dates, the unit's officers and province) is done before
    the write: in a session with no transaction open (a request's) as a read of its own, which on SQLite
    need not queue behind the writers (``api.db.READ_ONLY``). The write then holds the store's single
    writer for the counter, the inserts, the stored deadlines and the audit entry only (docs/benchmarks.md,
    issue 22).
    A twin request with the same key that passes the read at the same moment is caught by the key's
    primary key at the insert, as on PostgreSQL, where reads never waited for writers anyway."""
    digest = idempotency.digest(body.model_dump(mode="json"))
    own_read = not session.in_transaction()
    if own_read:
        session.connection(execution_options={READ_ONLY: True})
    if key and (earlier := _replay(session, user, key, digest)) is not None:
        return earlier, False
    unit_code = body.unit_code or user.unit_code
    if unit_code != user.unit_code and "admin" not in user.role_set:
        raise Forbidden("NOT_CASE_UNIT", "只能为本单位立案 / cases are created in your own unit")
    try:
        refdata.reference().violation(body.violation_code)
    except KeyError as exc:
        raise Invalid("UNKNOWN_VIOLATION", f"未知违法行为 / unknown violation {body.violation_code}") from exc
    discovered = _aware(body.discovered_at)
    _check_dates(discovered, body.seized_on)
    officers = _checked_officers(session, unit_code, body.officers)
    provinces = {unit_code: province_of(session, unit_code)}  # for the new deadlines (reference data)
    if own_read:
        session.commit()  # the read ends here; nothing was written
    try:
        with clock_store.provinces_known(session, provinces), session.begin_nested():
            case = _insert_case(session, user, body, unit_code, discovered, officers)
            if key:
                idempotency.remember(session, user, key, digest, case.case_id)
            session.flush()  # one flush: the case, its officers, a new retailer, the key, the deadlines
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its case.
        if key and (earlier := _replay(session, user, key, digest)) is not None:
            return earlier, False
        raise
    audit.record(
        session,
        user_id=user.id,
        username=user.username,
        action="create",
        entity="case",
        entity_id=case.case_id,
        after=audit.snapshot(case),
    )
    return case, True


def _insert_case(
    session: Session,
    user: User,
    body: CaseCreate,
    unit_code: str,
    discovered: datetime,
    officers: list[CaseOfficer],
) -> Case:
    """The new case, added but not flushed; its number is taken from the counter (the first write)."""
    year = local_date(discovered).year
    serial = numbering.allocate(session, unit_code, year, "case")
    at = now()
    fields = body.model_dump(
        exclude={"officers", "unit_code", "discovered_at", "seized_on"}, exclude_none=True
    )
    fields.setdefault("prior_offences_3y", 0)  # given in the body or none known
    case = Case(
        case_id=numbering.case_id(unit_code, year, serial),
        unit_code=unit_code,
        discovered_at=discovered,
        seized_on=body.seized_on or local_date(discovered),
        status="filed",
        created_by=user.id,
        created_at=at,
        updated_at=at,
        extension_days=0,
        legal_review_done=False,
        # a new case's collections, given: no load of them now nor when the answer is serialised
        officers=officers,
        items=[],
        **fields,
    )
    if not case.cause:
        case.cause = "涉嫌" + str(refdata.reference().violation(body.violation_code)["name_zh"])
    session.add(case)
    _remember_retailer(session, case)
    return case


def update_case(session: Session, user: User, case: Case, body: CaseUpdate) -> Case:
    if case.status not in EDITABLE:
        raise Conflict("CASE_LOCKED", f"{case.status} 状态的案件不能修改 / case is {case.status}")
    before = audit.snapshot(case)
    changes = body.model_dump(exclude_unset=True, exclude={"officers"})
    if "violation_code" in changes:
        try:
            refdata.reference().violation(changes["violation_code"])
        except KeyError as exc:
            raise Invalid("UNKNOWN_VIOLATION", "未知违法行为 / unknown violation") from exc
    if changes.get("seized_on") is not None:
        _check_dates(_aware(case.discovered_at), changes["seized_on"])
    for name, value in changes.items():
        if value is None and name in ("violation_code", "seized_on", "prior_offences_3y", "marked_complex"):
            raise Invalid("VALUE_REQUIRED", f"{name} 不能为空 / {name} cannot be null")
        setattr(case, name, value)
    if body.officers is not None:
        _set_officers(session, case, body.officers)
    case.updated_at = now()
    _remember_retailer(session, case)
    session.flush()
    audit.record_change(
        session, user, case, action="update", entity="case", entity_id=case.case_id, before=before
    )
    return case


def add_item(session: Session, user: User, case: Case, body: ItemIn, key: str | None = None) -> bool:
    """Add a line; False when ``key`` replays an earlier add (nothing written again)."""
    request_hash = idempotency.digest({"case": case.case_id, "item": body.model_dump(mode="json")})
    if key and idempotency.earlier(session, user, key, request_hash) is not None:
        return False
    if case.status not in EDITABLE:
        raise Conflict("CASE_LOCKED", f"{case.status} 状态的案件不能修改 / case is {case.status}")
    product: Product | None = None
    if body.barcode:
        match = catalog.find_by_barcode(session, body.barcode)
        if match is None:
            raise Invalid("UNKNOWN_BARCODE", f"目录中无此条码 / barcode not in catalog: {body.barcode}")
        product = match.product
    if body.product_code:
        by_code = session.get(Product, body.product_code)
        if by_code is None:
            raise Invalid("UNKNOWN_PRODUCT", f"无此产品 / unknown product {body.product_code}")
        if product is not None and product.product_code != by_code.product_code:
            raise Invalid("BARCODE_PRODUCT_MISMATCH", "条码与产品代码不一致 / barcode and product differ")
        product = by_code
    if product is None and not body.spec_name_raw:
        raise Invalid("ITEM_UNIDENTIFIED", "须提供条码、产品代码或规格 / give a barcode, product or spec")
    # goods without a catalog price keep their own unit and the valuation table's price (zhifa.valuation)
    non_catalog = body.quantity_unit == "kg" or (product is None and body.unit_price is not None)
    if body.unit_price is not None and product is not None and body.quantity_unit != "kg":
        raise Invalid(
            "PRICE_FOR_CATALOG_GOODS",
            "目录内卷烟按目录价计价，不接受单价 / catalog goods: valued at the catalog price",
        )
    if non_catalog and body.quantity_unit == "case":
        raise Invalid(
            "UNIT_FOR_PRICED_GOODS", "目录外物品不能以“件”计量 / goods priced per unit cannot be in 件"
        )
    if body.spray_code:
        barcodes.parse_spray_code(body.spray_code, case.seized_on)
    last = max((i.line_no for i in case.items), default=0)
    item = CaseItem(
        case_id=case.case_id,
        line_no=last + 1,
        barcode=body.barcode,
        product_code=product.product_code if product else None,
        spec_name_raw=body.spec_name_raw,
        # catalog cigarettes in cartons; other goods in their own unit, valued at their stated price
        quantity=body.quantity if non_catalog else to_cartons(body.quantity, body.quantity_unit, product),
        quantity_unit=body.quantity_unit if non_catalog else "carton",
        unit_price=body.unit_price,
        authenticity=body.authenticity,
        spray_code="".join(body.spray_code.split()) if body.spray_code else None,
    )
    case.items.append(item)
    case.updated_at = now()
    session.flush()
    audit.record_change(
        session,
        user,
        item,
        action="add_item",
        entity="case_item",
        entity_id=f"{case.case_id}#{item.line_no}",
        before=None,
    )
    if key:
        idempotency.remember(session, user, key, request_hash, case.case_id)
    return True


def delete_item(session: Session, user: User, case: Case, line_no: int) -> None:
    if case.status not in EDITABLE:
        raise Conflict("CASE_LOCKED", f"{case.status} 状态的案件不能修改 / case is {case.status}")
    item = next((i for i in case.items if i.line_no == line_no), None)
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", f"无第{line_no}行 / no line {line_no}")
    before = audit.snapshot(item)
    case.items.remove(item)  # delete-orphan removes the row
    session.flush()
    for n, rest in enumerate(sorted(case.items, key=lambda i: i.line_no), start=1):
        rest.line_no = n  # line numbers stay consecutive (review rule on the valuation table)
    session.flush()
    audit.record(
        session,
        user_id=user.id,
        username=user.username,
        action="delete_item",
        entity="case_item",
        entity_id=f"{case.case_id}#{line_no}",
        before=before,
    )


def set_fine(session: Session, user: User, case: Case, body: FineIn) -> tuple[bool, int | None]:
    """Record the intended fine. Outside the tier it needs a reason and a pending deviation approval."""
    if case.status not in EDITABLE:
        raise Conflict("CASE_LOCKED", f"{case.status} 状态的案件不能修改 / case is {case.status}")
    d = discretion(session, case)
    fine = body.fine_amount
    if not d.within_statutory(fine):
        raise Invalid(
            "FINE_OUTSIDE_STATUTORY_RANGE",
            f"罚款须在法定幅度 {d.fine_min}–{d.fine_max} 元之内 / fine must lie in the statutory "
            f"range {d.fine_min}–{d.fine_max}",
        )
    within = d.within_tier(fine)
    if not within and not body.deviation_reason:
        raise Invalid(
            "DEVIATION_REASON_REQUIRED",
            "罚款超出裁量档次，须书面说明理由 / a fine outside the tier needs a written reason",
        )
    before = audit.snapshot(case)
    case.fine_amount, case.illegal_amount = fine, d.base_amount
    case.circumstance_tier = d.tier_label
    case.deviation_reason = None if within else body.deviation_reason
    case.updated_at = now()
    approval_id = None
    if not within:
        approval = approvals.request(
            session,
            user,
            case,
            "discretion_deviation",
            body.deviation_reason,
            {"fine_amount": str(fine), "tier": d.tier},
        )
        approval_id = approval.approval_id
    session.flush()
    audit.record_change(
        session, user, case, action="set_fine", entity="case", entity_id=case.case_id, before=before
    )
    return within, approval_id
