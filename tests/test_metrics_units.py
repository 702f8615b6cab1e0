"""The dbt unit tests' expected answers, replayed through the Python reference implementations.

dbt checks that the SQL gives the answers written in the unit-test YAML; these tests check that the same
answers come out of ``ReferenceData.select_tier`` (tier selection), a plain-Python valuation following the
rule of generator/pricing.py, and a plain-Python empirical-Bayes computation (partial pooling) — so SQL
and Python agree on edge cases.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from zhifa.reference import ReferenceData, load_reference
from zhifa.settings import DBT_PROJECT_DIR

UNIT_TESTS = (
    DBT_PROJECT_DIR / "models" / "intermediate" / "_unit_tests.yml",
    DBT_PROJECT_DIR / "models" / "marts" / "_unit_tests.yml",
)


def _unit_test(name: str) -> dict[str, Any]:
    for path in UNIT_TESTS:
        for test in yaml.safe_load(Path(path).read_text(encoding="utf-8"))["unit_tests"]:
            if test["name"] == name:
                return dict(test)
    raise KeyError(name)


def _given(test: dict[str, Any], ref: str) -> pd.DataFrame:
    rows = next(g["rows"] for g in test["given"] if g["input"] == f"ref('{ref}')")
    frame = pd.DataFrame(rows).astype(object)
    return frame.where(frame.notna(), None)  # YAML nulls stay None (not NaN)


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """YAML-typed cells back to the seed's text form (what ReferenceData reads)."""
    return frame.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))


def test_sql_tier_selection_cases_agree_with_select_tier() -> None:
    test = _unit_test("tier_selection_edge_cases")
    seeds = load_reference()
    ref = ReferenceData(
        seeds.violation_types,
        _text(_given(test, "int_discretion_tiers")),
        seeds.price_basis,
        seeds.settings,
        seeds.document_types,
        seeds.review_rules,
    )
    cases = _given(test, "int_cases").merge(_given(test, "int_case_valuation"), on="case_id")
    expected = {r["case_id"]: r for r in test["expect"]["rows"]}
    for case in cases.to_dict("records"):
        quantity = {
            unit: float(case[col])
            for unit, col in (("carton", "cartons_total"), ("stick", "sticks_total"), ("kg", "kg_total"))
            if case[col] is not None and not pd.isna(case[col])
        }
        amount = case["computed_amount"]
        choice = ref.select_tier(
            str(case["province_code"]),
            str(case["violation_code"]),
            case["discovered_date"],
            base_amount=None if amount is None or pd.isna(amount) else float(amount),
            quantity=quantity,
            prior_offences=int(case["prior_offences_3y"]) if pd.notna(case["prior_offences_3y"]) else 0,
        )
        want = expected.get(case["case_id"])
        if want is None:
            assert choice is None, case["case_id"]
        else:
            assert choice is not None, case["case_id"]
            assert (choice.tier, choice.source_province) == (want["tier"], want["tier_source_province"])


def test_sql_valuation_cases_agree_with_the_generator_pricing() -> None:
    test = _unit_test("valuation_edge_cases")
    products = _given(test, "stg_products")
    by_barcode = {
        code: p["product_code"]
        for p in products.to_dict("records")
        for code in (p["pack_barcode"], p["carton_barcode"], p["case_barcode"])
        if code
    }
    prices = _given(test, "stg_prices").to_dict("records")

    def catalog_price(code: str, province: str, price_type: str, on: date) -> float | None:
        """Provincial list price before the national one, valid on the seizure date (pricing.py)."""
        for scope in (province, None):
            for p in prices:
                if (p["product_code"], p["price_type"]) != (code, price_type):
                    continue
                if p["province_code"] != scope:
                    continue
                if p["valid_from"] <= on and (p["valid_to"] is None or on <= p["valid_to"]):
                    return float(p["price_per_carton"])
        return None

    basis = _given(test, "int_price_basis")
    seeds = load_reference()
    ref = ReferenceData(
        seeds.violation_types,
        seeds.discretion_tiers,
        _text(basis),
        seeds.settings,
        seeds.document_types,
        seeds.review_rules,
    )
    cases = _given(test, "int_cases").set_index("case_id")
    spec = products.set_index("product_code")
    expected = {(r["case_id"], r["line_no"]): r for r in test["expect"]["rows"]}
    for item in _given(test, "stg_case_items").to_dict("records"):
        want = expected[(item["case_id"], item["line_no"])]
        code = item["product_code"] or by_barcode.get(item["barcode"])
        if code is None:
            assert want["issue_code"] == "UNKNOWN_PRODUCT"
            continue
        on: date = cases.loc[item["case_id"], "discovered_date"]
        province = str(cases.loc[item["case_id"], "province_code"])
        price = catalog_price(code, province, ref.price_type(province, on), on)
        if price is None:
            assert want["issue_code"] == "MISSING_PRICE"
            continue
        per_carton = {"carton": 1, "pack": int(spec.loc[code, "packs_per_carton"])}
        per_carton["stick"] = per_carton["pack"] * int(spec.loc[code, "sticks_per_pack"])
        n = float(item["quantity"]) / per_carton[item["quantity_unit"]]
        assert want["resolved_product_code"] == code
        assert want["catalog_price"] == price
        assert want["line_value"] == round(n * price, 2), item


