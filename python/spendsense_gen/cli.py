"""The ``spendsense-gen`` command.

    spendsense-gen generate [--users N] [--seed S] [--end-date D] [--months M] [--mix MIX]
                            [--consent-ratio R] [--out DIR] [--format sqlite,csv,json]
                            [--threads N] [--shard K/N] [--config FILE] [--overwrite] [--quiet]
    spendsense-gen detect PATH [--out DIR] [--end-date YYYY-MM-DD] [--overwrite] [--quiet]
    spendsense-gen validate PATH [--json FILE] [--examples N] [--quiet]
    spendsense-gen load --from DIR_OR_JSON --db PATH [--quiet]
    spendsense-gen report [DATA_DIR] [--out FILE] [--overwrite] [--quiet]
    spendsense-gen config --show [--config FILE] [same flags]

``generate`` also runs the persona detector on the generated tables and writes its outputs
(``features/*.parquet``, ``validation_report.json``, the ``persona_assignments`` table in
``spendsense.db``). ``detect`` does the same for a SQLite database or a CSV or Parquet folder
in the spendsense-gen schema. ``validate`` checks a database, CSV or Parquet folder or users.json
and exits 0 only when every rule passes (1 when one fails); ``load`` puts a CSV or Parquet folder
or users.json into a SQLite database, all or nothing. ``report`` writes a self-contained
``report.html`` (plots and tables; needs matplotlib). Flags override the configuration file;
errors are one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional, TextIO

from . import __version__
from ._dataset import (
    ARCHETYPES,
    DEFAULT_FORMATS,
    FORMATS,
    PRESETS,
    build_config,
    generate_to,
    read_config_file,
    resolve_config,
)
from ._detect import detect, report_summary
from ._report import REPORT_NAME, require_matplotlib, write_report
from ._validate import load, validate
from .errors import InvalidDataError, InvalidParameterError, SpendSenseError

EXIT_ERROR = 2
EXIT_INVALID = 1
EXIT_INTERRUPTED = 130


# Configuration parameters and the flags that set them, for error messages.
FLAGS = {
    "n_users": "--users",
    "seed": "--seed",
    "end_date": "--end-date",
    "months": "--months",
    "mix": "--mix",
    "consent_ratio": "--consent-ratio",
    "output.dir": "--out",
    "output.formats": "--format",
    "threads": "--threads",
    "shard": "--shard",
    "path": "PATH",
    "source": "--from",
    "db": "--db",
}


class _UsageError(Exception):
    """A command line that argparse cannot parse."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's NoReturn hook
        raise _UsageError(f"{message} (see {self.prog} --help)")


