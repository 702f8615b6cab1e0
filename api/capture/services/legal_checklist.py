"""The legal reviewer's checklist (法制审核): every item of ``ref_legal_review_items`` confirmed or flagged,
a flagged item with its note and the decision with an opinion. Stored in the approval's payload, so the
decision's audit entry holds it too."""

from __future__ import annotations

from typing import Any

from api.core import refdata
from api.core.errors import Invalid


def checked(
    kind: str, note: str | None, checklist: list[dict[str, Any]] | None
) -> list[dict[str, Any]] | None:
    """The checklist to store with the decision (items in page order, named), or None for other kinds."""
    if kind != "legal_review":
        if checklist:
            raise Invalid(
                "CHECKLIST_NOT_APPLICABLE", "只有法制审核填写审核清单 / a checklist is for legal reviews only"
            )
        return None
    if not checklist:
        raise Invalid(
            "CHECKLIST_REQUIRED", "法制审核须逐项填写审核清单 / the legal review checklist is required"
        )
    items = {i["item_code"]: i for i in refdata.legal_review_items()}
    given: dict[str, dict[str, Any]] = {}
    for entry in checklist:
        code = entry["item"]
        if code not in items:
            raise Invalid("UNKNOWN_CHECKLIST_ITEM", f"未知的审核项 / unknown checklist item {code!r}")
        if code in given:
            raise Invalid(
                "DUPLICATE_CHECKLIST_ITEM", f"审核项重复：{items[code]['name_zh']} / item {code} twice"
            )
        given[code] = entry
    missing = [i["name_zh"] for code, i in items.items() if code not in given]
    if missing:
        raise Invalid("CHECKLIST_INCOMPLETE", f"审核项未填写：{'、'.join(missing)} / checklist items missing")
    out = []
    for code, item in items.items():
        entry = given[code]
        text = (entry.get("note") or "").strip() or None
        if entry["result"] == "flagged" and text is None:
            raise Invalid(
                "CHECKLIST_NOTE_REQUIRED", f"存疑项须说明：{item['name_zh']} / a flagged item needs a note"
            )
        out.append({"item": code, "name_zh": item["name_zh"], "result": entry["result"], "note": text})
    if any(e["result"] == "flagged" for e in out) and not (note or "").strip():
        raise Invalid(
            "OPINION_REQUIRED", "有存疑项时须填写审核意见 / an opinion is required when an item is flagged"
        )
    return out
