"""Benchmarks for spendsense-gen, run by hand. Prints figures; never asserts. See benchmarks/README.md.

    python benchmarks/bench_generate.py [--reps 7] [--users 10000] [--large-reps 3]
                                        [--rust-reps 1] [--skip-large] [--skip-rust] [--tmp DIR]

(a) 100 users end to end through the CLI (sqlite, csv and json), wall time per run, median of
    ``--reps`` runs after one warm-up; target < 0.5 s. Also the CLI's fixed cost
    (``spendsense-gen --version``: interpreter and import) and an in-process split by stage.
(b) ``--users`` users to SQLite through the Python API, in a child process per repetition:
    ``generate()`` and ``to_sqlite()`` timed separately, peak RSS of the child from ``os.wait4``.
(c) The Rust program ``benchmarks/bare_sqlite.rs`` (``cargo run --release --example bare_sqlite``):
    the bare rusqlite insert loop and ``sink::sqlite::write`` on the same rows in one process;
    target: ours >= 0.5x bare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import spendsense_gen as ssg
t1 = time.perf_counter()
ds = ssg.generate(n_users=int(sys.argv[1]), seed=int(sys.argv[2]))
t2 = time.perf_counter()
ds.to_sqlite(sys.argv[3], overwrite=True)
t3 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "generate_s": t2 - t1, "sqlite_s": t3 - t2,
                  "rows": ds.summary()["rows"]}))
"""


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    mem = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    try:
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "?"

    def git(*args: str) -> str:
        try:
            r = subprocess.run(
                ["git", *args], check=False, cwd=ROOT, capture_output=True, text=True, timeout=10
            )
            return r.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    import spendsense_gen

    dirty = " (uncommitted changes)" if git("status", "--porcelain", "--untracked-files=no") else ""
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus (nproc)": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "load average at start": load,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "spendsense-gen": f"{spendsense_gen.__version__} at {git('rev-parse', '--short', 'HEAD')}{dirty}",
        "extension built": dt.datetime.fromtimestamp(
            Path(spendsense_gen._core.__file__).stat().st_mtime
        ).strftime("%Y-%m-%d %H:%M"),
    }


def cli() -> list[str]:
    exe = shutil.which("spendsense-gen")
    return [exe] if exe else [sys.executable, "-m", "spendsense_gen"]


def wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def bench_cli(reps: int, tmp: Path) -> dict[str, Any]:
    out = tmp / "cli100"
    cmd = cli() + ["generate", "--out", str(out), "--overwrite", "--format", "sqlite,csv,json", "--quiet"]
    wall(cmd)  # warm-up: page cache, .pyc files
    runs = [wall(cmd) for _ in range(reps)]
    floor = [wall(cli() + ["--version"]) for _ in range(reps)]

    import spendsense_gen as ssg

    stages: dict[str, float] = {}
    t = time.perf_counter()
    ds = ssg.generate(n_users=100)
    stages["generate()"] = time.perf_counter() - t
    for name, write in (
        ("to_sqlite()", lambda: ds.to_sqlite(tmp / "s100.db", overwrite=True)),
        ("to_csv()", lambda: ds.to_csv(tmp / "csv100", overwrite=True)),
        ("to_json()", lambda: ds.to_json(tmp / "u100.json", overwrite=True)),
        ("write() all + manifest", lambda: ds.write(tmp / "w100", overwrite=True)),
    ):
        t = time.perf_counter()
        write()
        stages[name] = time.perf_counter() - t
    return {
        "median_s": statistics.median(runs),
        "min_s": min(runs),
        "max_s": max(runs),
        "floor_s": statistics.median(floor),
        "stages": stages,
        "rows": ds.summary()["rows"],
    }


def run_child(users: int, seed: int, db: Path) -> dict[str, Any]:
    """One child process; returns its figures plus wall time and peak RSS (from os.wait4)."""
    t = time.perf_counter()
    p = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(users), str(seed), str(db)], stdout=subprocess.PIPE, text=True
    )
    assert p.stdout is not None
    text = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t
    if p.returncode != 0:
        raise SystemExit(f"child failed with exit code {p.returncode}")
    r: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    r["wall_s"] = elapsed
    r["maxrss_mib"] = usage.ru_maxrss / 1024  # KiB on Linux
    r["db_mb"] = db.stat().st_size / 1e6
    db.unlink()
    return r


def bench_large(users: int, reps: int, tmp: Path) -> dict[str, Any]:
    runs = []
    for i in range(reps):
        r = run_child(users, 42, tmp / "large.db")
        print(
            f"  run {i + 1}/{reps}: generate {r['generate_s']:.2f} s, to_sqlite {r['sqlite_s']:.2f} s, "
            f"peak RSS {r['maxrss_mib']:.0f} MiB",
            flush=True,
        )
        runs.append(r)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return {
        "users": users,
        "rows": runs[0]["rows"],
        "import_s": med("import_s"),
        "generate_s": med("generate_s"),
        "sqlite_s": med("sqlite_s"),
        "wall_s": med("wall_s"),
        "maxrss_mib": max(r["maxrss_mib"] for r in runs),
        "db_mb": runs[0]["db_mb"],
    }


