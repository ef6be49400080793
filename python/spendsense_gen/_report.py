"""A visual report of a dataset: one self-contained ``report.html`` with plots and tables.

``spendsense-gen report [DATA_DIR]`` and :meth:`Dataset.report` both come here. Either source is
first turned into the same inputs (:class:`ReportInputs`: the tables as ``{column: numpy array}``,
the persona assignments, the detector's report and the ``validate`` report), and one renderer
builds the page from them, so a folder and the in-memory dataset it was written from give the same
report.

The page needs nothing but itself: plots are SVG images inlined as ``data:`` URIs, the style sheet
is inline, there is no script, and a Content-Security-Policy forbids loading anything else. Plots
need matplotlib (``pip install 'spendsense-gen[report]'``); nothing else beyond NumPy.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Union

from . import _core
from .errors import InvalidParameterError, OutputError, OutputExistsError

if TYPE_CHECKING:  # numpy and matplotlib are imported when a report is built
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._dataset import Dataset
    from ._validate import ValidationReport

PathLikeStr = Union[str, "os.PathLike[str]"]
Table = dict[str, "np.ndarray"]

#: How to get the plotting library the report needs.
INSTALL_HINT = "pip install 'spendsense-gen[report]'"
REPORT_NAME = "report.html"

PERSONAS: tuple[str, ...] = (
    "high_utilization",
    "variable_income",
    "subscription_heavy",
    "savings_builder",
    "cash_flow_stressed",
)
SHORT = {
    "high_utilization": "HU",
    "variable_income": "VI",
    "subscription_heavy": "SH",
    "savings_builder": "SB",
    "cash_flow_stressed": "CFS",
}
AGE_BRACKETS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
REGIONS = ("urban", "suburban", "rural")
WINDOWS = (30, 180)
# Money that moves between a user's own accounts or comes in is not spending.
NOT_SPEND_PRIMARY = frozenset({"INCOME", "TRANSFER_IN", "TRANSFER_OUT"})
NOT_SPEND_DETAILED = frozenset({"LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"})
TOP_CATEGORIES = 9
#: Users per archetype whose checking balances go into the trajectory plot (the first ones).
TRAJECTORY_USERS = 2000

# The columns the report reads, with the generator's column kinds.
COLUMNS: dict[str, dict[str, str]] = {
    "users": {"user_id": "text", "consent_status": "bool", "age_bracket": "text", "region": "text"},
    "accounts": {
        "account_id": "text",
        "user_id": "text",
        "type": "text",
        "subtype": "text",
        "balance_current": "money",
        "balance_limit": "money",
    },
    "user_labels": {"user_id": "text", "archetype": "text", "personas": "text", "edge_case": "text"},
    "persona_assignments": {
        "user_id": "text",
        "window_days": "int",
        "consent": "bool",
        "status": "text",
        "personas": "text",
        "detected": "text",
    },
}


def require_matplotlib() -> None:
    """Raise ``ImportError`` saying how to install matplotlib when it cannot be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as e:
        raise ImportError(f"the report needs matplotlib, which is not installed: {INSTALL_HINT}") from e


# -- inputs ------------------------------------------------------------------------------------
@dataclass
class Spend:
    """Posted spending per calendar month and PFC primary category, in cents."""

    #: ``YYYY-MM``, in order.
    months: list[str]
    #: PFC primary categories, the largest total first.
    categories: list[str]
    #: ``cents[category, month]``.
    cents: np.ndarray


@dataclass
class Balances:
    """End-of-day posted checking balances (dollars) of the users drawn, per archetype."""

    #: Every day of the data's window.
    days: np.ndarray
    #: ``(archetype, balances[account, day])``, archetypes in the generator's order.
    groups: list[tuple[str, np.ndarray]]
    #: Whether an archetype had more than :data:`TRAJECTORY_USERS` checking accounts.
    capped: bool


@dataclass
class ReportInputs:
    """Everything the page is built from, whatever the source."""

    #: What was read, in words (``data/spendsense.db``, ``a Dataset in memory``).
    source: str
    #: ``generator``, ``version``, ``seed``, ``start_date``, ``end_date``, ``consent_ratio``,
    #: ``mix`` (when known) and ``rows`` (rows per table).
    info: dict[str, Any]
    users: Table
    accounts: Table
    labels: Table
    #: Posted spending by month and category (:func:`monthly_spend`).
    spend: Spend
    #: Checking balances of the users drawn per archetype (:func:`checking_balances`).
    balances: Balances
    #: ``persona_assignments``, both windows.
    personas: Table
    #: The detector's report (``validation_report.json``).
    detector: dict[str, Any]
    #: ``spendsense_gen.validate`` on the data.
    checks: Optional[ValidationReport]


def _select(table: Mapping[str, np.ndarray], name: str) -> Table:
    return {c: table[c] for c in COLUMNS[name]}


def inputs_from_dataset(ds: Dataset) -> ReportInputs:
    """The report's inputs from a generated :class:`Dataset` (validated through a temporary
    SQLite copy, which is what ``validate`` reads)."""
    from ._validate import validate

    summary = ds.summary()
    cfg = ds.config
    info: dict[str, Any] = {
        "generator": "spendsense-gen",
        "version": _core.__version__,
        "seed": ds.seed,
        "start_date": ds.start_date.isoformat(),
        "end_date": ds.end_date.isoformat(),
        "consent_ratio": cfg.get("consent_ratio"),
        "mix": cfg.get("mix"),
        "rows": dict(summary["rows"]),
    }
    if ds.shard is not None:
        info["shard"] = f"{ds.shard[0]}/{ds.shard[1]}"
    accounts = _select(ds.accounts, "accounts")
    labels = _select(ds.user_labels, "user_labels")
    with tempfile.TemporaryDirectory(prefix="spendsense-report-") as tmp:
        db = Path(tmp) / "spendsense.db"
        ds.to_sqlite(db)
        checks = validate(db)
        # The transactions are summed by SQLite, as for a data folder (same figures, same page).
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            lo, hi = _window_bounds(info["start_date"], info["end_date"])
            spend = monthly_spend(con)
            balances = checking_balances(con, accounts, labels, lo, hi)
        finally:
            con.close()
    return ReportInputs(
        source="a Dataset in memory",
        info=info,
        users=_select(ds.users, "users"),
        accounts=accounts,
        spend=spend,
        balances=balances,
        labels=labels,
        personas=_select(ds.personas(), "persona_assignments"),
        detector=ds.validation_report(),
        checks=checks,
    )


