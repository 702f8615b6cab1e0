"""The demo world: contract-valid except the planted bad rows, deterministic, anomalies really present."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from generator import generate_world, get_scale
from ingestion.folders import FolderValidation, validate_folder
from zhifa.calendar import working_days_between
from zhifa.reference import load_reference


@pytest.fixture(scope="module")
def validated(demo_world: Path) -> FolderValidation:
    return validate_folder(demo_world)


def good(validated: FolderValidation, table: str) -> pd.DataFrame:
    return validated.tables[table].good.reset_index()


def test_world_passes_contract_except_planted_bad_rows(
    validated: FolderValidation, demo_truth: dict[str, Any]
) -> None:
    assert validated.file_errors == []
    rejects = validated.all_rejects()
    found = {
        (r.table_name, Path(r.source_file).name, int(r.line_no), r.reason_code) for r in rejects.itertuples()
    }
    planted = {
        (b["table"], b["source_file"], int(b["line_no"]), b["reason_code"]) for b in demo_truth["bad_rows"]
    }
    assert found == planted
    for table, count in demo_truth["good_row_counts"].items():
        assert len(validated.tables[table].good) == count, table


def test_mixed_mode_uses_every_format(demo_world: Path) -> None:
    names = {p.name for p in demo_world.iterdir()}
    assert {"units.xlsx", "cases.csv", "case_items.parquet", "documents.parquet"} <= names
    assert (demo_world / "cases.csv").read_bytes().decode("gb18030").startswith("case_id,")
    with pytest.raises(UnicodeDecodeError):
        (demo_world / "cases.csv").read_bytes().decode("utf-8")


def _valuation(validated: FolderValidation) -> pd.Series:
    """Case value recomputed from the exported tables alone: items × price valid on the discovery date
    under the province's price basis (provincial price before national), line values rounded to cents."""
    ref = load_reference()
    cases = good(validated, "cases")[["case_id", "unit_code", "discovered_at"]]
    units = good(validated, "units").set_index("unit_code")
    province = {u: (u if units.loc[u, "level"] == "province" else None) for u in units.index}
    for _ in range(2):
        province = {u: p or province.get(units.loc[u, "parent_code"]) for u, p in province.items()}
    cases["province_code"] = cases.unit_code.map(province)
    cases["on"] = cases.discovered_at.dt.tz_localize(None).dt.date
    cases["price_type"] = [ref.price_type(p, d) for p, d in zip(cases.province_code, cases.on, strict=True)]
    products = good(validated, "products")
    by_barcode = pd.concat(
        [products.set_index("carton_barcode").product_code, products.set_index("pack_barcode").product_code]
    )
    items = good(validated, "case_items").merge(cases, on="case_id")
    items["product_code"] = items.product_code.fillna(items.barcode.map(by_barcode))
    # goods without a catalog price (no product, or by the kg): quantity × the valuation table's unit price
    other = items[items.product_code.isna() | (items.quantity_unit == "kg")]
    other_value = (other.quantity * other.unit_price).round(2).groupby(other.case_id).sum()
    items = items.drop(other.index)
    items = items.merge(products[["product_code", "sticks_per_pack", "packs_per_carton"]], on="product_code")
    per = items.quantity_unit.map({"carton": 1.0, "pack": 0.0, "stick": 0.0})
    items["cartons"] = np.where(
        per == 1.0,
        items.quantity,
        np.where(
            items.quantity_unit == "pack",
            items.quantity / items.packs_per_carton,
            items.quantity / (items.packs_per_carton * items.sticks_per_pack),
        ),
    )
    prices = good(validated, "prices")
    prices["valid_from"] = pd.to_datetime(prices.valid_from.astype(str)).dt.date
    prices["valid_to"] = pd.to_datetime(prices.valid_to.astype(str)).dt.date
    merged = items.merge(prices, on=["product_code", "price_type"])
    valid = (merged.valid_from <= merged.on) & (merged.valid_to.isna() | (merged.on <= merged.valid_to))
    merged = merged[
        valid & (merged.province_code_y.isna() | (merged.province_code_y == merged.province_code_x))
    ]
    merged = merged.sort_values("province_code_y", na_position="last").drop_duplicates(["case_id", "line_no"])
    merged["value"] = (merged.cartons * merged.price_per_carton).round(2)
    catalog_value = merged.groupby("case_id").value.sum()
    return catalog_value.add(other_value, fill_value=0).round(2)


