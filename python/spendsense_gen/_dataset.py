"""The Python face of a generated dataset: tables as NumPy columns, writers, pandas."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from . import _core
from ._detect import Detection, check_window, columns_to_numpy
from .errors import InvalidParameterError

if TYPE_CHECKING:  # numpy is imported when a table is first read: the CLI does not need it
    import numpy as np

PathLikeStr = Union[str, "PathLike[str]"]
Progress = Optional[Callable[[int, int], object]]

TABLES: tuple[str, ...] = ("users", "accounts", "transactions", "liabilities", "user_labels")
#: Every output format ``Dataset.write`` and ``spendsense-gen generate --format`` know.
FORMATS: tuple[str, ...] = ("sqlite", "csv", "json", "parquet", "plaid", "plaid-sandbox")
#: What is written when no format is given (the Plaid exports are opt-in).
DEFAULT_FORMATS: tuple[str, ...] = ("sqlite", "csv", "json")
ARCHETYPES: tuple[str, ...] = (
    "high_utilizer",
    "overspender",
    "variable_income",
    "subscription_heavy",
    "savings_builder",
    "cash_flow_stressed",
    "multi_persona",
    "stable",
    "edge_cases",
)
PRESETS: tuple[str, ...] = ("default", "even")


class Dataset:
    """A generated dataset. Tables are dicts of NumPy arrays, one per column.

    Numeric columns come from Rust without a copy: money as ``float64`` dollars (``NaN`` for
    null), integers as ``int64``, flags as ``bool``, dates as ``datetime64[D]`` (``NaT`` for null).
    Text columns are ``object`` arrays of ``str`` (``None`` for null).

    Use :meth:`to_sqlite`, :meth:`to_csv`, :meth:`to_json` or :meth:`write` to save it, and
    :meth:`to_pandas` for DataFrames. :meth:`signals`, :meth:`personas` and
    :meth:`validation_report` run the persona detector on its tables (see :meth:`detect`).
    """

    def __init__(self, core: _core.CoreDataset) -> None:
        self._core = core
        self._cache: dict[str, dict[str, np.ndarray]] = {}
        self._detection: Optional[Detection] = None
        self._report_json: Optional[str] = None

    # -- description -------------------------------------------------------------------------
    @property
    def n_users(self) -> int:
        """Number of users."""
        return self._core.n_users

    @property
    def shard(self) -> Optional[tuple[int, int]]:
        """``(k, n)`` when this is shard k of n of a run (see :func:`generate`), else None."""
        return self._core.shard

    @property
    def user_range(self) -> range:
        """The user indexes held: ``range(n_users)`` of the run, or the shard's part of it."""
        start, stop = self._core.user_range
        return range(start, stop)

    @property
    def config(self) -> dict[str, Any]:
        """The effective configuration (mix resolved to exact counts); feeding it back to
        :func:`spendsense_gen.generate` as ``config=`` reproduces this dataset."""
        result: dict[str, Any] = json.loads(self._core.config_json)
        return result

    @property
    def seed(self) -> int:
        """The seed the data was generated from."""
        return int(self.config["seed"])

    @property
    def start_date(self) -> date:
        """First simulated day."""
        return date.fromisoformat(self._core.start_date)

    @property
    def end_date(self) -> date:
        """Last simulated day (every date in the data is on or before it)."""
        return date.fromisoformat(self._core.end_date)

    @property
    def table_names(self) -> tuple[str, ...]:
        """The five table names, in write order."""
        return TABLES

    def summary(self) -> dict[str, Any]:
        """Row counts per table, users per archetype, consent split and the date range."""
        return self._core.summary()

    def __repr__(self) -> str:
        rows = self.summary()["rows"]
        return (
            f"<spendsense_gen.Dataset {self.n_users} users, seed {self.seed}, "
            f"{self.start_date}..{self.end_date}, {rows['transactions']} transactions>"
        )

    # -- tables --------------------------------------------------------------------------------
    def table(self, name: str) -> dict[str, np.ndarray]:
        """One table as ``{column: numpy array}`` (cached after the first call), ready for
        ``pandas.DataFrame(...)``. For Arrow, polars and DuckDB use :meth:`arrow` (or
        :meth:`to_arrow`, :meth:`to_polars`): they read a dict as NumPy columns, with a copy, and
        DuckDB rejects ``datetime64[D]`` dates."""
        if name not in self._cache:
            kinds = {c[0]: c[1] for c in self._core.columns(name)}
            self._cache[name] = Columns(columns_to_numpy(self._core.table(name), kinds), self, name)
        return self._cache[name]

    def arrow(self, name: str) -> Any:
        """One table as an Arrow table built in Rust and exported through the Arrow PyCapsule
        interface (``__arrow_c_stream__``): ``pyarrow.table(ds.arrow("transactions"))``,
        ``polars.DataFrame(...)`` or DuckDB (``duckdb.sql("select * from t")`` with
        ``t = ds.arrow(...)``) take it without a copy. Dates are ``date32``, dollars ``float64``,
        flags ``bool``. Needs none of those libraries itself."""
        return self._core.arrow_table(name)

    def to_arrow(self, name: str) -> Any:
        """One table as a ``pyarrow.Table`` (needs pyarrow: ``pip install pyarrow``)."""
        try:
            import pyarrow as pa
        except ImportError as e:
            raise ImportError("to_arrow() needs pyarrow: pip install pyarrow") from e
        return pa.table(self.arrow(name))

    def to_polars(self, name: str) -> Any:
        """One table as a ``polars.DataFrame`` (needs polars: ``pip install polars``)."""
        try:
            import polars as pl
        except ImportError as e:
            raise ImportError("to_polars() needs polars: pip install polars") from e
        return pl.DataFrame(self.arrow(name))

    @property
    def tables(self) -> dict[str, dict[str, np.ndarray]]:
        """Every table: ``{table: {column: array}}``."""
        return {t: self.table(t) for t in TABLES}

    @property
    def users(self) -> dict[str, np.ndarray]:
        """The ``users`` table."""
        return self.table("users")

    @property
    def accounts(self) -> dict[str, np.ndarray]:
        """The ``accounts`` table."""
        return self.table("accounts")

    @property
    def transactions(self) -> dict[str, np.ndarray]:
        """The ``transactions`` table."""
        return self.table("transactions")

    @property
    def liabilities(self) -> dict[str, np.ndarray]:
        """The ``liabilities`` table."""
        return self.table("liabilities")

    @property
    def user_labels(self) -> dict[str, np.ndarray]:
        """The ``user_labels`` table (ground truth: archetype, personas, edge case)."""
        return self.table("user_labels")

    def to_pandas(self, table: Optional[str] = None) -> Any:
        """A ``pandas.DataFrame`` of one table, or a dict of all five when ``table`` is None.

        The columns are those of :meth:`table`: ``float64`` dollars, ``datetime64`` dates,
        ``bool`` flags and text (pandas' ``str`` dtype in pandas 3, ``object`` before; a column
        with no value at all stays ``object`` of ``None``). With pandas 3 and pyarrow installed,
        the text comes from the Arrow export (:meth:`arrow`), which pandas takes as it is: the
        same frame, 2-4 times sooner than from Python strings.

        Requires pandas (``pip install 'spendsense-gen[pandas]'``).
        """
        try:
            import pandas as pd
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas() needs pandas: pip install 'spendsense-gen[pandas]'") from e
        if table is None:
            return {t: self.to_pandas(t) for t in TABLES}
        if _pandas_takes_arrow_strings(pd):
            return self._pandas_via_arrow(table)
        return pd.DataFrame(self.table(table))

    def _pandas_via_arrow(self, name: str) -> Any:
        """:meth:`to_pandas` through Arrow, with the dtypes of the NumPy path."""
        import pandas as pd

        df = self.to_arrow(name).to_pandas(date_as_object=False)
        columns = self._core.columns(name)
        for col, kind, _ in columns:
            if kind == "date":
                df[col] = df[col].astype("datetime64[s]")
            elif kind == "text" and df[col].isna().all():
                df[col] = pd.Series([None] * len(df), dtype=object, index=df.index)
        return df

    # -- persona detection ---------------------------------------------------------------------
    def detect(self) -> Detection:
        """Run the persona detector on this dataset's tables (cached after the first call).

        The windows end on the last transaction date; use
        ``spendsense_gen.detect(dataset, end_date=...)`` for another end date.
        """
        if self._detection is None:
            self._detection = Detection(_core.detect_dataset(self._core, None))
        return self._detection

    def signals(self, window: int = 180) -> dict[str, np.ndarray]:
        """Every detector signal for one window (30 or 180 days), one row per user:
        ``user_id`` and each family's columns prefixed by the family (``credit_max_utilization``,
        ``income_buffer_months``...). See :meth:`Detection.signals`.

        Raises:
            InvalidParameterError: ``window`` is not 30 or 180.
        """
        return self.detect().signals(check_window(window))

    def personas(self) -> dict[str, np.ndarray]:
        """The detector's ``persona_assignments`` table, both windows. See
        :meth:`Detection.personas`."""
        return self.detect().personas()

    def validation_report(self) -> dict[str, Any]:
        """The detector's validation report (as written to ``validation_report.json``)."""
        if self._detection is not None:
            return self._detection.report
        if self._report_json is None:
            return self.detect().report
        result: dict[str, Any] = json.loads(self._report_json)
        return result

    # -- report --------------------------------------------------------------------------------
    def report(self, path: PathLikeStr = "report.html", overwrite: bool = False) -> Path:
        """Write a self-contained HTML report of this dataset to ``path`` and return the path:
        summary, archetype and persona distributions, label-vs-detected matrices per window,
        checking-balance trajectories per archetype, spending by category, persona rates by age
        bracket and region, every validation check and the edge cases. Plots are inline SVG; the
        page loads nothing from the network. The same page as ``spendsense-gen report`` on the
        folder :meth:`write` makes.

        Requires matplotlib (``pip install 'spendsense-gen[report]'``).

        Raises:
            ImportError: matplotlib is not installed.
            OutputExistsError: ``path`` exists and ``overwrite`` is False.
        """
        from ._report import write_report

        return write_report(self, path, overwrite=overwrite)

    # -- writers -------------------------------------------------------------------------------
    def to_sqlite(self, path: PathLikeStr, overwrite: bool = False) -> Path:
        """Write a SQLite database: the five tables and the detector's ``persona_assignments``
        (atomically: a temporary file renamed into place)."""
        self._core.write_sqlite(path, overwrite)
        return Path(path)

    def to_csv(self, directory: PathLikeStr, overwrite: bool = False) -> Path:
        """Write one CSV per table into ``directory`` (created; replaced whole if ``overwrite``,
        which is refused with :class:`OutputError` when it holds anything but those CSV files)."""
        self._core.write_csv(directory, overwrite)
        return Path(directory)

    def to_json(self, path: PathLikeStr, overwrite: bool = False) -> Path:
        """Write every user, nested with accounts, transactions and liabilities, to one JSON file."""
        self._core.write_json(path, overwrite)
        return Path(path)

    def write(
        self,
        out_dir: PathLikeStr = "data",
        formats: Iterable[str] = DEFAULT_FORMATS,
        overwrite: bool = False,
        progress: Progress = None,
    ) -> dict[str, Any]:
        """Write ``formats`` into ``out_dir`` with their default names (``spendsense.db``, ``csv/``,
        ``users.json``; opt-in: ``plaid/<user_id>/*_get.json`` Plaid API response bodies and
        ``plaid_sandbox/<user_id>.json`` Plaid Sandbox custom users), the persona detector's
        outputs (``features/*.parquet``, ``validation_report.json`` and, with sqlite, the
        ``persona_assignments`` table in the database) and ``manifest.json`` with a SHA-256 of
        every file; returns the manifest.

        Every target is checked before anything is written (an existing one is an error unless
        ``overwrite``); each file appears whole or not at all.
        """
        fmts = _formats(formats)
        manifest, self._report_json = self._core.write(out_dir, fmts, overwrite, progress)
        result: dict[str, Any] = json.loads(manifest)
        return result


