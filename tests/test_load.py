"""``spendsense_gen.load`` and ``spendsense-gen load``: a CSV folder or users.json loads into the same
tables generation writes, all or nothing, appends to an existing database, reports duplicates with
their lines, and never runs text from the data as SQL."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg
from spendsense_gen import cli

SEEDS = (11, 2024)
N_USERS = 30
MONTHS = 3
TABLES = ("users", "accounts", "transactions", "liabilities", "user_labels")
KEYS = {
    "users": "user_id",
    "accounts": "account_id",
    "transactions": "transaction_id",
    "liabilities": "account_id",
    "user_labels": "user_id",
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def table_names(db: Path) -> list[str]:
    with sqlite3.connect(db) as c:
        return [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def dump(db: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row in rowid order, each value with its SQLite storage class."""
    c = sqlite3.connect(db)
    try:
        cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")]
        sel = ", ".join(f"typeof({x}), {x}" for x in cols)
        return c.execute(f"SELECT rowid, {sel} FROM {table} ORDER BY rowid").fetchall()
    finally:
        c.close()


def schema(db: Path) -> list[tuple[str, str, str]]:
    """The tables' and indexes' SQL (not the detector's persona_assignments table)."""
    c = sqlite3.connect(db)
    try:
        return c.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE tbl_name != 'persona_assignments' ORDER BY name"
        ).fetchall()
    finally:
        c.close()


def assert_same_tables(db: Path, reference: Path, tables: tuple[str, ...] = (*TABLES, "metadata")) -> None:
    assert schema(db) == schema(reference)
    for t in tables:
        assert dump(db, t) == dump(reference, t), t


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@dataclass
class Gen:
    seed: int
    dir: Path

    @property
    def csv(self) -> Path:
        return self.dir / "csv"

    @property
    def json_path(self) -> Path:
        return self.dir / "users.json"

    @property
    def db(self) -> Path:
        return self.dir / "spendsense.db"

    def source(self, fmt: str) -> Path:
        return self.csv if fmt == "csv" else self.json_path

    def rows(self, table: str) -> list[list[str]]:
        return read_csv(self.csv / f"{table}.csv")

    def count(self, table: str) -> int:
        return len(self.rows(table)) - 1

    def csv_copy(self, dest: Path) -> Path:
        """A copy of the CSV folder, with the manifest beside it, at ``dest/csv``."""
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copytree(self.csv, dest / "csv")
        shutil.copy(self.dir / "manifest.json", dest / "manifest.json")
        return dest / "csv"


@pytest.fixture(scope="module")
def gens(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Gen]:
    out = {}
    for seed in SEEDS:
        d = tmp_path_factory.mktemp(f"gen{seed}") / "data"
        ssg.generate(n_users=N_USERS, seed=seed, months=MONTHS).write(d, ["sqlite", "csv", "json"])
        out[seed] = Gen(seed, d)
    return out


@pytest.fixture
def gen(gens: dict[int, Gen]) -> Gen:
    return gens[SEEDS[0]]


# -- round trip -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_csv_and_json_load_equal_the_direct_sqlite_write(
    gens: dict[int, Gen], seed: int, tmp_path: Path
) -> None:
    g = gens[seed]
    for fmt in ("csv", "json"):
        db = tmp_path / f"from_{fmt}.db"
        result = ssg.load(g.source(fmt), db)
        assert isinstance(result, ssg.LoadResult)
        assert result.created is True and result.db == str(db)
        assert result.rows == {t: g.count(t) for t in TABLES}
        assert result.rows["users"] == N_USERS
        assert_same_tables(db, g.db)
        with sqlite3.connect(db) as c:
            meta = dict(c.execute("SELECT key, value FROM metadata").fetchall())
            # a new database is laid out as the sink lays out its own
            assert c.execute("PRAGMA page_size").fetchone()[0] == 16384
        assert meta["seed"] == str(seed) and meta["n_users"] == str(N_USERS)
        # what was loaded validates like the original
        report = ssg.validate(db)
        assert report.ok, report.summary()
    # nothing else was left in the folder (no temporary files, no journals)
    assert listing(tmp_path) == ["from_csv.db", "from_json.db"]


