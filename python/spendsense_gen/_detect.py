"""Persona detection: behavioural signals per user and window, persona assignments, and the
fidelity report that holds them against the labels."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from . import _core
from .errors import InvalidParameterError

if TYPE_CHECKING:  # numpy is imported when columns are first read: the CLI does not need it
    import numpy as np

    from ._dataset import Dataset

PathLikeStr = Union[str, "PathLike[str]"]

WINDOWS: tuple[int, ...] = (30, 180)
"""The detector's windows, in days, ending on the data's last day."""

FAMILIES: tuple[str, ...] = ("subscriptions", "savings", "credit", "income", "cash_flow")
"""The five signal families (one Parquet file each, and the prefixes of :meth:`Detection.signals`)."""

FEATURE_TABLES: tuple[str, ...] = (*FAMILIES, "persona_assignments")
"""Every table the detector writes to ``features/*.parquet``."""


def columns_to_numpy(raw: Mapping[str, Any], kinds: Mapping[str, str]) -> dict[str, np.ndarray]:
    """Columns from the Rust core as NumPy arrays: text as ``object`` arrays of ``str``/``None``,
    dates as ``datetime64[D]``, numbers as they come (``float64`` dollars, ``int64``, ``bool``)."""
    import numpy as np

    cols: dict[str, np.ndarray] = {}
    for col, values in raw.items():
        kind = kinds[col]
        if kind == "text":
            assert isinstance(values, np.ndarray) and values.dtype == object
            cols[col] = values
        elif kind == "date":
            assert isinstance(values, np.ndarray)
            cols[col] = values.view("datetime64[D]")
        else:
            assert isinstance(values, np.ndarray)
            cols[col] = values
    return cols


def check_window(window: object) -> int:
    """``window`` if it is one of :data:`WINDOWS`, else :class:`InvalidParameterError`."""
    if isinstance(window, bool) or not isinstance(window, int) or window not in WINDOWS:
        raise InvalidParameterError(
            f"invalid window: {window!r} is not a detector window (allowed: 30 or 180)",
            "window",
            "30 or 180",
        )
    return window


def _end_date(end_date: Union[str, date, None]) -> Optional[str]:
    if end_date is None or isinstance(end_date, str):
        return end_date
    if isinstance(end_date, date):
        return end_date.isoformat()
    raise InvalidParameterError(
        f"invalid end_date: {end_date!r} is not a date (allowed: YYYY-MM-DD or a datetime.date)",
        "end_date",
        "YYYY-MM-DD or a datetime.date",
    )


def report_summary(report: Mapping[str, Any]) -> str:
    """The readable summary of a validation report (what the CLI prints)."""
    return _core.report_summary(json.dumps(report))


class Detection:
    """The detector's result on one dataset.

    Signals are computed for every user over two windows (30 and 180 days) ending on the data's
    last day; personas are assigned by the SpendSense rules to consenting users (users without
    consent get signals and ``detected``, but no persona). The report compares detected personas
    with the ``user_labels`` ground truth when the data has it.

    Columns are dicts of NumPy arrays: money as ``float64`` dollars, ``NaN`` where a signal does
    not exist (no savings balance to grow from, no expenses...), counts as ``int64``, flags as
    ``bool``, text as ``object`` arrays (``None`` for null).

    Get one with :func:`spendsense_gen.detect` or :meth:`Dataset.detect`.
    """

    def __init__(self, core: _core.CoreDetection) -> None:
        self._core = core
        self._cache: dict[str, dict[str, np.ndarray]] = {}
        self._report: Optional[dict[str, Any]] = None

    @property
    def n_users(self) -> int:
        """Number of users."""
        return self._core.n_users

    @property
    def end_date(self) -> date:
        """The last day of both windows."""
        return date.fromisoformat(self._core.end_date)

    @property
    def windows(self) -> tuple[int, ...]:
        """The windows, in days: ``(30, 180)``."""
        return WINDOWS

    @property
    def report(self) -> dict[str, Any]:
        """The validation report (as written to ``validation_report.json``): persona counts,
        agreement with the labels, confusion per persona, edge cases, coverage and ``targets``."""
        if self._report is None:
            self._report = json.loads(self._core.report_json())
        return self._report

    def summary(self) -> str:
        """The report in a few readable lines (what ``spendsense-gen`` prints)."""
        return self._core.summary()

    def _table(self, name: str) -> dict[str, np.ndarray]:
        if name not in self._cache:
            kinds = {c[0]: c[1] for c in self._core.columns(name)}
            self._cache[name] = columns_to_numpy(self._core.table(name), kinds)
        return self._cache[name]

    def signals(self, window: int = 180) -> dict[str, np.ndarray]:
        """Every signal for one window (30 or 180 days), one row per user in user order:
        ``user_id`` and each family's columns prefixed by the family, e.g.
        ``credit_max_utilization``, ``income_buffer_months``, ``cash_flow_days_below_100``.

        Raises:
            InvalidParameterError: ``window`` is not 30 or 180.
        """
        key = f"signals:{check_window(window)}"
        if key not in self._cache:
            kinds = {c[0]: c[1] for c in self._core.signal_columns()}
            self._cache[key] = columns_to_numpy(self._core.signals(window), kinds)
        return self._cache[key]

    def personas(self) -> dict[str, np.ndarray]:
        """The ``persona_assignments`` table, both windows (rows by user, then window):
        ``user_id``, ``window_days``, ``consent``, ``status`` (assigned, no_persona,
        no_consent), ``personas`` (comma-joined in canonical order; empty without consent),
        ``primary_persona`` (``None`` without one), ``detected`` (what the rules found, consent
        or not), ``rationale`` and ``criteria`` (JSON text of the figures each rule used)."""
        return self._table("persona_assignments")

    def features(self, family: str) -> dict[str, np.ndarray]:
        """One signal family's table, both windows, as in ``features/{family}.parquet``:
        ``user_id``, ``window_days`` and the family's signals (unprefixed).

        Raises:
            InvalidParameterError: ``family`` is not one of :data:`FAMILIES`.
        """
        if family not in FAMILIES:
            raise InvalidParameterError(
                f"invalid family: unknown family {family!r} (allowed: {', '.join(FAMILIES)})",
                "family",
                ", ".join(FAMILIES),
            )
        return self._table(family)

    def to_pandas(self, table: str = "signals", window: Optional[int] = None) -> Any:
        """A ``pandas.DataFrame``: ``"signals"`` (one row per user for ``window``, default 180),
        ``"personas"`` (the assignments), or a family name (its feature table). For the last two,
        ``window`` keeps that window's rows only.

        Requires pandas (``pip install 'spendsense-gen[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas() needs pandas: pip install 'spendsense-gen[pandas]'") from e
        if table == "signals":
            return pd.DataFrame(self.signals(180 if window is None else window))
        if table in ("personas", "persona_assignments"):
            cols = self.personas()
        elif table in FAMILIES:
            cols = self.features(table)
        else:
            allowed = "signals, personas, " + ", ".join(FAMILIES)
            raise InvalidParameterError(
                f"invalid table: unknown table {table!r} (allowed: {allowed})", "table", allowed
            )
        df = pd.DataFrame(cols)
        if window is not None:
            df = df[df["window_days"] == check_window(window)].reset_index(drop=True)
        return df

    def write(
        self, out_dir: PathLikeStr, overwrite: bool = False, *, database: Optional[PathLikeStr] = None
    ) -> list[Path]:
        """Write ``features/*.parquet`` (one file per signal family plus
        ``persona_assignments``) and ``validation_report.json`` into ``out_dir``; with
        ``database``, also add the ``persona_assignments`` table to that SQLite file.

        Every target is checked before anything is written; the files are written atomically
        and the table inside one transaction. Returns the paths written.

        Raises:
            OutputExistsError: a file, or the table, exists and ``overwrite`` is False.
            OutputError: something could not be written.
        """
        db = None if database is None else os.fspath(database)
        return [Path(p) for p in self._core.write(os.fspath(out_dir), overwrite, db)]

    def __repr__(self) -> str:
        return f"<spendsense_gen.Detection {self.n_users} users, windows {WINDOWS} to {self.end_date}>"


def detect(
    source: Union[Dataset, PathLikeStr],
    end_date: Union[str, date, None] = None,
) -> Detection:
    """Run the persona detector.

    Args:
        source: a :class:`Dataset`, or the path of a SQLite database, a CSV folder or a Parquet
            folder as ``spendsense-gen`` writes them (which may hold your own data in that
            schema). The detector reads the five tables only, so all of them give the same result
            for the same data.
        end_date: last day of both windows, ``YYYY-MM-DD`` or a ``date`` (default: the
            dataset's end date, or a database's ``metadata`` end date; else the latest
            transaction date).

    Raises:
        InvalidParameterError: a missing path, a folder that is not a dataset, a table that is
            missing or a cell that cannot be read (its file and line are named), a bad
            ``end_date``.
    """
    from ._dataset import Dataset

    end = _end_date(end_date)
    if isinstance(source, Dataset):
        if end is None:
            return source.detect()
        return Detection(_core.detect_dataset(source._core, end))
    if isinstance(source, (str, PathLike)):
        return Detection(_core.detect_path(os.fspath(source), end))
    raise InvalidParameterError(
        f"invalid source: {type(source).__name__} is not a Dataset or a path "
        "(allowed: a Dataset, a SQLite database path or a CSV or Parquet folder path)",
        "source",
        "a Dataset, a SQLite database path or a CSV or Parquet folder path",
    )


__all__: Sequence[str] = [
    "Detection",
    "detect",
    "WINDOWS",
    "FAMILIES",
    "FEATURE_TABLES",
]
