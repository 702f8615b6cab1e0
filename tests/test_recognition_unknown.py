"""Issue #21 items 3 and 4 at the recognition layer: a form zhifa has no type for stays unknown and says why;
every field says where it was read.

The forms are written here (no generator): a 价格证明申请表 as three bureaus lay it out, each of which the
classifier of before typed 核价表 (valuation_table), and titles OCR garbled by a character, which must keep
their type.
"""

from __future__ import annotations

import pytest

from ingestion.recognition import ExtractedText, recognise_text
from ingestion.recognition.classify import classify_text
from zhifa.settings import get_settings

BODY = (
    "申请单位：乐安县烟草专卖局\n申请事项：请对下列涉案卷烟出具价格证明\n"
    "物品名称 数量（条）\n黄鹤楼（软蓝） 10\n"
)
PRICE_FORMS = {
    # similar to 涉案烟草专卖品核价表 by most of its characters
    "long title": "涉案烟草专卖品价格证明申请表\n" + BODY + "合计金额：2150元\n申请日期：2024年3月5日",
    # the valuation table named on a top line, under the form's own title: a citation
    "cites the table": "价格证明申请表\n附：涉案烟草专卖品核价表\n" + BODY + "申请日期：2024年3月5日",
    "letter-spaced": "价 格 证 明 申 请 表\n（涉案烟草专卖品核价表附后）\n" + BODY,
}


@pytest.mark.parametrize("text", list(PRICE_FORMS.values()), ids=list(PRICE_FORMS))
def test_a_price_proof_application_is_unknown_and_says_why(text: str) -> None:
    found = classify_text(text)
    assert found.doc_type is None
    threshold = get_settings().doc_type_min_confidence
    assert found.confidence < threshold and found.threshold == threshold
    assert found.candidates and found.candidates[0][0] == "valuation_table"  # the type it resembles
    doc = recognise_text(ExtractedText(text, "text_layer", 1), "price.pdf")
    assert doc.doc_type is None and doc.type_candidates == found.candidates
    assert any("valuation_table" in e and f"{threshold:.2f}" in e for e in doc.errors), doc.errors


@pytest.mark.parametrize(
    ("title", "doc_type"),
    [
        ("涉案烟草专卖品核价衣", "valuation_table"),  # one character misread
        ("涉案烟草专卖晶核价表", "valuation_table"),
        ("行政处罚决定书", "penalty_decision"),
        ("乐安县烟草专卖局\n行政处罚决定书", "penalty_decision"),  # the bureau's name above the title
        ("撤销立案审批表", "withdrawal"),  # not 立案审批表, which it holds
    ],
)
def test_titles_keep_their_type(title: str, doc_type: str) -> None:
    found = classify_text(title + "\n乐烟罚〔2024〕第12号\n当事人：某某")
    assert found.doc_type == doc_type, found
    assert found.confidence >= get_settings().doc_type_min_confidence


def test_a_threshold_of_zero_takes_the_best_guess() -> None:
    assert classify_text(PRICE_FORMS["long title"], threshold=0.0).doc_type == "valuation_table"


def test_fields_say_on_which_line_they_were_read() -> None:
    lines = [
        "行政处罚决定书",
        "乐烟罚〔2024〕第12号",
        "当事人：乐安县盛盛副食店",
        "案由：涉嫌未在当地烟草专卖批发企业进货",
        "处罚决定：罚款480.00元",
        "二〇二四年",
        "2024年4月25日",
    ]
    doc = recognise_text(ExtractedText("\n".join(lines), "text_layer", 1), "decision.pdf")
    located = {f.field: f for f in doc.located_fields()}
    assert [f.field for f in doc.located_fields()] == [f.name for f in doc.fields]  # one per field
    for name, index in (("title", 0), ("party_name", 2), ("cause", 3), ("fine_amount", 4), ("issued_on", 6)):
        assert located[name].line == index, (name, located[name])
        assert located[name].source_text == lines[index]
        assert located[name].page == 1 and located[name].bbox is None
    assert located["fine_amount"].value == "480.00" and located["issued_on"].value == "2024-04-25"
    # a two-page text: the page of a line is not known from the text alone, so it is not guessed
    two_pages = recognise_text(ExtractedText("\n".join(lines), "text_layer", 2), "decision.pdf")
    assert all(f.page is None for f in two_pages.located_fields())
