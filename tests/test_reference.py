"""Reference data: tier selection, settings precedence, price basis, overrides and seed integrity."""

from __future__ import annotations

import csv
import itertools
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from zhifa.reference import NATIONAL, ReferenceData, TierChoice, load_reference
from zhifa.rules import facts_vocabulary, validate_condition
from zhifa.settings import PROJECT_ROOT, SEEDS_DIR

ON = date(2024, 6, 1)
HENAN, HEBEI, GUANGDONG = "410000", "130000", "440000"


@pytest.fixture(scope="module")
def ref() -> ReferenceData:
    return load_reference()


def _tier(ref: ReferenceData, prov: str, code: str, on: date = ON, **kw) -> TierChoice:
    choice = ref.select_tier(prov, code, on, base_amount=kw.pop("base_amount", None), **kw)
    assert choice is not None
    return choice


# --- tier selection --------------------------------------------------------------------------------------


def test_henan_amount_bands_min_inclusive_max_exclusive(ref: ReferenceData) -> None:
    # DOMAIN §3: Henan non-designated source by purchase amount <1k, 1k–5k, ≥5k
    assert _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=999.99).tier == 1
    assert _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=1000).tier == 2
    assert _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=4999.99).tier == 2
    top = _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=5200)
    assert top.tier == 3 and top.source_province == HENAN
    assert top.reasons == ("案值 5200.00 元 ≥ 5000 元 → 三档",)


def test_prior_offences_lift_to_top_tier(ref: ReferenceData) -> None:
    choice = _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=300, prior_offences=2)
    assert choice.tier == 3
    assert any("违法 2 次" in r for r in choice.reasons)
    assert _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", base_amount=300, prior_offences=1).tier == 1


def test_highest_criterion_wins_across_amount_quantity_prior(ref: ReferenceData) -> None:
    # Hebei: amount 3000 -> tier 1, 600 cartons -> tier 4: quantity wins
    choice = _tier(ref, HEBEI, "NON_DESIGNATED_SOURCE", base_amount=3000, quantity={"carton": 600})
    assert choice.tier == 4
    assert any("600.00 条" in r for r in choice.reasons)
    # amount 60000 -> tier 4 beats 10 cartons (tier 1) and one prior offence (tier 3)
    choice = _tier(
        ref, HEBEI, "NON_DESIGNATED_SOURCE", base_amount=60000, quantity={"carton": 10}, prior_offences=1
    )
    assert choice.tier == 4
    # small case with one prior offence: Hebei puts it in tier 3
    assert _tier(ref, HEBEI, "SUPPLY_TO_UNLICENSED", base_amount=100, prior_offences=1).tier == 3
    # a quantity given in another unit than the tier's is not a criterion
    assert _tier(ref, HEBEI, "NON_DESIGNATED_SOURCE", base_amount=100, quantity={"kg": 9999}).tier == 1


def test_hebei_leaf_purchase_by_kg(ref: ReferenceData) -> None:
    first = _tier(ref, HEBEI, "UNLICENSED_LEAF_PURCHASE", base_amount=None, quantity={"kg": 250})
    assert (first.tier, first.rate_min, first.rate_max) == (1, 0.20, 0.30)  # DOMAIN §3: ≤300 kg -> 20–30%
    assert _tier(ref, HEBEI, "UNLICENSED_LEAF_PURCHASE", base_amount=None, quantity={"kg": 300}).tier == 2


def test_rows_without_criterion_never_match(ref: ReferenceData) -> None:
    bare = ref.discretion_tiers[ref.discretion_tiers["province_code"] == HENAN].copy()
    bare = bare[bare["violation_code"] == "SUPPLY_TO_UNLICENSED"]
    bare[["amount_min", "amount_max", "quantity_min", "quantity_max", "min_prior_offences"]] = None
    custom = ref.with_overrides(discretion_tiers=bare.astype(object).where(bare.notna(), ""))
    assert custom.select_tier(HENAN, "SUPPLY_TO_UNLICENSED", ON, base_amount=1e6, prior_offences=9) is None
    # and no facts at all never match either
    assert ref.select_tier(HENAN, "SUPPLY_TO_UNLICENSED", ON, base_amount=None) is None


def test_period_switch_on_2024_01_01(ref: ReferenceData) -> None:
    old = _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", date(2023, 12, 31), base_amount=6000)
    new = _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", date(2024, 1, 1), base_amount=6000)
    assert old.tier == new.tier == 3
    assert (old.rate_min, new.rate_min) == (0.085, 0.08)
    assert len(ref.tiers_for(HENAN, "NON_DESIGNATED_SOURCE", date(2023, 12, 31))) == 3


def test_fallback_to_national_default(ref: ReferenceData) -> None:
    choice = _tier(ref, GUANGDONG, "NON_DESIGNATED_SOURCE", base_amount=20000)
    assert (choice.source_province, choice.tier) == (NATIONAL, 2)
    assert any("全国默认" in r for r in choice.reasons)
    # before Henan's benchmark started (2019-01-01) the national one applies there too
    assert (
        _tier(ref, HENAN, "NON_DESIGNATED_SOURCE", date(2018, 6, 1), base_amount=500).source_province
        == NATIONAL
    )
    # a violation Henan does not cover
    assert _tier(ref, HENAN, "CARRIER_NO_PERMIT", base_amount=500).source_province == NATIONAL


