"""Machine review of an uploaded dossier: upload → recognition → facts → rules → stored report, over HTTP.

    uv run python benchmarks/bench_review.py [--runs 20] [--world PATH] [--ocr-pages 3]

The dossier is 20 text-layer PDF files of the generated demo world (two closed cases' dossiers; the world is
generated into a temporary folder unless ``--world`` names one). Each run uploads them as one zip for a new
case id to the real app (SQLite file, in-process HTTP client) and times until the report is back. Same-run
baselines: recognition of the same 20 files alone, and ``evaluate_rules`` alone on one facts row. Then OCR
pages per second on scanned (PNG) pages of the same world.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "api"))

N_FILES = 20


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def _timed(fn: Callable[[], Any], runs: int) -> list[float]:
    fn()  # warm-up: imports, fonts, caches
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _world(path: str | None) -> Path:
    if path:
        return Path(path)
    from generator import generate_world, get_scale

    out = Path(tempfile.mkdtemp(prefix="bench-review-")) / "demo"
    generate_world(out, get_scale("demo"), seed=42, mixed=True)
    return out


def _dossier_files(world: Path, suffix: str, n: int) -> list[Path]:
    folders = [p for p in sorted((world / "files").iterdir()) if next(p.iterdir()).suffix == suffix]
    files = [f for folder in folders for f in sorted(folder.iterdir())]
    return files[:n]


def _app(home: Path) -> Any:
    from apitest_support import PASSWORD, SECRET, write_catalog
    from fastapi.testclient import TestClient

    from api.capture.services.catalog import load_catalog
    from api.main import create_app
    from api.platform.services.users import create_user
    from zhifa.clock import today
    from zhifa.settings import Settings

    settings = Settings(home=home, database_url=f"sqlite:///{home / 'api.sqlite3'}", secret_key=SECRET)
    app = create_app(settings)
    with app.state.sessionmaker() as db:
        load_catalog(db, write_catalog(home / "catalog", today()))
        create_user(db, "bench", PASSWORD, "410122", ["officer"], "O410122001")
        db.commit()
    client = TestClient(app)
    token = client.post("/auth/token", data={"username": "bench", "password": PASSWORD}).json()[
        "access_token"
    ]
    return client, {"Authorization": f"Bearer {token}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--world")
    parser.add_argument("--ocr-pages", type=int, default=3)
    args = parser.parse_args()

    from ingestion.recognition import recognise_bytes
    from zhifa.rule_evaluation import evaluate_rules

    world = _world(args.world)
    files = _dossier_files(world, ".pdf", N_FILES)
    blobs = [(p.name, p.read_bytes()) for p in files]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in blobs:
            zf.writestr(name, data)
    bundle = buf.getvalue()

    client, headers = _app(Path(tempfile.mkdtemp(prefix="bench-review-home-")))
    counter = iter(range(10_000))
    last: dict[str, Any] = {}

    def upload() -> None:
        case_id = f"CBENCH{next(counter):05d}"
        r = client.post(
            "/dossiers",
            data={"case_id": case_id},
            files=[("files", ("dossier.zip", bundle, "application/zip"))],
            headers=headers,
        )
        assert r.status_code == 201, r.text
        last.update(r.json()["report"])

    review = _timed(upload, args.runs)
    recognise = _timed(lambda: [recognise_bytes(d, n) for n, d in blobs], args.runs)

    import pandas as pd

    from api.review.services.rule_sets import reference_rules
    from zhifa.reference import load_reference

    facts = pd.DataFrame([last["facts"]]).astype(object)
    rules = reference_rules()
    settings = load_reference().settings_for("410000")
    rules_only = _timed(lambda: evaluate_rules(rules, facts, settings), args.runs)

    scans = _dossier_files(world, ".png", args.ocr_pages)
    scan_blobs = [(p.name, p.read_bytes()) for p in scans]
    recognise_bytes(scan_blobs[0][1], scan_blobs[0][0])  # warm-up: model load
    start = time.perf_counter()
    ocr_ok = sum(recognise_bytes(d, n).doc_type is not None for n, d in scan_blobs)
    ocr_seconds = time.perf_counter() - start

    print(f"dossier: {len(blobs)} text-layer PDF files, {len(bundle) / 1024:.0f} KiB zip; runs: {args.runs}")
    print(f"report: {last['n_rules']} rules, {last['n_checked']} checked, {last['n_failed']} failed")
    for label, values in (
        ("upload → report (HTTP)", review),
        ("baseline: recognition of the 20 files", recognise),
        ("baseline: evaluate_rules on one facts row", rules_only),
    ):
        print(f"{label:45s} p50 {_p(values, 50):.3f} s  p95 {_p(values, 95):.3f} s  max {max(values):.3f} s")
    print(
        f"OCR: {len(scan_blobs)} pages in {ocr_seconds:.1f} s = {len(scan_blobs) / ocr_seconds:.2f} pages/s"
    )
    print(f"OCR: {ocr_ok}/{len(scan_blobs)} pages classified")


if __name__ == "__main__":
    main()
