"""Time read_table + validate_table on a synthetic national-size case_items.csv.

    uv run python benchmarks/bench_read_case_items.py [ROWS] [--gb18030] [--multiline]

The file is written to a temporary folder (~75 bytes a row, ~150 MB for 2M rows).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.contract import ean13_check_digit
from ingestion.readers import read_table
from ingestion.validate import validate_table

SPECS = ["中华(硬)", "玉溪(软)", "黄鹤楼(软蓝)", "云烟(紫)", "利群(新版)"]


def synthetic_case_items(rows: int, multiline: bool) -> tuple[pd.DataFrame, set[str]]:
    rng = np.random.default_rng(7)
    case_no = np.arange(rows) // 10
    case_ids = pd.Series(case_no).map("C4102002024{:06d}".format)
    bodies = [f"6901028{n:05d}" for n in range(500)]
    barcodes = np.array([b + ean13_check_digit(b) for b in bodies])
    spec = np.array(SPECS, dtype=object)[rng.integers(0, len(SPECS), rows)]
    if multiline:  # every 1000th handwritten name spans two lines
        spec[::1000] = "中华(硬)\n手写补记"
    frame = pd.DataFrame(
        {
            "case_id": case_ids,
            "line_no": np.arange(rows) % 10 + 1,
            "barcode": barcodes[rng.integers(0, len(barcodes), rows)],
            "product_code": pd.Series(rng.integers(0, 500, rows)).map("P{:04d}".format),
            "spec_name_raw": spec,
            "quantity": rng.integers(1, 500, rows) / 2,
            "quantity_unit": np.array(["carton", "pack", "stick"])[rng.integers(0, 3, rows)],
            "unit_price": rng.integers(100, 90000, rows) / 100,
            "authenticity": np.array(["genuine", "counterfeit", "smuggled"])[rng.integers(0, 3, rows)],
        }
    )
    return frame, set(case_ids.unique())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="?", type=int, default=2_000_000)
    parser.add_argument("--gb18030", action="store_true", help="write the file in GB18030")
    parser.add_argument("--multiline", action="store_true", help="every 1000th name spans two lines")
    args = parser.parse_args()
    rows = args.rows
    encoding = "gb18030" if args.gb18030 else "utf-8"
    frame, case_ids = synthetic_case_items(rows, args.multiline)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "case_items.csv"
        frame.to_csv(path, index=False, encoding=encoding)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        raw = read_table(path)
        read_s = time.perf_counter() - start
        known = {"cases.case_id": case_ids, "products.product_code": {f"P{n:04d}" for n in range(500)}}
        start = time.perf_counter()
        result = validate_table("case_items", raw, known_keys=known)
        validate_s = time.perf_counter() - start
    print(
        f"rows={rows} size={size_mb:.0f}MB encoding={raw.encoding} read_table={read_s:.1f}s "
        f"validate_table={validate_s:.1f}s good={len(result.good)} rejects={len(result.rejects)} "
        f"last_line={raw.line_no[-1]}"
    )


if __name__ == "__main__":
    main()
