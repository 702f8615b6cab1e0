"""Personal data in published text (行政执法公示, DOMAIN.md §9): an individual's name becomes 张某,
ID-card and phone numbers are removed, a licence number is partly masked; an entity's name is kept (it
is not personal information). :func:`personal_data` is the scanner that refuses a public text still
carrying a number."""

from __future__ import annotations

import re
from dataclasses import dataclass

REMOVED = "（已隐去）"
# two-character surnames come first so 欧阳娜娜 becomes 欧阳某, not 欧某
COMPOUND_SURNAMES = (
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒",
    "夏侯", "令狐", "端木", "独孤", "南宫", "西门", "轩辕", "呼延", "澹台", "申屠", "太史", "钟离",
    "闻人", "赫连", "万俟",
)  # fmt: skip

# ID cards: 18 characters (17 digits + digit or X) or the old 15 digits; not part of a longer number
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
# mobiles (1[3-9] + 9 digits, with optional +86 and separators) and landlines with an area code
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")
_KINDS = (
    ("id_card", _ID_CARD, "身份证号码"),
    ("mobile", _MOBILE, "手机号码"),
    ("landline", _LANDLINE, "电话号码"),
)


@dataclass(frozen=True)
class Finding:
    kind: str  # id_card | mobile | landline
    label_zh: str
    text: str


def mask_person(name: str) -> str:
    """张三 → 张某, 欧阳娜娜 → 欧阳某; an empty name stays empty."""
    name = name.strip()
    if not name:
        return name
    surname = next((s for s in COMPOUND_SURNAMES if name.startswith(s) and len(name) > len(s)), name[0])
    return f"{surname}某"


def mask_party(name: str | None, party_type: str | None) -> str:
    """An individual's name is masked; an entity's (单位) name is published as it is."""
    if not name:
        return ""
    return name if party_type == "entity" else mask_person(name)


def mask_licence(number: str | None) -> str:
    """410122100001 → 4101******01: the area stays readable, the shop does not."""
    if not number:
        return ""
    digits = number.strip()
    if len(digits) <= 6:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def personal_data(text: str) -> list[Finding]:
    """Every ID-card, mobile or landline number in ``text``."""
    found: list[Finding] = []
    for kind, pattern, label in _KINDS:
        found += [Finding(kind, label, m.group(0)) for m in pattern.finditer(text)]
    return found


def scrub(text: str, names: list[str] | None = None) -> str:
    """``text`` with every number :func:`personal_data` finds removed and each of ``names`` masked."""
    for _, pattern, _ in _KINDS:
        text = pattern.sub(REMOVED, text)
    for name in sorted({n.strip() for n in names or [] if n and n.strip()}, key=len, reverse=True):
        text = text.replace(name, mask_person(name))
    return text
