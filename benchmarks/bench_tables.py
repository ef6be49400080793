"""The transactions table in Python: NumPy, pandas, Arrow (run by hand; prints, never asserts).

    python benchmarks/bench_tables.py [--users 5000 20000] [--seed 42] [--reps 3]

Each figure comes from a fresh child process that generates the dataset in memory, then makes
one view of the ``transactions`` table: ``ds.transactions`` (NumPy columns),
``ds.to_pandas("transactions")``, ``pyarrow.table(ds.arrow("transactions"))`` (the Arrow PyCapsule
export), and ``ds.to_polars("transactions")``. It prints the median time of ``--reps`` runs and
the peak RSS the view added to the process (the peak after it minus the peak after generation).
Views whose library is missing are skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import time

VIEWS = {
    "numpy": (None, lambda ds: ds.transactions),
    "pandas": ("pandas", lambda ds: ds.to_pandas("transactions")),
    "arrow": ("pyarrow", lambda ds: __import__("pyarrow").table(ds.arrow("transactions"))),
    "polars": ("polars", lambda ds: ds.to_polars("transactions")),
}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(view: str, users: int, seed: int) -> None:
    import spendsense_gen as ssg

    need, make = VIEWS[view]
    if need:
        __import__(need)
    ds = ssg.generate(n_users=users, seed=seed)
    before = peak_mib()
    t0 = time.perf_counter()
    out = make(ds)
    seconds = time.perf_counter() - t0
    rows = ds.summary()["rows"]["transactions"]
    print(json.dumps({"seconds": seconds, "added_mib": peak_mib() - before, "rows": rows}))
    del out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[5_000, 20_000])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--child", nargs=3, metavar=("VIEW", "USERS", "SEED"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(a.child[0], int(a.child[1]), int(a.child[2]))
        return
    print(
        f"{'users':>7} {'rows':>11} {'view':>7} {'seconds':>8} {'rows/s':>12} {'added MiB':>10} {'B/row':>6}"
    )
    for users in a.users:
        for view, (need, _) in VIEWS.items():
            if need and importlib.util.find_spec(need) is None:
                print(f"{users:>7,} {'':>11} {view:>7}  skipped: {need} is not installed")
                continue
            runs = []
            for _ in range(a.reps):
                cmd = [sys.executable, __file__, "--child", view, str(users), str(a.seed)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
                runs.append(json.loads(out.strip().splitlines()[-1]))
            s = statistics.median(r["seconds"] for r in runs)
            mib = statistics.median(r["added_mib"] for r in runs)
            rows = runs[0]["rows"]
            print(
                f"{users:>7,} {rows:>11,} {view:>7} {s:>8.2f} {rows / s:>12,.0f} {mib:>10,.0f}"
                f" {mib * 2**20 / rows:>6,.0f}"
            )


if __name__ == "__main__":
    main()
