"""Wall time and peak memory of ``zhifa generate`` at one scale, run as the CLI would be run.

    uv run python benchmarks/bench_generate.py [--scale national] [--runs 3] [--seed 42]

Each run writes a fresh world into a temporary folder (removed afterwards). Printed per run: wall seconds,
CPU seconds (user + system, the generator and its dossier-rendering workers) and the peak resident set size
of the largest process (as ``/usr/bin/time -v`` reports it); then the medians. The machine is shared, so
the load average at the start of each run is printed too: wall time means little when the load exceeds the
number of cores, CPU seconds still do.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def run_once(scale: str, seed: int) -> tuple[float, float, float, float]:
    """(wall s, cpu s, peak RSS MB, load average) of one ``zhifa generate`` in a fresh folder."""
    folder = Path(tempfile.mkdtemp(prefix="bench_generate_"))
    try:
        load = os.getloadavg()[0]
        cmd = [sys.executable, "-m", "cli", "generate", str(folder / "world"), "--scale", scale]
        start = time.perf_counter()
        proc = subprocess.Popen([*cmd, "--seed", str(seed)], stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise SystemExit(f"zhifa generate failed with exit code {proc.returncode}")
        return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="national", help="demo | province | national")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    walls, cpus, peaks = [], [], []
    for k in range(args.runs):
        wall, cpu, peak, load = run_once(args.scale, args.seed)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
        print(f"run {k + 1}: wall {wall:7.1f} s  cpu {cpu:7.1f} s  peak RSS {peak:7.0f} MB  load {load:.1f}")
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    print(
        f"{args.scale}: median wall {wall:.1f} s, median cpu {cpu:.1f} s, "
        f"peak RSS {max(peaks):.0f} MB over {args.runs} runs (nproc {os.cpu_count()})"
    )


if __name__ == "__main__":
    main()