def test_case_value_matches_ground_truth_to_the_cent(validated: FolderValidation, demo_world: Path) -> None:
    truth = pd.read_parquet(demo_world / "ground_truth" / "cases.parquet").set_index("case_id")
    value = _valuation(validated)
    assert set(value.index) == set(truth.index)
    assert (value - truth.computed_amount.reindex(value.index)).abs().max() < 0.005
    cases = good(validated, "cases").set_index("case_id")
    stated = cases.illegal_amount.dropna()
    mismatched = set(truth[truth.defects.fillna("").str.contains("VALUATION_MISMATCH")].index)
    differs = set(stated[(stated - value.reindex(stated.index)).abs() > 0.005].index)
    assert differs == mismatched & set(stated.index)


def _positions(validated: FolderValidation) -> pd.DataFrame:
    """Each decided case's fine rate as a position inside its benchmark tier (−1 = minimum, +1 = maximum)."""
    ref = load_reference()
    cases = good(validated, "cases").dropna(subset=["fine_amount", "illegal_amount"])
    cases = cases[cases.illegal_amount > 0]
    officers = good(validated, "case_officers").query("role == 'lead'").set_index("case_id").officer_id
    rows = []
    for c in cases.itertuples():
        province = c.unit_code[:2] + "0000"
        items = {"carton": 0.0}  # amount bands decide every tier planted in the demo province
        tier = ref.select_tier(
            province,
            c.violation_code,
            c.discovered_at.date(),
            base_amount=c.illegal_amount,
            quantity=items,
            prior_offences=int(c.prior_offences_3y or 0),
        )
        if tier is None:
            continue
        half = (tier.rate_max - tier.rate_min) / 2
        rate = c.fine_amount / c.illegal_amount
        rows.append((c.case_id, c.unit_code, officers.get(c.case_id), (rate - (tier.rate_min + half)) / half))
    return pd.DataFrame(rows, columns=["case_id", "unit_code", "lead", "position"])


def test_planted_fine_biases_are_in_the_data(validated: FolderValidation, demo_truth: dict[str, Any]) -> None:
    pos = _positions(validated)
    by_unit = pos.groupby("unit_code").position.median()
    for unit in demo_truth["biased_units"]:
        peers = by_unit.drop(unit["unit_code"]).median()
        gap = by_unit[unit["unit_code"]] - peers
        assert (gap > 0.4) if unit["direction"] == "high" else (gap < -0.4), (unit, gap)
    by_lead = pos.groupby("lead").position.median()
    for officer in demo_truth["biased_officers"]:
        gap = by_lead[officer["officer_id"]] - by_lead.median()
        assert (gap > 0.4) if officer["direction"] == "high" else (gap < -0.4), (officer, gap)
    noisy = demo_truth["small_noisy_unit"]
    assert (good(validated, "cases").unit_code == noisy).sum() == 4


def test_planted_procedural_defects_are_in_the_data(
    validated: FolderValidation, demo_truth: dict[str, Any]
) -> None:
    planted = {k: set(v) for k, v in demo_truth["procedural_defects"].items()}
    cases = good(validated, "cases").set_index("case_id")
    late_filing = set(cases.index[(cases.filed_at - cases.discovered_at) > pd.Timedelta(days=7)])
    assert late_filing == planted["FILING_LATE"]
    late_service = set(cases.index[(cases.served_at - cases.decided_at) > pd.Timedelta(days=7)])
    assert late_service == planted["SERVICE_LATE"]
    assert set(cases.index[cases.archived_at < cases.closed_at]) == planted["ARCHIVED_BEFORE_CLOSED"]
    n_officers = good(validated, "case_officers").groupby("case_id").size()
    assert set(n_officers[n_officers < 2].index) == planted["FEWER_THAN_TWO_OFFICERS"]
    videos = good(validated, "videos")
    with_inspection = set(videos[videos.step == "inspection"].case_id)
    assert set(cases.index) - with_inspection == planted["VIDEO_MISSING"]
    approvals = good(validated, "approvals")
    approved = set(
        approvals[(approvals.kind == "discretion_deviation") & (approvals.outcome == "approved")].case_id
    )
    assert planted["DEVIATION_UNAPPROVED"].isdisjoint(approved)
    # recomputed from the exported fine and the benchmark, not read back from the truth file
    position = _positions(validated).set_index("case_id").position
    assert (position.reindex(sorted(planted["DEVIATION_UNAPPROVED"])).abs() > 1).all()
    ref = load_reference()
    for case_id in planted["FINE_OUTSIDE_STATUTORY_RANGE"]:
        c = cases.loc[case_id]
        assert c.fine_amount / c.illegal_amount > ref.statutory_range(c.violation_code)[1]


