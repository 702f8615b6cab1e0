"""Time the reference-code step of the import (aliases rewritten, unknown codes flagged) on synthetic columns.

    uv run python benchmarks/bench_refcodes.py [ROWS]

Per mix: ROWS values of documents.doc_type and of cases.violation_code — all canonical codes, then with
3 % aliases (Chinese names, another bureau's codes) and 1 % misspellings, as the validator sees them.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from ingestion.contract import CONTRACT
from ingestion.parsing import clean_text
from ingestion.refcodes import load_kinds, resolve_codes
from ingestion.rejects import Issues

NOISE = {
    "documents": ("doc_type", ["案件调查终结报告", "final_report", "送达回执"], ["inquiry_recrod", "coverr"]),
    "cases": ("violation_code", ["无证运输", "非指定渠道进货"], ["NON_DESIGNATD_SOURCE", "UNLICENSED"]),
}


def column(
    rng: np.random.Generator, rows: int, codes: list[str], aliases: list[str], typos: list[str], noisy: bool
) -> pd.Series:
    values = rng.choice(codes, rows).astype(object)
    if noisy:
        draw = rng.random(rows)
        values[draw < 0.03] = rng.choice(aliases, int((draw < 0.03).sum()))
        values[(draw >= 0.03) & (draw < 0.04)] = rng.choice(
            typos, int(((draw >= 0.03) & (draw < 0.04)).sum())
        )
    return clean_text(pd.Series(values, dtype="str"))


def main(rows: int) -> None:
    kinds = load_kinds()
    rng = np.random.default_rng(3)
    for table_name, (name, aliases, typos) in NOISE.items():
        table = CONTRACT[table_name]
        codes = sorted(kinds[table.column(name).codes or ""].codes)
        for noisy in (False, True):
            texts = {c: pd.Series([None] * rows, dtype="str") for c in table.column_names}
            texts[name] = column(rng, rows, codes, aliases, typos, noisy)
            issues = Issues()
            start = time.perf_counter()
            rewritten = resolve_codes(table, texts, issues, kinds)
            took = time.perf_counter() - start
            mix = "3% aliases + 1% typos" if noisy else "canonical only"
            unknown = int(issues.bad_rows(rows).sum())
            print(
                f"{table_name}.{name} {mix}: {rows:,} rows in {took:.3f} s; "
                f"rewritten {sum(rewritten.values()):,}, unknown {unknown:,}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=2_000_000)
    main(parser.parse_args().rows)
