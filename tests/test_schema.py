"""The written SQLite database, CSV files and users.json: structure, keys, and agreement with the
in-memory dataset."""

from __future__ import annotations

import math
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
import spendsense_gen as ssg
from conftest import Written
from helpers import MONEY_COLUMNS

PRIMARY_KEYS = {
    "users": "user_id",
    "accounts": "account_id",
    "transactions": "transaction_id",
    "liabilities": "account_id",
    "user_labels": "user_id",
}
FOREIGN_KEYS = {
    "users": set(),
    "accounts": {("user_id", "users", "user_id")},
    "transactions": {("account_id", "accounts", "account_id"), ("user_id", "users", "user_id")},
    "liabilities": {("account_id", "accounts", "account_id"), ("user_id", "users", "user_id")},
    "user_labels": {("user_id", "users", "user_id")},
}


@pytest.fixture()
def db(written: Written) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(f"file:{written.db}?mode=ro", uri=True)) as conn:
        yield conn


def test_sqlite_has_the_five_tables_and_the_persona_assignments(db: sqlite3.Connection) -> None:
    names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names == {*ssg.TABLES, "persona_assignments", "metadata"}


def test_sqlite_metadata_describes_the_dataset(db: sqlite3.Connection, ds: ssg.Dataset) -> None:
    meta = dict(db.execute("SELECT key, value FROM metadata").fetchall())
    assert meta["end_date"] == ds.end_date.isoformat()
    assert meta["start_date"] == ds.start_date.isoformat()
    assert meta["seed"] == str(ds.seed) and meta["n_users"] == str(ds.n_users)
    assert meta["generator"] == "spendsense-gen" and meta["version"] == ssg.__version__


@pytest.mark.parametrize("table", ssg.TABLES)
def test_sqlite_columns_and_primary_key(db: sqlite3.Connection, ds: ssg.Dataset, table: str) -> None:
    info = db.execute(f"PRAGMA table_info({table})").fetchall()
    assert [r[1] for r in info] == list(ds.table(table)), "columns and their order match the dataset"
    pk = [r[1] for r in info if r[5] > 0]
    assert pk == [PRIMARY_KEYS[table]]


@pytest.mark.parametrize("table", ssg.TABLES)
def test_sqlite_foreign_keys_are_declared(db: sqlite3.Connection, table: str) -> None:
    fks = {(r[3], r[2], r[4]) for r in db.execute(f"PRAGMA foreign_key_list({table})")}
    assert fks == FOREIGN_KEYS[table]