def _to_numpy(values: Sequence[Any], kind: str) -> np.ndarray:
    import numpy as np

    if kind == "text":
        arr = np.empty(len(values), dtype=object)
        arr[:] = list(values)
        return arr
    if kind == "date":
        return np.array(["NaT" if v is None else v for v in values], dtype="datetime64[D]")
    if kind in ("money", "float"):
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if kind == "bool":
        return np.array([bool(v) for v in values], dtype=bool)
    return np.array(values, dtype=np.int64)


def _read_sqlite_table(con: sqlite3.Connection, name: str) -> Table:
    kinds = COLUMNS[name]
    cols = ", ".join(kinds)  # fixed names from COLUMNS, never from the data
    rows = con.execute(f"SELECT {cols} FROM {name} ORDER BY rowid").fetchall()
    columns = list(zip(*rows)) if rows else [() for _ in kinds]
    return {c: _to_numpy(v, k) for (c, k), v in zip(kinds.items(), columns)}


def _has_table(con: sqlite3.Connection, name: str) -> bool:
    row = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None


def _find_source(path: Path) -> tuple[Optional[Path], Optional[Path], Path]:
    """``(database, other source, folder)`` of a data folder, a database file, a ``users.json`` or
    a CSV or Parquet folder (the other source is loaded into a temporary database)."""
    if path.is_file():
        with path.open("rb") as f:
            head = f.read(16)
        if head == b"SQLite format 3\x00":
            return path, None, path.parent
        if head.lstrip()[:1] == b"{":
            return None, path, path.parent
        raise InvalidParameterError(
            f"invalid path: {path} is neither a SQLite database nor a users.json",
            "path",
            "a folder written by spendsense-gen generate, a SQLite database, a users.json "
            "or a CSV or Parquet folder",
        )
    if not path.is_dir():
        raise InvalidParameterError(
            f"invalid path: {path} does not exist (run spendsense-gen generate first, or give a data folder)",
            "path",
            "a folder written by spendsense-gen generate, a SQLite database or a CSV or Parquet folder",
        )
    if (path / "spendsense.db").is_file():
        return path / "spendsense.db", None, path
    for sub, first in (("csv", "users.csv"), ("parquet", "users.parquet")):
        if (path / sub / first).is_file():
            return None, path / sub, path
        if (path / first).is_file():
            return None, path, path
    raise InvalidParameterError(
        f"invalid path: {path} holds no spendsense.db and no CSV or Parquet tables "
        "(run spendsense-gen generate first)",
        "path",
        "a folder written by spendsense-gen generate, a SQLite database or a CSV or Parquet folder",
    )


def inputs_from_path(path: PathLikeStr) -> ReportInputs:
    """The report's inputs from a data folder (as ``spendsense-gen generate`` writes it), a SQLite
    database, a ``users.json`` or a CSV or Parquet folder. The database is preferred; the others
    are loaded into a temporary database first. The stored ``persona_assignments`` table and
    ``validation_report.json`` are used when they are there; otherwise the detector runs on the
    data."""
    from ._detect import detect
    from ._validate import load, validate

    db, csv_dir, folder = _find_source(Path(path))
    with tempfile.TemporaryDirectory(prefix="spendsense-report-") as tmp:
        if db is None:
            assert csv_dir is not None
            db = Path(tmp) / "loaded.db"
            load(csv_dir, db)
            source = str(csv_dir)
        else:
            source = str(db)
        checks = validate(csv_dir if csv_dir is not None else db)
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            tables = {t: _read_sqlite_table(con, t) for t in ("users", "accounts", "user_labels")}
            rows = {
                t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                for t in ("users", "accounts", "transactions", "liabilities", "user_labels")
            }
            meta: dict[str, str] = {}
            if _has_table(con, "metadata"):
                meta = {str(k): str(v) for k, v in con.execute("SELECT key, value FROM metadata")}
            stored = _has_table(con, "persona_assignments") and csv_dir is None
            personas = _read_sqlite_table(con, "persona_assignments") if stored else None
            manifest: dict[str, Any] = {}
            if (folder / "manifest.json").is_file():
                manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            start = meta.get("start_date", manifest.get("start_date"))
            end = meta.get("end_date", manifest.get("end_date"))
            if start is None or end is None:  # the first and last transaction dates instead
                first, last = con.execute("SELECT min(date), max(date) FROM transactions").fetchone()
                start = start if start is not None else first
                end = end if end is not None else last
            lo, hi = _window_bounds(start, end)
            spend = monthly_spend(con)
            balances = checking_balances(con, tables["accounts"], tables["user_labels"], lo, hi)
        finally:
            con.close()
        report_file = folder / "validation_report.json"
        detector: Optional[dict[str, Any]] = None
        if personas is not None and report_file.is_file():
            detector = json.loads(report_file.read_text(encoding="utf-8"))
        if personas is None or detector is None:
            det = detect(db)
            personas = _select(det.personas(), "persona_assignments")
            detector = det.report
    info: dict[str, Any] = {
        "generator": meta.get("generator", manifest.get("generator", "unknown")),
        "version": meta.get("version", manifest.get("version", "unknown")),
        "seed": meta.get("seed", manifest.get("seed", "unknown")),
        "start_date": start,
        "end_date": end,
        "consent_ratio": meta.get("consent_ratio", manifest.get("config", {}).get("consent_ratio")),
        "mix": manifest.get("config", {}).get("mix"),
        "rows": rows,
    }
    if meta.get("shard") or manifest.get("shard"):
        info["shard"] = meta.get("shard") or manifest.get("shard")
    return ReportInputs(
        source=source,
        info=info,
        users=tables["users"],
        accounts=tables["accounts"],
        spend=spend,
        balances=balances,
        labels=tables["user_labels"],
        personas=personas,
        detector=detector,
        checks=checks,
    )


# -- derived figures ---------------------------------------------------------------------------
def _split(text: Optional[str]) -> tuple[str, ...]:
    """Comma-joined personas in canonical order."""
    names = {p for p in (text or "").split(",") if p}
    return tuple(p for p in PERSONAS if p in names) + tuple(sorted(names - set(PERSONAS)))


def _label_sets(inp: ReportInputs) -> dict[str, tuple[str, ...]]:
    return {str(u): _split(p) for u, p in zip(inp.labels["user_id"], inp.labels["personas"])}


def _window_rows(inp: ReportInputs, window: int, column: str) -> dict[str, tuple[str, ...]]:
    pa = inp.personas
    return {
        str(u): _split(v) for u, w, v in zip(pa["user_id"], pa["window_days"], pa[column]) if int(w) == window
    }