def _parse_mix(text: str) -> Any:
    """``default`` / ``even``, or ``archetype=N,...`` (counts) / ``archetype=0.2,...`` (shares)."""
    if not text.strip():
        raise InvalidParameterError(
            "invalid mix: empty (leave --mix out for the default mix)",
            "mix",
            f"a preset ({', '.join(PRESETS)}) or ARCHETYPE=NUMBER,...",
        )
    if "=" not in text:
        if text in ARCHETYPES:
            other = "savings_builder" if text == "stable" else "stable"
            raise InvalidParameterError(
                f"invalid mix: {text!r} is an archetype, not a preset: give counts like "
                f"{text}=100 or shares like {text}=0.5,{other}=0.5",
                "mix",
                f"a preset ({', '.join(PRESETS)}) or ARCHETYPE=NUMBER,...",
            )
        return text
    out: dict[str, Any] = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        name = name.strip()
        if name in out:
            raise InvalidParameterError(
                f"invalid mix: {name} is given twice",
                "mix",
                "each archetype at most once: ARCHETYPE=NUMBER,...",
            )
        try:
            out[name] = int(value) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            raise InvalidParameterError(
                f"invalid mix: {part!r} is not ARCHETYPE=NUMBER", "mix", "ARCHETYPE=NUMBER,..."
            ) from None
        if not sep:
            raise InvalidParameterError(
                f"invalid mix: {part!r} is not ARCHETYPE=NUMBER", "mix", "ARCHETYPE=NUMBER,..."
            )
    return out


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="spendsense-gen",
        description="Generate synthetic, Plaid-shaped personal-finance data with ground-truth personas.",
    )
    p.add_argument("--version", action="version", version=f"spendsense-gen {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def recipe(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--config", metavar="FILE", help="TOML or JSON recipe; flags override it")
        sp.add_argument(
            "--users", type=int, metavar="N", help="number of users, 1 to 10,000,000 (default 100)"
        )
        sp.add_argument("--seed", type=int, metavar="S", help="random seed, 0 to 2^64-1 (default 42)")
        sp.add_argument("--end-date", metavar="YYYY-MM-DD", help="last simulated day (default 2025-10-31)")
        sp.add_argument("--months", type=int, metavar="M", help="window length in months, 1-36 (default 7)")
        sp.add_argument(
            "--mix",
            metavar="MIX",
            help=f"preset ({', '.join(PRESETS)}) or ARCHETYPE=COUNT,... or ARCHETYPE=SHARE,... "
            f"(archetypes: {', '.join(ARCHETYPES)})",
        )
        sp.add_argument(
            "--consent-ratio",
            type=float,
            metavar="R",
            help="share of users with consent, 0 to 1 (default 0.9)",
        )
        sp.add_argument("--out", metavar="DIR", help="output folder (default data)")
        sp.add_argument(
            "--format",
            metavar="LIST",
            help=f"comma-separated formats: {', '.join(FORMATS)} (default {','.join(DEFAULT_FORMATS)})",
        )

    g = sub.add_parser("generate", help="generate a dataset into a folder")
    recipe(g)
    g.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="worker threads, 1 to 1024 (default all cores; output is identical)",
    )
    g.add_argument(
        "--shard",
        metavar="K/N",
        help="only shard K (0-based) of N of the run's users; the shards' tables, concatenated in "
        "order, are the whole run's",
    )
    g.add_argument(
        "--no-detect",
        action="store_true",
        help="do not run the persona detector (no features/, validation_report.json or "
        "persona_assignments): faster for large runs",
    )
    g.add_argument("--overwrite", action="store_true", help="replace existing output files")
    g.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    d = sub.add_parser(
        "detect",
        help="detect personas in a SQLite database or a CSV or Parquet folder",
        description="Run the persona detector on a SQLite database or a CSV or Parquet folder in the "
        "spendsense-gen schema: writes features/*.parquet and validation_report.json, adds the "
        "persona_assignments table to a database, and prints a summary.",
    )
    d.add_argument("path", metavar="PATH", help="a SQLite database or a CSV or Parquet folder")
    d.add_argument(
        "--out",
        metavar="DIR",
        help="folder for features/ and validation_report.json (default: the folder of the database, "
        "or the CSV folder itself)",
    )
    d.add_argument(
        "--end-date",
        metavar="YYYY-MM-DD",
        help="last day of the windows (default: the database's metadata end date, else the last transaction)",
    )
    d.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing outputs and an existing persona_assignments table",
    )
    d.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    v = sub.add_parser(
        "validate",
        help="check a SQLite database, a CSV or Parquet folder or a users.json",
        description="Check data in the spendsense-gen schema: required fields, unique and foreign keys, "
        "types, the date window, Plaid's enums (type/subtype pairs, payment channel, PFC categories), "
        "Plaid's sign convention, paired payments and transfers, balances rebuilt from the transactions, "
        "statements, last payments, consent and labels. Prints a summary; exit code 0 only when every "
        "rule passes, 1 when one fails.",
    )
    v.add_argument("path", metavar="PATH", help="a SQLite database, a CSV or Parquet folder or a users.json")
    v.add_argument("--json", metavar="FILE", help="also write the full report as JSON ('-' for stdout)")
    v.add_argument(
        "--examples", type=int, default=5, metavar="N", help="findings shown per failing rule (default 5)"
    )
    v.add_argument("--quiet", "-q", action="store_true", help="print nothing; only the exit code")

    ld = sub.add_parser(
        "load",
        help="load a CSV or Parquet folder or a users.json into a SQLite database",
        description="Read a CSV or Parquet folder or a users.json, check every row, and insert it into a "
        "SQLite database (created if missing) in one transaction. Any problem (missing column or value, "
        "wrong type, unknown enum value, duplicate id, id already in the database, dangling reference) "
        "aborts the load with the problems listed by line, and the database is left exactly as it was.",
    )
    ld.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="DIR_OR_JSON",
        help="a CSV or Parquet folder or users.json",
    )
    ld.add_argument("--db", required=True, metavar="PATH", help="the SQLite database to load into")
    ld.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    rp = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a data folder (needs matplotlib)",
        description="Write one self-contained HTML file (inline SVG plots, no network) with the dataset "
        "summary, archetype and persona distributions, label-vs-detected matrices per window, checking "
        "balance trajectories per archetype, spending by category, persona rates by age bracket and "
        "region, every validation check and the edge cases. Reads DATA_DIR/spendsense.db (or a CSV or "
        "Parquet folder, loaded into a temporary database). Needs matplotlib: "
        "pip install 'spendsense-gen[report]'.",
    )
    rp.add_argument(
        "path",
        metavar="DATA_DIR",
        nargs="?",
        default="data",
        help="a folder written by generate (default data), a SQLite database or a CSV or Parquet folder",
    )
    rp.add_argument("--out", metavar="FILE", help=f"the HTML file (default DATA_DIR/{REPORT_NAME})")
    rp.add_argument("--overwrite", action="store_true", help="replace an existing report")
    rp.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")

    c = sub.add_parser("config", help="print the effective configuration")
    recipe(c)
    c.add_argument("--show", action="store_true", help="print the effective configuration as JSON")
    return p