def _local_dates(ts: pd.Series) -> list[date | None]:
    """Shanghai calendar dates of contract timestamps (naive = local, CONTRACT.md)."""
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("Asia/Shanghai")
    return [None if pd.isna(t) else t.date() for t in ts]


def test_publication_lateness_is_planted_in_working_days_across_holidays(
    validated: FolderValidation, demo_truth: dict[str, Any]
) -> None:
    """Recounted here on the holiday seed: exactly the planted cases are late; the never-published ones
    are planted or too recent; and on-time publications span holiday weeks (a Monday–Friday count would
    call some of them late)."""
    planted = {k: set(v) for k, v in demo_truth["procedural_defects"].items()}
    cases = good(validated, "cases")
    cases = cases[cases.decided_at.notna()]
    decided, published = _local_dates(cases.decided_at), _local_dates(cases.published_at)
    counted = [working_days_between(d, p) for d, p in zip(decided, published, strict=True)]
    late = {c for c, n in zip(cases.case_id, counted, strict=True) if n is not None and n > 7}
    assert late == planted["PUBLICATION_LATE"]
    never = {c for c, p in zip(cases.case_id, published, strict=True) if p is None}
    assert planted["PUBLICATION_MISSING"] <= never
    steps = (
        "discovered_at",
        "filed_at",
        "decided_at",
        "served_at",
        "published_at",
        "closed_at",
        "archived_at",
    )
    horizon = max(d for col in steps for d in _local_dates(good(validated, "cases")[col]) if d is not None)
    for case_id, d, p in zip(cases.case_id, decided, published, strict=True):
        if p is None and case_id not in planted["PUBLICATION_MISSING"]:
            assert d is not None and (working_days_between(d, horizon) or 0) <= 7, case_id
    weekdays: list[tuple[date, date]] = [
        (d, p)
        for c, d, p in zip(cases.case_id, decided, published, strict=True)
        if d is not None and p is not None and c not in planted["PUBLICATION_LATE"]
    ]
    monday_to_friday = [
        sum((d + timedelta(days=k)).weekday() < 5 for k in range(1, (p - d).days + 1)) for d, p in weekdays
    ]
    assert sum(n > 7 for n in monday_to_friday) > 0  # holiday weeks are in the world


def test_one_unit_names_its_documents_differently_and_the_import_maps_them_back(
    validated: FolderValidation, demo_world: Path, demo_truth: dict[str, Any]
) -> None:
    planted = demo_truth["document_code_aliases"]
    unit, aliases = planted["unit_code"], planted["aliases"]
    path = next(demo_world.glob("documents.*"))
    raw = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
    written = set(raw.doc_type[raw.case_id.str[1:7] == unit])
    assert set(aliases) <= written and not written & set(aliases.values())  # exported as aliases only
    assert len(aliases) >= 10 and any(any("\u4e00" <= ch <= "\u9fff" for ch in a) for a in aliases)
    docs = good(validated, "documents")
    mine = docs[docs.case_id.str[1:7] == unit]
    canonical = set(load_reference().document_types.doc_type)
    assert len(mine) > 20 and set(mine.doc_type) <= canonical
    assert set(aliases.values()) <= set(mine.doc_type)