def _pandas_takes_arrow_strings(pd: Any) -> bool:
    """pandas 3 or later, with pyarrow installed: its ``str`` dtype then stores Arrow strings."""
    import importlib.util

    major = int(str(pd.__version__).split(".")[0])
    return major >= 3 and importlib.util.find_spec("pyarrow") is not None


def _formats(formats: Union[str, Iterable[str]]) -> list[str]:
    if isinstance(formats, str):
        formats = [f.strip() for f in formats.split(",") if f.strip()]
    out = list(formats)
    for f in out:
        if f not in FORMATS:
            raise InvalidParameterError(
                f"invalid formats: unknown format {f!r} (allowed: {', '.join(FORMATS)})",
                "formats",
                ", ".join(FORMATS),
            )
    if not out:
        raise InvalidParameterError(
            f"invalid formats: no format given (allowed: {', '.join(FORMATS)})",
            "formats",
            ", ".join(FORMATS),
        )
    return out


def mix_to_config(mix: Union[str, Mapping[str, Any], None]) -> Any:
    """Normalises the ``mix`` argument: a preset name, ``{"counts": ...}``, ``{"shares": ...}``,
    ``{"preset": ...}``, or a plain ``{archetype: number}`` (all ints: counts, else shares)."""
    if mix is None or isinstance(mix, str):
        return mix
    if not isinstance(mix, Mapping):
        raise InvalidParameterError(
            f"invalid mix: {mix!r} is not a preset name or a mapping (allowed: a preset "
            "(default, even), {archetype: count} or {archetype: share})",
            "mix",
            "a preset (default, even), {archetype: count} or {archetype: share}",
        )
    keys = set(mix)
    if keys and keys <= {"counts", "shares", "preset"}:
        return dict(mix)
    values = list(mix.values())
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return {"counts": dict(mix)}
    return {"shares": dict(mix)}