def _set_name(s: Sequence[str]) -> str:
    return "+".join(SHORT.get(p, p) for p in s) if s else "none"


def _set_key(s: Sequence[str]) -> tuple[int, tuple[int, ...]]:
    return (len(s), tuple(PERSONAS.index(p) if p in PERSONAS else len(PERSONAS) for p in s))


def _window_bounds(start: Optional[str], end: Optional[str]) -> tuple[np.datetime64, np.datetime64]:
    """The days the balances are drawn for: ``start`` to ``end`` (today when there is no date)."""
    import numpy as np

    lo = np.datetime64(start, "D") if start else np.datetime64("today", "D")
    hi = np.datetime64(end, "D") if end else lo
    return lo, hi


# Amounts are summed as whole cents, so every sum is exact whatever the order of the rows.
CENTS = "CAST(round(amount * 100) AS INTEGER)"


def _indexed(con: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether an index of ``table`` starts with ``column``."""
    for row in con.execute("SELECT name FROM pragma_index_list(?)", (table,)).fetchall():
        first = con.execute("SELECT name FROM pragma_index_info(?) WHERE seqno = 0", (row[0],)).fetchone()
        if first is not None and first[0] == column:
            return True
    return False


def checking_balances(
    con: sqlite3.Connection, accounts: Table, labels: Table, lo: np.datetime64, hi: np.datetime64
) -> Balances:
    """End-of-day posted balance of the checking accounts of at most :data:`TRAJECTORY_USERS`
    users per archetype (the first ones), for every day from ``lo`` to ``hi``. Rebuilt backwards
    from ``balance_current`` (the posted balance at the end of the window): with Plaid's sign
    (positive is money out), the balance at the end of day d is the current balance plus every
    posted amount dated after d. Pending transactions are not in ``balance_current``.

    Only the drawn accounts' transactions are read (through the index on ``account_id`` when
    there is one), so memory does not grow with the data."""
    import numpy as np

    from ._dataset import ARCHETYPES

    days = np.arange(lo, hi + np.timedelta64(1, "D"))
    checking = np.flatnonzero(accounts["subtype"] == "checking")
    arch_of = {str(u): str(a) for u, a in zip(labels["user_id"], labels["archetype"])}
    archetype = np.array(
        [arch_of.get(str(u), "unlabelled") for u in accounts["user_id"][checking]], dtype=object
    )
    names = [a for a in ARCHETYPES if a in set(archetype)] + sorted(set(archetype) - set(ARCHETYPES))
    drawn = [(a, checking[np.flatnonzero(archetype == a)]) for a in names]
    capped = any(len(rows) > TRAJECTORY_USERS for _, rows in drawn)
    drawn = [(a, rows[:TRAJECTORY_USERS]) for a, rows in drawn]
    # net[i, d]: posted cents of drawn account i on days[d] (one extra day, always 0)
    order = [int(r) for _, rows in drawn for r in rows]
    slot = {str(accounts["account_id"][r]): i for i, r in enumerate(order)}
    net = np.zeros((len(order), len(days) + 1), dtype=np.int64)
    where = f"pending = 0 AND date >= '{lo}' AND date <= '{hi}'"  # dates from numpy, not from the data

    def add(i: int, date: str, cents: int) -> None:
        net[i, (np.datetime64(date, "D") - lo).astype(np.int64)] += cents

    if _indexed(con, "transactions", "account_id"):
        sql = f"SELECT date, sum({CENTS}) FROM transactions WHERE account_id = ? AND {where} GROUP BY date"
        for account, i in slot.items():
            for date, cents in con.execute(sql, (account,)):
                add(i, date, cents)
    else:  # one pass over the table, keeping the drawn accounts
        sql = (
            f"SELECT account_id, date, sum({CENTS}) FROM transactions WHERE {where} GROUP BY account_id, date"
        )
        for account, date, cents in con.execute(sql):
            i = slot.get(account, -1)
            if i >= 0:
                add(i, date, cents)
    # after[:, d] = sum of amounts on days after d
    after = np.cumsum(net[:, ::-1], axis=1)[:, ::-1][:, 1:]
    balances = accounts["balance_current"][order][:, None] + after / 100.0
    groups, at = [], 0
    for a, rows in drawn:
        groups.append((a, balances[at : at + len(rows)]))
        at += len(rows)
    return Balances(days=days, groups=groups, capped=capped)


def monthly_spend(con: sqlite3.Connection) -> Spend:
    """Posted spending per calendar month and PFC primary category. Spending is money out
    (positive amounts) that is not income, a transfer or a card payment (the card purchases are
    counted instead). Summed by SQLite in one pass over the transactions."""
    import numpy as np

    primary, detailed = sorted(NOT_SPEND_PRIMARY), sorted(NOT_SPEND_DETAILED)
    rows = con.execute(
        f"SELECT substr(date, 1, 7), pfc_primary, sum({CENTS}) FROM transactions "
        f"WHERE amount > 0 AND pending = 0 "
        f"AND pfc_primary NOT IN ({', '.join('?' * len(primary))}) "
        f"AND pfc_detailed NOT IN ({', '.join('?' * len(detailed))}) GROUP BY 1, 2",
        (*primary, *detailed),
    ).fetchall()
    month_names = sorted({str(m) for m, _, _ in rows})
    cat_names = sorted({str(c) for _, c, _ in rows})
    out = np.zeros((len(cat_names), len(month_names)), dtype=np.int64)
    mi = {m: i for i, m in enumerate(month_names)}
    ci = {c: i for i, c in enumerate(cat_names)}
    for m, c, cents in rows:
        out[ci[str(c)], mi[str(m)]] += cents
    order = np.argsort(-out.sum(axis=1), kind="stable")
    return Spend(months=month_names, categories=[cat_names[i] for i in order], cents=out[order])


def persona_shares(
    inp: ReportInputs, column: str, groups: Sequence[str], window: int = 180
) -> tuple[list[str], list[int], np.ndarray]:
    """Share of users assigned each persona (``window``) per group of ``users[column]``, the first
    row being everyone: ``(group names, users per group, shares[group, persona])``."""
    import numpy as np

    assigned = _window_rows(inp, window, "personas")
    users = inp.users
    present = [str(v) for v in users[column]]
    names = ["all users", *[g for g in groups if g in present], *sorted(set(present) - set(groups))]
    counts: list[int] = []
    shares = np.zeros((len(names), len(PERSONAS)))
    for gi, g in enumerate(names):
        members = [str(u) for u, v in zip(users["user_id"], present) if gi == 0 or v == g]
        counts.append(len(members))
        for pi, p in enumerate(PERSONAS):
            hits = sum(1 for u in members if p in assigned.get(u, ()))
            shares[gi, pi] = hits / len(members) if members else np.nan
    return names, counts, shares


# -- plots -------------------------------------------------------------------------------------
#: CSS pixels per inch: a figure ``w`` inches wide is shown ``w * 96`` px wide (SVG sizes are in
#: points, 72 to the inch), so sizes in points are shown at 4/3 px each.
CSS_DPI = 96


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _img(fig: Figure, alt: str) -> str:
    """The figure as an ``<img>`` with an inline SVG ``data:`` URI (glyphs drawn as paths, so no
    font is needed; no date or random ids, so the same data gives the same bytes)."""
    import matplotlib

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "spendsense-gen"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    width, height = (round(v * CSS_DPI) for v in fig.get_size_inches())
    return (
        f'<img class="plot" src="data:image/svg+xml;base64,{data}" width="{width}" height="{height}" '
        f'alt="{html.escape(alt)}">'
    )


def _plot_html(fig: Figure, alt: str, caption: str) -> str:
    """The figure and its caption, the caption no wider than the plot."""
    width = round(fig.get_figwidth() * CSS_DPI)
    return _figure_html(_img(fig, alt), caption, width)


def _dollars(value: float, _pos: Any = None) -> str:
    """A tick label in whole dollars: ``$1,500``, ``−$500``."""
    return f"−${-value:,.0f}" if value < -0.5 else f"${abs(value):,.0f}"


def _style_axes(ax: Axes) -> None:
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, axis="both", color="#e4e4e4", linewidth=0.6)
    ax.set_axisbelow(True)


def _bar_counts(items: Sequence[tuple[str, int]], title: str, xlabel: str) -> Figure:
    fig = _figure(6.0, 0.35 * len(items) + 1.0)
    ax = fig.subplots()
    names = [n for n, _ in items][::-1]
    values = [v for _, v in items][::-1]
    bars = ax.barh(names, values, color="#4c78a8")
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.margins(x=0.12)
    _style_axes(ax)
    return fig


def _plot_personas(rows: Sequence[tuple[str, Sequence[int]]], series: Sequence[str]) -> Figure:
    import numpy as np

    fig = _figure(6.6, 3.9)
    ax = fig.subplots()
    y = np.arange(len(rows))
    height = 0.8 / len(series)
    colors = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
    for si, name in enumerate(series):
        vals = [r[1][si] for r in rows]
        bars = ax.barh(y + (si - (len(series) - 1) / 2) * height, vals, height, label=name, color=colors[si])
        ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_yticks(y, [r[0] for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("users")
    ax.margins(x=0.1)
    fig.legend(loc="outside upper center", ncol=len(series), frameon=False)
    _style_axes(ax)
    return fig


def _plot_matrix(
    rows: Sequence[str],
    cols: Sequence[str],
    counts: np.ndarray,
    title: str,
    diagonal: Sequence[tuple[int, int]],
) -> Figure:
    import numpy as np
    from matplotlib.patches import Rectangle

    # Sized to be shown about as drawn (beside its table), so 10 pt stays 13 px on screen.
    fig = _figure(0.45 * len(cols) + 1.9, 0.36 * len(rows) + 1.7)
    ax = fig.subplots()
    shown = np.where(counts > 0, np.log1p(counts), np.nan)
    ax.imshow(shown, cmap="Blues", aspect="auto", vmin=0, vmax=max(1.0, float(np.nanmax(shown, initial=1.0))))
    ax.set_facecolor("white")
    top = float(np.nanmax(shown, initial=1.0))
    for (r, c), n in np.ndenumerate(counts):
        if n:
            dark = shown[r, c] > 0.6 * top
            ax.text(
                c, r, str(int(n)), ha="center", va="center", fontsize=10, color="white" if dark else "black"
            )
    for r, c in diagonal:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#54a24b", linewidth=1.5))
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right", rotation_mode="anchor", fontsize=10)
    ax.set_yticks(range(len(rows)), rows, fontsize=10)
    ax.set_xlabel("detected by the rules", fontsize=10)
    ax.set_ylabel("labelled (ground truth)", fontsize=10)
    ax.set_title(title, fontsize=11)
    return fig


def _plot_trajectories(
    days: np.ndarray, groups: Sequence[tuple[str, np.ndarray]], low_line: float = 100.0
) -> Figure:
    import matplotlib.dates as mdates
    import numpy as np

    ncols = 3
    nrows = max(1, -(-len(groups) // ncols))
    fig = _figure(11.0, 2.5 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(groups):
            ax.set_visible(False)
            continue
        name, bal = groups[i]
        q1, med, q3 = np.percentile(bal, [25, 50, 75], axis=0)
        ax.fill_between(days, q1, q3, color="#4c78a8", alpha=0.25, linewidth=0, label="inter-quartile range")
        ax.plot(days, med, color="#1f4e79", linewidth=1.3, label="median")
        ax.axhline(low_line, color="#d62728", linestyle="--", linewidth=0.9, label="$100")
        lo, hi = ax.get_ylim()  # keep the $0 and $100 lines clear of the axis
        ax.set_ylim(min(lo, -0.06 * (hi - min(lo, 0.0))), hi)
        ax.set_title(f"{name} ({len(bal)} users)", fontsize=9)
        ax.xaxis.set_major_locator(mdates.MonthLocator())  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))  # type: ignore[no-untyped-call]
        ax.yaxis.set_major_formatter(_dollars)
        ax.tick_params(labelsize=8)
        _style_axes(ax)
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=len(names), frameon=False)
    return fig


def _plot_spend(months: Sequence[str], cats: Sequence[str], dollars: np.ndarray) -> Figure:
    import matplotlib
    import numpy as np

    fig = _figure(9.0, 4.2)
    ax = fig.subplots()
    x = np.arange(len(months))
    bottom = np.zeros(len(months))
    cmap = matplotlib.colormaps["tab10"]
    for i, (cat, vals) in enumerate(zip(cats, dollars)):
        ax.bar(x, vals, bottom=bottom, label=cat, color=cmap(i % 10), width=0.7)
        bottom += vals
    ax.set_xticks(x, [np.datetime64(m, "M").astype(object).strftime("%b %Y") for m in months], fontsize=8)
    ax.yaxis.set_major_formatter(_dollars)
    ax.set_ylabel("posted spending")
    handles, names = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1], names[::-1], fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    _style_axes(ax)
    return fig


def _plot_shares(panels: Sequence[tuple[str, list[str], list[int], np.ndarray]]) -> Figure:
    import numpy as np

    fig = _figure(11.0, 0.42 * max(len(p[1]) for p in panels) + 1.8)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, names, counts, shares) in zip(axes, panels):
        diff = (shares - shares[0]) * 100
        lim = max(5.0, float(np.nanmax(np.abs(diff), initial=0.0)))
        ax.imshow(diff, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
        for (r, c), s in np.ndenumerate(shares):
            label = "–" if np.isnan(s) else f"{s * 100:.0f}%"
            dark = abs(diff[r, c]) > 0.55 * lim
            ax.text(
                c,
                r,
                label,
                ha="center",
                va="center",
                fontsize=9,
                color="white" if dark else "black",
                fontweight="bold" if r == 0 else "normal",
            )
        ax.axhline(0.5, color="black", linewidth=0.8)
        ax.set_xticks(range(len(PERSONAS)), [SHORT[p] for p in PERSONAS], fontsize=9)
        ax.set_yticks(range(len(names)), [f"{n} (n={c})" for n, c in zip(names, counts)], fontsize=9)
        ax.set_title(title, fontsize=10)
    return fig


# -- html --------------------------------------------------------------------------------------
CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  margin: 0; color: #1d1d1f; background: #ffffff; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 1.7rem; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.3rem; margin-top: 2.2em; padding-bottom: 0.25em; border-bottom: 2px solid #4c78a8; }
h3 { font-size: 1.05rem; margin: 1.4em 0 0.4em; }
p.lead { color: #555; margin-top: 0; }
p.note { color: #555; font-size: 0.9rem; max-width: 80ch; }
nav ol { columns: 2; font-size: 0.92rem; padding-left: 1.4em; }
nav a { color: #1f4e79; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.86rem; }
th, td { border: 1px solid #d8d8d8; padding: 3px 9px; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
tbody tr:nth-child(even) { background: #fafafa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1a7f37; font-weight: 600; }
.fail { color: #c62828; font-weight: 600; }
.warn { color: #a66400; font-weight: 600; }
.skip { color: #666; font-weight: 600; }
.up { color: #c62828; } .down { color: #1f4e79; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 18px; font-size: 0.95rem; }
dl.summary dt { color: #555; } dl.summary dd { margin: 0; font-weight: 600; }
figure { margin: 0.8em 0 1.4em; }
figcaption { color: #555; font-size: 0.86rem; max-width: 90ch; }
img.plot { max-width: 100%; height: auto; display: block; }
.pair { display: flex; flex-wrap: wrap; gap: 12px 28px; align-items: flex-start; }
/* The plot takes what the tables beside it leave; a table keeps its natural width and goes below
   the plot when the two do not fit side by side (it only scrolls when the window is narrower). */
.pair > figure { flex: 1 1 420px; min-width: 0; margin-top: 0; }
.pair > .side { flex: 0 1 auto; min-width: 0; }
.pair > .side > .scroll:first-child > table { margin-top: 0; }
.pair > .side > p { width: 0; min-width: 100%; }  /* wraps to the table's width */
th.group { text-align: center; }
/* the detector's figure is a sentence per window: room for it; an edge case's name may wrap
   after an underscore, onto two lines at most */
table.edge { font-size: 0.8rem; }
table.edge td:nth-child(2) { min-width: 10em; }
table.edge th:last-child, table.edge td:last-child { min-width: 15em; }
.scroll { overflow-x: auto; max-width: 100%; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
"""

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

