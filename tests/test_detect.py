"""The persona detector's outputs and interfaces: the same result from the in-memory dataset, a
SQLite file and a CSV folder; ``features/*.parquet`` with the documented columns and types; the
``persona_assignments`` table; the report's targets; ``spendsense-gen detect``; the Python API."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import spendsense_gen as ssg
from conftest import N_USERS, Written
from helpers import DETECTION_FILES, FEATURE_TABLES, PERSONAS, sha256
from spendsense_gen import cli

# The documented columns of each feature table: (name, type, nullable). Types: text (Utf8), int
# (Int64), float (Float64; money in dollars), bool (Boolean).
KEY = [("user_id", "text", False), ("window_days", "int", False)]
COLUMNS: dict[str, list[tuple[str, str, bool]]] = {
    "subscriptions": KEY
    + [
        ("recurring_merchants", "int", False),
        ("merchants", "text", False),
        ("recurring_spend", "float", False),
        ("monthly_recurring_spend", "float", False),
        ("subscription_share", "float", False),
        ("total_spend", "float", False),
    ],
    "savings": KEY
    + [
        ("savings_accounts", "int", False),
        ("net_inflow", "float", False),
        ("net_inflow_monthly", "float", False),
        ("balance_start", "float", False),
        ("balance_end", "float", False),
        ("growth_rate", "float", True),
        ("monthly_expenses", "float", False),
        ("emergency_fund_months", "float", True),
    ],
    "credit": KEY
    + [
        ("cards", "int", False),
        ("max_utilization", "float", True),
        ("max_card", "text", True),
        ("flag_30", "bool", False),
        ("flag_50", "bool", False),
        ("flag_80", "bool", False),
        ("minimum_payment_only", "bool", False),
        ("interest_charges", "float", False),
        ("overdue", "bool", False),
    ],
    "income": KEY
    + [
        ("payroll_deposits", "int", False),
        ("total_income", "float", False),
        ("median_gap_days", "float", True),
        ("frequency", "text", False),
        ("amount_cv", "float", True),
        ("monthly_expenses", "float", False),
        ("window_expenses", "float", False),
        ("checking_balance", "float", False),
        ("buffer_months", "float", True),
    ],
    "cash_flow": KEY
    + [
        ("has_checking", "bool", False),
        ("days", "int", False),
        ("days_below_100", "int", False),
        ("share_below_100", "float", False),
        ("balance_mean", "float", False),
        ("balance_std", "float", False),
        ("balance_min", "float", False),
        ("volatile", "bool", False),
    ],
    "persona_assignments": KEY
    + [
        ("consent", "bool", False),
        ("status", "text", False),
        ("personas", "text", False),
        ("primary_persona", "text", True),
        ("detected", "text", False),
        ("rationale", "text", False),
        ("criteria", "text", False),
    ],
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 2, (code, out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got: {err!r}"
    assert lines[0].startswith("spendsense-gen: error: ") and "Traceback" not in err
    return lines[0]


def assert_same_columns(a: dict[str, np.ndarray], b: dict[str, np.ndarray], what: str) -> None:
    assert list(a) == list(b), what
    for col in a:
        np.testing.assert_array_equal(a[col], b[col], err_msg=f"{what}: {col}", strict=True)


@pytest.fixture(scope="module")
def det(ds: ssg.Dataset) -> ssg.Detection:
    return ds.detect()


# -- the same result from every source ---------------------------------------------------------
@pytest.mark.parametrize("source", ["sqlite", "csv", "parquet"])
def test_sqlite_csv_and_parquet_give_the_in_memory_result(
    ds: ssg.Dataset, det: ssg.Detection, written: Written, parquet_dir: Path, source: str
) -> None:
    path = {"sqlite": written.db, "csv": written.dir / "csv", "parquet": parquet_dir}[source]
    other = ssg.detect(path)
    assert other.n_users == det.n_users == N_USERS
    assert other.end_date == det.end_date == ds.end_date
    for window in ssg.WINDOWS:
        assert_same_columns(other.signals(window), det.signals(window), f"{source} signals {window}d")
    assert_same_columns(other.personas(), det.personas(), f"{source} personas")
    for family in ssg.FAMILIES:
        assert_same_columns(other.features(family), det.features(family), f"{source} {family}")
    assert other.report == det.report


def test_written_report_is_the_detection_report(
    ds: ssg.Dataset, det: ssg.Detection, written: Written
) -> None:
    on_disk = json.loads((written.dir / "validation_report.json").read_text(encoding="utf-8"))
    assert on_disk == det.report == ds.validation_report()
    text = (written.dir / "validation_report.json").read_text(encoding="utf-8")
    assert text == json.dumps(on_disk, indent=2, sort_keys=True, ensure_ascii=False) + "\n", (
        "pretty, keys sorted"
    )


# -- signals and personas in Python ------------------------------------------------------------
def test_signals_are_one_row_per_user_with_prefixed_columns(ds: ssg.Dataset, det: ssg.Detection) -> None:
    for window in ssg.WINDOWS:
        s = ds.signals(window)
        assert list(s)[0] == "user_id"
        want = ["user_id"] + [
            f"{family}_{name}" for family in ssg.FAMILIES for name, _, _ in COLUMNS[family][2:]
        ]
        assert list(s) == want
        np.testing.assert_array_equal(s["user_id"], ds.users["user_id"])
        for name, arr in s.items():
            assert len(arr) == N_USERS, name
        assert s["credit_max_utilization"].dtype == np.float64
        assert s["income_payroll_deposits"].dtype == np.int64
        assert s["credit_flag_50"].dtype == np.bool_
        assert s["income_frequency"].dtype == object
        # The per-user view equals that window's rows of each family table.
        for family in ssg.FAMILIES:
            f = det.features(family)
            rows = f["window_days"] == window
            for name, _, _ in COLUMNS[family][2:]:
                np.testing.assert_array_equal(s[f"{family}_{name}"], f[name][rows], err_msg=name)
    assert ds.signals() is ds.signals(180), "180 days by default, cached"


@pytest.mark.parametrize("window", [0, 90, 31, "180", 180.0, True, None])
def test_window_must_be_30_or_180(ds: ssg.Dataset, det: ssg.Detection, window: Any) -> None:
    for call in (ds.signals, det.signals):
        with pytest.raises(ssg.InvalidParameterError) as info:
            call(window)
        assert info.value.parameter == "window"
        assert "30 or 180" in str(info.value)
    with pytest.raises(ssg.InvalidParameterError):
        det._core.signals(90)


def test_money_is_dollars_and_nulls_are_nan(det: ssg.Detection) -> None:
    s = det.signals(180)
    cents = s["credit_interest_charges"] * 100
    np.testing.assert_allclose(cents, np.round(cents), atol=1e-6)
    no_cards = s["credit_cards"] == 0
    assert no_cards.any(), "the default mix has a user without cards"
    assert np.isnan(s["credit_max_utilization"][no_cards]).all()
    assert all(v is None for v in s["credit_max_card"][no_cards])
    has = ~no_cards & ~np.isnan(s["credit_max_utilization"])
    assert all(isinstance(v, str) and v for v in s["credit_max_card"][has])


def test_personas_table(ds: ssg.Dataset, det: ssg.Detection) -> None:
    p = ds.personas()
    assert list(p) == [c[0] for c in COLUMNS["persona_assignments"]]
    assert len(p["user_id"]) == 2 * N_USERS
    assert list(p["window_days"][:2]) == [30, 180], "each user's windows in order"
    consent = dict(zip(ds.users["user_id"], ds.users["consent_status"]))
    for i, uid in enumerate(p["user_id"]):
        assert p["consent"][i] == consent[uid]
        personas = p["personas"][i]
        if not p["consent"][i]:
            assert p["status"][i] == "no_consent" and personas == "" and p["primary_persona"][i] is None
        elif personas:
            assert p["status"][i] == "assigned" and p["primary_persona"][i] in personas.split(",")
            assert personas == p["detected"][i]
        else:
            assert p["status"][i] == "no_persona" and p["primary_persona"][i] is None
        listed = [x for x in personas.split(",") if x]
        assert listed == [x for x in PERSONAS if x in listed], "canonical order"
        criteria = json.loads(p["criteria"][i])
        assert {"max_utilization", "buffer_months", "recurring_merchants"} <= set(criteria)
    # Without consent the rules still run: what they found is in `detected`.
    hu = ~p["consent"] & np.array(["high_utilization" in d for d in p["detected"]])
    assert hu.any(), "the consent_false_high_utilization edge case"


def test_to_pandas(det: ssg.Detection) -> None:
    pytest.importorskip("pandas")
    df = det.to_pandas()
    assert len(df) == N_USERS and "cash_flow_share_below_100" in df.columns
    assert len(det.to_pandas("signals", window=30)) == N_USERS
    personas = det.to_pandas("personas")
    assert len(personas) == 2 * N_USERS
    assert set(det.to_pandas("personas", window=30)["window_days"]) == {30}
    assert list(det.to_pandas("credit").columns) == [c[0] for c in COLUMNS["credit"]]
    with pytest.raises(ssg.InvalidParameterError):
        det.to_pandas("nope")


def test_detection_describes_itself(det: ssg.Detection) -> None:
    assert det.windows == ssg.WINDOWS == (30, 180)
    assert isinstance(det.end_date, date)
    assert f"{N_USERS} users" in repr(det)
    s = det.summary()
    assert s.startswith(f"persona detection: {N_USERS} users")
    assert "label agreement" in s and "window 30d" in s and "window 180d" in s
    # each edge-case line names its user (two users may share an edge case)
    for w in ("30d", "180d"):
        for e in det.report["windows"][w]["edge_cases"]:
            assert f"    edge {e['user_id']} {e['edge_case']} " in s


def test_end_date_moves_the_windows(ds: ssg.Dataset, written: Written) -> None:
    end = date(2025, 9, 30)
    a = ssg.detect(ds, end_date=end)
    b = ssg.detect(written.db, end_date="2025-09-30")
    assert a.end_date == b.end_date == end
    assert a.report["windows"]["30d"]["start_date"] == "2025-09-01"
    assert_same_columns(a.signals(180), b.signals(180), "end date")
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(written.db, end_date="2025-02-30")
    assert info.value.parameter == "end_date"
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(ds, end_date=20250930)  # type: ignore[arg-type]
    assert info.value.parameter == "end_date"


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(42)  # type: ignore[arg-type]
    assert info.value.parameter == "source"
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(tmp_path / "missing.db")
    assert info.value.parameter == "path" and "does not exist" in str(info.value)


# -- features/*.parquet ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pq() -> Any:
    return pytest.importorskip("pyarrow.parquet", reason="pyarrow is not installed (pip install '.[test]')")


@pytest.mark.parametrize("table", FEATURE_TABLES)
def test_parquet_columns_types_and_rows(pq: Any, written: Written, det: ssg.Detection, table: str) -> None:
    import pyarrow as pa

    types = {"text": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    path = written.dir / "features" / f"{table}.parquet"
    t = pq.read_table(path)
    assert [(f.name, f.type, f.nullable) for f in t.schema] == [
        (name, types[kind], nullable) for name, kind, nullable in COLUMNS[table]
    ]
    assert t.num_rows == 2 * N_USERS, "2 rows per user"
    counts: dict[str, int] = {}
    for uid in t.column("user_id").to_pylist():
        counts[uid] = counts.get(uid, 0) + 1
    assert set(counts.values()) == {2} and len(counts) == N_USERS
    assert set(t.column("window_days").to_pylist()) == {30, 180}
    for name, _, nullable in COLUMNS[table]:
        if not nullable:
            assert t.column(name).null_count == 0, name
    # The same values as the Python columns.
    cols = det.personas() if table == "persona_assignments" else det.features(table)
    for name in t.column_names:
        got = t.column(name).to_numpy(zero_copy_only=False)
        want = cols[name]
        if want.dtype == object:
            assert list(got) == list(want), name
        else:
            np.testing.assert_array_equal(got.astype(want.dtype), want, err_msg=name)
    meta = pq.ParquetFile(path).metadata
    assert meta.created_by.startswith("spendsense-gen")
    assert meta.row_group(0).column(0).compression == "SNAPPY"


def test_parquet_dictionary_encodes_repeated_text(pq: Any, written: Written) -> None:
    meta = pq.ParquetFile(written.dir / "features" / "persona_assignments.parquet").metadata
    rg = meta.row_group(0)
    enc = {rg.column(i).path_in_schema: set(rg.column(i).encodings) for i in range(rg.num_columns)}
    assert "RLE_DICTIONARY" in enc["status"] | enc["personas"]
    assert "RLE_DICTIONARY" not in enc["rationale"] and "RLE_DICTIONARY" not in enc["criteria"]


# -- persona_assignments in SQLite -------------------------------------------------------------
def test_persona_assignments_table_in_the_database(written: Written, det: ssg.Detection) -> None:
    with closing(sqlite3.connect(f"file:{written.db}?mode=ro", uri=True)) as db:
        cols = [(r[1], r[2], r[3] == 0) for r in db.execute("PRAGMA table_info(persona_assignments)")]
        sql_types = {"text": "TEXT", "int": "INTEGER", "bool": "INTEGER", "float": "REAL"}
        assert cols == [(n, sql_types[k], nullable) for n, k, nullable in COLUMNS["persona_assignments"]]
        pk = [
            r[1]
            for r in sorted(db.execute("PRAGMA table_info(persona_assignments)"), key=lambda r: r[5])
            if r[5]
        ]
        assert pk == ["user_id", "window_days"]
        fks = {(r[3], r[2], r[4]) for r in db.execute("PRAGMA foreign_key_list(persona_assignments)")}
        assert fks == {("user_id", "users", "user_id")}
        per_user = db.execute("SELECT user_id, count(*) FROM persona_assignments GROUP BY user_id").fetchall()
        assert len(per_user) == N_USERS and {n for _, n in per_user} == {2}
        rows = db.execute(
            "SELECT p.status, p.personas, p.primary_persona, p.consent FROM persona_assignments p "
            "JOIN users u USING (user_id) WHERE u.consent_status = 0"
        ).fetchall()
        assert rows, "the default mix has users without consent"
        assert all(r == ("no_consent", "", None, 0) for r in rows)
        db_rows = db.execute("SELECT user_id, window_days, personas FROM persona_assignments").fetchall()
    p = det.personas()
    assert sorted(db_rows) == sorted(zip(p["user_id"], p["window_days"].tolist(), p["personas"]))


# -- the report's targets ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("seed", "mix"), [(42, None), (7, None), (42, "even")], ids=["default-42", "default-7", "even-42"]
)
def test_report_targets_hold(seed: int, mix: str | None) -> None:
    report = ssg.generate(seed=seed, mix=mix).validation_report()
    targets = report["targets"]
    assert set(targets) == {f"{t}_{w}d" for t in ("agreement", "coverage", "edge_cases") for w in (30, 180)}
    missed = [k for k, v in targets.items() if v is not True]
    assert missed == [], f"targets missed: {missed}\n{ssg.detect(ssg.generate(seed=seed, mix=mix)).summary()}"


# -- spendsense-gen detect ---------------------------------------------------------------------
def test_cli_detect_on_a_generated_database(written: Written, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "spendsense.db"
    shutil.copyfile(written.db, db)
    before = sha256(db)
    # Generation already wrote persona_assignments: replacing it needs --overwrite.
    line = one_line_error(*run("detect", str(db)))
    assert "persona_assignments" in line and "--overwrite" in line and str(db) in line
    assert sha256(db) == before and sorted(p.name for p in folder.iterdir()) == ["spendsense.db"]
    code, out, err = run("detect", str(db), "--overwrite")
    assert code == 0, err
    assert out.startswith(f"persona detection: {N_USERS} users")
    assert "persona_assignments table in" in out
    # Outputs go beside the database, and equal what generation wrote, byte for byte.
    for name in DETECTION_FILES:
        assert sha256(folder / name) == sha256(written.dir / name), name
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM persona_assignments").fetchone() == (2 * N_USERS,)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Existing output files need --overwrite too.
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TABLE persona_assignments")
        conn.commit()
    line = one_line_error(*run("detect", str(db)))
    assert "validation_report.json" in line or "features" in line
    with closing(sqlite3.connect(db)) as conn:
        assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'persona_assignments'").fetchall()


def test_cli_detect_adds_the_table_to_a_database_without_it(written: Written, tmp_path: Path) -> None:
    db = tmp_path / "mine.db"
    shutil.copyfile(written.db, db)
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("DROP TABLE persona_assignments")
        conn.commit()
    out_dir = tmp_path / "elsewhere"
    code, out, err = run("detect", str(db), "--out", str(out_dir), "-q")
    assert (code, out) == (0, ""), err
    assert sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*") if p.is_file()) == sorted(
        DETECTION_FILES
    )
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM persona_assignments").fetchone() == (2 * N_USERS,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_cli_detect_on_a_csv_folder(written: Written, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(written.dir / "csv", folder)
    code, out, err = run("detect", str(folder))
    assert code == 0, err
    assert "persona detection" in out and "persona_assignments table" not in out
    for name in DETECTION_FILES:
        assert sha256(folder / name) == sha256(written.dir / name), name


def test_cli_detect_one_line_errors(tmp_path: Path) -> None:
    line = one_line_error(*run("detect", str(tmp_path / "nothing.db")))
    assert "nothing.db" in line and "does not exist" in line and "[PATH]" in line
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    line = one_line_error(*run("detect", str(tmp_path)))
    assert str(tmp_path) in line and "users.csv" in line
    line = one_line_error(*run("detect", str(tmp_path / "notes.txt")))
    assert f"{tmp_path / 'notes.txt'} is not a SQLite database" in line
    with closing(sqlite3.connect(tmp_path / "other.db")) as conn:
        conn.execute("CREATE TABLE t (x)")
    line = one_line_error(*run("detect", str(tmp_path / "other.db")))
    assert str(tmp_path / "other.db") in line and "table 'users' is missing" in line
    (tmp_path / "other.db").unlink()
    line = one_line_error(*run("detect", str(tmp_path), "--end-date", "soon"))
    assert "end_date" in line and "[--end-date]" in line
    line = one_line_error(*run("detect"))
    assert "PATH" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"], "nothing is written"


def test_folder_hint_names_the_database(written: Written) -> None:
    line = one_line_error(*run("detect", str(written.dir)))
    assert str(written.dir / "spendsense.db") in line


def test_corrupted_amount_names_file_and_line(written: Written, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    shutil.copytree(written.dir / "csv", folder)
    path = folder / "transactions.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    amount = rows[0].index("amount")
    rows[4][amount] = "12.3O"  # a letter O: line 5 of the file (the header is line 1)
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    line = one_line_error(*run("detect", str(folder)))
    assert f"{path}:5" in line and "amount" in line and "12.3O" in line
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(folder)
    assert f"{path}:5" in str(info.value)
    assert not (folder / "features").exists()


# -- Detection.write ---------------------------------------------------------------------------
def test_detection_write(det: ssg.Detection, written: Written, tmp_path: Path) -> None:
    paths = det.write(tmp_path / "out")
    assert paths == [tmp_path / "out" / "features", tmp_path / "out" / "validation_report.json"]
    for name in DETECTION_FILES:
        assert sha256(tmp_path / "out" / name) == sha256(written.dir / name), name
    with pytest.raises(ssg.OutputExistsError):
        det.write(tmp_path / "out")
    det.write(tmp_path / "out", overwrite=True)
    db = tmp_path / "x.db"
    shutil.copyfile(written.db, db)
    with pytest.raises(ssg.OutputExistsError) as info:
        det.write(tmp_path / "other", database=db)
    assert Path(info.value.path) == db and "persona_assignments" in str(info.value)
    assert not (tmp_path / "other").exists()
    # Another dataset's assignments do not go into this database: its users are not there.
    before = sha256(db)
    for n in (5, N_USERS + 5):  # ids are user_0000, user_0001...: a subset, then a superset
        stranger = ssg.generate(n_users=n, seed=99, months=1).detect()
        with pytest.raises(ssg.OutputError) as error:
            stranger.write(tmp_path / "stranger", overwrite=True, database=db)
        assert "another dataset" in str(error.value) and "not changed" in str(error.value)
        assert sha256(db) == before
        assert not (tmp_path / "stranger").exists()
