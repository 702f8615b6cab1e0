"""Publication of licensing decisions (双公示): published beside the penalty decisions on the same public
list, masked the same way (zhifa.masking), due ``publication_working_days`` after the decision."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.core import refdata
from api.core.errors import Conflict, Invalid
from api.models import Licence, LicenceApplication, LicencePublication, Unit, User
from api.platform.services import audit
from api.platform.services.users import province_of
from zhifa.calendar import add_working_days
from zhifa.clock import local_date, now
from zhifa.documents.text import fmt_date
from zhifa.licensing.materials import KINDS
from zhifa.masking import mask_licence, mask_party, personal_data

OUTCOMES = {"approved": "准予许可", "refused": "不予许可"}


def public_text(session: Session, row: LicenceApplication) -> str:
    """Who (an individual masked like a party), which licence (its area only), what was decided, by whom."""
    assert row.decided_at is not None and row.outcome is not None
    unit = session.get(Unit, row.unit_code)
    lic = session.get(Licence, row.licence_no) if row.licence_no and row.outcome == "approved" else None
    party = mask_party(row.applicant_name, "entity" if row.applicant_type == "organisation" else "individual")
    lines = [
        ("行政许可决定文书号", row.application_id),
        ("许可类别", f"烟草专卖零售许可（{KINDS[row.kind]}）"),
        ("行政相对人", party),
        ("许可证号", mask_licence(lic.licence_no) if lic else ""),
        ("许可决定", OUTCOMES[row.outcome]),
        ("有效期", f"{fmt_date(lic.valid_from)}至{fmt_date(lic.valid_to)}" if lic else ""),
        ("许可机关", unit.name if unit else row.unit_code),
        ("许可决定日期", fmt_date(local_date(row.decided_at))),
    ]
    return "\n".join(f"{label}：{value}" for label, value in lines if value)


def publish(session: Session, user: User, row: LicenceApplication, channel: str) -> LicencePublication:
    if row.outcome is None or row.decided_at is None:
        raise Conflict("NOT_DECIDED", "作出许可决定后才能公示 / only decided applications are published")
    if session.get(LicencePublication, row.application_id) is not None:
        raise Conflict("ALREADY_PUBLISHED", "该决定已公示 / already published")
    text = public_text(session, row)
    if personal_data(text):
        raise Invalid(
            "PERSONAL_DATA_IN_TEXT", "公示文本含有个人信息 / the public text contains personal numbers"
        )
    decided_on = local_date(row.decided_at)
    days = refdata.days("publication_working_days", province_of(session, row.unit_code), decided_on)
    pub = LicencePublication(
        application_id=row.application_id,
        public_text=text,
        due_on=add_working_days(decided_on, days),
        channel=channel,
        published_by=user.id,
        published_at=now(),
    )
    row.updated_at = pub.published_at
    audit.add_created(
        session, user, pub, action="publish", entity="licence_publication", entity_id="application_id"
    )
    return pub