#: The sections of the page, in order: ``(id, heading)``.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("summary", "Dataset summary"),
    ("distributions", "Archetype and persona distributions"),
    ("matrices", "Label vs detected personas"),
    ("balances", "Checking balance trajectories by archetype"),
    ("spend", "Spending by category"),
    ("fairness", "Persona rates by age bracket and region"),
    ("validation", "Validation checks"),
    ("edge-cases", "Edge cases"),
)


def _esc(value: Any) -> str:
    return html.escape(str(value))


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    numeric: Iterable[int] = (),
    raw: bool = False,
    groups: Sequence[tuple[str, int]] = (),
    cls: str = "",
) -> str:
    """An HTML table; cells are escaped unless ``raw``; ``numeric`` columns are right-aligned.
    ``groups``: ``(heading, columns)`` pairs for a row of headings over the column headings (an
    empty heading spans both rows); ``cls``: the table's class."""
    num = set(numeric)
    spanned: set[int] = set()
    top = ""
    i = 0
    for name, n in groups:
        if name:
            top += f'<th colspan="{n}" class="group">{_esc(name)}</th>'
        else:
            top += "".join(
                f'<th rowspan="2"{" class=num" if j in num else ""}>{_esc(headers[j])}</th>'
                for j in range(i, i + n)
            )
            spanned.update(range(i, i + n))
        i += n
    head = "".join(
        f"<th{' class=num' if i in num else ''}>{_esc(h)}</th>"
        for i, h in enumerate(headers)
        if i not in spanned
    )
    if top:
        head = f"{top}</tr><tr>{head}"
    body = []
    for r in rows:
        cells = "".join(
            f"<td{' class=num' if i in num else ''}>{c if raw else _esc(c)}</td>" for i, c in enumerate(r)
        )
        body.append(f"<tr>{cells}</tr>")
    attr = f' class="{cls}"' if cls else ""
    table = f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="scroll">{table}</div>'