def test_partial_pooling_expectations_match_a_plain_python_estimate() -> None:
    test = _unit_test("partial_pooling_hand_computed")
    rows = _given(test, "int_fine_residuals")
    groups = {u: g["r"].tolist() for u, g in rows.groupby("unit_code")}
    band, z = float(rows["band"].iloc[0]), float(rows["z"].iloc[0])
    n_total, n_groups = len(rows), len(groups)
    means = {u: sum(r) / len(r) for u, r in groups.items()}
    sigma2 = sum((x - means[u]) ** 2 for u, r in groups.items() for x in r) / (n_total - n_groups)
    grand = sum(rows["r"]) / n_total
    between = sum(len(r) * (means[u] - grand) ** 2 for u, r in groups.items())
    spread = n_total - sum(len(r) ** 2 for r in groups.values()) / n_total
    tau2 = max((between - (n_groups - 1) * sigma2) / spread, 0, band**2)
    for want in test["expect"]["rows"]:
        n = len(groups[want["unit_code"]])
        shrink = tau2 / (tau2 + sigma2 / n)
        effect = shrink * means[want["unit_code"]]
        sd = math.sqrt(shrink * sigma2 / n)
        assert effect == pytest.approx(want["effect"], abs=1e-6)
        assert effect - z * sd == pytest.approx(want["effect_low"], abs=1e-6)
        assert effect + z * sd == pytest.approx(want["effect_high"], abs=1e-6)
        flagged = effect - z * sd > band or effect + z * sd < -band
        assert flagged == want["flagged"]


def test_sql_basis_and_period_cases_agree_with_the_valuation_kernel() -> None:
    """valuation_basis_and_periods replayed through zhifa.valuation (the API's and the generator's rules)."""
    from decimal import Decimal

    from zhifa.valuation import PriceRow, period_of, price_on, value_line

    test = _unit_test("valuation_basis_and_periods")
    rows = [
        PriceRow(
            p["province_code"],
            Decimal(str(p["price_per_carton"])),
            p["valid_from"],
            p["valid_to"],
        )
        for p in _given(test, "stg_prices").to_dict("records")
    ]
    products = set(_given(test, "stg_products")["product_code"])
    cases = _given(test, "int_cases").set_index("case_id")
    appraised = set(_given(test, "int_case_documents").query("doc_type == 'appraisal_notice'")["case_id"])
    expected = {(r["case_id"], r["line_no"]): r for r in test["expect"]["rows"]}
    for item in _given(test, "stg_case_items").to_dict("records"):
        want = expected[(item["case_id"], item["line_no"])]
        on: date = cases.loc[item["case_id"], "discovered_date"]
        province = str(cases.loc[item["case_id"], "province_code"])
        row = price_on(rows, province, on)
        stated = None if item["unit_price"] is None else Decimal(str(item["unit_price"]))
        got = value_line(
            Decimal(str(item["quantity"])),
            item["quantity_unit"],
            known_product=item["product_code"] in products,
            catalog_price=row.price_per_carton if row else None,
            stated_price=stated,
            appraised=item["case_id"] in appraised,
        )
        assert (got.basis, got.issue) == (want["value_basis"], want["issue_code"]), item
        assert (None if got.value is None else float(got.value)) == want["line_value"], item
        if got.basis == "catalog" and stated is not None:
            assert want["price_differs"] == (stated != got.unit_price)
            other = period_of(rows, province, on, stated)
            assert (other.valid_from if other else None) == want["stated_valid_from"], item


def test_sql_valuation_defects_agree_with_the_valuation_kernel() -> None:
    """valuation_defects_found and stated_prices_far_from_reference replayed through zhifa.valuation."""
    from decimal import Decimal

    from zhifa.valuation import far_from_reference, stated_amount_defect

    def dec(value: Any) -> Decimal | None:
        return None if value is None or pd.isna(value) else Decimal(str(value))

    test = _unit_test("valuation_defects_found")
    cases = _given(test, "int_cases").set_index("case_id")
    values = _given(test, "int_case_valuation").set_index("case_id")
    settings = _given(test, "int_case_settings").set_index("case_id")
    for want in test["expect"]["rows"]:
        case_id = want["case_id"]
        kind = stated_amount_defect(
            dec(cases.loc[case_id, "illegal_amount"]),
            dec(values.loc[case_id, "computed_amount"]),
            tolerance=Decimal(str(settings.loc[case_id, "valuation_tolerance"])),
            typo_factor=Decimal(str(settings.loc[case_id, "valuation_typo_factor"])),
            n_outdated_prices=int(values.loc[case_id, "n_outdated_prices"]),
            n_price_differences=int(values.loc[case_id, "n_price_differences"]),
        )
        assert kind == want["valuation_defect_kind"], case_id

    test = _unit_test("stated_prices_far_from_reference")
    ratio_max = Decimal(str(_given(test, "int_case_settings")["stated_price_ratio_max"].iloc[0]))
    lines = _given(test, "int_case_item_values")
    expected = {r["case_id"]: r["stated_price_outliers"] for r in test["expect"]["rows"]}
    for case_id, mine in lines.groupby("case_id"):
        far = [
            int(ln["line_no"])
            for ln in mine.to_dict("records")
            if ln["value_basis"] == "stated"
            and far_from_reference(dec(ln["stated_unit_price"]), dec(ln["reference_price"]), ratio_max)  # type: ignore[arg-type]
        ]
        want = expected[case_id]
        assert [int(x[1:].split(" ")[0]) for x in want.split("；")] == far if want else far == [], case_id