def test_cli_load(gen: Gen, tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    code, out, err = run("load", "--from", str(gen.csv), "--db", str(db))
    assert (code, err) == (0, "")
    assert out.startswith("loaded ") and f"{N_USERS} users" in out
    assert f"{gen.count('transactions'):,} transactions" in out
    assert f"from {gen.csv}; created {db} in " in out
    assert_same_tables(db, gen.db)
    # the same again: every id is already there
    before = sha256(db)
    code, out, err = run("load", "--from", str(gen.csv), "--db", str(db))
    assert code == 1 and out == ""
    total = sum(gen.count(t) for t in TABLES)
    lines = err.splitlines()
    assert lines[0] == f"spendsense-gen: error: {gen.csv}: {total} problem(s) in the data; nothing was loaded"
    assert "users.csv line 2, user_id = 'user_0000': already in users of the database [primary_key]" in err
    assert "Traceback" not in err
    assert sha256(db) == before
    # quiet: nothing printed on success
    quiet = tmp_path / "quiet.db"
    assert run("load", "--from", str(gen.json_path), "--db", str(quiet), "-q") == (0, "", "")
    assert_same_tables(quiet, gen.db)


def test_cli_load_usage_errors(gen: Gen, tmp_path: Path) -> None:
    for argv in (["load", "--db", str(tmp_path / "x.db")], ["load", "--from", str(gen.csv)], ["load"]):
        code, out, err = run(*argv)
        assert code == 2 and out == "" and len(err.splitlines()) == 1, err
        assert err.startswith("spendsense-gen: error: ") and "--" in err
    code, out, err = run("load", "--from", str(tmp_path / "missing"), "--db", str(tmp_path / "x.db"))
    assert code == 2 and out == ""
    assert err.startswith("spendsense-gen: error: invalid source: ") and "does not exist" in err
    assert err.rstrip().endswith("[--from]")
    code, out, err = run("load", "--from", str(gen.db), "--db", str(tmp_path / "x.db"))
    assert code == 2 and "is already a SQLite database" in err and err.rstrip().endswith("[--from]")
    code, out, err = run("load", "--from", str(gen.csv), "--db", str(tmp_path))
    assert code == 2 and "is a folder" in err and err.rstrip().endswith("[--db]")
    assert listing(tmp_path) == []


# -- an existing database -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_loading_the_same_rows_again_changes_nothing(gen: Gen, fmt: str, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    shutil.copy(gen.db, db)
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(gen.source(fmt), db)
    e = info.value
    assert isinstance(e, ValueError)
    first = "users.csv line 2" if fmt == "csv" else "users[0]"
    assert f"first: {first}, user_id = 'user_0000': already in users of the database [primary_key]" in str(e)
    assert "nothing was loaded" in str(e)
    total = sum(gen.count(t) for t in TABLES)
    assert e.report["failures"] == total and e.report["ok"] is False
    err0 = e.errors[0]
    assert (err0["rule"], err0["table"], err0["field"], err0["value"]) == (
        "primary_key",
        "users",
        "user_id",
        "user_0000",
    )
    assert err0["message"] == "already in users of the database"
    assert err0.get("line" if fmt == "csv" else "path") == (2 if fmt == "csv" else "users[0]")
    # 50 findings are kept (in input order), the count covers every row of every table
    assert len(e.errors) == 50
    if fmt == "csv":
        assert [f["table"] for f in e.errors] == ["users"] * N_USERS + ["accounts"] * (50 - N_USERS)
    else:  # a user at a time
        assert [f["location"] for f in e.errors[:3]] == [
            "users[0]",
            "users[0].labels",
            "users[0].accounts[0]",
        ]
    checks = {c["rule"]: c for c in e.report["checks"]}
    assert checks["primary_key"]["failures"] == total
    for rule in ssg.RULES[7:]:  # load checks integrity only
        assert checks[rule]["status"] == "skip", rule
        assert "not checked by load" in checks[rule]["note"]
    assert sha256(db) == before
    assert listing(tmp_path) == ["copy.db"]


def test_partial_overlap_is_rejected_whole(gen: Gen, tmp_path: Path) -> None:
    """One user already there: nothing of the other users is loaded either."""
    db = tmp_path / "one.db"
    src = gen.csv_copy(tmp_path / "first")
    user = gen.rows("users")[1][0]
    for t in TABLES:
        rows = read_csv(src / f"{t}.csv")
        col = rows[0].index("user_id")
        write_csv(src / f"{t}.csv", [rows[0]] + [r for r in rows[1:] if r[col] == user])
    assert ssg.load(src, db).rows["users"] == 1
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError, match="already in users of the database") as info:
        ssg.load(gen.csv, db)
    pk = [f for f in info.value.errors if f["rule"] == "primary_key"]
    assert pk[0]["value"] == user and pk[0]["line"] == 2
    assert sha256(db) == before
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT count(*) FROM users").fetchone() == (1,)