def _figure_html(img: str, caption: str, width: Optional[int] = None) -> str:
    # shown at most at its own size; beside a table, the table goes below when both do not fit
    style = f' style="flex-basis: {width}px; max-width: {width}px"' if width else ""
    cap = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure{style}>{img}{cap}</figure>"


def _status(ok: Optional[bool], text: Optional[str] = None) -> str:
    if ok is None:
        return '<span class="skip">n/a</span>'
    cls = "pass" if ok else "fail"
    return f'<span class="{cls}">{_esc(text or ("PASS" if ok else "FAIL"))}</span>'


def _breakable(text: str) -> str:
    """Escaped ``text`` that may wrap after an underscore (``cash_flow_`` / ``stressed``) when its
    column is narrow; it is written whole when there is room."""
    return _esc(text).replace("_", "_<wbr>")


def _personas_text(s: Sequence[str]) -> str:
    return ", ".join(s) if s else "none"


def _section_summary(inp: ReportInputs) -> str:
    info = inp.info
    rows = info["rows"]
    consent = inp.users["consent_status"]
    items = [
        ("Source", inp.source),
        ("Generator", f"{info['generator']} {info['version']}"),
        ("Seed", info["seed"]),
        ("Date range", f"{info['start_date']} to {info['end_date']}"),
        ("Users", f"{rows['users']:,}"),
        ("Accounts", f"{rows['accounts']:,}"),
        ("Transactions", f"{rows['transactions']:,}"),
        ("Liabilities", f"{rows['liabilities']:,}"),
        ("Consent", f"{int(consent.sum()):,} yes, {int((~consent).sum()):,} no"),
    ]
    if info.get("consent_ratio") is not None:
        items.append(("Consent ratio", info["consent_ratio"]))
    if info.get("shard"):
        items.append(("Shard", info["shard"]))
    mix = info.get("mix")
    if isinstance(mix, Mapping) and mix:
        (kind, value), *_ = mix.items()
        from ._dataset import ARCHETYPES

        order = sorted(value, key=lambda k: ARCHETYPES.index(k) if k in ARCHETYPES else len(ARCHETYPES))
        text = value if isinstance(value, str) else ", ".join(f"{k} {value[k]}" for k in order)
        items.append(("Mix", f"{kind}: {text}"))
    dl = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    return f'<dl class="summary">{dl}</dl>'


