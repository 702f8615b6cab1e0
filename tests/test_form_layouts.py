"""Case facts read off other bureaus' form layouts (tests/fixtures/forms, built by hand, not by zhifa's
generator) and scored against the values written by hand in ``truth.json``.

Run as a script to print the score of every file: ``uv run python tests/test_form_layouts.py``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ingestion.recognition import extract_fields, extract_text, recognise_file
from ingestion.recognition.fields import AMOUNT_FIELDS, DATE_FIELDS, OPINION_FIELDS, TEXT_FIELDS
from ingestion.recognition.labels import LABEL_SEED, load_labels
from ingestion.recognition.tables import GOODS_COLUMNS
from zhifa.reference import read_seed
from zhifa.settings import SEEDS_DIR

FORMS = Path(__file__).parent / "fixtures" / "forms"
REPEATED = re.compile(r"^(officer|goods)\.\d+\.")


@dataclass
class Score:
    right: int = 0
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.right + len(self.missing) + len(self.wrong)

    @property
    def rate(self) -> float:
        return self.right / self.total if self.total else 0.0


def measure() -> Score:
    """Each labelled field of the truth: right, missing or wrong (first value read); an officer or goods
    line read beyond those the form carries is a wrong value too."""
    truth = json.loads((FORMS / "truth.json").read_text(encoding="utf-8"))
    score = Score()
    for name, expected in truth.items():
        if name.startswith("_"):
            continue
        doc = recognise_file(FORMS / name)
        read = {"doc_type": doc.doc_type or ""}
        for f in doc.fields:
            read.setdefault(f.name, f.value)
        for key, value in expected.items():
            got = read.get(key)
            if got is None:
                score.missing.append(f"{name}: {key} (want {value})")
            elif got != value:
                score.wrong.append(f"{name}: {key} = {got!r}, want {value!r}")
            else:
                score.right += 1
        for key, got in read.items():
            if REPEATED.match(key) and key not in expected:
                score.wrong.append(f"{name}: {key} = {got!r} is not on the form")
    return score


def _report(score: Score) -> str:
    lines = [f"form layouts: {score.right}/{score.total} right ({score.rate:.0%}), {len(score.wrong)} wrong"]
    lines += [f"  missing {m}" for m in score.missing] + [f"  WRONG {w}" for w in score.wrong]
    return "\n".join(lines)


def test_labelled_fields_on_other_bureaus_forms() -> None:
    score = measure()
    print(_report(score))
    assert score.wrong == [], _report(score)
    assert score.rate >= 0.9, _report(score)


def test_merged_cells_are_read_once() -> None:
    text = extract_text(FORMS / "xa_filing_report.docx").text
    assert text.count("涉嫌无烟草专卖零售许可证经营烟草制品零售业务") == 1
    assert text.count("基本案情") == 1  # the label spans two rows
    assert text.count("当事人无法提供烟草专卖零售许可证") == 1


def test_docx_footer_is_read() -> None:
    doc = recognise_file(FORMS / "nb_valuation_table.docx")
    assert "复核人" in doc.text
    assert doc.value("officer.2.certificate") == "41010220190045"  # printed only in the footer


def _values(text: str, **kw: object) -> dict[str, str]:
    values: dict[str, str] = {}
    for f in extract_fields(text, None, **kw):  # type: ignore[arg-type]
        values.setdefault(f.name, f.value)
    return values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("当 事 人：张三", "张三"),
        ("当事人:张三  性别:男", "张三"),
        ("当事人（姓名）：张三", "张三"),
        ("被检查单位\t城关镇便利店\t地址\t解放路1号", "城关镇便利店"),
        ("受送达人      城关镇便利店      送达地点     解放路1号", "城关镇便利店"),
        ("经营者\n城关镇便利店", None),  # a label alone on a line, no row of cells under it
        ("当事人类型：个体工商户", None),
        ("经查，当事人无法提供烟草专卖零售许可证。", None),
        ("被询问人签名：", None),
        ("检查人：李明", None),  # 检查人 is an officer, not 被检查人
    ],
)
def test_party_label_variants(text: str, expected: str | None) -> None:
    assert _values(text).get("party_name") == expected


@pytest.mark.parametrize(
    ("text", "names", "certificates"),
    [
        ("经办人：张三、李四", ["张三", "李四"], [None, None]),
        ("执法人员：张三，李四 王五", ["张三", "李四", "王五"], [None, None, None]),
        ("承办人（签名）：张三 执法证号：41010220180031", ["张三"], ["41010220180031"]),
        ("询 问 人(签名)：张三执法证号:41010220180031", ["张三"], ["41010220180031"]),
        (
            "询问人：张三、李四\n执法证号：41010220180031、41010220190045",
            ["张三", "李四"],
            ["41010220180031", "41010220190045"],
        ),
        ("询问人：张三、李四\n执法证号：41010220180031", ["张三", "李四"], [None, None]),  # whose? unsure
        ("检查人：张三（执法证号：41010220180031）、李四", ["张三", "李四"], ["41010220180031", None]),
        ("承办人意见：建议立案调查。签名：张三 日期：2024年4月4日", [], []),
        ("询问人：张三  日期：2024年4月4日", ["张三"], [None]),
    ],
)
def test_officer_lines(text: str, names: list[str], certificates: list[str | None]) -> None:
    values = _values(text)
    assert values["officer_count"] == str(len(names))
    assert [values.get(f"officer.{n}.name") for n in range(1, len(names) + 1)] == names
    assert [values.get(f"officer.{n}.certificate") for n in range(1, len(names) + 1)] == certificates


def test_values_in_the_row_below_their_labels() -> None:
    text = "送达回证\n受送达人   张三\n送达文书   签收日期   送达方式\n处罚决定书   2024年4月20日   直接送达"
    values = _values(text)
    assert (values["party_name"], values["served_on"]) == ("张三", "2024-04-20")


def test_goods_header_by_similarity_two_lines_and_total() -> None:
    text = "\n".join(
        [
            "物品清单",
            "涉案卷烟的数量 单价 金额见下表",  # prose naming columns is no header
            "序号\t品名、规格\t计量单位\t数量\t价格（元）",
            "单价\t金额",
            "1\t中华（硬）\t条\t4\t450.00\t1800.00",
            "2\t玉溪（软）\t条\t6\t230.00\t1380.00",
            "合 计\t10\t3180.00",
        ]
    )
    values = _values(text)
    assert [values[f"goods.{n}.spec"] for n in (1, 2)] == ["中华（硬）", "玉溪（软）"]
    assert [values[f"goods.{n}.unit_price"] for n in (1, 2)] == ["450.00", "230.00"]
    assert (values["goods_count"], values["goods_total_quantity"], values["goods_total_value"]) == (
        "2",
        "10",
        "3180.00",
    )


def test_a_province_adds_its_label_in_the_seed(tmp_path: Path) -> None:
    seed = (SEEDS_DIR / LABEL_SEED).read_text(encoding="utf-8")
    (tmp_path / LABEL_SEED).write_text(seed + "party_name,店主,某省的询问笔录\n", encoding="utf-8")
    text = "询问笔录\n店 主：张三"
    assert "party_name" not in _values(text)
    assert _values(text, labels=load_labels(tmp_path))["party_name"] == "张三"


def test_seed_names_fields_recognition_reads() -> None:
    seed = read_seed(SEEDS_DIR / LABEL_SEED)
    known = {*TEXT_FIELDS, *DATE_FIELDS, *OPINION_FIELDS, *AMOUNT_FIELDS, "doc_no", "case_no", "cover_no"}
    known |= {"officer", "officer_certificate"} | {f"goods.{c}" for c in GOODS_COLUMNS}
    assert set(seed["field"]) <= known
    assert seed["label"].is_unique
    assert set(seed["field"]) >= known - {"goods.unit"}  # every field has a printed label


if __name__ == "__main__":
    print(_report(measure()))