# --- settings, prices, documents ----------------------------------------------------------------------


def test_settings_precedence(ref: ReferenceData) -> None:
    assert ref.setting("hearing_fine_threshold") == 50000
    assert ref.setting("hearing_fine_threshold", HENAN) == 30000
    assert ref.setting("hearing_fine_threshold", HEBEI) == 50000
    assert ref.setting("grade_pass_min", HEBEI, date(2022, 12, 31)) == 60
    assert ref.setting("grade_pass_min", HEBEI, date(2023, 1, 1)) == 75
    assert ref.setting("cause_prefix") == "涉嫌"
    with pytest.raises(KeyError, match="unknown setting"):
        ref.setting("no_such_key")
    henan = ref.settings_for(HENAN, ON)
    assert henan["hearing_fine_threshold"] == 30000 and henan["payment_days"] == 15


def test_contract_setting_keys_present(ref: ReferenceData) -> None:
    path = PROJECT_ROOT.parent / "shared" / "CONTRACT.md"
    if not path.exists():
        pytest.skip("shared CONTRACT.md not beside the repository")
    contract = path.read_text(encoding="utf-8")
    block = contract.split("known keys:")[1].split("##")[0]
    keys = set(re.findall(r"`([a-z_]+)`", block))
    assert "hearing_fine_threshold" in keys and len(keys) == 10
    assert keys <= set(ref.settings["key"])


def test_price_basis_switch_in_hebei(ref: ReferenceData) -> None:
    assert ref.price_type(HEBEI, date(2022, 12, 31)) == "wholesale"
    assert ref.price_type(HEBEI, date(2023, 1, 1)) == "retail_suggested"
    assert ref.price_type(GUANGDONG, date(2020, 1, 1)) == "retail_suggested"


def test_required_documents(ref: ReferenceData) -> None:
    docs = ref.required_documents({"preservation"})
    assert docs[:3] == ["cover", "contents", "remarks"]
    assert "preservation_handling" in docs and "penalty_decision" not in docs
    assert "hearing_notice" in ref.required_documents({"hearing_right"})


def test_overrides_replace_only_covered_province(ref: ReferenceData) -> None:
    henan_tiers = pd.DataFrame(
        [
            {"province_code": HENAN, "violation_code": "SUPPLY_TO_UNLICENSED", "tier": 1, "amount_min": 0,
             "rate_min": 0.2, "rate_max": 0.5, "rate_default": 0.35, "valid_from": "2020-01-01"},
        ]
    )  # fmt: skip
    prices = pd.DataFrame([{"province_code": HENAN, "price_type": "wholesale", "valid_from": "2015-01-01"}])
    settings = pd.DataFrame([{"province_code": HENAN, "key": "payment_days", "value": "20"}])
    custom = ref.with_overrides(discretion_tiers=henan_tiers, price_basis=prices, settings=settings)
    assert len(custom.tiers_for(HENAN, "SUPPLY_TO_UNLICENSED", ON)) == 1
    assert _tier(custom, HENAN, "SUPPLY_TO_UNLICENSED", base_amount=99999).tier == 1
    # other Henan violations and Hebei are untouched
    assert custom.tiers_for(HENAN, "NON_DESIGNATED_SOURCE", ON).equals(
        ref.tiers_for(HENAN, "NON_DESIGNATED_SOURCE", ON)
    )
    assert custom.tiers_for(HEBEI, "SUPPLY_TO_UNLICENSED", ON).equals(
        ref.tiers_for(HEBEI, "SUPPLY_TO_UNLICENSED", ON)
    )
    assert custom.price_type(HENAN, ON) == "wholesale" and custom.price_type(HEBEI, ON) == "retail_suggested"
    assert custom.setting("payment_days", HENAN) == 20 and custom.setting("payment_days", HEBEI) == 15
    assert custom.setting("hearing_fine_threshold", HENAN) == 30000  # other Henan keys kept
    assert ref.setting("payment_days", HENAN) == 15  # the built-in object is unchanged


def test_unknown_violation_message(ref: ReferenceData) -> None:
    with pytest.raises(KeyError, match="unknown violation code"):
        ref.violation("NOPE")
    assert ref.statutory_range("NON_DESIGNATED_SOURCE") == (0.05, 0.10)
    assert ref.statutory_range("SALE_TO_MINORS") == (None, None)


# --- seed integrity -------------------------------------------------------------------------------------

DOMAIN_CODES = [
    "UNLICENSED_LEAF_PURCHASE", "NO_TRANSPORT_PERMIT", "CARRIER_NO_PERMIT", "MAIL_OR_CARRY_OVER_LIMIT",
    "UNLICENSED_MANUFACTURE", "UNLICENSED_WHOLESALE", "WHOLESALE_OUT_OF_SCOPE", "NON_DESIGNATED_SOURCE",
    "UNLICENSED_RETAIL", "SELLING_ILLEGAL_PRODUCTS", "CROSS_PROVINCE_WHOLESALE", "SUPPLY_TO_UNLICENSED",
    "PURCHASE_FROM_UNLICENSED_MAKER", "SALE_TO_MINORS",
]  # fmt: skip