def split_by_user(g: Gen, users: set[str], dest: Path) -> Path:
    src = g.csv_copy(dest)
    for t in TABLES:
        rows = g.rows(t)
        col = rows[0].index("user_id")
        write_csv(src / f"{t}.csv", [rows[0]] + [r for r in rows[1:] if r[col] in users])
    return src


@pytest.mark.parametrize("seed", SEEDS)
def test_split_halves_append_to_the_full_load(gens: dict[int, Gen], seed: int, tmp_path: Path) -> None:
    g = gens[seed]
    users = [r[0] for r in g.rows("users")[1:]]
    half_a = split_by_user(g, set(users[: len(users) // 2]), tmp_path / "a")
    half_b = split_by_user(g, set(users[len(users) // 2 :]), tmp_path / "b")
    db = tmp_path / "halves.db"
    a = ssg.load(half_a, db)
    assert a.created and a.rows["users"] == len(users) // 2
    b = ssg.load(half_b, db)
    assert not b.created and b.rows["users"] == len(users) - len(users) // 2
    for t in TABLES:
        assert a.rows[t] + b.rows[t] == g.count(t), t
    full = tmp_path / "full.db"
    ssg.load(g.csv, full)
    assert_same_tables(db, full)
    assert_same_tables(db, g.db)
    # and half A again is refused, leaving the database as it is
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError, match="already in users"):
        ssg.load(half_a, db)
    assert sha256(db) == before


def test_rows_may_refer_to_ids_already_in_the_database(gen: Gen, tmp_path: Path) -> None:
    """Users and accounts first, transactions later: the references resolve against the database."""
    first, second = gen.csv_copy(tmp_path / "first"), gen.csv_copy(tmp_path / "second")
    for t in TABLES:
        rows = gen.rows(t)
        if t == "transactions":
            write_csv(first / f"{t}.csv", rows[:1])
        else:
            write_csv(second / f"{t}.csv", rows[:1])
    db = tmp_path / "two.db"
    assert ssg.load(first, db).rows["transactions"] == 0
    r = ssg.load(second, db)
    assert r.rows == {
        "users": 0,
        "accounts": 0,
        "transactions": gen.count("transactions"),
        "liabilities": 0,
        "user_labels": 0,
    }
    assert_same_tables(db, gen.db)
    # a transaction whose account is neither in the input nor in the database is refused
    third = gen.csv_copy(tmp_path / "third")
    rows = gen.rows("transactions")[:2]
    rows[1][0] = "txn_new"
    rows[1][1] = "acc_nowhere"
    write_csv(third / "transactions.csv", rows)
    for t in ("users", "accounts", "liabilities", "user_labels"):
        write_csv(third / f"{t}.csv", gen.rows(t)[:1])
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(third, db)
    (f,) = info.value.errors
    assert (f["rule"], f["table"], f["line"], f["field"], f["value"]) == (
        "foreign_key",
        "transactions",
        2,
        "account_id",
        "acc_nowhere",
    )
    assert sha256(db) == before


def test_an_existing_table_without_the_schema_columns(gen: Gen, tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as c:
        c.execute("CREATE TABLE users (user_id TEXT PRIMARY KEY, nickname TEXT)")
    before = sha256(db)
    with pytest.raises(
        ssg.InvalidParameterError, match="table 'users' exists without the columns name, email"
    ):
        ssg.load(gen.csv, db)
    assert sha256(db) == before


def test_an_existing_file_that_is_not_a_database(gen: Gen, tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("these are my notes, not a database\n" * 20, encoding="utf-8")
    before = sha256(db)
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.load(gen.csv, db)
    assert info.value.parameter == "db"
    assert sha256(db) == before
    assert listing(tmp_path) == ["notes.db"]


def test_semantic_rules_are_not_enforced_by_load(gen: Gen, tmp_path: Path) -> None:
    """load checks integrity; the ledger rules are for validate (on the database afterwards)."""
    src = gen.csv_copy(tmp_path / "src")
    rows = read_csv(src / "transactions.csv")
    h = rows[0]
    i = next(k for k, r in enumerate(rows) if k and r[h.index("pfc_primary")] == "INCOME")
    rows[i][h.index("amount")] = rows[i][h.index("amount")].lstrip("-")
    write_csv(src / "transactions.csv", rows)
    db = tmp_path / "loaded.db"
    assert ssg.load(src, db).rows["transactions"] == gen.count("transactions")
    r = ssg.validate(db)
    assert "sign" in r.failed()
    (f,) = r.check("sign").findings
    assert (f.table, f.rowid, f.field) == ("transactions", i, "amount")


def only(g: Gen, dest: Path, table: str, rows: list[list[str]]) -> Path:
    """A CSV folder holding ``rows`` in ``table`` and only headers in the other tables."""
    src = g.csv_copy(dest)
    for t in TABLES:
        write_csv(src / f"{t}.csv", rows if t == table else g.rows(t)[:1])
    return src


def test_an_appended_transaction_must_belong_to_its_accounts_user(gen: Gen, tmp_path: Path) -> None:
    db = tmp_path / "db.db"
    ssg.load(gen.csv, db)
    rows = gen.rows("transactions")
    h = rows[0]
    new = list(rows[1])
    owner = new[h.index("user_id")]
    other = next(r[0] for r in gen.rows("users")[1:] if r[0] != owner)
    new[h.index("transaction_id")] = "txn_appended"
    new[h.index("user_id")] = other
    src = only(gen, tmp_path / "more", "transactions", [h, new])
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, db)
    (f,) = info.value.errors
    assert (f["rule"], f["line"], f["field"], f["value"]) == ("foreign_key", 2, "user_id", other)
    assert sha256(db) == before


@pytest.mark.parametrize("value", ["+12345-06-07", "-0001-06-07"])
def test_a_date_is_loaded_as_written_or_refused(gen: Gen, tmp_path: Path, value: str) -> None:
    rows = gen.rows("transactions")
    rows[1][rows[0].index("date")] = value
    src = gen.csv_copy(tmp_path / "src")
    write_csv(src / "transactions.csv", rows)
    db = tmp_path / "x.db"
    try:
        ssg.load(src, db)
    except ssg.InvalidDataError:
        return  # refused: fine
    with sqlite3.connect(db) as c:
        (stored,) = c.execute("SELECT date FROM transactions WHERE rowid = 1").fetchone()
    assert stored == value


def test_an_amount_with_more_than_two_decimals_is_refused_not_rounded(gen: Gen, tmp_path: Path) -> None:
    rows = gen.rows("transactions")
    rows[3][rows[0].index("amount")] = "12.345"
    src = gen.csv_copy(tmp_path / "src")
    write_csv(src / "transactions.csv", rows)
    db = tmp_path / "x.db"
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, db)
    (f,) = info.value.errors
    assert (f["rule"], f["line"], f["field"], f["value"]) == ("type", 4, "amount", "12.345")
    assert not db.exists()


# -- failed loads leave nothing behind ------------------------------------------------------------


def broken_csv(g: Gen, dest: Path) -> Path:
    src = g.csv_copy(dest)
    rows = read_csv(src / "transactions.csv")
    rows[-1][rows[0].index("amount")] = "twelve"
    write_csv(src / "transactions.csv", rows)
    return src


def test_failed_load_into_a_new_path_leaves_nothing(gen: Gen, tmp_path: Path) -> None:
    src = broken_csv(gen, tmp_path / "src")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, out / "new.db")
    n = gen.count("transactions") + 1
    assert f"transactions.csv line {n}, amount = 'twelve': not an amount [type]" in str(info.value)
    assert listing(out) == ["keep.txt"]
    code, _, err = run("load", "--from", str(src), "--db", str(out / "new.db"))
    assert code == 1 and "nothing was loaded" in err and "FAIL  type" in err
    assert listing(out) == ["keep.txt"]


def test_failed_load_into_a_new_folder_leaves_no_folder(gen: Gen, tmp_path: Path) -> None:
    src = broken_csv(gen, tmp_path / "src")
    with pytest.raises(ssg.InvalidDataError):
        ssg.load(src, tmp_path / "new" / "deeper" / "x.db")
    assert not (tmp_path / "new" / "deeper" / "x.db").exists()  # holds
    assert not (tmp_path / "new").exists()  # fails: the folders are left


def test_failed_load_into_an_existing_database_changes_nothing(gen: Gen, tmp_path: Path) -> None:
    db = tmp_path / "base.db"
    half = split_by_user(gen, {gen.rows("users")[1][0]}, tmp_path / "half")
    ssg.load(half, db)
    before = sha256(db)
    src = broken_csv(gen, tmp_path / "src")
    # the other users' rows would insert fine, until the bad amount at the end
    with pytest.raises(ssg.InvalidDataError):
        ssg.load(src, db)
    assert sha256(db) == before
    assert listing(tmp_path) == ["base.db", "half", "src"]


def test_interrupting_a_load_from_the_progress_callback(tmp_path: Path) -> None:
    """The callback runs every 50,000 rows; raising there stops the load and leaves nothing."""
    d = tmp_path / "big"
    ssg.generate(n_users=130, seed=5).write(d, ["csv"])
    calls: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> None:
        calls.append((done, total))
        raise RuntimeError("stop here")

    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(RuntimeError, match="stop here"):
        ssg.load(d / "csv", out / "big.db", progress=stop)
    assert calls == [(50_000, 0)]
    assert listing(out) == []
    seen: list[int] = []
    result = ssg.load(d / "csv", out / "big.db", progress=lambda done, total: seen.append(done))
    assert seen and all(x % 50_000 == 0 for x in seen)
    assert sum(result.rows.values()) >= seen[-1]


# -- duplicates within the input --------------------------------------------------------------------


def test_duplicate_ids_in_the_input_name_both_lines(gen: Gen, tmp_path: Path) -> None:
    src = gen.csv_copy(tmp_path / "src")
    users = read_csv(src / "users.csv")
    users.append(list(users[3]))  # line 4 again, at the end
    write_csv(src / "users.csv", users)
    txns = read_csv(src / "transactions.csv")
    txns.insert(10, list(txns[2]))  # line 3 again, as line 11
    write_csv(src / "transactions.csv", txns)
    db = tmp_path / "dup.db"
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, db)
    pk = {(f["table"], f["line"]): f for f in info.value.errors if f["rule"] == "primary_key"}
    u = pk[("users", len(users))]
    assert u["value"] == users[3][0] and u["message"] == "duplicate user_id, first at users.csv line 4"
    t = pk[("transactions", 11)]
    assert t["value"] == txns[2][0]
    assert t["message"] == "duplicate transaction_id, first at transactions.csv line 3"
    assert not db.exists() and listing(tmp_path) == ["src"]


def test_duplicate_ids_in_users_json_name_both_paths(gen: Gen, tmp_path: Path) -> None:
    doc = json.loads(gen.json_path.read_text(encoding="utf-8"))
    txns = doc["users"][2]["transactions"]
    txns.append(dict(txns[4]))
    src = tmp_path / "users.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, tmp_path / "dup.db")
    (f,) = info.value.errors
    assert f["path"] == f"users[2].transactions[{len(txns) - 1}]"
    assert f["message"] == "duplicate transaction_id, first at users[2].transactions[4]"
    assert listing(tmp_path) == ["users.json"]


# -- text is data, never SQL ----------------------------------------------------------------------

PAYLOADS = (
    "'; DROP TABLE users; --",
    'Robert"); DROP TABLE transactions;--',
    "x' OR '1'='1",
    'O\'Brien & "Sons", Ltd.',
    "1; DELETE FROM accounts WHERE 1=1",
    "line one\nline two\r\nline three",
    "tab\there, back\\slash, 100% _wild_ [brackets]",
    "caf\u00e9 \u2603 \U0001f600 \u202e",
    "?1 ?2 :name @x $y",
    "  padded  ",
)


def _edit_text(rows: list[list[str]], column: str, values: tuple[str, ...]) -> list[int]:
    """Puts ``values`` into ``column`` of the first rows; returns the row indexes."""
    col = rows[0].index(column)
    for k, v in enumerate(values, start=1):
        rows[k][col] = v
    return list(range(1, len(values) + 1))


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_sql_injection_payloads_load_verbatim(gen: Gen, fmt: str, tmp_path: Path) -> None:
    db = tmp_path / "target.db"
    shutil.copy(gen.db, db)  # an existing database with every table, to be appended to
    # new ids for every row, so the rows are appended
    new: dict[str, list[list[str]]] = {}
    for t in TABLES:
        rows = gen.rows(t)
        for r in rows[1:]:
            for k, name in enumerate(rows[0]):
                if name in ("user_id", "account_id", "transaction_id"):
                    r[k] = r[k] + "_x"
        new[t] = rows
    _edit_text(new["users"], "name", PAYLOADS)
    _edit_text(new["transactions"], "merchant_name", PAYLOADS)
    _edit_text(new["transactions"], "name", tuple(reversed(PAYLOADS)))
    if fmt == "csv":
        src = gen.csv_copy(tmp_path / "src")
        for t, rows in new.items():
            write_csv(src / f"{t}.csv", rows)
    else:
        doc = json.loads(gen.json_path.read_text(encoding="utf-8"))
        for u in doc["users"]:
            u["user_id"] += "_x"
            for a in u["accounts"]:
                a["account_id"] += "_x"
            for x in u["transactions"]:
                x["transaction_id"] += "_x"
                x["account_id"] += "_x"
            for items in u["liabilities"].values():
                for x in items:
                    x["account_id"] += "_x"
        for k, p in enumerate(PAYLOADS):
            doc["users"][k]["name"] = p
        flat = [x for u in doc["users"] for x in u["transactions"]]
        order = {r[0]: i for i, r in enumerate(new["transactions"][1:])}
        for x in flat:
            i = order[x["transaction_id"]] + 1
            if i <= len(PAYLOADS):
                x["merchant_name"] = new["transactions"][i][new["transactions"][0].index("merchant_name")]
                x["name"] = new["transactions"][i][new["transactions"][0].index("name")]
        src = tmp_path / "src.json"
        src.write_text(json.dumps(doc), encoding="utf-8")
    result = ssg.load(src, db)
    assert result.created is False and result.rows["users"] == N_USERS
    assert table_names(db) == sorted(["metadata", "persona_assignments", *TABLES])
    with sqlite3.connect(db) as c:
        names = [
            r[0]
            for r in c.execute("SELECT name FROM users WHERE user_id LIKE '%\\_x' ESCAPE '\\' ORDER BY rowid")
        ]
        assert names[: len(PAYLOADS)] == list(PAYLOADS)
        merchants = c.execute(
            "SELECT name, merchant_name FROM transactions WHERE transaction_id LIKE '%\\_x' ESCAPE '\\' "
            "ORDER BY rowid LIMIT ?",
            (len(PAYLOADS),),
        ).fetchall()
        assert [m for _, m in merchants] == list(PAYLOADS)
        assert [n for n, _ in merchants] == list(reversed(PAYLOADS))
        for t in TABLES:
            n = c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            assert n == 2 * gen.count(t), t
    # the old rows are untouched
    for t in TABLES:
        assert dump(db, t)[: gen.count(t)] == dump(gen.db, t), t
    report = ssg.validate(src)
    assert report.check("type").status == "pass" and report.check("required").status == "pass"


def test_an_injection_in_a_csv_header_is_an_unknown_column(gen: Gen, tmp_path: Path) -> None:
    src = gen.csv_copy(tmp_path / "src")
    evil = 'name" TEXT); DROP TABLE users; --'
    rows = read_csv(src / "users.csv")
    rows[0][rows[0].index("name")] = evil
    write_csv(src / "users.csv", rows)
    db = tmp_path / "target.db"
    shutil.copy(gen.db, db)
    before = sha256(db)
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, db)
    cols = [f for f in info.value.errors if f["rule"] == "columns"]
    assert [(f["field"], f["line"], f["table"]) for f in cols] == [(evil, 1, "users"), ("name", 1, "users")]
    assert cols[0]["message"].startswith(f"unknown column '{evil}'")
    assert cols[1]["message"] == "required column 'name' is missing"
    assert sha256(db) == before
    assert table_names(db) == sorted(["metadata", "persona_assignments", *TABLES])
    # and into a new database: nothing is created
    with pytest.raises(ssg.InvalidDataError):
        ssg.load(src, tmp_path / "new.db")
    assert listing(tmp_path) == ["src", "target.db"]
    # validate says the same
    r = ssg.validate(src)
    assert [f.field for f in r.check("columns").findings] == [evil, "name"]


def test_an_injection_in_a_json_key_is_an_unknown_key(gen: Gen, tmp_path: Path) -> None:
    doc = json.loads(gen.json_path.read_text(encoding="utf-8"))
    evil = "amount = 0; DROP TABLE transactions; --"
    doc["users"][1]["transactions"][0][evil] = 1
    src = tmp_path / "users.json"
    src.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(src, tmp_path / "new.db")
    (f,) = info.value.errors
    assert (f["rule"], f["field"], f["path"]) == ("columns", evil, "users[1].transactions[0]")
    assert listing(tmp_path) == ["users.json"]
