"""Scale benchmark: streamed generation to Parquet and SQLite, flat memory, and threads.

    python benchmarks/bench_scale.py [--small 100000] [--large 1000000] [--skip-large]
                                     [--sqlite-users 100000] [--skip-sqlite] [--tmp DIR]
                                     [--thread-reps 3] [--no-detect] [--skip-bare]

Each run is a fresh ``spendsense-gen generate ... --quiet`` child process; the parent reads its
wall time and peak RSS (``ru_maxrss`` from ``os.wait4``). It prints, for each run, users/s,
transactions/s, peak RSS and the ratio of its rows/s to the bare writer limit, then the figures
the scale issue sets:

- 1,000,000 users to Parquet: under 3 minutes, peak RSS under 1 GiB;
- peak RSS growth from 100,000 to 1,000,000 users (Parquet): at most 20%;
- 100,000 users to SQLite: under 60 s, at least half the bare rusqlite insert rate;
- 1 thread against 2 threads on the Parquet path (``--small`` users): a speed-up of 1.7x or more
  (the median of ``--thread-reps`` pairs of runs).

The bare writer limit is the same rows written by a minimal loop with nothing else timed:
``cargo run --release --example bare_stream -- --format parquet|sqlite`` (``benchmarks/
bare_stream.rs``), run for ``--small`` users (Parquet; its rate stands for the large run too) and
``--sqlite-users`` (SQLite). ``--skip-bare`` leaves it out. Nothing is asserted: the machine is
shared and the figures are for people.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bare(fmt: str, users: int, tmp: Path) -> float | None:
    """Rows/s of the bare writer loop (``bare_stream``) for ``users`` users; None without cargo."""
    if shutil.which("cargo") is None:
        print("  cargo not found: no bare writer limit")
        return None
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "bare_stream", "--"]
    cmd += ["--format", fmt, "--users", str(users), "--dir", str(tmp), "--json"]
    p = subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = p.stdout.strip().splitlines()
    print(f"  {lines[0]}", flush=True)
    rate: float = json.loads(lines[-1])["rows_per_s"]
    return rate


def run(args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS in bytes of one child process."""
    t = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "spendsense_gen", *args])
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t
    if status != 0:
        raise SystemExit(f"failed ({status}): spendsense-gen {' '.join(args)}")
    return wall, usage.ru_maxrss * 1024


NO_DETECT = False


def generate(tmp: Path, users: int, fmt: str, threads: int | None = None) -> dict[str, float]:
    out = tmp / f"{fmt}-{users}-{threads or 'all'}"
    args = ["generate", "--users", str(users), "--format", fmt, "--out", str(out), "--quiet", "--overwrite"]
    if threads:
        args += ["--threads", str(threads)]
    if NO_DETECT:
        args.append("--no-detect")
    wall, rss = run(args)
    manifest = json.loads((out / "manifest.json").read_text())
    txns = manifest["row_counts"]["transactions"]
    rows = sum(manifest["row_counts"].values())
    size = sum(v["bytes"] for v in manifest["files"].values())
    shutil.rmtree(out, ignore_errors=True)
    r = {"users": users, "wall": wall, "rss": rss, "txns": txns, "rows": rows, "bytes": size}
    print(
        f"  {fmt:<8} {users:>9,} users, threads {threads or 'all':>3}: {wall:8.1f} s  "
        f"{users / wall:>9,.0f} users/s  {txns / wall:>12,.0f} txns/s  peak RSS {rss / 2**20:7.0f} MiB  "
        f"({rows:,} rows, {size / 1e9:.2f} GB)",
        flush=True,
    )
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--small", type=int, default=100_000)
    p.add_argument("--large", type=int, default=1_000_000)
    p.add_argument("--sqlite-users", type=int, default=100_000)
    p.add_argument("--skip-large", action="store_true")
    p.add_argument("--skip-sqlite", action="store_true", help="leave out the SQLite run")
    p.add_argument("--tmp", type=Path)
    p.add_argument(
        "--thread-reps",
        type=int,
        default=3,
        help="pairs of 1- and 2-thread runs (median ratio); 0 leaves them out",
    )
    p.add_argument("--no-detect", action="store_true", help="pass --no-detect (no detector outputs)")
    p.add_argument("--skip-bare", action="store_true", help="leave out the bare writer loops")
    a = p.parse_args()
    global NO_DETECT
    NO_DETECT = a.no_detect
    tmp = a.tmp or Path(tempfile.mkdtemp(prefix="bench_scale-"))
    tmp.mkdir(parents=True, exist_ok=True)
    print(
        f"bench_scale: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, output in {tmp}"
        f"{', --no-detect' if NO_DETECT else ''}"
    )
    small = generate(tmp, a.small, "parquet")
    # The machine is shared and single runs vary by 10-15 %: 1- and 2-thread runs alternate, and
    # the figure is the median of the pairs' ratios.
    ratios = []
    for _ in range(a.thread_reps):
        one = generate(tmp, a.small, "parquet", threads=1)
        two = generate(tmp, a.small, "parquet", threads=2)
        ratios.append(one["wall"] / two["wall"])
    sq = None if a.skip_sqlite else generate(tmp, a.sqlite_users, "sqlite")
    large = None if a.skip_large else generate(tmp, a.large, "parquet")
    bare_pq = None if a.skip_bare else bare("parquet", a.small, tmp)
    bare_sq = None if a.skip_bare or a.skip_sqlite else bare("sqlite", a.sqlite_users, tmp)

    print("\nrun                           wall s    users/s   transactions/s  peak RSS MiB  vs bare writer")
    runs = [("Parquet", small, bare_pq), ("Parquet", large, bare_pq), ("SQLite", sq, bare_sq)]
    for fmt, r, limit in runs:
        if r is None:
            continue
        vs = f"{r['rows'] / r['wall'] / limit:13.2f}x" if limit else "            -"
        print(
            f"{r['users']:>9,} users -> {fmt:<8} {r['wall']:10.1f} {r['users'] / r['wall']:10,.0f} "
            f"{r['txns'] / r['wall']:16,.0f} {r['rss'] / 2**20:13.0f} {vs}"
        )
    if bare_pq and large:
        print(f"(the bare Parquet loop ran for {a.small:,} users; its rate stands for both Parquet runs)")
    print("\nfigure                                   measured          target")
    if large:
        print(f"{a.large:,} users -> Parquet, wall      {large['wall']:10.1f} s      < 180 s")
        print(f"{a.large:,} users -> Parquet, peak RSS  {large['rss'] / 2**20:10.0f} MiB    < 1024 MiB")
        growth = large["rss"] / small["rss"] - 1
        print(f"peak RSS growth {a.small:,} -> {a.large:,}     {100 * growth:+9.1f} %      <= +20 %")
    if sq:
        print(f"{a.sqlite_users:,} users -> SQLite, wall        {sq['wall']:10.1f} s      < 60 s")
        if bare_sq:
            ratio_sq = sq["rows"] / sq["wall"] / bare_sq
            print(f"SQLite rows/s / bare rusqlite loop     {ratio_sq:10.2f} x      >= 0.5 x")
    if ratios:
        ratio = statistics.median(ratios)
        spread = f"  (pairs: {', '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""
        print(f"Parquet, 1 vs 2 threads ({a.small:,} users)   {ratio:9.2f} x      >= 1.7 x{spread}")
    if not a.tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
