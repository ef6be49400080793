"""Detection beside generation, for 10,000 users (run by hand; prints, never asserts).

    python benchmarks/bench_detect.py [--users 10000] [--seed 42]

Target (issue 3): computing signals and personas costs less than generating the data.
Each figure is the median of --reps runs in this process (the dataset is generated once per run).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import spendsense_gen as ssg


def timed(f):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    gen, det, det_db = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(a.reps):
            ds, t = timed(lambda: ssg.generate(n_users=a.users, seed=a.seed))
            gen.append(t)
            _, t = timed(lambda ds=ds: ssg.detect(ds))
            det.append(t)
            if rep == 0:
                db = os.path.join(tmp, "s.db")
                ds.to_sqlite(db, overwrite=True)
            _, t = timed(lambda db=db: ssg.detect(db))
            det_db.append(t)
    n_tx = ds.summary()["rows"]["transactions"]
    g, d, s = statistics.median(gen), statistics.median(det), statistics.median(det_db)
    print(f"{a.users:,} users, {n_tx:,} transactions, {os.cpu_count()} cores, median of {a.reps}")
    print(f"  generate (in memory)    {g:7.2f} s  {a.users / g:10,.0f} users/s")
    print(f"  detect on the dataset   {d:7.2f} s  {a.users / d:10,.0f} users/s  vs generation {d / g:.2f}x")
    print(f"  detect reading SQLite   {s:7.2f} s  {a.users / s:10,.0f} users/s  vs generation {s / g:.2f}x")
    print(f"  target (detection < generation): {'met' if d < g else 'missed'}")


if __name__ == "__main__":
    main()