def _section_distributions(inp: ReportInputs) -> str:
    from ._dataset import ARCHETYPES

    arch = [str(a) for a in inp.labels["archetype"]]
    names = [a for a in ARCHETYPES if a in arch] + sorted(set(arch) - set(ARCHETYPES))
    arch_items = [(a, arch.count(a)) for a in names]
    edge = [str(e) for e in inp.labels["edge_case"] if e]
    labelled = _label_sets(inp)
    counts: list[tuple[str, list[int]]] = []
    series = ["labelled", "detected (30 days)", "detected (180 days)"]
    det = {w: _window_rows(inp, w, "detected") for w in WINDOWS}
    asg = {w: _window_rows(inp, w, "personas") for w in WINDOWS}
    table_rows: list[tuple[Any, ...]] = []
    for p in PERSONAS:
        lab = sum(p in s for s in labelled.values())
        d30, d180 = (sum(p in s for s in det[w].values()) for w in WINDOWS)
        a30, a180 = (sum(p in s for s in asg[w].values()) for w in WINDOWS)
        counts.append((p, [lab, d30, d180]))
        table_rows.append((p, lab, d30, d180, a30, a180))
    none = (
        sum(not s for s in labelled.values()),
        *(sum(not s for s in det[w].values()) for w in WINDOWS),
        *(sum(not s for s in asg[w].values()) for w in WINDOWS),
    )
    table_rows.append(("(no persona)", *none))
    n = len(arch)
    arch_table = _table(
        ["archetype", "users", "share"],
        [(a, c, f"{c / n:.0%}" if n else "–") for a, c in arch_items],
        numeric=(1, 2),
    )
    edge_names = sorted(set(edge))
    edge_table = (
        _table(["edge case", "users"], [(e, edge.count(e)) for e in edge_names], numeric=(1,)) if edge else ""
    )
    persona_table = _table(
        ["persona", "labelled", "30d", "180d", "30d", "180d"],
        table_rows,
        numeric=(1, 2, 3, 4, 5),
        groups=[("", 2), ("detected", 2), ("assigned", 2)],
    )
    return (
        '<h3 id="archetypes">Users per archetype</h3><div class="pair">'
        + _plot_html(_bar_counts(arch_items, "Users per archetype", "users"), "users per archetype", "")
        + f'<div class="side">{arch_table}{edge_table}</div></div>'
        + '<h3 id="personas">Users per persona</h3><div class="pair">'
        + _plot_html(
            _plot_personas(counts, series),
            "users per persona",
            "Labelled: the personas each user was built to trigger (<code>user_labels</code>). Detected: "
            "what the rules found in each window, with or without consent. Assigned (table): detected "
            "personas of consenting users only. A user can have two personas.",
        )
        + f'<div class="side">{persona_table}</div></div>'
    )


def _matrix_data(
    inp: ReportInputs, window: int
) -> tuple[list[str], list[str], np.ndarray, list[tuple[int, int]], int, int]:
    import numpy as np

    labels = _label_sets(inp)
    det = _window_rows(inp, window, "detected")
    pairs = [(labels[u], det.get(u, ())) for u in labels]
    row_sets = sorted({a for a, _ in pairs}, key=_set_key)
    col_sets = sorted({a for a, _ in pairs} | {b for _, b in pairs}, key=_set_key)
    counts = np.zeros((len(row_sets), len(col_sets)), dtype=np.int64)
    for a, b in pairs:
        counts[row_sets.index(a), col_sets.index(b)] += 1
    diagonal = [(i, col_sets.index(s)) for i, s in enumerate(row_sets)]
    exact = sum(1 for a, b in pairs if a == b)
    return (
        [_set_name(s) for s in row_sets],
        [_set_name(s) for s in col_sets],
        counts,
        diagonal,
        exact,
        len(pairs),
    )


