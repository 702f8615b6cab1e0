"""OCR throughput of dossier recognition on scanned pages (pages per second), and text-layer speed.

    uv run python benchmarks/bench_ocr.py [RUNS]

Scans come from the document renderer (120 dpi, skewed, blurred, noisy — as in the demo world), one A4
page each. Every page is recognised ``RUNS`` times (default 3) after one warm-up; the figure is the median
seconds per page over all runs. The OCR engine uses every core the machine has (2 here); run it on an
otherwise idle machine.

Clean scans (the printed sheet scanned flat at 200 dpi, scaled to 150 dpi and cut to the ink) are then read
twice in turn, page by page: with recognition's split recogniser (one single-threaded model per core, crops
one at a time) and with RapidOCR's own (batches of 6, one model on every core), the baseline — interleaved,
so that both see the same load on a shared machine. The load average is printed: the box is shared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import date, datetime
from typing import Any

from ingestion.recognition import ocr as ocr_module
from ingestion.recognition import recognise_bytes
from zhifa.documents import (
    CaseContext,
    GoodsLine,
    build_document,
    document_number,
    render_docx,
    render_pdf,
    render_scan_png,
)
from zhifa.documents.scan import render_clean_scan_png

TYPES = ("cover", "filing_report", "valuation_table", "penalty_decision", "inquiry_record")


def _context() -> CaseContext:
    return CaseContext(
        unit_name="乐山市烟草专卖局",
        unit_abbr="乐烟",
        case_no="乐烟立〔2024〕第12号",
        cause="涉嫌未在当地烟草专卖批发企业进货",
        party_name="乐山市市中区张三便利店",
        party_type="个人",
        officers=[("王五", "51110020190001"), ("赵六", "51110020190002")],
        discovered_at=datetime(2024, 3, 1, 9, 30),
        filed_at=datetime(2024, 3, 2),
        decided_at=datetime(2024, 4, 2),
        goods=[GoodsLine(k, "6901028075015", "中华(硬)", 2.0, "条", 450.0, 900.0) for k in range(1, 6)],
        total_value=4500.0,
        facts_text="当事人从非指定渠道购进卷烟10条。",
        legal_basis="烟草专卖法实施条例第五十六条",
        fine_amount=1350.0,
        fine_rate=0.3,
        year=2024,
        serial=12,
    )


def _median(values: list[float]) -> float:
    return statistics.median(values)


def main(runs: int = 3) -> None:
    ctx = _context()
    docs = [
        build_document(code, ctx, doc_no=document_number("乐烟", "罚", 2024, 12), issued_at=date(2024, 4, 2))
        for code in TYPES
    ]
    scans = [render_scan_png(doc, seed=k) for k, doc in enumerate(docs)]
    recognise_bytes(scans[0], "warm-up.png")  # loads the models
    per_page, cpu_per_page = [], []
    for _ in range(runs):
        for k, data in enumerate(scans):
            start, cpu = time.perf_counter(), time.process_time()
            result = recognise_bytes(data, f"{TYPES[k]}.png")
            per_page.append(time.perf_counter() - start)
            cpu_per_page.append(time.process_time() - cpu)
            assert result.doc_type == TYPES[k], (result.doc_type, TYPES[k])
    seconds = _median(per_page)
    print(
        f"OCR (scanned PNG, 992x1403 px): median {seconds:.2f} s/page → {1 / seconds:.2f} pages/s "
        f"(CPU {_median(cpu_per_page):.2f} s/page; load average {os.getloadavg()[0]:.1f})"
    )

    _clean_scans(docs, runs)

    for label, render in (("PDF text layer", render_pdf), ("DOCX", render_docx)):
        files = [render(doc) for doc in docs]
        times = []
        for _ in range(runs * 4):
            for data in files:
                start = time.perf_counter()
                recognise_bytes(data, "bench")
                times.append(time.perf_counter() - start)
        print(f"{label}: median {_median(times) * 1000:.1f} ms/document → {1 / _median(times):.0f} docs/s")


def _baseline_recogniser() -> Any:
    """RapidOCR's recogniser as it ships: batches of 6 crops, one model using every core."""
    from pathlib import Path

    import rapidocr_onnxruntime
    from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer

    model = Path(rapidocr_onnxruntime.__file__).parent / "models" / "ch_PP-OCRv4_rec_infer.onnx"
    return TextRecognizer(
        {
            "model_path": str(model),
            "intra_op_num_threads": -1,
            "inter_op_num_threads": -1,
            "use_cuda": False,
            "use_dml": False,
            "rec_img_shape": [3, 48, 320],
            "rec_batch_num": 6,
        }
    )


def _clean_scans(docs: list[Any], runs: int) -> None:
    pages = [render_clean_scan_png(doc, dpi=200) for doc in docs]
    engine = ocr_module.engine()
    recognisers = {
        "split recogniser (now)": engine.text_rec,
        "RapidOCR batches of 6 (baseline)": _baseline_recogniser(),
    }
    times: dict[str, list[tuple[float, float]]] = {mode: [] for mode in recognisers}
    loads = [os.getloadavg()[0]]
    for _ in range(runs):
        for k, data in enumerate(pages):
            for mode, recogniser in recognisers.items():
                engine.text_rec = recogniser
                start, cpu = time.perf_counter(), time.process_time()
                result = recognise_bytes(data, f"{TYPES[k]}.png")
                times[mode].append((time.perf_counter() - start, time.process_time() - cpu))
                assert result.doc_type == TYPES[k], (mode, result.doc_type, TYPES[k])
        loads.append(os.getloadavg()[0])
    engine.text_rec = recognisers["split recogniser (now)"]
    for mode, pairs in times.items():
        wall, cpu = _median([w for w, _ in pairs]), _median([c for _, c in pairs])
        print(
            f"OCR (clean 200-dpi scan, 1654x2339 px, {mode}): median {wall:.2f} s/page wall, "
            f"{cpu:.2f} s/page CPU (load average {min(loads):.1f}–{max(loads):.1f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="?", type=int, default=3)
    main(parser.parse_args().runs)
