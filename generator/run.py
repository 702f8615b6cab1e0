"""``zhifa generate``: build a deterministic demo world and write it in the CONTRACT.md layout.

Layout of OUT: the contract tables (CSV/XLSX/Parquet), ``manifest.json``, dossier files under ``files/``,
and ``ground_truth/`` (not a contract table: what was planted, for tests and benchmarks).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from generator.aliases import alias_document_codes
from generator.badrows import plant_bad_rows
from generator.cases import CaseGenerator, Cases
from generator.defects import plant_defects
from generator.doc_rows import document_rows
from generator.dossiers import DossierRenderer, plan_dossiers
from generator.licences import licence_register
from generator.output import write_tables
from generator.reviews import review_rows
from generator.rows import case_rows, seen_steps
from generator.scales import Scale
from generator.world import build_officers, build_prices, build_products, build_units
from ingestion.contract import SETTING_KEYS
from zhifa.reference import load_reference

TRUTH_DIR = "ground_truth"
# processes rendering dossier files beside the table work: one per core besides this process's own (which
# also renders once its tables are written); more would only compete for the same cores
RENDER_WORKERS = max(0, min(2, (os.cpu_count() or 1) - 1))


class GenerateError(Exception):
    """A clear, one-line reason the world could not be written."""


@dataclass
class GenerationSummary:
    out: Path
    rows: dict[str, int]
    files: int


def check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise GenerateError(f"目标不是文件夹 / target is not a folder: {out}")
    if out.exists() and any(out.iterdir()):
        raise GenerateError(f"目标文件夹非空，不会覆盖 / target folder is not empty, nothing written: {out}")
    probe = out if out.exists() else next((p for p in out.parents if p.exists()), Path("/"))
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        raise GenerateError(f"目标文件夹不可写 / folder is not writable: {probe}")


def generate_world(
    out: Path,
    scale: Scale,
    seed: int,
    mixed: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> GenerationSummary:
    check_target(out)
    out.mkdir(parents=True, exist_ok=True)
    step = progress or (lambda label, done, total: None)
    rng = np.random.default_rng(seed)
    ref = load_reference()
    step("单位与人员 units and officers", 0, 1)
    units = build_units(scale, rng)
    officers = build_officers(units, scale, rng)
    products = build_products(scale, rng)
    provinces = sorted(set(units.province_of.values()))
    prices = build_prices(products, provinces, scale, rng)
    gen = CaseGenerator(scale, rng, units, officers, products, prices, ref)
    step("案件 cases", 0, scale.n_cases)
    cases = gen.generate()
    procedural = plant_defects(gen, cases, rng)
    seen = seen_steps(gen, cases.frame)
    jobs, doc_defects = plan_dossiers(gen, cases, seen, rng)
    renderer = DossierRenderer(jobs, out, RENDER_WORKERS)
    case_tables = case_rows(gen, cases, seen)
    documents = document_rows(gen, cases, seen)
    reviews, review_items = review_rows(gen, cases, seen, officers, rng)
    del seen
    tables = {
        "units": units.table,
        "officers": officers,
        "products": products.drop(columns=["list_wholesale"]),
        "prices": prices,
        **case_tables,
        "reviews": reviews,
        "review_items": review_items,
    }
    del case_tables, reviews, review_items
    # its own stream (like the code aliases below): the register leaves the rest of the world as it was
    register, gen.truth["licences"] = licence_register(
        cases.frame,
        cases.items,
        units.table,
        gen.calendar,
        scale.start_date,
        gen.export_at.date(),
        np.random.default_rng([seed, 23]),
    )
    tables.update(register)
    good_counts = {name: len(frame) for name, frame in tables.items()}
    good_counts["documents"] = len(documents)
    tables = plant_bad_rows(tables, rng)
    tables.update(_reference_tables(ref, provinces))
    step("写出 writing tables", 0, 1)
    bad_rows = write_tables(tables, out, mixed)
    del tables
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        step("案卷文件 dossier files", done[0], len(jobs))

    # the documents table waits for the rendered files' paths and hashes, so it is written last
    documents, truth_files = renderer.collect(documents, tick)
    # its own stream, so the variation leaves every other table of the world as it was
    documents, gen.truth["document_code_aliases"] = alias_document_codes(
        ref, documents, np.random.default_rng([seed, 14])
    )
    tables = plant_bad_rows({"documents": documents}, rng)
    del documents
    bad_rows += write_tables(tables, out, mixed)
    tables = _reference_tables(ref, provinces)
    for name in ("discretion_tiers", "price_basis", "settings"):
        good_counts[name] = len(tables[name])
    (out / "manifest.json").write_text(
        json.dumps(
            {
                "source": f"zhifa generate --scale {scale.name} --seed {seed}",
                "exported_at": gen.export_at.isoformat(),
                "province_code": provinces[0] if len(provinces) == 1 else None,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    _write_truth(
        out / TRUTH_DIR, gen, cases, procedural, bad_rows, good_counts, truth_files, doc_defects, seed, scale
    )
    return GenerationSummary(out, good_counts, len(truth_files))


def _reference_tables(ref: Any, provinces: list[str]) -> dict[str, pd.DataFrame]:
    """The optional bureau tables: the world's provinces hand over their own benchmark, basis and settings."""
    tiers = ref.discretion_tiers[ref.discretion_tiers.province_code.isin(provinces)]
    basis = ref.price_basis[ref.price_basis.province_code.isin(provinces)]
    keys = set(SETTING_KEYS.split())
    settings = ref.settings[ref.settings.province_code.isin(provinces) & ref.settings.key.isin(keys)]
    return {
        "discretion_tiers": tiers.reset_index(drop=True),
        "price_basis": basis.reset_index(drop=True),
        "settings": settings.reset_index(drop=True),
    }


