"""Checking data and loading it: :func:`validate` and :func:`load`.

Both read the same kinds of source as the detector: a SQLite database, a folder of CSV files
(``users.csv``, ``accounts.csv``, ...), a folder of Parquet files (``users.parquet``, ...; a
finding's ``rowid`` is then the row's number in its file, from 1) or a ``users.json`` document,
in the spendsense-gen schema. The work is done in Rust; this module only converts arguments and results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Optional, Union

from . import _core
from .errors import InvalidDataError, OutputError

PathLike = Union[str, "os.PathLike[str]"]

#: The rules, in report order. ``load`` enforces the first seven (integrity); ``validate`` all.
RULES: tuple[str, ...] = (
    "readable",
    "columns",
    "required",
    "type",
    "primary_key",
    "foreign_key",
    "enum",
    "date_range",
    "sign",
    "pairing",
    "balance",
    "statement",
    "last_payment",
    "consent",
    "labels",
    "persona_coverage",
)


@dataclass(frozen=True)
class Finding:
    """One failure: the rule it broke, where (table and CSV line, SQLite rowid, Parquet row number
    in ``rowid``, or JSON path), the field, the value, and why."""

    rule: str
    table: Optional[str]
    location: str
    field: Optional[str]
    value: Optional[str]
    message: str
    line: Optional[int] = None
    rowid: Optional[int] = None
    path: Optional[str] = None

    @classmethod
    def _from(cls, d: dict[str, Any]) -> Finding:
        return cls(
            rule=d["rule"],
            table=d.get("table"),
            location=d["location"],
            field=d.get("field"),
            value=d.get("value"),
            message=d["message"],
            line=d.get("line"),
            rowid=d.get("rowid"),
            path=d.get("path"),
        )

    def __str__(self) -> str:
        where = self.location
        if self.field:
            where += f", {self.field}"
            if self.value is not None:
                where += f" = {self.value!r}"
        return f"{where}: {self.message} [{self.rule}]"


@dataclass(frozen=True)
class Check:
    """One rule's outcome: ``status`` is ``pass``, ``fail``, ``warn`` or ``skip``."""

    rule: str
    description: str
    status: str
    checked: int
    failures: int
    note: Optional[str]
    findings: tuple[Finding, ...]


class ValidationReport:
    """What :func:`validate` found. ``ok`` is true when no rule failed (warnings and skipped rules
    do not fail). ``findings`` holds up to 50 findings per rule; ``failures`` counts them all."""

    def __init__(self, report_json: str, summary: str) -> None:
        self._data: dict[str, Any] = json.loads(report_json)
        self._summary = summary
        self.checks: tuple[Check, ...] = tuple(
            Check(
                rule=c["rule"],
                description=c["description"],
                status=c["status"],
                checked=c["checked"],
                failures=c["failures"],
                note=c.get("note"),
                findings=tuple(Finding._from(f) for f in c["findings"]),
            )
            for c in self._data["checks"]
        )

    @property
    def ok(self) -> bool:
        return bool(self._data["ok"])

    @property
    def path(self) -> str:
        return str(self._data["path"])

    @property
    def source(self) -> str:
        """``sqlite``, ``csv`` or ``json``."""
        return str(self._data["source"])

    @property
    def failures(self) -> int:
        return int(self._data["failures"])

    @property
    def rows(self) -> dict[str, int]:
        """Rows read per table."""
        return dict(self._data["rows"])

    @property
    def window(self) -> Optional[dict[str, str]]:
        """``{"start_date", "end_date", "from"}``: the dates were checked against this window."""
        w = self._data.get("window")
        return dict(w) if w else None

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.checks for f in c.findings]

    def check(self, rule: str) -> Check:
        """The outcome of one rule (see :data:`RULES`)."""
        for c in self.checks:
            if c.rule == rule:
                return c
        raise KeyError(f"no rule {rule!r} (rules: {', '.join(RULES)})")

    def failed(self) -> list[str]:
        """The rules that failed."""
        return [c.rule for c in self.checks if c.status == "fail"]

    def summary(self) -> str:
        """The readable summary the CLI prints."""
        return self._summary

    def to_dict(self) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(json.dumps(self._data))
        return copy

    def to_json(self, path: Optional[PathLike] = None) -> str:
        """The report as JSON text; also written to ``path`` when given."""
        text = json.dumps(self._data, indent=2) + "\n"
        if path is not None:
            target = Path(path)
            tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
            try:
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, target)
            except OSError as e:
                tmp.unlink(missing_ok=True)
                raise OutputError(f"cannot write {target}: {e.strerror or e}", str(target)) from e
        return text

    def raise_for_failures(self) -> None:
        """Raise :class:`InvalidDataError` if any rule failed (handy in a test suite)."""
        if not self.ok:
            first = self.findings[0] if self.findings else None
            msg = f"{self.path}: {self.failures} problem(s) in the data" + (
                f"; first: {first}" if first else ""
            )
            raise InvalidDataError(msg, self.path, json.dumps(self._data), self._summary)

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    def __repr__(self) -> str:
        state = "ok" if self.ok else f"{self.failures} failures in {', '.join(self.failed())}"
        return f"<ValidationReport {self.path} ({self.source}): {state}>"


def validate(path: PathLike, *, examples: int = 5) -> ValidationReport:
    """Check a SQLite database, a CSV or Parquet folder or a ``users.json``: required fields, key uniqueness,
    foreign keys, types, the date window, Plaid's enums (account type/subtype pairs, payment
    channel, PFC primary/detailed pairs), Plaid's sign convention, paired payments and transfers,
    balances rebuilt from the transactions, statements and last payments, consent and labels.

    Problems with the data are in the report (never an exception); ``examples`` is how many
    findings per rule the summary shows. Raises :class:`InvalidParameterError` when ``path`` is
    not something that can be read.
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
        from .errors import InvalidParameterError

        raise InvalidParameterError(
            f"invalid examples: {examples!r} (allowed: an integer >= 0)", "examples", "an integer >= 0"
        )
    report_json, summary = _core.validate_path(os.fspath(path), examples)
    return ValidationReport(report_json, summary)


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load` did: rows inserted per table, and whether it created the database."""

    db: str
    created: bool
    rows: dict[str, int]


def load(
    source: PathLike,
    db: PathLike,
    *,
    progress: Optional[Callable[[int, int], object]] = None,
) -> LoadResult:
    """Load a CSV or Parquet folder or a ``users.json`` into the SQLite database ``db`` (created if
    missing).

    Rows are read a line (CSV), a row (Parquet) or a user (JSON) at a time, checked, and inserted inside one
    transaction. If any row breaks an integrity rule (missing column or value, wrong type,
    unknown enum value, duplicate id within the input or already in the database, dangling
    reference), nothing is loaded: :class:`InvalidDataError` lists the problems with their lines,
    and the database is exactly as it was (a new one is not created).
    """
    loaded = json.loads(_core.load_path(os.fspath(source), os.fspath(db), progress))
    return LoadResult(db=os.fspath(db), created=bool(loaded["created"]), rows=dict(loaded["rows"]))


__all__ = ["RULES", "Finding", "Check", "ValidationReport", "validate", "LoadResult", "load"]