def _section_matrices(inp: ReportInputs) -> str:
    out = [
        '<p class="note">Each user is counted once, by the exact set of personas the labels give '
        "(rows) and the set the rules detected (columns); the boxed diagonal is an exact match. "
        "Detection here ignores consent, so users without consent are compared too. Short names: "
        + ", ".join(f"{v} = {k}" for k, v in SHORT.items())
        + ".</p>"
    ]
    windows = inp.detector.get("windows", {})
    for w in WINDOWS:
        rows, cols, counts, diagonal, exact, total = _matrix_data(inp, w)
        fig = _plot_matrix(rows, cols, counts, f"{w}-day window: labelled vs detected", diagonal)
        rep = windows.get(f"{w}d", {})
        hidden = rep.get("not_observable") or []
        caption = (
            f"{exact} of {total} users detected exactly as labelled ({exact / total:.0%})." if total else ""
        )
        if hidden:
            caption += f" Not observable in {w} days, so never detected in this window: {', '.join(hidden)}."
        if rep.get("covered") is False:
            start = inp.detector.get("data_start") or "?"
            need = rep.get("days_needed")
            caption += (
                f" The data starts {start}, short of what this window's rules read ({need} days):"
                " personas can be missed here, and the generator does not hold its labels to this window."
            )
        conf = rep.get("confusion", {})
        conf_rows = []
        for p in PERSONAS:
            c = conf.get(p)
            if c is None:
                conf_rows.append((p, "–", "–", "–", "–", "not observable" if p in hidden else "–"))
                continue
            tp, fp, fn, tn = c["tp"], c["fp"], c["fn"], c["tn"]
            recall = f"{tp / (tp + fn):.0%}" if tp + fn else "–"
            conf_rows.append((p, tp, fp, fn, tn, recall))
        agree = rep.get("agreement", {})
        cover = rep.get("coverage", {})
        stats = ""
        if agree:
            stats = (
                f'<p class="note">Detector report ({_esc(w)} days), consenting labelled users: agreement '
                f"{agree.get('agree', 0)} of {agree.get('users', 0)} ({agree.get('rate', 0):.0%}); "
                f"coverage {cover.get('covered', 0)} of {cover.get('users', 0)} "
                f"({cover.get('rate', 0):.0%}).</p>"
            )
        out.append(
            f'<h3 id="matrix-{w}">{w}-day window</h3><div class="pair">'
            + _plot_html(fig, f"label vs detected matrix, {w}-day window", _esc(caption))
            + '<div class="side">'
            + _table(["persona", "TP", "FP", "FN", "TN", "recall"], conf_rows, numeric=(1, 2, 3, 4, 5))
            + stats
            + "</div></div>"
        )
    return "".join(out)


def _section_balances(inp: ReportInputs) -> str:
    b = inp.balances
    if not b.groups:
        return '<p class="note">No checking accounts.</p>'
    fig = _plot_trajectories(b.days, b.groups)
    caption = (
        "End-of-day posted checking balance, median and inter-quartile band across the users of each "
        "archetype, with the $100 line the cash-flow rule uses. Balances are rebuilt backwards from each "
        "account's <code>balance_current</code>: with Plaid's sign (positive is money out), the balance at "
        "the end of a day is the current balance plus every posted amount dated after it."
    )
    if b.capped:
        caption += f" At most the first {TRAJECTORY_USERS:,} users of an archetype are drawn."
    return _plot_html(fig, "checking balance trajectories by archetype", caption)


def _section_spend(inp: ReportInputs) -> str:
    import numpy as np

    months, cats, dollars = inp.spend.months, inp.spend.categories, inp.spend.cents / 100.0
    if not cats:
        return '<p class="note">No posted spending.</p>'
    shown = cats[:TOP_CATEGORIES]
    plot = dollars[:TOP_CATEGORIES]
    if len(cats) > TOP_CATEGORIES:
        shown = [*shown, "OTHER"]
        plot = np.vstack([plot, dollars[TOP_CATEGORIES:].sum(axis=0)])
    fig = _plot_spend(months, shown, plot)
    total = float(dollars.sum())
    n_users = max(1, len(inp.users["user_id"]))
    rows = [
        (c, f"${d.sum():,.2f}", f"{d.sum() / total:.1%}", f"${d.sum() / n_users / max(1, len(months)):,.2f}")
        for c, d in zip(cats, dollars)
    ]
    caption = (
        "Posted money out by PFC primary category and calendar month, all users. Income, transfers "
        "between a user's accounts and card payments are left out (the card purchases are counted)."
    )
    return _plot_html(fig, "monthly spending by category", caption) + _table(
        ["PFC primary", "total", "share", "per user per month"], rows, numeric=(1, 2, 3)
    )


def _section_fairness(inp: ReportInputs) -> str:
    panels = []
    tables = []
    for column, order, title in (("age_bracket", AGE_BRACKETS, "age bracket"), ("region", REGIONS, "region")):
        names, counts, shares = persona_shares(inp, column, order)
        panels.append((f"by {title}", names, counts, shares))
        rows = []
        for gi, (g, n) in enumerate(zip(names, counts)):
            cells = [_esc(g), str(n)]
            for pi in range(len(PERSONAS)):
                s, overall = shares[gi, pi], shares[0, pi]
                if gi == 0 or s != s:
                    cells.append(f"{s:.0%}" if s == s else "–")
                    continue
                d = (s - overall) * 100
                cls = "up" if d > 0 else "down" if d < 0 else ""
                cells.append(f'{s:.0%} <span class="{cls}">({d:+.0f} pp)</span>')
            rows.append(cells)
        tables.append(
            f"<h3>By {title}</h3>"
            + _table([title, "users", *PERSONAS], rows, numeric=range(1, 2 + len(PERSONAS)), raw=True)
        )
    fig = _plot_shares(panels)
    caption = (
        "Share of users assigned each persona in the 180-day window, per group, beside the share "
        "among all users (top row, bold). Colour is the difference from the overall share: red above, "
        "blue below. Small groups vary by chance; users without consent are never assigned a persona."
    )
    return _plot_html(fig, "persona rates by age bracket and region", caption) + "".join(tables)


def _section_validation(inp: ReportInputs) -> str:
    parts = []
    if inp.checks is not None:
        rep = inp.checks
        rows = []
        for c in rep.checks:
            status = f'<span class="{_esc(c.status)}">{_esc(c.status.upper())}</span>'
            detail = c.note or c.description
            if c.findings:
                detail += "; first: " + str(c.findings[0])
            rows.append((_esc(c.rule), status, f"{c.checked:,}", f"{c.failures:,}", _esc(detail)))
        n_pass = sum(1 for c in rep.checks if c.status != "fail")
        parts.append(
            f"<h3>Data checks (<code>spendsense-gen validate</code>)</h3>"
            f'<p class="note">{n_pass} of {len(rep.checks)} checks passed: '
            f"{_status(rep.ok, 'OK' if rep.ok else 'FAILED')}.</p>"
            + _table(
                ["rule", "status", "checked", "failures", "what must hold"], rows, numeric=(2, 3), raw=True
            )
        )
    targets = inp.detector.get("targets") or {}
    if targets:
        target_rows = [(_esc(k), _status(bool(v))) for k, v in sorted(targets.items())]
        parts.append(
            "<h3>Detector targets (<code>validation_report.json</code>)</h3>"
            '<p class="note">Agreement of detected with labelled personas, coverage, and the edge cases, '
            "per window.</p>" + _table(["target", "status"], target_rows, raw=True)
        )
    return "".join(parts) or '<p class="note">No validation results.</p>'