def _write_truth(
    folder: Path,
    gen: CaseGenerator,
    cases: Cases,
    procedural: dict[str, list[str]],
    bad_rows: list[dict[str, object]],
    good_counts: dict[str, int],
    truth_files: list[dict[str, Any]],
    doc_defects: dict[str, list[str]],
    seed: int,
    scale: Scale,
) -> None:
    folder.mkdir()
    f = cases.frame
    unapproved = sorted(f.case_id[f.deviation == "unapproved"])
    anomalies = {
        "seed": seed,
        "scale": scale.name,
        "exported_at": gen.export_at.isoformat(),
        **gen.truth,
        "unapproved_deviations": unapproved,
        "procedural_defects": procedural,
        "document_defects": doc_defects,
        "bad_rows": bad_rows,
        "good_row_counts": good_counts,
    }
    (folder / "anomalies.json").write_text(
        json.dumps(anomalies, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    truth_cases = pd.DataFrame(
        dict(
            case_id=f.case_id,
            unit_code=f.unit_code,
            province_code=f.province_code,
            violation_code=f.violation_code,
            lead_officer_id=f.lead,
            computed_amount=f.computed_amount,
            valuation_basis=_case_basis(cases.items, len(f)),
            stated_amount=f.stated_amount,
            tier=f.tier,
            rate=f.rate,
            fine_amount=f.fine,
            deviation=f.deviation.astype(object),
            path=f.path,
            defects=f.defect.astype(object),
        )
    )
    truth_cases.to_parquet(folder / "cases.parquet", index=False)
    pd.DataFrame(truth_files).to_parquet(folder / "document_files.parquet", index=False)


def _case_basis(items: pd.DataFrame, n: int) -> np.ndarray:
    """catalog | stated | appraised per case, mixed when its lines differ (int_case_valuation.value_basis)."""
    per_case = items.groupby("case").basis.agg(lambda b: b.iloc[0] if b.nunique() == 1 else "mixed")
    out = np.full(n, None, dtype=object)
    out[per_case.index.to_numpy()] = per_case.to_numpy()
    return out
