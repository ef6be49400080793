"""``spendsense_gen.validate`` and ``spendsense-gen validate``: a generated dataset passes every rule
in every format (SQLite, CSV folder, users.json), and each rule fails on an edited copy with a
finding that names the rule, table, field, value and location (CSV line, SQLite rowid or JSON path).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import spendsense_gen as ssg
from spendsense_gen import cli

# 40 users: with the default consent_ratio 0.9, counts of 5, 15, 25... users trip the consent rounding
# bug (see test_fresh_dataset_passes_consent_whatever_the_rounding).
N_USERS = 40
SEED = 4242
MONTHS = 3
FORMATS = ("sqlite", "csv", "json")
TABLES = ("users", "accounts", "transactions", "liabilities", "user_labels")
KEYS = {
    "users": "user_id",
    "accounts": "account_id",
    "transactions": "transaction_id",
    "liabilities": "account_id",
    "user_labels": "user_id",
}
# Where a column lives inside a users.json object (when not under its own name).
JSON_KEYS = {
    "accounts": {
        "balance_available": "balances.available",
        "balance_current": "balances.current",
        "balance_limit": "balances.limit",
        "iso_currency_code": "balances.iso_currency_code",
        "unofficial_currency_code": "balances.unofficial_currency_code",
    },
    "transactions": {
        "pfc_primary": "personal_finance_category.primary",
        "pfc_detailed": "personal_finance_category.detailed",
        "pfc_confidence_level": "personal_finance_category.confidence_level",
    },
    "user_labels": {"archetype": "archetype", "personas": "personas", "edge_case": "edge_case"},
}
JSON_LIST = {"accounts": "accounts", "transactions": "transactions"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@dataclass
class Base:
    """One generated dataset in every format, and its CSV rows for picking what to edit."""

    dir: Path
    rows: dict[str, list[dict[str, str]]]
    end_date: str

    @property
    def csv(self) -> Path:
        return self.dir / "csv"

    @property
    def db(self) -> Path:
        return self.dir / "spendsense.db"

    @property
    def json_path(self) -> Path:
        return self.dir / "users.json"

    def path(self, fmt: str) -> Path:
        return {"sqlite": self.db, "csv": self.csv, "json": self.json_path}[fmt]

    def pick(self, table: str, **where: str) -> dict[str, str]:
        for r in self.rows[table]:
            if all(r[k] == v for k, v in where.items()):
                return r
        raise LookupError(f"no {table} row with {where}")

    def account(self, account_id: str) -> dict[str, str]:
        return self.pick("accounts", account_id=account_id)


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    out = tmp_path_factory.mktemp("validate") / "data"
    ds = ssg.generate(n_users=N_USERS, seed=SEED, months=MONTHS)
    ds.write(out, ["sqlite", "csv", "json"])
    rows = {}
    for t in TABLES:
        with open(out / "csv" / f"{t}.csv", newline="", encoding="utf-8") as f:
            rows[t] = list(csv.DictReader(f))
    return Base(out, rows, str(ds.end_date))


@dataclass(frozen=True)
class Where:
    location: str
    line: Optional[int] = None
    rowid: Optional[int] = None
    path: Optional[str] = None


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Editor:
    """A copy of the base dataset in one format, edited row by row (rows named by their key)."""

    def __init__(self, base: Base, fmt: str, tmp: Path) -> None:
        self.base = base
        self.fmt = fmt
        root = tmp / "copy"
        root.mkdir()
        if fmt == "csv":
            shutil.copytree(base.csv, root / "csv")
            # The window and consent ratio come from the manifest beside the folder.
            shutil.copy(base.dir / "manifest.json", root / "manifest.json")
            self.path = root / "csv"
            self.tables: dict[str, list[list[str]]] = {}
        elif fmt == "sqlite":
            self.path = root / "spendsense.db"
            shutil.copy(base.db, self.path)
            self.conn = sqlite3.connect(self.path)
        else:
            self.path = root / "users.json"
            self.doc: dict[str, Any] = json.loads(base.json_path.read_text(encoding="utf-8"))

    # -- CSV ---------------------------------------------------------------------------------
    def csv_rows(self, table: str) -> list[list[str]]:
        if table not in self.tables:
            self.tables[table] = read_csv(self.path / f"{table}.csv")
        return self.tables[table]

    def csv_index(self, table: str, key: str, nth: int = 0) -> int:
        rows = self.csv_rows(table)
        col = rows[0].index(KEYS[table])
        hits = [i for i, r in enumerate(rows) if i > 0 and r[col] == key]
        return hits[nth]

    # -- JSON --------------------------------------------------------------------------------
    def json_user(self, user_id: str) -> tuple[int, dict[str, Any]]:
        for i, u in enumerate(self.doc["users"]):
            if u["user_id"] == user_id:
                return i, u
        raise LookupError(user_id)

    def owner(self, table: str, key: str) -> str:
        if table in ("users", "user_labels"):
            return key
        if table == "transactions":
            return self.base.pick("transactions", transaction_id=key)["user_id"]
        return self.base.account(key)["user_id"]

    def json_item(self, table: str, key: str) -> tuple[str, dict[str, Any], list[Any], int]:
        """(JSON path, object, the list holding it, its index) of a row in users.json."""
        u, user = self.json_user(self.owner(table, key))
        if table == "users":
            return f"users[{u}]", user, self.doc["users"], u
        if table == "user_labels":
            return f"users[{u}].labels", user["labels"], [], -1
        if table == "liabilities":
            for kind, items in user["liabilities"].items():
                for j, x in enumerate(items):
                    if x["account_id"] == key:
                        return f"users[{u}].liabilities.{kind}[{j}]", x, items, j
            raise LookupError(key)
        items = user[JSON_LIST[table]]
        for j, x in enumerate(items):
            if x[KEYS[table]] == key:
                return f"users[{u}].{JSON_LIST[table]}[{j}]", x, items, j
        raise LookupError(key)

    # -- edits -------------------------------------------------------------------------------
    def set(self, table: str, key: str, column: str, value: Any) -> None:
        if self.fmt == "csv":
            rows = self.csv_rows(table)
            rows[self.csv_index(table, key)][rows[0].index(column)] = csv_cell(value)
        elif self.fmt == "sqlite":
            self.conn.execute(f"UPDATE {table} SET {column} = ? WHERE {KEYS[table]} = ?", (value, key))
        else:
            _, obj, _, _ = self.json_item(table, key)
            parts = JSON_KEYS.get(table, {}).get(column, column).split(".")
            for p in parts[:-1]:
                obj = obj[p]
            obj[parts[-1]] = value

    def delete(self, table: str, key: str) -> None:
        if self.fmt == "csv":
            rows = self.csv_rows(table)
            del rows[self.csv_index(table, key)]
        elif self.fmt == "sqlite":
            self.conn.execute(f"DELETE FROM {table} WHERE {KEYS[table]} = ?", (key,))
        elif table == "user_labels":
            _, user = self.json_user(key)
            del user["labels"]
        else:
            _, _, items, j = self.json_item(table, key)
            del items[j]

    def duplicate(self, table: str, key: str) -> None:
        """Appends a copy of a row at the end of its table (users.json: of its list)."""
        if self.fmt == "csv":
            rows = self.csv_rows(table)
            rows.append(list(rows[self.csv_index(table, key)]))
        elif self.fmt == "sqlite":
            self.drop_constraints(table)
            self.conn.execute(f"INSERT INTO {table} SELECT * FROM {table} WHERE {KEYS[table]} = ?", (key,))
        else:
            _, obj, items, _ = self.json_item(table, key)
            items.append(json.loads(json.dumps(obj)))

    def drop_constraints(self, table: str) -> None:
        """Rebuilds a SQLite table without its keys (rows keep their order and rowids)."""
        c = self.conn
        c.execute(f"CREATE TABLE plain AS SELECT * FROM {table} ORDER BY rowid")
        c.execute(f"DROP TABLE {table}")
        c.execute(f"ALTER TABLE plain RENAME TO {table}")

    def where(self, table: str, key: str, nth: int = 0) -> Where:
        """The location of a row as the report gives it (call after the edits)."""
        if self.fmt == "csv":
            line = self.csv_index(table, key, nth) + 1
            return Where(f"{table}.csv line {line}", line=line)
        if self.fmt == "sqlite":
            rowids = [
                r[0]
                for r in self.conn.execute(
                    f"SELECT rowid FROM {table} WHERE {KEYS[table]} = ? ORDER BY rowid", (key,)
                )
            ]
            return Where(f"{table} rowid {rowids[nth]}", rowid=rowids[nth])
        path = self.json_item(table, key)[0]
        if nth:
            _, _, items, _ = self.json_item(table, key)
            path = path.rsplit("[", 1)[0] + f"[{len(items) - 1}]"
        return Where(path, path=path)

    def whole(self, table: str) -> Where:
        """The location of a finding about a whole table."""
        return Where(f"{table}.csv" if self.fmt == "csv" else table)

    def save(self) -> Path:
        if self.fmt == "csv":
            for t, rows in self.tables.items():
                write_csv(self.path / f"{t}.csv", rows)
        elif self.fmt == "sqlite":
            self.conn.commit()
        else:
            self.path.write_text(json.dumps(self.doc), encoding="utf-8")
        return self.path

    def validate(self) -> ssg.ValidationReport:
        return ssg.validate(self.save())


@pytest.fixture(params=FORMATS)
def fmt(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ed(base: Base, fmt: str, tmp_path: Path) -> Iterator[Editor]:
    e = Editor(base, fmt, tmp_path)
    yield e
    if fmt == "sqlite":
        e.conn.close()


def find(
    report: ssg.ValidationReport,
    rule: str,
    where: Where,
    field: Optional[str],
    value: Optional[str] = None,
    *,
    table: Optional[str] = None,
    message: Optional[str] = None,
) -> ssg.Finding:
    """The one finding of ``rule`` at ``where`` on ``field``; checks its value, table, message,
    and that the report failed because of it."""
    assert not report.ok
    assert rule in report.failed(), report.summary()
    check = report.check(rule)
    assert check.status == "fail" and check.failures >= 1
    hits = [f for f in check.findings if f.location == where.location and f.field == field]
    assert len(hits) == 1, f"no single {rule} finding at {where} on {field}:\n{report.summary()}"
    f = hits[0]
    assert f.rule == rule
    assert (f.line, f.rowid, f.path) == (where.line, where.rowid, where.path)
    assert f.value == value, f
    if table is not None:
        assert f.table == table, f
    if message is not None:
        assert message in f.message, f
    # The readable line names the same things.
    text = str(f)
    assert text.startswith(where.location) and text.endswith(f"[{rule}]")
    assert f"[{rule}]" in report.summary(), report.summary()
    return f


def money(x: float) -> str:
    return f"{x:.2f}"


# -- a generated dataset is valid ---------------------------------------------------------------


def test_generated_dataset_passes_every_rule(base: Base, fmt: str) -> None:
    report = ssg.validate(base.path(fmt))
    assert report.ok, report.summary()
    assert report.source == fmt
    assert report.failures == 0 and report.failed() == [] and report.findings == []
    assert [c.rule for c in report.checks] == list(ssg.RULES)
    assert [c.status for c in report] == ["pass"] * len(ssg.RULES), report.summary()
    assert report.rows == {t: len(base.rows[t]) for t in TABLES}
    assert report.window is not None and report.window["end_date"] == base.end_date
    for rule in ("required", "type", "primary_key", "foreign_key", "enum", "sign", "balance"):
        assert report.check(rule).checked > 0, rule
    summary = report.summary()
    assert summary.splitlines()[-1] == f"OK: {len(ssg.RULES)} of {len(ssg.RULES)} checks passed"
    assert f"{N_USERS} users" in summary
    report.raise_for_failures()  # nothing to raise

    code, out, err = run("validate", str(base.path(fmt)))
    assert (code, err) == (0, "")
    assert out == summary


def test_rules_are_reported_in_order_with_descriptions(base: Base) -> None:
    d = ssg.validate(base.db).to_dict()
    assert set(d) >= {"path", "source", "ok", "failures", "rows", "window", "checks"}
    assert [c["rule"] for c in d["checks"]] == list(ssg.RULES)
    for c in d["checks"]:
        assert c["description"] and c["status"] == "pass" and c["findings"] == []
    assert d["path"] == str(base.db) and d["source"] == "sqlite"
    assert d["window"]["from"] == "metadata table"
    # The CSV folder takes its window from the manifest beside it, users.json from its header.
    assert ssg.validate(base.csv).window["from"].endswith("manifest.json")  # type: ignore[index]
    assert ssg.validate(base.json_path).window["from"] == "users.json header"  # type: ignore[index]


# -- readable -------------------------------------------------------------------------------------


def test_readable_missing_table(ed: Editor) -> None:
    if ed.fmt == "csv":
        (ed.path / "transactions.csv").unlink()
        message = "transactions.csv is missing"
    elif ed.fmt == "sqlite":
        ed.conn.execute("DROP TABLE transactions")
        message = "the database has no table 'transactions'"
    else:
        # users.json with no users list at all
        ed.doc = {k: v for k, v in ed.doc.items() if k != "users"}
        r = ed.validate()
        f = find(r, "readable", Where("the file"), None, table=None, message='no "users" list')
        assert f.table is None
        return
    r = ed.validate()
    find(r, "readable", ed.whole("transactions"), None, table="transactions", message=message)
    assert "transactions" not in r.rows


@pytest.mark.parametrize("fmt", ["csv"])
def test_readable_short_csv_line(ed: Editor, base: Base) -> None:
    acc = base.rows["accounts"][3]["account_id"]
    rows = ed.csv_rows("accounts")
    i = ed.csv_index("accounts", acc)
    rows[i] = rows[i][:5]
    r = ed.validate()
    find(
        r,
        "readable",
        Where(f"accounts.csv line {i + 1}", line=i + 1),
        None,
        table="accounts",
        message="5 fields where the header has 13",
    )


@pytest.mark.parametrize("fmt", ["json"])
def test_readable_truncated_json(ed: Editor) -> None:
    text = ed.base.json_path.read_text(encoding="utf-8")
    cut = text[: len(text) // 2]
    ed.path.write_text(cut, encoding="utf-8")
    r = ssg.validate(ed.path)
    line = cut.count("\n") + 1
    f = find(r, "readable", Where(f"line {line}", line=line), None, message="not valid JSON")
    assert f.table is None
    # The users read before the cut were still checked.
    assert 0 < r.rows["users"] < N_USERS


# -- columns --------------------------------------------------------------------------------------


def test_columns_unknown_and_missing(ed: Editor, base: Base) -> None:
    if ed.fmt == "csv":
        rows = ed.csv_rows("transactions")
        rows[0][rows[0].index("amount")] = "amt"
        where = Where("transactions.csv line 1", line=1)
    elif ed.fmt == "sqlite":
        ed.conn.execute("ALTER TABLE transactions RENAME COLUMN amount TO amt")
        where = Where("transactions")
    else:
        txn = base.rows["transactions"][10]["transaction_id"]
        _, obj, _, _ = ed.json_item("transactions", txn)
        obj["amt"] = obj.pop("amount")
        r = ed.validate()
        where = ed.where("transactions", txn)
        find(r, "columns", where, "amt", table="transactions", message="unknown key 'amt'")
        # the amount is then missing from that transaction
        find(r, "required", where, "amount", table="transactions", message="is empty")
        return
    r = ed.validate()
    find(r, "columns", where, "amt", table="transactions", message="unknown column 'amt'")
    find(r, "columns", where, "amount", table="transactions", message="required column 'amount' is missing")


@pytest.mark.parametrize("fmt", ["csv"])
def test_columns_repeated_csv_column(ed: Editor) -> None:
    rows = ed.csv_rows("users")
    for r in rows:
        r.append(r[1])  # a second 'name' column
    r = ed.validate()
    find(r, "columns", Where("users.csv line 1", line=1), "name", message="column 'name' appears twice")


@pytest.mark.parametrize("fmt", ["json"])
def test_columns_unknown_nested_json_key(ed: Editor, base: Base) -> None:
    acc = base.rows["accounts"][0]["account_id"]
    _, obj, _, _ = ed.json_item("accounts", acc)
    obj["balances"]["colour"] = "red"
    r = ed.validate()
    find(r, "columns", ed.where("accounts", acc), "balances.colour", message="unknown key 'balances.colour'")


@pytest.mark.parametrize("fmt", ["json"])
def test_columns_keys_that_only_look_like_fields_json(ed: Editor, base: Base) -> None:
    # A field's name cut short, a field of a nested object put at the top, a nested field one
    # letter off, and the nested object's name with a dot: each is unknown, found once.
    txn = base.rows["transactions"][11]["transaction_id"]
    _, obj, _, _ = ed.json_item("transactions", txn)
    obj["merchant"] = "x"
    obj["primary"] = "x"
    obj["personal_finance_category"]["primar"] = "x"
    obj["personal_finance_category."] = "x"
    r = ed.validate()
    where = ed.where("transactions", txn)
    for key in ("merchant", "primary", "personal_finance_category.primar", "personal_finance_category."):
        find(r, "columns", where, key, table="transactions", message=f"unknown key '{key}'")
    assert len(r.check("columns").findings) == 4
    assert r.failed() == ["columns"]


@pytest.mark.parametrize("fmt", ["json"])
def test_columns_unknown_liabilities_group_is_located_at_the_liabilities(ed: Editor) -> None:
    i, user = next((i, u) for i, u in enumerate(ed.doc["users"]) if not u["liabilities"]["credit"])
    user["liabilities"]["auto"] = []
    r = ed.validate()
    (f,) = r.check("columns").findings
    assert (f.field, f.message) == (
        "liabilities.auto",
        "unknown key 'auto' (keys: credit, student, mortgage)",
    )
    # At the user, with the field naming the key inside its liabilities object.
    assert f.path == f"users[{i}]"


# -- required -------------------------------------------------------------------------------------


def test_required_empty_value(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][7]["transaction_id"]
    ed.set("transactions", txn, "name", "")
    r = ed.validate()
    find(r, "required", ed.where("transactions", txn), "name", None, table="transactions", message="is empty")
    assert r.failed() == ["required"]


def test_required_credit_limit(ed: Editor, base: Base) -> None:
    acc = base.pick("accounts", subtype="credit card")["account_id"]
    ed.set("accounts", acc, "balance_limit", None)
    r = ed.validate()
    find(r, "required", ed.where("accounts", acc), "balance_limit", None, message="a credit account needs")


# -- type -----------------------------------------------------------------------------------------


def test_type_text_in_amount(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][5]["transaction_id"]
    ed.set("transactions", txn, "amount", "abc")
    r = ed.validate()
    message = "expected a number, found a string" if ed.fmt == "json" else "not an amount"
    find(r, "type", ed.where("transactions", txn), "amount", "abc", table="transactions", message=message)
    assert r.failed() == ["type"]


def test_type_amount_with_more_than_two_decimals(ed: Editor, base: Base) -> None:
    # Parsing rounds to cents: the report says so instead of validating a changed amount.
    txn = base.rows["transactions"][7]["transaction_id"]
    ed.set("transactions", txn, "amount", 12.345)
    r = ed.validate()
    where = ed.where("transactions", txn)
    find(r, "type", where, "amount", "12.345", table="transactions", message="more than two decimals")
    assert r.failed() == ["type"]


def test_type_bad_date(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][6]["transaction_id"]
    ed.set("transactions", txn, "date", "2025-02-30")
    r = ed.validate()
    find(r, "type", ed.where("transactions", txn), "date", "2025-02-30", message="not a YYYY-MM-DD date")


def test_type_bad_timestamp_and_boolean(ed: Editor, base: Base) -> None:
    user = base.rows["users"][2]["user_id"]
    ed.set("users", user, "created_at", "yesterday")
    txn = base.rows["transactions"][9]["transaction_id"]
    ed.set("transactions", txn, "pending", "maybe")
    r = ed.validate()
    find(r, "type", ed.where("users", user), "created_at", "yesterday", message="not an ISO 8601 timestamp")
    message = "expected true or false, found a string" if ed.fmt == "json" else "not true/false"
    find(r, "type", ed.where("transactions", txn), "pending", "maybe", message=message)


def test_type_integer(ed: Editor, base: Base) -> None:
    user = base.rows["users"][4]["user_id"]
    ed.set("users", user, "age", 33.5)
    r = ed.validate()
    message = "expected an integer, found a number" if ed.fmt == "json" else "not an integer"
    find(r, "type", ed.where("users", user), "age", "33.5", table="users", message=message)


# -- primary_key ----------------------------------------------------------------------------------


def test_primary_key_duplicate_transaction(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][20]["transaction_id"]
    ed.duplicate("transactions", txn)
    first, second = ed.where("transactions", txn), ed.where("transactions", txn, nth=1)
    r = ed.validate()
    find(
        r,
        "primary_key",
        second,
        "transaction_id",
        txn,
        table="transactions",
        message=f"duplicate transaction_id, first at {first.location}",
    )


def test_primary_key_duplicate_user(ed: Editor, base: Base) -> None:
    user = base.rows["users"][5]["user_id"]
    if ed.fmt == "json":
        # a copy of the user object, accounts and all: every id in it is a duplicate
        ed.doc["users"].append(json.loads(json.dumps(ed.json_user(user)[1])))
        n = len(ed.doc["users"]) - 1
        first, second = ed.where("users", user), Where(f"users[{n}]", path=f"users[{n}]")
    else:
        ed.duplicate("users", user)
        first, second = ed.where("users", user), ed.where("users", user, nth=1)
    r = ed.validate()
    find(r, "primary_key", second, "user_id", user, message=f"duplicate user_id, first at {first.location}")


def test_primary_key_second_liability(ed: Editor, base: Base) -> None:
    acc = base.pick("liabilities", liability_type="credit")["account_id"]
    ed.duplicate("liabilities", acc)
    second = ed.where("liabilities", acc, nth=1)
    r = ed.validate()
    find(r, "primary_key", second, "account_id", acc, message="a second liability for this account")


# -- foreign_key ----------------------------------------------------------------------------------


def test_foreign_key_dangling_account(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][30]["transaction_id"]
    ed.set("transactions", txn, "account_id", "acc_does_not_exist")
    r = ed.validate()
    find(
        r,
        "foreign_key",
        ed.where("transactions", txn),
        "account_id",
        "acc_does_not_exist",
        table="transactions",
        message="no such account in accounts",
    )


# users.json nests rows under their user: no user_id there to dangle.
@pytest.mark.parametrize("fmt", ["sqlite", "csv"])
def test_foreign_key_dangling_user(ed: Editor, base: Base) -> None:
    acc = base.rows["accounts"][2]["account_id"]
    ed.set("accounts", acc, "user_id", "user_9999")
    r = ed.validate()
    find(r, "foreign_key", ed.where("accounts", acc), "user_id", "user_9999", message="no such user in users")


@pytest.mark.parametrize("fmt", ["sqlite", "csv"])
def test_foreign_key_account_of_another_user(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][0]
    other = next(u["user_id"] for u in base.rows["users"] if u["user_id"] != txn["user_id"])
    ed.set("transactions", txn["transaction_id"], "user_id", other)
    r = ed.validate()
    find(
        r,
        "foreign_key",
        ed.where("transactions", txn["transaction_id"]),
        "user_id",
        other,
        message=f"account {txn['account_id']} belongs to {txn['user_id']}",
    )


def test_foreign_key_credit_account_without_liability(ed: Editor, base: Base) -> None:
    acc = base.pick("liabilities", liability_type="credit")["account_id"]
    ed.delete("liabilities", acc)
    r = ed.validate()
    find(
        r,
        "foreign_key",
        ed.where("accounts", acc),
        "account_id",
        acc,
        table="accounts",
        message="a credit card account without a liability",
    )


# -- enum -----------------------------------------------------------------------------------------


def test_enum_account_type_subtype_pair(ed: Editor, base: Base) -> None:
    acc = base.pick("accounts", subtype="checking")["account_id"]
    ed.set("accounts", acc, "subtype", "credit card")
    r = ed.validate()
    find(
        r,
        "enum",
        ed.where("accounts", acc),
        "subtype",
        "credit card",
        table="accounts",
        message="not a Plaid subtype of 'depository'",
    )


def test_enum_payment_channel(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][11]["transaction_id"]
    ed.set("transactions", txn, "payment_channel", "telepathy")
    r = ed.validate()
    find(
        r,
        "enum",
        ed.where("transactions", txn),
        "payment_channel",
        "telepathy",
        message="not one of: online, in store, other",
    )
    assert r.failed() == ["enum"]


def test_enum_pfc_detailed_not_under_primary(ed: Editor, base: Base) -> None:
    txn = base.pick("transactions", pfc_detailed="FOOD_AND_DRINK_GROCERIES")["transaction_id"]
    ed.set("transactions", txn, "pfc_primary", "ENTERTAINMENT")
    r = ed.validate()
    find(
        r,
        "enum",
        ed.where("transactions", txn),
        "pfc_primary",
        "ENTERTAINMENT",
        message="the primary of FOOD_AND_DRINK_GROCERIES is FOOD_AND_DRINK",
    )


def test_enum_unknown_pfc_detailed(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][12]["transaction_id"]
    ed.set("transactions", txn, "pfc_detailed", "FOOD_AND_DRINK_CAVIAR")
    r = ed.validate()
    find(
        r,
        "enum",
        ed.where("transactions", txn),
        "pfc_detailed",
        "FOOD_AND_DRINK_CAVIAR",
        message="not a detailed category",
    )


def test_enum_label_values(ed: Editor, base: Base) -> None:
    user = base.rows["users"][1]["user_id"]
    ed.set("user_labels", user, "archetype", "wizard")
    ed.set("users", user, "region", "moon")
    r = ed.validate()
    find(r, "enum", ed.where("user_labels", user), "archetype", "wizard", table="user_labels")
    find(r, "enum", ed.where("users", user), "region", "moon", message="not one of: urban, suburban, rural")


def test_enum_income_tier(ed: Editor, base: Base) -> None:
    u = base.pick("users", income_tier="middle")
    ed.set("users", u["user_id"], "income_tier", "high")
    r = ed.validate()
    income = float(u["annual_income"])
    find(
        r,
        "enum",
        ed.where("users", u["user_id"]),
        "income_tier",
        "high",
        message=f"an income of {money(income)} is tier 'middle'",
    )


# -- date_range -----------------------------------------------------------------------------------


def test_date_range_outside_window(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][40]
    ed.set("transactions", txn["transaction_id"], "date", "2031-01-15")
    r = ed.validate()
    where = ed.where("transactions", txn["transaction_id"])
    assert r.window is not None
    window = f"{r.window['start_date']} to {r.window['end_date']}"
    find(r, "date_range", where, "date", "2031-01-15", message=f"outside the window {window}")
    find(
        r,
        "date_range",
        where,
        "authorized_date",
        txn["authorized_date"],
        message="more than 30 days before the posted date 2031-01-15",
    )


def test_date_range_authorized_after_posted(ed: Editor, base: Base) -> None:
    txn = base.rows["transactions"][41]
    ed.set("transactions", txn["transaction_id"], "authorized_date", "2030-12-31")
    r = ed.validate()
    find(
        r,
        "date_range",
        ed.where("transactions", txn["transaction_id"]),
        "authorized_date",
        "2030-12-31",
        message=f"after the posted date {txn['date']}",
    )


# -- sign -----------------------------------------------------------------------------------------


def test_sign_income_with_positive_amount(ed: Editor, base: Base) -> None:
    txn = base.pick("transactions", pfc_detailed="INCOME_WAGES", pending="false")
    amount = -float(txn["amount"])
    assert amount > 0
    ed.set("transactions", txn["transaction_id"], "amount", amount)
    r = ed.validate()
    find(
        r,
        "sign",
        ed.where("transactions", txn["transaction_id"]),
        "amount",
        money(amount),
        table="transactions",
        message="INCOME_WAGES is money in: the amount must be negative",
    )


def test_sign_purchase_with_negative_amount(ed: Editor, base: Base) -> None:
    txn = base.pick("transactions", pfc_primary="FOOD_AND_DRINK", pending="false")
    amount = -float(txn["amount"])
    ed.set("transactions", txn["transaction_id"], "amount", amount)
    r = ed.validate()
    find(
        r,
        "sign",
        ed.where("transactions", txn["transaction_id"]),
        "amount",
        money(amount),
        message="is money out: the amount must be positive",
    )


# -- pairing --------------------------------------------------------------------------------------


def card_payment_pair(base: Base) -> tuple[dict[str, str], dict[str, str]]:
    """A card payment: (the debit from checking, the credit on the card), not the last one."""
    pays = [
        t
        for t in base.rows["transactions"]
        if t["pfc_detailed"] == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT" and t["pending"] == "false"
    ]
    for i, out in enumerate(pays):
        if float(out["amount"]) <= 0:
            continue
        for inn in pays[i + 1 : i + 4]:
            if (
                inn["user_id"] == out["user_id"]
                and inn["date"] == out["date"]
                and float(inn["amount"]) == -float(out["amount"])
            ):
                later = [p for p in pays if p["account_id"] == inn["account_id"] and p["date"] > inn["date"]]
                if later:
                    return out, inn
    raise LookupError("no card payment pair")


def unpaired(
    ed: Editor, gone: dict[str, str], left: dict[str, str], other: str
) -> tuple[ssg.ValidationReport, ssg.Finding]:
    """Deletes ``gone``, validates, and returns the report with its pairing finding on ``left``,
    the side left without ``other``."""
    ed.delete("transactions", gone["transaction_id"])
    r = ed.validate()
    return r, find(
        r,
        "pairing",
        ed.where("transactions", left["transaction_id"]),
        "amount",
        money(abs(float(left["amount"]))),
        table="transactions",
        message=f"no matching {other} of the same user on {left['date']}",
    )


def test_pairing_card_payment_missing_its_other_side(ed: Editor, base: Base) -> None:
    out, inn = card_payment_pair(base)
    r, f = unpaired(ed, inn, out, "a payment on a credit account")
    assert r.check("pairing").findings == (f,)


def test_pairing_credit_side_alone(ed: Editor, base: Base) -> None:
    out, inn = card_payment_pair(base)
    unpaired(ed, out, inn, "a debit from a depository account")


def test_pairing_account_transfer_missing_its_other_side(ed: Editor, base: Base) -> None:
    """Money moved from savings to checking (a large cost covered from savings) is paired too."""
    out = base.pick("transactions", pfc_detailed="TRANSFER_OUT_ACCOUNT_TRANSFER")
    inn = next(
        t
        for t in base.rows["transactions"]
        if t["pfc_detailed"] == "TRANSFER_IN_ACCOUNT_TRANSFER"
        and t["user_id"] == out["user_id"]
        and t["date"] == out["date"]
    )
    unpaired(ed, inn, out, "a TRANSFER_IN_ACCOUNT_TRANSFER")


# -- balance --------------------------------------------------------------------------------------


def test_balance_available_mismatch(ed: Editor, base: Base) -> None:
    acc = base.pick("accounts", subtype="checking")
    available = float(acc["balance_available"]) + 1
    ed.set("accounts", acc["account_id"], "balance_available", available)
    r = ed.validate()
    find(
        r,
        "balance",
        ed.where("accounts", acc["account_id"]),
        "balance_available",
        money(available),
        table="accounts",
        message=f"{acc['account_id']}: current {acc['balance_current']} minus pending",
    )
    assert r.failed() == ["balance"]


def test_balance_savings_rebuilt_below_zero(ed: Editor, base: Base) -> None:
    acc = next(
        a for a in base.rows["accounts"] if a["subtype"] == "savings" and float(a["balance_current"]) < 50_000
    )
    ed.set("accounts", acc["account_id"], "balance_current", -100000.0)
    ed.set("accounts", acc["account_id"], "balance_available", None)
    r = ed.validate()
    find(
        r,
        "balance",
        ed.where("accounts", acc["account_id"]),
        "balance_current",
        "-100000.00",
        message=f"{acc['account_id']}: rebuilt from its transactions, the savings balance is",
    )


def test_balance_checking_below_zero_without_fee(ed: Editor, base: Base) -> None:
    acc = base.pick("accounts", subtype="checking")
    current = float(acc["balance_current"]) - 1_000_000
    ed.set("accounts", acc["account_id"], "balance_current", current)
    ed.set("accounts", acc["account_id"], "balance_available", None)
    r = ed.validate()
    hits = [
        f
        for f in r.check("balance").findings
        if f.location == ed.where("accounts", acc["account_id"]).location
        and "without an overdraft fee" in f.message
    ]
    assert hits, r.summary()
    assert all(f.field == "balance_current" and f.value == money(current) for f in hits)


# -- statement ------------------------------------------------------------------------------------


def checked_credit_liability(base: Base) -> dict[str, str]:
    """A credit liability whose statement was issued before the last day, with a payment."""
    return next(
        x
        for x in base.rows["liabilities"]
        if x["liability_type"] == "credit"
        and x["last_statement_issue_date"] < base.end_date
        and x["last_payment_date"]
        and float(x["last_statement_balance"]) > 100
    )


def test_statement_balance_disagrees_with_transactions(ed: Editor, base: Base) -> None:
    x = checked_credit_liability(base)
    sb = round(float(x["last_statement_balance"]) + 12.34, 2)
    ed.set("liabilities", x["account_id"], "last_statement_balance", sb)
    r = ed.validate()
    find(
        r,
        "statement",
        ed.where("liabilities", x["account_id"]),
        "last_statement_balance",
        money(sb),
        table="liabilities",
        message=f"{x['account_id']} owed {x['last_statement_balance']} at the end of "
        f"{x['last_statement_issue_date']} by its transactions",
    )


def test_statement_minimum_above_balance(ed: Editor, base: Base) -> None:
    x = checked_credit_liability(base)
    m = round(float(x["last_statement_balance"]) + 500, 2)
    ed.set("liabilities", x["account_id"], "minimum_payment_amount", m)
    r = ed.validate()
    find(
        r,
        "statement",
        ed.where("liabilities", x["account_id"]),
        "minimum_payment_amount",
        money(m),
        message=f"not between $0.00 and the statement balance {x['last_statement_balance']}",
    )


# -- last_payment ---------------------------------------------------------------------------------


def test_last_payment_date_is_not_the_latest(ed: Editor, base: Base) -> None:
    x = checked_credit_liability(base)
    ed.set("liabilities", x["account_id"], "last_payment_date", "2020-01-01")
    r = ed.validate()
    find(
        r,
        "last_payment",
        ed.where("liabilities", x["account_id"]),
        "last_payment_date",
        "2020-01-01",
        table="liabilities",
        message=f"{x['account_id']}'s latest payment is on {x['last_payment_date']}",
    )


def test_last_payment_amount(ed: Editor, base: Base) -> None:
    x = checked_credit_liability(base)
    amount = round(float(x["last_payment_amount"]) + 1, 2)
    ed.set("liabilities", x["account_id"], "last_payment_amount", amount)
    r = ed.validate()
    find(
        r,
        "last_payment",
        ed.where("liabilities", x["account_id"]),
        "last_payment_amount",
        money(amount),
        message=f"latest payment ({x['last_payment_date']}) is {x['last_payment_amount']}",
    )
    assert r.failed() == ["last_payment"]


# -- consent --------------------------------------------------------------------------------------


def test_consent_share_disagrees_with_consent_ratio(ed: Editor, base: Base) -> None:
    yes = [u for u in base.rows["users"] if u["consent_status"] == "true"]
    ed.set("users", yes[0]["user_id"], "consent_status", False)
    r = ed.validate()
    n_no = N_USERS - len(yes)
    f = find(
        r,
        "consent",
        ed.whole("users"),
        "consent_status",
        f"{len(yes) - 1} of {N_USERS}",
        table="users",
        message=f"consent_ratio 0.9 means exactly {n_no} users without consent; found {n_no + 1}",
    )
    assert (f.line, f.rowid, f.path) == (None, None, None)
    assert r.failed() == ["consent"]


def test_consent_note_on_a_valid_dataset(base: Base) -> None:
    yes = sum(u["consent_status"] == "true" for u in base.rows["users"])
    note = ssg.validate(base.db).check("consent").note
    assert note is not None and note.startswith(f"{yes} of {N_USERS} users consent") and "0.9" in note


@pytest.mark.parametrize(("n_users", "ratio"), [(25, 0.9), (35, 0.9), (100, 0.935)])
def test_fresh_dataset_passes_consent_whatever_the_rounding(
    n_users: int, ratio: float, tmp_path: Path
) -> None:
    ssg.generate(n_users=n_users, seed=1, months=1, consent_ratio=ratio).write(tmp_path, ["sqlite"])
    r = ssg.validate(tmp_path / "spendsense.db")
    assert r.check("consent").status == "pass", r.summary()


# -- labels ---------------------------------------------------------------------------------------


# users.json derives the count and flags from the personas list.
@pytest.mark.parametrize("fmt", ["sqlite", "csv"])
def test_labels_persona_count_and_flags(ed: Editor, base: Base) -> None:
    lab = base.pick("user_labels", persona_count="1", high_utilization="true")
    ed.set("user_labels", lab["user_id"], "persona_count", 3)
    ed.set("user_labels", lab["user_id"], "savings_builder", True)
    r = ed.validate()
    where = ed.where("user_labels", lab["user_id"])
    find(r, "labels", where, "persona_count", "3", table="user_labels", message="the personas list has 1")
    find(
        r,
        "labels",
        where,
        "savings_builder",
        "true",
        message=f"disagrees with the personas list '{lab['personas']}'",
    )


def test_labels_user_without_label_row(ed: Editor, base: Base) -> None:
    user = base.rows["users"][7]["user_id"]
    ed.delete("user_labels", user)
    r = ed.validate()
    find(
        r, "labels", ed.where("users", user), "user_id", user, table="users", message="no row in user_labels"
    )
    assert r.failed() == ["labels"]


# A users.json user has one labels object.
@pytest.mark.parametrize("fmt", ["sqlite", "csv"])
def test_labels_second_label_row(ed: Editor, base: Base) -> None:
    user = base.rows["users"][8]["user_id"]
    ed.duplicate("user_labels", user)
    r = ed.validate()
    find(
        r,
        "labels",
        ed.where("user_labels", user, nth=1),
        "user_id",
        user,
        table="user_labels",
        message="a second label row for this user",
    )


def test_labels_unknown_persona_name(ed: Editor, base: Base) -> None:
    user = base.pick("user_labels", personas="high_utilization")["user_id"]
    ed.set("user_labels", user, "personas", ["big_spender"] if ed.fmt == "json" else "big_spender")
    r = ed.validate()
    find(r, "enum", ed.where("user_labels", user), "personas", "big_spender", message="not a persona")


# -- persona_coverage -----------------------------------------------------------------------------


def drop_persona(ed: Editor, persona: str) -> int:
    """Takes ``persona`` off every label (list, count and flag stay consistent); returns how many."""
    flags = (
        "high_utilization",
        "variable_income",
        "subscription_heavy",
        "savings_builder",
        "cash_flow_stressed",
    )
    assert persona in flags
    n = 0
    for lab in ed.base.rows["user_labels"]:
        names = [p for p in lab["personas"].split(",") if p]
        if persona not in names:
            continue
        n += 1
        names.remove(persona)
        if ed.fmt == "json":
            ed.set("user_labels", lab["user_id"], "personas", names)
        else:
            ed.set("user_labels", lab["user_id"], "personas", ",".join(names))
            ed.set("user_labels", lab["user_id"], "persona_count", len(names))
            ed.set("user_labels", lab["user_id"], persona, False)
    return n


def test_persona_coverage_is_a_warning_below_100_users(ed: Editor) -> None:
    assert drop_persona(ed, "savings_builder") > 0
    r = ed.validate()
    assert r.ok, r.summary()
    c = r.check("persona_coverage")
    assert c.status == "warn" and c.failures == 0 and c.findings == ()
    assert c.note is not None
    assert "savings_builder 0" in c.note and "no user has savings_builder; fine below 100 users" in c.note
    assert r.failed() == []
    assert (
        r.summary().splitlines()[-1]
        == f"OK: {len(ssg.RULES) - 1} of {len(ssg.RULES)} checks passed (1 warning)"
    )
    assert "  WARN  persona_coverage" in r.summary()
    r.raise_for_failures()  # a warning is not a failure
    code, out, _ = run("validate", str(ed.path))
    assert code == 0 and "(1 warning)" in out


def test_persona_coverage_fails_from_100_users(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, base: Base
) -> None:
    # 100 users: the threshold where a persona nobody has is a failure.
    big = tmp_path_factory.mktemp("big") / "data"
    ssg.generate(n_users=100, seed=SEED, months=MONTHS).write(big, ["sqlite"])
    ed = Editor(Base(big, {}, base.end_date), "sqlite", tmp_path)
    labs = ed.conn.execute("SELECT user_id, personas FROM user_labels").fetchall()
    ed.base.rows["user_labels"] = [{"user_id": u, "personas": p} for u, p in labs]
    assert drop_persona(ed, "variable_income") > 0
    r = ed.validate()
    ed.conn.close()
    f = find(
        r,
        "persona_coverage",
        ed.whole("user_labels"),
        "personas",
        "variable_income",
        table="user_labels",
        message="no user has this persona",
    )
    assert f.rowid is None
    assert r.failed() == ["persona_coverage"]


# -- the report object ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def failing(base: Base, tmp_path_factory: pytest.TempPathFactory) -> ssg.ValidationReport:
    """A CSV copy with 7 bad amounts and one bad payment channel."""
    ed = Editor(base, "csv", tmp_path_factory.mktemp("failing"))
    for t in base.rows["transactions"][100:107]:
        ed.set("transactions", t["transaction_id"], "amount", "lots")
    ed.set("transactions", base.rows["transactions"][200]["transaction_id"], "payment_channel", "pigeon")
    return ed.validate()


def test_report_api_on_failure(failing: ssg.ValidationReport) -> None:
    r = failing
    assert not r.ok and r.failures == 8
    assert r.failed() == ["type", "enum"]
    assert r.check("type").failures == 7 and r.check("enum").failures == 1
    assert [f.rule for f in r.findings] == ["type"] * 7 + ["enum"]
    assert [f.line for f in r.findings] == [102, 103, 104, 105, 106, 107, 108, 202]
    assert "2 failures" not in repr(r) and "8 failures in type, enum" in repr(r)
    d = r.to_dict()
    assert d["ok"] is False and d["failures"] == 8 and d["source"] == "csv"
    by_rule = {c["rule"]: c for c in d["checks"]}
    assert by_rule["type"]["status"] == "fail" and len(by_rule["type"]["findings"]) == 7
    f0 = by_rule["type"]["findings"][0]
    assert f0 == {
        "rule": "type",
        "table": "transactions",
        "location": "transactions.csv line 102",
        "line": 102,
        "field": "amount",
        "value": "lots",
        "message": "not an amount",
    }
    # to_dict is a copy
    d["checks"].clear()
    assert len(r.to_dict()["checks"]) == len(ssg.RULES)
    with pytest.raises(KeyError, match="no rule 'nope'"):
        r.check("nope")


def test_summary_lists_examples_and_counts(base: Base, failing: ssg.ValidationReport) -> None:
    s = failing.summary()
    assert s.splitlines()[-1] == f"FAILED: 2 of {len(ssg.RULES)} checks (8 failures)"
    assert "  FAIL  type              7 failures" in s
    assert "transactions.csv line 102, amount = 'lots': not an amount [type]" in s
    assert "... and 2 more (see the JSON report)" in s  # 5 examples by default
    path = Path(failing.path)
    few = ssg.validate(path, examples=1).summary()
    assert "... and 6 more" in few and "line 103" not in few
    none = ssg.validate(path, examples=0).summary()
    assert "line 102" not in none and "... and 7 more" in none
    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(ssg.InvalidParameterError, match="examples"):
            ssg.validate(path, examples=bad)  # type: ignore[arg-type]


def test_raise_for_failures(failing: ssg.ValidationReport) -> None:
    with pytest.raises(ssg.InvalidDataError) as info:
        failing.raise_for_failures()
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, ssg.SpendSenseError)
    assert str(e) == (
        f"{failing.path}: 8 problem(s) in the data; first: "
        "transactions.csv line 102, amount = 'lots': not an amount [type]"
    )
    assert e.path == failing.path
    assert e.report == failing.to_dict()
    assert len(e.errors) == 8 and e.errors[0]["line"] == 102 and e.errors[-1]["value"] == "pigeon"
    assert e.summary == failing.summary()


def test_to_json(failing: ssg.ValidationReport, tmp_path: Path) -> None:
    text = failing.to_json(tmp_path / "report.json")
    assert json.loads(text) == failing.to_dict()
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == text


def test_findings_are_capped_per_rule_but_counted(base: Base, tmp_path: Path) -> None:
    ed = Editor(base, "csv", tmp_path)
    for t in base.rows["transactions"][:60]:
        ed.set("transactions", t["transaction_id"], "payment_channel", "carrier pigeon")
    r = ed.validate()
    c = r.check("enum")
    assert c.failures == 60 and len(c.findings) == 50
    assert r.failures == 60


# -- the command line -----------------------------------------------------------------------------


def test_cli_exit_1_and_findings_on_failure(failing: ssg.ValidationReport) -> None:
    code, out, err = run("validate", failing.path)
    assert (code, err) == (1, "")
    assert out == failing.summary()
    code, out, err = run("validate", failing.path, "--examples", "2")
    assert code == 1 and "... and 5 more" in out


def test_cli_json_to_stdout(failing: ssg.ValidationReport) -> None:
    code, out, err = run("validate", failing.path, "--json", "-")
    assert (code, err) == (1, "")
    assert json.loads(out) == failing.to_dict()  # nothing but the JSON
    assert "Traceback" not in out


def test_cli_json_to_file_and_quiet(failing: ssg.ValidationReport, base: Base, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    code, out, err = run("validate", failing.path, "--json", str(report))
    assert (code, err) == (1, "") and out == failing.summary()
    assert json.loads(report.read_text(encoding="utf-8")) == failing.to_dict()
    assert run("validate", failing.path, "--quiet") == (1, "", "")
    assert run("validate", failing.path, "-q") == (1, "", "")
    assert run("validate", str(base.db), "--quiet") == (0, "", "")
    code, out, err = run("validate", str(base.db), "--json", "-", "-q")
    assert code == 0 and json.loads(out)["ok"] is True and err == ""


def test_cli_usage_errors_exit_2(tmp_path: Path, base: Base) -> None:
    missing = tmp_path / "nope.db"
    code, out, err = run("validate", str(missing))
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"spendsense-gen: error: invalid path: {missing} does not exist "
        "(allowed: a SQLite database, a folder of CSV or Parquet files or a users.json file) [PATH]"
    ]
    with pytest.raises(ssg.InvalidParameterError, match="does not exist") as info:
        ssg.validate(missing)
    assert info.value.parameter == "path"
    # one CSV file instead of the folder
    code, out, err = run("validate", str(base.csv / "users.csv"))
    assert code == 2 and "give the folder that holds users.csv" in err and out == ""
    # no path at all, a bad --examples
    code, out, err = run("validate")
    assert code == 2 and out == "" and err.startswith("spendsense-gen: error: ")
    code, _, err = run("validate", str(base.db), "--examples", "lots")
    assert code == 2 and "--examples" in err
    code, _, err = run("validate", str(base.db), "--examples", "-1")
    assert code == 2 and "invalid examples" in err
    for e in (err,):
        assert "Traceback" not in e and len(e.splitlines()) == 1


# -- transaction ids in and out of order ----------------------------------------------------------
# The checker takes ids that arrive in increasing order (as the generator writes them) as new
# without a lookup, and builds its id table at the first id out of order.


def _pk_findings(report: ssg.ValidationReport) -> list[tuple[Optional[int], str]]:
    return [(f.line, f.message) for f in report.findings if f.rule == "primary_key"]


@pytest.mark.parametrize("where", [1, 2, 3, 50])
def test_duplicate_transaction_id_anywhere_after_the_first(base: Base, tmp_path: Path, where: int) -> None:
    """A copy of data line 3 inserted ``where`` rows after it (1: right after it, equal to the
    last id) is found, with the line of the first."""
    src = tmp_path / "csv"
    shutil.copytree(base.dir / "csv", src)
    rows = read_csv(src / "transactions.csv")
    rows.insert(2 + where, list(rows[2]))
    write_csv(src / "transactions.csv", rows)
    r = ssg.validate(src)
    assert _pk_findings(r) == [(3 + where, "duplicate transaction_id, first at transactions.csv line 3")]


def test_ids_out_of_order_are_still_checked(base: Base, tmp_path: Path) -> None:
    """Shuffled rows hold no duplicate (none reported); a duplicate placed after the shuffle
    point, of a row read before it, is found with the first row's line."""
    import random

    src = tmp_path / "csv"
    shutil.copytree(base.dir / "csv", src)
    rows = read_csv(src / "transactions.csv")
    header, body = rows[0], rows[1:]
    random.Random(7).shuffle(body)
    write_csv(src / "transactions.csv", [header, *body])
    r = ssg.validate(src)
    assert _pk_findings(r) == []
    assert r.check("primary_key").checked >= len(body)
    write_csv(src / "transactions.csv", [header, *body, list(body[0])])
    r = ssg.validate(src)
    assert _pk_findings(r) == [(len(body) + 2, "duplicate transaction_id, first at transactions.csv line 2")]