def _config(args: argparse.Namespace) -> dict[str, Any]:
    base = read_config_file(args.config) if args.config else {}
    cfg = build_config(
        n_users=args.users,
        seed=args.seed,
        end_date=args.end_date,
        months=args.months,
        mix=_parse_mix(args.mix) if args.mix is not None else None,
        consent_ratio=args.consent_ratio,
        base=base,
    )
    if args.out is not None or args.format is not None:
        output = dict(cfg.get("output") or {})
        if args.out is not None:
            output["dir"] = args.out
        if args.format is not None:
            output["formats"] = [f.strip() for f in args.format.split(",") if f.strip()]
        cfg["output"] = output
    return cfg


class _Progress:
    """A progress bar on stderr for runs longer than a second (only on a terminal)."""

    def __init__(self, label: str, stream: TextIO, enabled: bool) -> None:
        self.label = label
        self.stream = stream
        self.enabled = enabled and stream.isatty()
        self.start = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < 1.0 or total <= 0:
            return
        width = 30
        filled = int(width * done / total)
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (total - done) / rate if rate > 0 else 0.0
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] "
            f"{done:,}/{total:,} {rate:,.0f}/s ETA {eta:,.0f}s "
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False


def _generate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    t0 = time.monotonic()
    cfg = resolve_config(_config(args))
    out_dir = cfg["output"]["dir"]
    formats = cfg["output"]["formats"]
    # Streamed: users are generated and written chunk by chunk, so memory stays flat.
    bar = _Progress("users", err, not args.quiet)
    try:
        w = generate_to(
            out_dir,
            formats,
            config=cfg,
            threads=args.threads,
            shard=args.shard,
            detect=not args.no_detect,
            overwrite=args.overwrite,
            progress=bar,
        )
    finally:
        bar.close()
    elapsed = time.monotonic() - t0
    if args.quiet:
        return 0
    t, m = w.tally, w.manifest
    rows = t["rows"]
    arch = ", ".join(f"{k} {v}" for k, v in sorted(t["archetypes"].items(), key=_archetype_order))
    files = sorted({name.split("/")[0] for name in m["files"]})
    part = ""
    if m.get("shard"):
        start, stop = m["user_range"]
        part = f" (shard {m['shard']}: users {start:,} to {stop - 1:,} of {cfg['n_users']:,})"
    print(
        f"spendsense-gen {__version__}: {t['users']:,} users{part}, seed {m['seed']}, "
        f"{m['start_date']} to {m['end_date']}",
        file=out,
    )
    print(
        f"  rows: {rows['accounts']:,} accounts, {rows['transactions']:,} transactions, "
        f"{rows['liabilities']:,} liabilities, {rows['user_labels']:,} labels",
        file=out,
    )
    print(f"  archetypes: {arch}", file=out)
    print(f"  consent: {t['consent_true']:,} yes, {t['consent_false']:,} no", file=out)
    rate = t["users"] / elapsed if elapsed > 0 else 0.0
    print(
        f"  wrote {', '.join(f'{out_dir}/{f}' for f in files)} and {out_dir}/manifest.json "
        f"in {elapsed:.2f} s ({rate:,.0f} users/s)",
        file=out,
    )
    if w.report is not None:
        print(report_summary(w.report), end="", file=out)
    return 0


