"""Masking of published decisions: hand-made cases from DOMAIN.md §9 and properties over generated
numbers hidden in generated Chinese text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from zhifa.masking import REMOVED, mask_licence, mask_party, mask_person, personal_data, scrub

CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
FILLER = st.text(alphabet=st.one_of(CJK, st.sampled_from("，。：；（）、 ")), max_size=30)


def test_names_and_licences() -> None:
    assert mask_person("张三") == "张某"
    assert mask_person("欧阳娜娜") == "欧阳某"
    assert mask_person("欧阳") == "欧某"  # a two-character name whose first character is the surname
    assert mask_party("李四", "individual") == "李某"
    assert mask_party("中牟县好又多超市有限公司", "entity") == "中牟县好又多超市有限公司"
    assert mask_party(None, "individual") == ""
    assert mask_licence("410122100001") == "4101******01"


def test_scanner_finds_each_kind() -> None:
    text = (
        "当事人张三，身份证号41012219800101123X，电话 138 0013 8000，座机0371-65432100，"
        "许可证号410122100001。"
    )
    kinds = [f.kind for f in personal_data(text)]
    assert kinds == ["id_card", "mobile", "landline"]  # the 12-digit licence number is none of them
    cleaned = scrub(text, ["张三"])
    assert personal_data(cleaned) == []
    assert "张某" in cleaned and "张三" not in cleaned and cleaned.count(REMOVED) == 3
    assert "410122100001" in cleaned  # licences are masked by the template, not by the scrubber


ID_CARD = st.from_regex(r"\A[1-6]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d)\d{3}[\dX]\Z")
MOBILE = st.from_regex(r"\A1[3-9]\d{9}\Z")
LANDLINE = st.from_regex(r"\A0\d{2,3}-\d{7,8}\Z")


@given(before=FILLER, number=st.one_of(ID_CARD, MOBILE, LANDLINE), after=FILLER)
def test_any_number_in_any_text_is_found_and_removed(before: str, number: str, after: str) -> None:
    text = before + number + after
    assert number in [f.text for f in personal_data(text)]
    cleaned = scrub(text)
    assert number not in cleaned and personal_data(cleaned) == []


@given(text=FILLER)
def test_text_without_numbers_is_left_alone(text: str) -> None:
    assert personal_data(text) == [] and scrub(text) == text