def bench_rust(users: int, reps: int, tmp: Path) -> dict[str, Any] | None:
    if shutil.which("cargo") is None:
        print("  cargo not found: skipped")
        return None
    cmd = ["cargo", "run", "--quiet", "--release", "--example", "bare_sqlite", "--"]
    cmd += ["--users", str(users), "--reps", str(reps), "--dir", str(tmp), "--json"]
    print("  $ " + " ".join(cmd[:6]) + " -- " + " ".join(cmd[7:]), flush=True)
    p = subprocess.run(cmd, check=False, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    lines = p.stdout.strip().splitlines()
    for line in lines[:-1]:
        print("  | " + line)
    if p.returncode != 0 or not lines:
        print(f"  bare_sqlite failed (exit code {p.returncode})")
        return None
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def row(label: str, value: str, target: str = "", verdict: str = "") -> None:
    print(f"  {label:<46} {value:>26}   {target:<9} {verdict}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=7, help="runs of the 100-user CLI benchmark (default 7)")
    ap.add_argument("--users", type=int, default=10_000, help="users for (b) and (c) (default 10000)")
    ap.add_argument("--large-reps", type=int, default=3, help="child runs for (b) (default 3)")
    ap.add_argument("--rust-reps", type=int, default=1, help="repetitions per load in (c) (default 1)")
    ap.add_argument("--skip-large", action="store_true", help="skip (b)")
    ap.add_argument("--skip-rust", action="store_true", help="skip (c)")
    ap.add_argument("--tmp", metavar="DIR", help="folder for outputs (default: a new temporary folder)")
    args = ap.parse_args()

    print("machine")
    for k, v in machine().items():
        print(f"  {k:<22} {v}")

    with tempfile.TemporaryDirectory(prefix="ssg-bench-", dir=args.tmp) as d:
        tmp = Path(d)
        print(f"\n(a) 100 users through the CLI, {args.reps} runs after a warm-up", flush=True)
        a = bench_cli(args.reps, tmp)
        b = c = None
        if not args.skip_large:
            print(f"\n(b) {args.users:,} users to SQLite through the Python API, {args.large_reps} run(s)")
            b = bench_large(args.users, args.large_reps, tmp)
        if not args.skip_rust:
            print(f"\n(c) bare rusqlite loop vs sink::sqlite::write, {args.users:,} users", flush=True)
            c = bench_rust(args.users, args.rust_reps, tmp)

    print("\nresults")
    row("figure", "measured", "target", "")
    row(
        "(a) 100 users, CLI, sqlite+csv+json",
        f"{a['median_s']:.3f} s median",
        "< 0.5 s",
        "met" if a["median_s"] < 0.5 else "missed",
    )
    row("    range over runs", f"{a['min_s']:.3f}-{a['max_s']:.3f} s")
    row("    of which interpreter + import (--version)", f"{a['floor_s']:.3f} s")
    for name, s in a["stages"].items():
        row(f"    in process: {name}", f"{s:.3f} s")
    row("    rows (100 users)", f"{sum(a['rows'].values()):,}")
    if b:
        tx = b["rows"]["transactions"]
        total = sum(b["rows"].values())
        e2e = b["import_s"] + b["generate_s"] + b["sqlite_s"]
        row(f"(b) {b['users']:,} users -> SQLite, end to end", f"{e2e:.2f} s")
        row("    end to end users/s", f"{b['users'] / e2e:,.0f}")
        row("    end to end transactions/s", f"{tx / e2e:,.0f}")
        row("    generate()", f"{b['generate_s']:.2f} s")
        row("    generate() users/s", f"{b['users'] / b['generate_s']:,.0f}")
        row("    generate() transactions/s", f"{tx / b['generate_s']:,.0f}")
        row("    to_sqlite()", f"{b['sqlite_s']:.2f} s")
        row("    to_sqlite() rows/s (all 5 tables)", f"{total / b['sqlite_s']:,.0f}")
        row("    to_sqlite() transactions/s", f"{tx / b['sqlite_s']:,.0f}")
        row("    peak RSS (child process)", f"{b['maxrss_mib']:,.0f} MiB")
        row("    rows: transactions / all tables", f"{tx:,} / {total:,}")
        row("    database file", f"{b['db_mb']:,.0f} MB")
    if c:
        s = c["seconds"]
        rows = c["rows"]
        row(f"(c) {c['users']:,} users, {rows:,} rows, Rust", f"generated in {c['generate_s']:.2f} s")
        for label in c["loads"]:
            row(f"    {label} load", f"{s[label]:.2f} s, {rows / s[label]:,.0f} rows/s")
        ratio = c["ratio_ours_over_bare"]
        row("    ours / bare", f"{ratio:.2f}x", ">= 0.5x", "met" if ratio >= 0.5 else "missed")


if __name__ == "__main__":
    main()