def build_config(
    *,
    n_users: Optional[int] = None,
    seed: Optional[int] = None,
    end_date: Union[str, date, None] = None,
    months: Optional[int] = None,
    mix: Union[str, Mapping[str, Any], None] = None,
    consent_ratio: Optional[float] = None,
    base: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    """The configuration tree sent to Rust: ``base`` (e.g. a config file) overridden by every
    argument that is not None."""
    cfg: dict[str, Any] = dict(base or {})
    if isinstance(end_date, date):
        end_date = end_date.isoformat()
    for key, value in (
        ("n_users", n_users),
        ("seed", seed),
        ("end_date", end_date),
        ("months", months),
        ("mix", mix_to_config(mix)),
        ("consent_ratio", consent_ratio),
    ):
        if value is not None:
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidParameterError(f"invalid {key}: {value} is not a number", key, "a finite number")
            cfg[key] = value
    return cfg


def generate(
    n_users: Optional[int] = None,
    seed: Optional[int] = None,
    end_date: Union[str, date, None] = None,
    months: Optional[int] = None,
    mix: Union[str, Mapping[str, Any], None] = None,
    consent_ratio: Optional[float] = None,
    *,
    config: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    progress: Progress = None,
    shard: Union[tuple[int, int], str, None] = None,
) -> Dataset:
    """Generate a labelled, Plaid-shaped dataset.

    The dataset is held in memory: about 40 KB per user of a 7-month run (1,000,000 users would
    need about 40 GB). For large runs use :func:`generate_to`, which streams users to files.

    Args:
        n_users: number of users, 1 to 10,000,000 (default 100, or the sum of ``mix`` counts).
        seed: any integer 0 to 2**64-1 (default 42). Same seed and configuration give the
            same bytes, whatever ``threads`` is.
        end_date: last simulated day, ``YYYY-MM-DD`` or a ``date`` (default 2025-10-31).
        months: length of the window in calendar months, 1 to 36 (default 7).
        mix: a preset (``"default"``, ``"even"``), ``{"counts": {archetype: n}}``,
            ``{"shares": {archetype: fraction}}``, or a plain ``{archetype: number}``.
            Archetypes: high_utilizer, overspender, variable_income, subscription_heavy,
            savings_builder, cash_flow_stressed, multi_persona, stable, edge_cases.
        consent_ratio: share of users with consent, 0 to 1 (default 0.9, rounded to whole users).
        config: a configuration mapping (as in a config file) the other arguments override.
        threads: worker threads (default: all cores). Never changes the output.
        progress: called as ``progress(users_done, users_total)`` between chunks.
        shard: ``(k, n)``: only shard k (0-based) of n of the run, users
            ``k * n_users // n`` to ``(k + 1) * n_users // n``, each the same bytes as in the
            whole run; the shards' tables, concatenated in order, are the whole run's.

    Raises:
        InvalidParameterError: a value is out of range (names the parameter and the range).
        UnknownKeyError: ``config`` has a key the generator does not know.
    """
    _check_threads(threads)
    text = _config_text(n_users, seed, end_date, months, mix, consent_ratio, config)
    return Dataset(_core.generate(text, threads, progress, _shard(shard)))


def _check_threads(threads: Any) -> None:
    if threads is not None and (
        not isinstance(threads, int) or isinstance(threads, bool) or not 1 <= threads <= _core.MAX_THREADS
    ):
        allowed = f"an integer from 1 to {_core.MAX_THREADS}, or None for all cores"
        raise InvalidParameterError(f"invalid threads: {threads!r} (allowed: {allowed})", "threads", allowed)


def _config_text(
    n_users: Optional[int],
    seed: Optional[int],
    end_date: Union[str, date, None],
    months: Optional[int],
    mix: Union[str, Mapping[str, Any], None],
    consent_ratio: Optional[float],
    config: Optional[Mapping[str, Any]],
) -> str:
    cfg = build_config(
        n_users=n_users,
        seed=seed,
        end_date=end_date,
        months=months,
        mix=mix,
        consent_ratio=consent_ratio,
        base=config,
    )
    try:
        return json.dumps(cfg)
    except (TypeError, ValueError) as e:
        raise InvalidParameterError(f"invalid config: {e}", "config", "JSON-compatible values") from e


class Columns(dict):  # type: ignore[type-arg]
    """A table as ``{column: numpy array}`` that also exports itself as an Arrow stream
    (``__arrow_c_stream__``, the same stream as :meth:`Dataset.arrow`) for consumers that ask
    for one, such as ``pyarrow.RecordBatchReader.from_stream``. Consumers that take dicts look
    at the dict first: ``pyarrow.table()`` and ``polars.DataFrame()`` copy the NumPy columns
    (a column of only ``None`` becomes Arrow ``null`` or polars ``Object``), and DuckDB rejects
    ``datetime64[D]``. :meth:`Dataset.arrow` is the zero-copy path for all three."""

    def __init__(self, columns: dict[str, np.ndarray], dataset: Dataset, name: str) -> None:
        super().__init__(columns)
        self._dataset = dataset
        self._name = name

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._dataset.arrow(self._name).__arrow_c_stream__(requested_schema)


@dataclass(frozen=True)
class Written:
    """What :func:`generate_to` wrote."""

    #: ``manifest.json`` as a dict: recipe, formats, row counts, SHA-256 of every file.
    manifest: dict[str, Any]
    #: The detector's fidelity report (``validation_report.json``); None without detection.
    report: Optional[dict[str, Any]]
    #: Users and rows written: ``users``, ``rows`` per table, ``consent_true``/``consent_false``,
    #: ``archetypes`` (users per archetype).
    tally: dict[str, Any]


def generate_to(
    out_dir: PathLikeStr = "data",
    formats: Union[str, Iterable[str]] = DEFAULT_FORMATS,
    n_users: Optional[int] = None,
    seed: Optional[int] = None,
    end_date: Union[str, date, None] = None,
    months: Optional[int] = None,
    mix: Union[str, Mapping[str, Any], None] = None,
    consent_ratio: Optional[float] = None,
    *,
    config: Optional[Mapping[str, Any]] = None,
    threads: Optional[int] = None,
    shard: Union[tuple[int, int], str, None] = None,
    detect: bool = True,
    overwrite: bool = False,
    progress: Progress = None,
) -> Written:
    """Generate a dataset straight into ``out_dir``, for runs too large to hold in memory.

    Users are simulated in chunks, each chunk written to every format (and the detector's
    outputs) and dropped, so memory stays flat however many users there are. The files are the
    same bytes as ``generate(...).write(out_dir, formats)``. Arguments are those of
    :func:`generate` and :meth:`Dataset.write`; ``progress`` is called as
    ``progress(users_done, users_total)``. With ``detect=False`` the persona detector does not
    run (no ``features/``, ``validation_report.json`` or ``persona_assignments``; ``report`` is
    None): for pure data generation at scale, where the detector adds about a quarter to the run
    (``benchmarks/README.md``).
    """
    _check_threads(threads)
    text = _config_text(n_users, seed, end_date, months, mix, consent_ratio, config)
    manifest, report, tally = _core.write_stream(
        text, out_dir, _formats(formats), overwrite, threads, _shard(shard), progress, detect
    )
    return Written(json.loads(manifest), json.loads(report), json.loads(tally))


def _shard(shard: Any) -> Optional[tuple[int, int]]:
    """``(k, n)`` or ``"k/n"`` as a pair of ints; the range against n_users is checked in Rust."""
    if shard is None:
        return None
    allowed = "(k, n) or 'k/n' with 0 <= k < n <= n_users"
    if isinstance(shard, str):
        parts = shard.split("/")
        if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
            return int(parts[0]), int(parts[1])
    elif (
        isinstance(shard, (tuple, list))
        and len(shard) == 2
        and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in shard)
    ):
        return int(shard[0]), int(shard[1])
    raise InvalidParameterError(f"invalid shard: {shard!r} (allowed: {allowed})", "shard", allowed)


def resolve_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a configuration mapping and return the effective one (defaults filled in, mix
    resolved to exact counts)."""
    result: dict[str, Any] = json.loads(_core.resolve_config(json.dumps(dict(config))))
    return result


def read_config_file(path: PathLikeStr) -> dict[str, Any]:
    """Read a TOML (``.toml``) or JSON configuration file into a mapping (not yet validated)."""
    result: dict[str, Any] = json.loads(_core.read_config_file(path))
    return result


__all__: Sequence[str] = [
    "Dataset",
    "generate",
    "resolve_config",
    "read_config_file",
    "TABLES",
    "DEFAULT_FORMATS",
    "FORMATS",
    "Written",
    "Columns",
    "generate_to",
    "ARCHETYPES",
    "PRESETS",
]