def test_planted_reviewer_bias_is_in_the_data(
    validated: FolderValidation, demo_truth: dict[str, Any]
) -> None:
    reviews = good(validated, "reviews")
    pairs = reviews.merge(reviews, on="case_id").query("review_id_x != review_id_y")
    offset = (pairs.total_score_x - pairs.total_score_y).groupby(pairs.reviewer_id_x).mean()
    for reviewer in demo_truth["lenient_reviewers"]:
        assert offset[reviewer] > 5
    for reviewer in demo_truth["harsh_reviewers"]:
        assert offset[reviewer] < -5


def test_dossier_files_exist_with_their_hashes(validated: FolderValidation, demo_world: Path) -> None:
    docs = good(validated, "documents").dropna(subset=["file_path"])
    assert len(docs) > 300
    assert {Path(p).suffix for p in docs.file_path} == {".pdf", ".docx", ".png"}
    for doc in docs.sample(40, random_state=1).itertuples():
        assert hashlib.sha256((demo_world / doc.file_path).read_bytes()).hexdigest() == doc.sha256


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_other_seed_other_world(tmp_path: Path) -> None:
    # the demo's units, catalog and every file format, with fewer cases and dossier files (half the time)
    scale = replace(
        get_scale("demo", years=1), cases_per_year=400, dossier_file_cases=20, scanned_file_cases=3
    )
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        generate_world(tmp_path / name, scale, seed=seed, mixed=True)
    a, b, c = (_digest(tmp_path / n) for n in "abc")
    assert a == b
    assert a["cases.csv"] != c["cases.csv"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, check=False)


def test_generate_refuses_bad_input_without_touching_files(tmp_path: Path) -> None:
    bad_scale = _cli("generate", str(tmp_path / "x"), "--scale", "galaxy")
    assert bad_scale.returncode != 0 and "unknown scale" in bad_scale.stderr
    assert not (tmp_path / "x").exists()
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    refused = _cli("generate", str(full))
    assert refused.returncode != 0 and "not empty" in refused.stderr
    assert [p.name for p in full.iterdir()] == ["keep.txt"] and (full / "keep.txt").read_text() == "mine"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    unwritable = _cli("generate", str(blocker / "world"))
    assert unwritable.returncode != 0 and "not writable" in unwritable.stderr
    for result in (bad_scale, refused, unwritable):
        assert len(result.stderr.strip().splitlines()) == 1


def test_goods_without_catalog_price_and_valuation_defects_are_in_the_data(
    validated: FolderValidation, demo_world: Path, demo_truth: dict[str, Any]
) -> None:
    """Leaf, paper, filter rods and machines with a stated unit price, appraisals, and both valuation defects:
    each read back from the exported tables, not from the truth file alone."""
    items = good(validated, "case_items")
    other = items[items.product_code.isna() & items.barcode.isna()]
    assert {"kg", "stick"} <= set(other.quantity_unit) and other.unit_price.notna().all()
    assert other.spec_name_raw.str.contains("烟叶|卷烟纸|滤嘴棒|卷烟机").all()
    docs = good(validated, "documents")
    appraised = set(docs[docs.doc_type == "appraisal_notice"].case_id)
    truth = pd.read_parquet(demo_world / "ground_truth" / "cases.parquet").set_index("case_id")
    assert appraised and appraised <= set(other.case_id)
    assert set(truth.index[truth.valuation_basis.isin(["appraised"])]) <= appraised
    value = _valuation(validated)
    cases = good(validated, "cases").set_index("case_id")
    kinds = demo_truth["valuation_defects"]
    assert kinds["outdated_price"] and kinds["amount_typo"]
    for case_id in kinds["amount_typo"]:
        ratio = cases.loc[case_id, "illegal_amount"] / value[case_id]
        assert abs(ratio - 10) < 0.01 or abs(ratio - 0.1) < 0.001, (case_id, ratio)
    prices = set(
        zip(good(validated, "prices").product_code, good(validated, "prices").price_per_carton, strict=True)
    )
    for case_id in kinds["outdated_price"]:
        mine = items[(items.case_id == case_id) & items.product_code.notna()]
        assert any((p, u) in prices for p, u in zip(mine.product_code, mine.unit_price, strict=True))
        ratio = cases.loc[case_id, "illegal_amount"] / value[case_id]
        assert abs(ratio - 1) > 0 and 0.5 < ratio < 2, (case_id, ratio)  # a stale price, not a slipped digit