def test_sqlite_foreign_key_check_is_clean(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_sqlite_enforces_foreign_keys(written: Written, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copyfile(written.db, copy)
    with closing(sqlite3.connect(copy)) as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        cols = [r[1] for r in conn.execute("PRAGMA table_info(transactions)")]
        row = dict(zip(cols, conn.execute("SELECT * FROM transactions LIMIT 1").fetchone()))
        row["transaction_id"] = "txn_test_dangling_account"
        row["account_id"] = "acc_does_not_exist"
        sql = f"INSERT INTO transactions ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute(sql, [row[c] for c in cols])
        # The same row with a real account goes in: the failure was the foreign key.
        row["account_id"] = conn.execute("SELECT account_id FROM accounts LIMIT 1").fetchone()[0]
        conn.execute(sql, [row[c] for c in cols])


def _indexes(db: sqlite3.Connection, table: str) -> list[list[str]]:
    out = []
    for _, name, *_ in db.execute(f"PRAGMA index_list({table})"):
        out.append([r[2] for r in db.execute(f"PRAGMA index_info({name})")])
    return out


def test_sqlite_transaction_indexes(db: sqlite3.Connection) -> None:
    idx = _indexes(db, "transactions")
    assert ["user_id", "date"] in idx
    assert ["account_id"] in idx


def test_sqlite_row_counts(db: sqlite3.Connection, ds: ssg.Dataset, written: Written) -> None:
    for table in ssg.TABLES:
        n = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert n == ds.summary()["rows"][table] == written.manifest["row_counts"][table], table


def test_sqlite_values_match_dataset(db: sqlite3.Connection, ds: ssg.Dataset) -> None:
    tx = ds.transactions
    rows = db.execute(
        "SELECT transaction_id, account_id, date, authorized_date, amount, pending FROM transactions"
        " ORDER BY rowid"
    ).fetchall()
    assert [r[0] for r in rows] == list(tx["transaction_id"])
    assert [r[1] for r in rows] == list(tx["account_id"])
    assert [r[2] for r in rows] == [str(d) for d in tx["date"]]
    assert [r[3] for r in rows] == [str(d) for d in tx["authorized_date"]]
    np.testing.assert_array_equal(np.array([r[4] for r in rows]), tx["amount"])
    assert [bool(r[5]) for r in rows] == list(tx["pending"])
    acc = ds.accounts
    got = dict(db.execute("SELECT account_id, balance_current FROM accounts").fetchall())
    assert got == dict(zip(acc["account_id"], acc["balance_current"].tolist()))
    nulls = db.execute("SELECT count(*) FROM accounts WHERE balance_limit IS NULL").fetchone()[0]
    assert nulls == int(np.isnan(acc["balance_limit"]).sum())


def test_sqlite_integrity(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_sqlite_pages_are_16_kib(db: sqlite3.Connection) -> None:
    # Set before the first table (SQLite's default is 4 KiB): bulk loads write fewer pages.
    assert db.execute("PRAGMA page_size").fetchone()[0] == 16384


# -- CSV ---------------------------------------------------------------------------------------
MONEY_TEXT = re.compile(r"-?\d+\.\d{2}")
DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("table", ssg.TABLES)
def test_csv_header_and_row_count(written: Written, ds: ssg.Dataset, table: str) -> None:
    assert written.csv_header(table) == list(ds.table(table))
    assert len(written.csv_rows(table)) == written.manifest["row_counts"][table]


@pytest.mark.parametrize("table", [t for t in ssg.TABLES if MONEY_COLUMNS[t]])
def test_csv_money_has_at_most_two_decimals(written: Written, ds: ssg.Dataset, table: str) -> None:
    rows = written.csv_rows(table)
    for col in MONEY_COLUMNS[table]:
        values = ds.table(table)[col]
        for i, row in enumerate(rows):
            text = row[col]
            if text == "":
                assert math.isnan(values[i]), f"{table}.{col} row {i}: empty cell for a value"
                continue
            assert MONEY_TEXT.fullmatch(text), f"{table}.{col} row {i}: {text!r}"
            assert float(text) == values[i], f"{table}.{col} row {i}: {text} != {values[i]}"


def test_csv_transactions_text_forms(written: Written, ds: ssg.Dataset) -> None:
    rows = written.csv_rows("transactions")
    tx = ds.transactions
    for i, row in enumerate(rows):
        assert row["transaction_id"] == tx["transaction_id"][i]
        assert DATE_TEXT.fullmatch(row["date"]) and row["date"] == str(tx["date"][i])
        assert DATE_TEXT.fullmatch(row["authorized_date"])
        assert row["pending"] == ("true" if tx["pending"][i] else "false")
        assert row["unofficial_currency_code"] == ""
        assert row["merchant_name"] == (tx["merchant_name"][i] or "")


def test_csv_user_label_flags(written: Written) -> None:
    for row in written.csv_rows("user_labels"):
        for col in ("high_utilization", "variable_income", "subscription_heavy"):
            assert row[col] in ("true", "false")
        assert re.fullmatch(r"\d+", row["persona_count"])


# -- users.json --------------------------------------------------------------------------------
def test_users_json_header(users_json: dict, ds: ssg.Dataset) -> None:
    assert users_json["generator"] == "spendsense-gen"
    assert users_json["version"] == ssg.__version__
    assert users_json["seed"] == ds.seed
    assert users_json["n_users"] == ds.n_users == len(users_json["users"])
    assert users_json["start_date"] == ds.start_date.isoformat()
    assert users_json["end_date"] == ds.end_date.isoformat()


def test_users_json_nests_the_tables(users_json: dict, ds: ssg.Dataset) -> None:
    users = users_json["users"]
    assert [u["user_id"] for u in users] == list(ds.users["user_id"])
    acc_ids = [a["account_id"] for u in users for a in u["accounts"]]
    assert sorted(acc_ids) == sorted(ds.accounts["account_id"])
    tx_ids = [t["transaction_id"] for u in users for t in u["transactions"]]
    assert sorted(tx_ids) == sorted(ds.transactions["transaction_id"])
    liab = [(x["account_id"], kind) for u in users for kind, items in u["liabilities"].items() for x in items]
    assert sorted(liab) == sorted(zip(ds.liabilities["account_id"], ds.liabilities["liability_type"]))
    for u in users:
        own = {a["account_id"] for a in u["accounts"]}
        assert {t["account_id"] for t in u["transactions"]} <= own
        assert {x["account_id"] for items in u["liabilities"].values() for x in items} <= own


def test_users_json_values_match_dataset(users_json: dict, ds: ssg.Dataset) -> None:
    acc = ds.accounts
    by_id = {a: i for i, a in enumerate(acc["account_id"])}
    for u in users_json["users"]:
        for a in u["accounts"]:
            i = by_id[a["account_id"]]
            assert a["balances"]["current"] == acc["balance_current"][i]
            assert a["type"] == acc["type"][i] and a["subtype"] == acc["subtype"][i]
            assert a["mask"] == acc["mask"][i]
    tx = ds.transactions
    amount = dict(zip(tx["transaction_id"], tx["amount"].tolist()))
    pending = dict(zip(tx["transaction_id"], tx["pending"].tolist()))
    for u in users_json["users"]:
        for t in u["transactions"]:
            assert t["amount"] == amount[t["transaction_id"]]
            assert t["pending"] == pending[t["transaction_id"]]
    labels = {u: i for i, u in enumerate(ds.user_labels["user_id"])}
    for u in users_json["users"]:
        i = labels[u["user_id"]]
        assert u["labels"]["archetype"] == ds.user_labels["archetype"][i]
        assert ",".join(u["labels"]["personas"]) == ds.user_labels["personas"][i]
        assert u["labels"]["edge_case"] == ds.user_labels["edge_case"][i]