def _section_edge_cases(inp: ReportInputs) -> str:
    labels = _label_sets(inp)
    edge = [(str(u), str(e)) for u, e in zip(inp.labels["user_id"], inp.labels["edge_case"]) if e]
    if not edge:
        return '<p class="note">No edge-case users in this data.</p>'
    consent = {str(u): bool(c) for u, c in zip(inp.users["user_id"], inp.users["consent_status"])}
    det = {w: _window_rows(inp, w, "detected") for w in WINDOWS}
    asg = {w: _window_rows(inp, w, "personas") for w in WINDOWS}
    reported: dict[tuple[int, str], Mapping[str, Any]] = {}
    for w in WINDOWS:
        for e in inp.detector.get("windows", {}).get(f"{w}d", {}).get("edge_cases", []):
            reported[(w, str(e.get("user_id")))] = e

    def per_window(values: Mapping[int, str], fmt: Any = _esc) -> str:
        if len(set(values.values())) == 1:
            return str(fmt(next(iter(values.values()))))
        return "<br>".join(f"{w}d: {fmt(v)}" for w, v in values.items())

    rows = []
    for u, e in sorted(edge, key=lambda x: (x[1], x[0])):
        detected = {w: _personas_text(det[w].get(u, ())) for w in WINDOWS}
        assigned = {w: _personas_text(asg[w].get(u, ())) for w in WINDOWS}
        differs = [f"{w}d" for w in WINDOWS if det[w].get(u, ()) != labels[u]]
        match = _status(not differs, "match" if not differs else "differs in " + ", ".join(differs))
        verdicts = [reported[(w, u)].get("as_designed") for w in WINDOWS if (w, u) in reported]
        designed = _status(all(verdicts), "yes" if all(verdicts) else "no") if verdicts else _status(None)
        figures = {w: str(reported[(w, u)].get("figure", "")) for w in WINDOWS if (w, u) in reported}
        rows.append(
            (
                _esc(u),
                _breakable(e),
                "yes" if consent.get(u) else "no",
                _esc(_personas_text(labels[u])),
                per_window(detected),
                per_window(assigned),
                match,
                designed,
                per_window(figures) if figures else "",
            )
        )
    headers = ["user", "edge case", "consent", "labelled", "detected", "assigned", "labels = detected"]
    headers += ["as designed", "detector's figure"]
    return (
        '<p class="note">Users built to sit exactly on a threshold or at a boundary of the data model, '
        "in both windows (a value marked 30d/180d differs between the windows). <em>labels = detected</em>: "
        "the personas the rules found equal the labels; <em>as designed</em>: the detector report's "
        "verdict, which also allows for consent (a user without consent is detected but not "
        "assigned).</p>" + _table(headers, rows, raw=True, cls="edge")
    )


def render(inp: ReportInputs) -> str:
    """The whole page as HTML text."""
    import matplotlib

    builders = {
        "summary": _section_summary,
        "distributions": _section_distributions,
        "matrices": _section_matrices,
        "balances": _section_balances,
        "spend": _section_spend,
        "fairness": _section_fairness,
        "validation": _section_validation,
        "edge-cases": _section_edge_cases,
    }
    with matplotlib.rc_context({"font.size": 9, "axes.titleweight": "bold"}):
        body = "".join(
            f'<section id="{sid}"><h2>{_esc(title)}</h2>{builders[sid](inp)}</section>'
            for sid, title in SECTIONS
        )
    nav = "".join(f'<li><a href="#{sid}">{_esc(title)}</a></li>' for sid, title in SECTIONS)
    info = inp.info
    title = f"spendsense-gen report: {info['rows']['users']:,} users, seed {info['seed']}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head>\n"
        f"<body><main><h1>{_esc(title)}</h1>"
        f'<p class="lead">Synthetic, Plaid-shaped data from {_esc(info["generator"])} '
        f"{_esc(info['version'])}, "
        f"{_esc(info['start_date'])} to {_esc(info['end_date'])}; read from {_esc(inp.source)}.</p>"
        f"<nav><ol>{nav}</ol></nav>{body}</main></body></html>\n"
    )


def _write_text(path: Path, text: str, overwrite: bool) -> None:
    """Write ``text`` to ``path`` atomically (a temporary name renamed into place)."""
    if path.exists() and not overwrite:
        raise OutputExistsError(
            f"{path} already exists (pass overwrite=True or --overwrite to replace it)", str(path)
        )
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}", str(path)) from e


def write_report(
    source: Union[Dataset, PathLikeStr], path: Optional[PathLikeStr] = None, *, overwrite: bool = False
) -> Path:
    """Write a self-contained HTML report of a dataset and return its path.

    Args:
        source: a :class:`Dataset`, or a data folder as ``spendsense-gen generate`` writes it
            (``spendsense.db`` is read; a folder with only ``csv/`` or ``parquet/`` is loaded into
            a temporary database), a SQLite database or a CSV or Parquet folder.
        path: the HTML file (default: ``report.html`` in the data folder, or in the current folder
            for a Dataset).
        overwrite: replace an existing file.

    The page holds the dataset summary, archetype and persona distributions, label-vs-detected
    matrices for both windows, checking-balance trajectories per archetype, spending by category,
    persona rates by age bracket and region, every validation check and the edge cases. It loads
    nothing from the network: plots are inline SVG images.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'spendsense-gen[report]'``).
        OutputExistsError: ``path`` exists and ``overwrite`` is False.
        InvalidParameterError: ``source`` is not a dataset.
    """
    from ._dataset import Dataset

    require_matplotlib()
    if isinstance(source, Dataset):
        target = Path(path) if path is not None else Path(REPORT_NAME)
    elif isinstance(source, (str, os.PathLike)):
        src = Path(source)
        folder = src.parent if src.is_file() else src
        target = Path(path) if path is not None else folder / REPORT_NAME
    else:
        raise InvalidParameterError(
            f"invalid source: {type(source).__name__} is not a Dataset or a path "
            "(allowed: a Dataset, a data folder, a SQLite database or a CSV or Parquet folder)",
            "source",
            "a Dataset, a data folder, a SQLite database or a CSV or Parquet folder",
        )
    if target.exists() and not overwrite:
        raise OutputExistsError(
            f"{target} already exists (pass overwrite=True or --overwrite to replace it)", str(target)
        )
    inp = inputs_from_dataset(source) if isinstance(source, Dataset) else inputs_from_path(source)
    _write_text(target, render(inp), overwrite)
    return target


__all__: Sequence[str] = ["write_report", "ReportInputs", "INSTALL_HINT"]