def test_violation_codes_match_domain(ref: ReferenceData) -> None:
    assert list(ref.violation_types["violation_code"]) == DOMAIN_CODES


def _contiguous(bands: list[tuple[float | None, float | None]]) -> bool:
    """Bands in tier order start unbounded/at 0, each ends where the next begins, the last is open."""
    given = [b for b in bands if b[0] is not None or b[1] is not None]
    if not given:
        return True
    ok = given[-1][1] is None and given[0][0] in (None, 0)
    return ok and all(a[1] is not None and a[1] == b[0] for a, b in itertools.pairwise(given))


def test_tier_sets_contiguous_and_within_statutory_range(ref: ReferenceData) -> None:
    t = ref.discretion_tiers
    groups = t.groupby(["province_code", "violation_code", t["valid_from"].astype(str)], sort=False)
    assert groups.ngroups >= 13 + 6 + 7 + 1
    for key, g in groups:
        g = g.sort_values("tier")
        lo, hi = ref.statutory_range(str(key[1]))
        assert lo is not None and hi is not None, key
        assert list(g["tier"]) == list(range(1, len(g) + 1)), key
        assert (g["rate_min"] >= lo - 1e-9).all() and (g["rate_max"] <= hi + 1e-9).all(), key
        assert (g["rate_min"] <= g["rate_default"]).all() and (g["rate_default"] <= g["rate_max"]).all(), key
        assert all(a == b for a, b in zip(g["rate_max"].iloc[:-1], g["rate_min"].iloc[1:], strict=True)), key
        nn = lambda s: [None if pd.isna(x) else float(x) for x in s]  # noqa: E731
        assert _contiguous(list(zip(nn(g["amount_min"]), nn(g["amount_max"]), strict=True))), key
        assert _contiguous(list(zip(nn(g["quantity_min"]), nn(g["quantity_max"]), strict=True))), key


def test_seed_columns_and_codes_stay_text() -> None:
    with open(SEEDS_DIR / "ref_discretion_tiers.csv", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == [
        "province_code", "violation_code", "tier", "tier_label", "amount_min", "amount_max", "quantity_min",
        "quantity_max", "quantity_unit", "min_prior_offences", "rate_min", "rate_max", "rate_default",
        "valid_from", "valid_to",
    ]  # fmt: skip
    assert {"000000", "410000", "130000"} <= set(load_reference().discretion_tiers["province_code"])
    yml = (SEEDS_DIR / "_seeds.yml").read_text(encoding="utf-8")
    for seed in Path(SEEDS_DIR).glob("ref_*.csv"):
        assert f"name: {seed.stem}" in yml


def test_document_types_cover_conventions(ref: ReferenceData) -> None:
    conventions = (PROJECT_ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    block = conventions.split("## Document type codes")[1].split("\n", 1)[1].split("## ")[0]
    codes = re.findall(r"[a-z_]+", block)
    assert len(codes) == 33
    assert list(ref.document_types.sort_values("filing_order")["doc_type"]) == codes
    allowed = {"always", "preservation", "decided", "hearing_right", "extension", "legal_review", "closed",
               "fine_paid", "collective_discussion", "transferred", "withdrawn", "report_source",
               "never"}  # fmt: skip
    assert set(ref.document_types["required_when"]) <= allowed
    assert ref.document_types["title_keywords"].notna().all()


def test_review_rules_validate_and_cover_categories(ref: ReferenceData) -> None:
    rules = ref.review_rules
    assert len(rules) >= 30 and rules["rule_id"].is_unique
    assert set(rules["category"]) == {
        "form", "subject", "facts", "evidence", "procedure", "legal_basis", "discretion", "documents",
    }  # fmt: skip
    vocab = facts_vocabulary(ref.document_types["doc_type"])
    known_settings = set(ref.settings["key"])
    for rule in rules.itertuples():
        if rule.condition:
            validated = validate_condition(str(rule.condition), vocab)
            assert validated.settings_used <= known_settings, rule.rule_id
        else:
            assert rule.needs_human, f"{rule.rule_id}: a rule without condition must need a human"


def test_first_day_is_the_earliest_valid_from_of_settings_and_price_basis(ref: ReferenceData) -> None:
    """Read from the CSVs with the csv module, not through ReferenceData; ``in_force`` clamps to it."""
    from api.core import refdata

    starts = [
        date.fromisoformat(row["valid_from"])
        for name in ("ref_settings.csv", "ref_price_basis.csv")
        for row in csv.DictReader((SEEDS_DIR / name).open(encoding="utf-8"))
        if row.get("valid_from")
    ]
    assert ref.first_day() == min(starts)
    assert refdata.in_force(date(1990, 1, 1)) == min(starts)
    assert refdata.in_force(ON) == ON