def _archetype_order(item: tuple[str, int]) -> int:
    return ARCHETYPES.index(item[0]) if item[0] in ARCHETYPES else len(ARCHETYPES)


def _detect(args: argparse.Namespace, out: TextIO) -> int:
    t0 = time.monotonic()
    path = Path(args.path)
    det = detect(path, end_date=args.end_date)
    is_db = not path.is_dir()
    out_dir = Path(args.out) if args.out is not None else (path.parent if is_db else path)
    database = path if is_db else None
    written = det.write(out_dir, overwrite=args.overwrite, database=database)
    elapsed = time.monotonic() - t0
    if args.quiet:
        return 0
    print(det.summary(), end="", file=out)
    names = [f"{p}/*.parquet" if p.name == "features" else str(p) for p in written]
    table = f" and the persona_assignments table in {path}" if is_db else ""
    print(f"  wrote {', '.join(names)}{table} in {elapsed:.2f} s", file=out)
    return 0


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    report = validate(args.path, examples=args.examples)
    if args.json == "-":
        print(report.to_json(), end="", file=out)
    elif args.json:
        report.to_json(args.json)
    if not args.quiet and args.json != "-":
        print(report.summary(), end="", file=out)
    return 0 if report.ok else EXIT_INVALID


def _load(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    t0 = time.monotonic()
    try:
        result = load(args.source, args.db)
    except InvalidDataError as e:
        n = e.report.get("failures", len(e.errors))
        print(f"spendsense-gen: error: {e.path}: {n} problem(s) in the data; nothing was loaded", file=err)
        print(e.summary, end="", file=err)
        return EXIT_INVALID
    if not args.quiet:
        rows = ", ".join(f"{n:,} {t}" for t, n in result.rows.items())
        made = "created" if result.created else "added to"
        print(
            f"loaded {rows} from {args.source}; {made} {args.db} in {time.monotonic() - t0:.2f} s", file=out
        )
    return 0


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        require_matplotlib()
    except ImportError as e:
        print(f"spendsense-gen: error: {e}", file=err)
        return EXIT_ERROR
    t0 = time.monotonic()
    path = write_report(args.path, args.out, overwrite=args.overwrite)
    if not args.quiet:
        size = path.stat().st_size / 1024
        print(f"wrote {path} ({size:,.0f} KiB) in {time.monotonic() - t0:.2f} s", file=out)
    return 0


def main(argv: Optional[Sequence[str]] = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Run the command line; returns the exit code."""
    try:
        args = _parser().parse_args(argv)
    except _UsageError as e:
        print(f"spendsense-gen: error: {e}", file=err)
        return EXIT_ERROR
    try:
        if args.command == "generate":
            return _generate(args, out, err)
        if args.command == "detect":
            return _detect(args, out)
        if args.command == "validate":
            return _validate(args, out)
        if args.command == "load":
            return _load(args, out, err)
        if args.command == "report":
            return _report(args, out, err)
        if args.command == "config":
            print(json.dumps(resolve_config(_config(args)), indent=2), file=out)
            return 0
    except SpendSenseError as e:
        flag = FLAGS.get(getattr(e, "parameter", "").split(".counts")[0].split(".shares")[0])
        hint = f" [{flag}]" if flag else ""
        print(f"spendsense-gen: error: {e}{hint}", file=err)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`spendsense-gen config --show | head`): not an error.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("spendsense-gen: interrupted; no partial output was left behind", file=err)
        return EXIT_INTERRUPTED
    return EXIT_ERROR  # pragma: no cover - argparse requires a command
