"""Time the renderers: ``uv run python -m zhifa.documents.bench`` (median ms of 20 renders each)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import date, datetime
from functools import partial

from zhifa.documents.model import CaseContext, GoodsLine
from zhifa.documents.render import render_docx, render_pdf, render_scan_png
from zhifa.documents.templates import build_document, document_number


def _median_ms(fn: Callable[[], object], runs: int = 20) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    ctx = CaseContext(
        unit_name="乐山市烟草专卖局",
        unit_abbr="乐烟",
        cause="涉嫌未在当地烟草专卖批发企业进货",
        party_name="张三",
        officers=[("王五", "51110001"), ("赵六", "51110002")],
        discovered_at=datetime(2024, 3, 1, 9, 30),
        goods=[GoodsLine(k, "6901028075015", "中华(硬)", 2.0, "条", 450.0, 900.0) for k in range(1, 9)],
        total_value=7200.0,
        facts_text="当事人从非指定渠道购进卷烟16条。",
        fine_amount=2160.0,
        year=2024,
        serial=12,
    )
    render_pdf(build_document("cover", ctx, doc_no=None, issued_at=None))  # font registration, once
    for code in ("penalty_decision", "valuation_table", "inquiry_record"):
        doc = build_document(
            code, ctx, doc_no=document_number("乐烟", "罚", 2024, 12), issued_at=date(2024, 3, 5)
        )
        pdf = _median_ms(partial(render_pdf, doc))
        docx = _median_ms(partial(render_docx, doc))
        png = _median_ms(partial(render_scan_png, doc, seed=7))
        print(f"{code:20s} PDF {pdf:6.1f} ms   DOCX {docx:6.1f} ms   PNG {png:6.1f} ms")


if __name__ == "__main__":
    main()
