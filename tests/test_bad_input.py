"""Bad input, by property: a small valid dataset is broken in many ways (truncated, shuffled or
dropped columns, bad cells, duplicate ids, dangling references, empty files, random bytes) and
``validate`` must answer with located findings or a ``SpendSenseError``, never another exception;
the command line never prints a traceback; ``load`` refuses exactly what breaks an integrity rule and
leaves no database or temporary file behind, and an existing database byte-identical."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
import spendsense_gen as ssg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spendsense_gen import cli

TABLES = ("users", "accounts", "transactions", "liabilities", "user_labels")
INTEGRITY = ssg.RULES[:7]  # the rules load enforces

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(SETTINGS, max_examples=20)

# Typed columns and the values that are never valid in them.
MONEY = {
    "users": ("annual_income",),
    "accounts": ("balance_available", "balance_current", "balance_limit"),
    "transactions": ("amount",),
    "liabilities": (
        "minimum_payment_amount",
        "last_payment_amount",
        "last_statement_balance",
        "origination_principal_amount",
        "ytd_interest_paid",
        "ytd_principal_paid",
    ),
}
INT = {"users": ("age",), "user_labels": ("persona_count",)}
FLOAT = {"liabilities": ("purchase_apr_percentage", "interest_rate_percentage")}
BOOL = {
    "users": ("consent_status",),
    "transactions": ("pending",),
    "liabilities": ("is_overdue",),
    "user_labels": (
        "high_utilization",
        "variable_income",
        "subscription_heavy",
        "savings_builder",
        "cash_flow_stressed",
    ),
}
DATE = {
    "transactions": ("date", "authorized_date"),
    "liabilities": (
        "last_payment_date",
        "last_statement_issue_date",
        "next_payment_due_date",
        "origination_date",
        "maturity_date",
    ),
}
ENUM = {
    "users": ("age_bracket", "income_tier", "region", "life_stage"),
    "accounts": ("type", "subtype", "holder_category", "iso_currency_code"),
    "transactions": (
        "payment_channel",
        "pfc_primary",
        "pfc_detailed",
        "pfc_confidence_level",
        "iso_currency_code",
    ),
    "liabilities": ("liability_type",),
    "user_labels": ("archetype", "edge_case"),
}
HUGE = ("1e308", "-1e308", str(10**30), "inf", "-inf", "nan", "NaN", "Infinity", "1e14")
BAD = {
    "money": ("abc", "12,50", "$5.00", "5 dollars", "0x10", "--5", "1_000", *HUGE),
    "int": ("abc", "1.5", "1e3", "twelve", "0x1F", "1e308", str(10**30), "inf", "nan"),
    "float": ("abc", "1e308", "-1e308", "inf", "-inf", "nan", "101", "-0.5", "12%"),
    "bool": ("yes", "no", "maybe", "2", "T", "nan", "truth", "on"),
    "date": ("2025-13-01", "2025-02-30", "01/02/2025", "yesterday", "2025-10-31T00:00:00Z", "nan", "1e308"),
    "enum": ("telepathy", "Not An Enum", "null", "none", "\u00e9t\u00e9", "'; DROP TABLE users; --"),
}
KINDS = {"money": MONEY, "int": INT, "float": FLOAT, "bool": BOOL, "date": DATE, "enum": ENUM}
# users.json keys for the columns a cell mutation may hit there (liabilities: keys shared by every kind).
JSON_KEYS = {
    "accounts": {
        "balance_available": "balances.available",
        "balance_current": "balances.current",
        "balance_limit": "balances.limit",
        "iso_currency_code": "balances.iso_currency_code",
    },
    "transactions": {
        "pfc_primary": "personal_finance_category.primary",
        "pfc_detailed": "personal_finance_category.detailed",
        "pfc_confidence_level": "personal_finance_category.confidence_level",
    },
}
JSON_LIABILITY_COLUMNS = (
    "last_payment_amount",
    "last_statement_balance",
    "last_payment_date",
    "last_statement_issue_date",
    "next_payment_due_date",
    "is_overdue",
)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def to_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


@dataclass(repr=False)
class Base:
    """The valid dataset, as bytes, and its rows."""

    dir: Path
    csv_bytes: dict[str, bytes]
    rows: dict[str, list[list[str]]]
    json_bytes: bytes
    doc: dict[str, Any]
    db_bytes: bytes
    manifest: bytes
    nullable: dict[str, dict[str, bool]]
    statuses: list[tuple[str, str, int]]
    existing: Path

    def __repr__(self) -> str:  # short, for Hypothesis' falsifying examples
        return f"Base({self.dir})"

    def write_csv(self, root: Path, **replace: bytes) -> Path:
        d = root / "csv"
        d.mkdir(parents=True)
        for t in TABLES:
            (d / f"{t}.csv").write_bytes(replace.get(t, self.csv_bytes[t]))
        (root / "manifest.json").write_bytes(self.manifest)
        return d

    def json_doc(self) -> dict[str, Any]:
        copy: dict[str, Any] = json.loads(self.json_bytes)
        return copy


def rename_ids(rows: list[list[str]], suffix: str) -> list[list[str]]:
    out = [list(rows[0])]
    idx = [k for k, name in enumerate(rows[0]) if name in ("user_id", "account_id", "transaction_id")]
    for r in rows[1:]:
        r = list(r)
        for k in idx:
            r[k] += suffix
        out.append(r)
    return out


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    d = tmp_path_factory.mktemp("bad_input") / "data"
    ssg.generate(n_users=10, seed=77, months=2).write(d, ["sqlite", "csv", "json"])
    csv_bytes = {t: (d / "csv" / f"{t}.csv").read_bytes() for t in TABLES}
    rows = {t: parse_csv(b) for t, b in csv_bytes.items()}
    with sqlite3.connect(d / "spendsense.db") as c:
        nullable = {t: {r[1]: not r[3] for r in c.execute(f"PRAGMA table_info({t})")} for t in TABLES}
    report = ssg.validate(d / "csv")
    assert report.ok, report.summary()
    # An existing database with other rows (the same data under other ids) to load into.
    other = d.parent / "other"
    (other / "csv").mkdir(parents=True)
    for t in TABLES:
        (other / "csv" / f"{t}.csv").write_bytes(to_csv(rename_ids(rows[t], "_old")))
    existing = d.parent / "existing.db"
    ssg.load(other / "csv", existing)
    json_bytes = (d / "users.json").read_bytes()
    return Base(
        dir=d,
        csv_bytes=csv_bytes,
        rows=rows,
        json_bytes=json_bytes,
        doc=json.loads(json_bytes),
        db_bytes=(d / "spendsense.db").read_bytes(),
        manifest=(d / "manifest.json").read_bytes(),
        nullable=nullable,
        statuses=[(c.rule, c.status, c.checked) for c in report],
        existing=existing,
    )


@contextmanager
def workdir(tmp_path: Path) -> Iterator[Path]:
    """A fresh folder per Hypothesis example (the function's ``tmp_path`` is shared by all)."""
    with tempfile.TemporaryDirectory(dir=tmp_path) as d:
        yield Path(d)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def checked_validate(path: Path) -> Optional[ssg.ValidationReport]:
    """Validates ``path``: a report whose findings all have locations, or ``None`` when validate
    raised a SpendSenseError with a one-line message. Any other exception fails the test. The
    command line agrees and prints no traceback."""
    try:
        report = ssg.validate(path)
    except ssg.SpendSenseError as e:
        message = str(e)
        assert message and "\n" not in message, repr(message)
        assert str(path) in message
        report = None
    if report is not None:
        assert report.failures == sum(c.failures for c in report)
        for c in report:
            assert c.rule in ssg.RULES
            if c.status == "fail":
                assert c.failures >= 1 and c.findings, c
            for f in c.findings:
                assert f.rule == c.rule and f.location, f
                assert f.line is None or f.line >= 1, f
                assert f.rowid is None or f.location.endswith(f"rowid {f.rowid}"), f
                assert f.path is None or f.location == f.path, f
                assert f.message, f
        if not report.ok:
            assert report.findings
    code, out, err = run("validate", str(path))
    assert "Traceback" not in out + err
    if report is None:
        assert code == 2 and out == "" and err.startswith("spendsense-gen: error: ")
    else:
        assert code == (0 if report.ok else 1), (code, err)
        assert err == "" and out == report.summary()
    return report


def integrity_failed(report: Optional[ssg.ValidationReport]) -> bool:
    return report is None or any(report.check(r).status == "fail" for r in INTEGRITY)


def checked_load(src: Path, report: Optional[ssg.ValidationReport], base: Base, work: Path) -> None:
    """``load`` refuses exactly what breaks an integrity rule, and a refused load leaves nothing:
    no new database, no temporary file, an existing database byte-identical."""
    target = work / "target"
    target.mkdir()
    should_fail = integrity_failed(report)
    try:
        result = ssg.load(src, target / "new.db")
    except ssg.SpendSenseError as e:
        assert should_fail, f"load refused data that validates: {e}"
        assert listing(target) == []
        if isinstance(e, ssg.InvalidDataError):
            assert e.errors and "nothing was loaded" in str(e)
    else:
        assert not should_fail, f"load accepted data that fails validation:\n{report and report.summary()}"
        assert result.created and listing(target) == ["new.db"]
    code, out, err = run("load", "--from", str(src), "--db", str(target / "cli.db"), "-q")
    assert "Traceback" not in out + err
    assert code in ((1, 2) if should_fail else (0,)), (code, err)
    assert report is not None or code == 2
    assert (target / "cli.db").exists() == (code == 0)
    db = target / "existing.db"
    shutil.copy(base.existing, db)
    before = sha256(db)
    try:
        ssg.load(src, db)
    except ssg.SpendSenseError:
        assert sha256(db) == before
    else:
        assert not should_fail
    assert [n for n in listing(target) if n not in ("new.db", "cli.db", "existing.db")] == []


def finding_at(report: ssg.ValidationReport, location: str, field: Optional[str] = None) -> list[ssg.Finding]:
    return [f for f in report.findings if f.location == location and (field is None or f.field == field)]


# -- harmless changes ---------------------------------------------------------------------------------


@FEW
@given(data=st.data())
def test_shuffled_columns_crlf_and_bom_still_validate(
    base: Base, tmp_path: Path, data: st.DataObject
) -> None:
    """Columns are read by their header names; line endings and a byte-order mark do not matter."""
    table = data.draw(st.sampled_from(TABLES), label="table")
    rows = base.rows[table]
    order = data.draw(st.permutations(range(len(rows[0]))), label="order")
    crlf = data.draw(st.booleans(), label="crlf")
    bom = data.draw(st.booleans(), label="bom")
    text = io.StringIO(newline="")
    csv.writer(text, lineterminator="\r\n" if crlf else "\n").writerows([[r[k] for k in order] for r in rows])
    raw = ("\ufeff" if bom else "").encode("utf-8") + text.getvalue().encode("utf-8")
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: raw})
        report = checked_validate(src)
        assert report is not None and report.ok, report and report.summary()
        assert [(c.rule, c.status, c.checked) for c in report] == base.statuses
        db = work / "loaded.db"
        ssg.load(src, db)
        with sqlite3.connect(db) as a, sqlite3.connect(base.dir / "spendsense.db") as b:
            for t in TABLES:
                q = f"SELECT * FROM {t} ORDER BY rowid"
                assert a.execute(q).fetchall() == b.execute(q).fetchall(), t


@FEW
@given(seed=st.integers(0, 2**32 - 1))
def test_json_key_order_does_not_matter(base: Base, tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)

    def shuffle(v: Any) -> Any:
        if isinstance(v, dict):
            items = list(v.items())
            rnd.shuffle(items)
            return {k: shuffle(x) for k, x in items}
        if isinstance(v, list):
            return [shuffle(x) for x in v]
        return v

    with workdir(tmp_path) as work:
        src = work / "users.json"
        src.write_text(json.dumps(shuffle(base.doc)), encoding="utf-8")
        report = checked_validate(src)
        assert report is not None and report.ok, report and report.summary()


# -- truncation -----------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_truncated_csv_file(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(TABLES), label="table")
    raw = base.csv_bytes[table]
    cut = data.draw(st.integers(0, len(raw) - 1), label="cut")
    short = raw[:cut]
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: short})
        report = checked_validate(src)
        assert report is not None
        header_len = raw.index(b"\n")
        if cut <= header_len:
            # no full header: nothing of the table can be read
            assert not report.ok
            assert report.rows.get(table, 0) == 0
        else:
            last = short.rsplit(b"\n", 1)[-1]
            fields = len(next(csv.reader([last.decode("utf-8", "replace")]), []))
            if last and b'"' not in last and fields < len(base.rows[table][0]):
                line = short.count(b"\n") + 1
                assert any(
                    f.rule == "readable" and f"where the header has {len(base.rows[table][0])}" in f.message
                    for f in finding_at(report, f"{table}.csv line {line}")
                ), report.summary()
        checked_load(src, report, base, work)


@SETTINGS
@given(frac=st.floats(0.0, 1.0, exclude_max=True))
def test_truncated_users_json(base: Base, tmp_path: Path, frac: float) -> None:
    raw = base.json_bytes
    short = raw[: int(len(raw) * frac)]
    with workdir(tmp_path) as work:
        src = work / "users.json"
        src.write_bytes(short)
        report = checked_validate(src)
        if report is not None and report.ok:
            assert json.loads(short)["users"] == base.doc["users"]  # only whitespace was cut
        elif report is not None:
            (f,) = report.check("readable").findings
            assert f.table is None and f.line == short.count(b"\n") + 1
            assert f.location == f"line {f.line}" and "not valid JSON" in f.message
        checked_load(src, report, base, work)


# -- columns --------------------------------------------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_dropped_column(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(TABLES), label="table")
    header = base.rows[table][0]
    k = data.draw(st.integers(0, len(header) - 1), label="column")
    column = header[k]
    rows = [r[:k] + r[k + 1 :] for r in base.rows[table]]
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None
        if not base.nullable[table][column]:
            (f,) = finding_at(report, f"{table}.csv line 1", column)
            assert (f.rule, f.line, f.table) == ("columns", 1, table)
            assert f.message == f"required column '{column}' is missing"
            assert not report.ok and report.rows.get(table, 0) == 0
        checked_load(src, report, base, work)


@SETTINGS
@given(data=st.data(), name=st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s))
def test_renamed_header(base: Base, tmp_path: Path, data: st.DataObject, name: str) -> None:
    table = data.draw(st.sampled_from(TABLES), label="table")
    rows = [list(r) for r in base.rows[table]]
    k = data.draw(st.integers(0, len(rows[0]) - 1), label="column")
    old = rows[0][k]
    rows[0][k] = name
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None
        read_back = parse_csv(to_csv(rows))[0][k].lstrip("\ufeff")
        if read_back != old and not base.nullable[table][old]:
            assert not report.ok
            assert any(f.field == old and "missing" in f.message for f in report.check("columns").findings)
        checked_load(src, report, base, work)


# -- bad cells ------------------------------------------------------------------------------------------


def typed_cell(data: st.DataObject, tables: tuple[str, ...] = TABLES) -> tuple[str, str, str, str]:
    """(kind, table, column, bad value)."""
    kind = data.draw(st.sampled_from(sorted(KINDS)), label="kind")
    table = data.draw(st.sampled_from([t for t in tables if t in KINDS[kind]]), label="table")
    column = data.draw(st.sampled_from(KINDS[kind][table]), label="column")
    value = data.draw(st.sampled_from(BAD[kind]), label="value")
    return kind, table, column, value


@SETTINGS
@given(data=st.data())
def test_bad_value_in_a_typed_csv_cell(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    _, table, column, value = typed_cell(data)
    rows = [list(r) for r in base.rows[table]]
    i = data.draw(st.integers(1, len(rows) - 1), label="row")
    rows[i][rows[0].index(column)] = value
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None and not report.ok
        hits = finding_at(report, f"{table}.csv line {i + 1}", column)
        assert hits, report.summary()
        assert all(f.line == i + 1 and f.table == table for f in hits)
        checked_load(src, report, base, work)


def json_rows(doc: dict[str, Any], table: str) -> list[tuple[str, dict[str, Any]]]:
    """(JSON path, object) of every row of ``table`` in a users.json document."""
    out: list[tuple[str, dict[str, Any]]] = []
    for u, user in enumerate(doc["users"]):
        if table == "users":
            out.append((f"users[{u}]", user))
        elif table == "user_labels":
            out.append((f"users[{u}].labels", user["labels"]))
        elif table == "liabilities":
            for kind, items in user["liabilities"].items():
                out += [(f"users[{u}].liabilities.{kind}[{j}]", x) for j, x in enumerate(items)]
        else:
            out += [(f"users[{u}].{table}[{j}]", x) for j, x in enumerate(user[table])]
    return out


def json_set(obj: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    for p in parts[:-1]:
        obj = obj[p]
    obj[parts[-1]] = value


def json_value(kind: str, value: str) -> Any:
    """The bad value as users.json would carry it: a JSON number where the text is one (and finite:
    JSON has no NaN or infinity), else a string."""
    if kind in ("money", "int", "float"):
        try:
            number = json.loads(value)
        except ValueError:
            return value
        if isinstance(number, int) or (isinstance(number, float) and math.isfinite(number)):
            return number
    return value


# (kind, table, column) of the cells a users.json row holds under a key of its own.
JSON_CELLS = [
    (kind, table, column)
    for kind in sorted(KINDS)
    for table, columns in KINDS[kind].items()
    for column in columns
    if table in ("users", "accounts", "transactions")
    or (table == "liabilities" and column in JSON_LIABILITY_COLUMNS)
    or (table == "user_labels" and column in ("archetype", "edge_case"))
]


@SETTINGS
@given(data=st.data())
def test_bad_value_in_users_json(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    kind, table, column = data.draw(st.sampled_from(JSON_CELLS), label="cell")
    value = data.draw(st.sampled_from(BAD[kind]), label="value")
    doc = base.json_doc()
    rows = json_rows(doc, table)
    where, obj = rows[data.draw(st.integers(0, len(rows) - 1), label="row")]
    key = JSON_KEYS.get(table, {}).get(column, column)
    json_set(obj, key, json_value(kind, value))
    with workdir(tmp_path) as work:
        src = work / "users.json"
        src.write_text(json.dumps(doc), encoding="utf-8")
        report = checked_validate(src)
        assert report is not None and not report.ok
        hits = [f for f in finding_at(report, where) if f.field in (column, key)]
        assert hits, report.summary()
        assert all(f.path == where for f in hits)
        checked_load(src, report, base, work)


@SETTINGS
@given(data=st.data())
def test_huge_and_special_numbers(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    """1e308, 10**30, inf, nan... in every numeric column of CSV rows."""
    table = data.draw(st.sampled_from(["users", "accounts", "transactions", "liabilities", "user_labels"]))
    numeric = [*MONEY.get(table, ()), *INT.get(table, ()), *FLOAT.get(table, ())]
    rows = [list(r) for r in base.rows[table]]
    i = data.draw(st.integers(1, len(rows) - 1), label="row")
    values = data.draw(st.lists(st.sampled_from(HUGE), min_size=len(numeric), max_size=len(numeric)))
    for column, v in zip(numeric, values):
        rows[i][rows[0].index(column)] = v
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None and not report.ok
        fields = {f.field for f in finding_at(report, f"{table}.csv line {i + 1}")}
        assert set(numeric) <= fields, report.summary()
        checked_load(src, report, base, work)


def test_balance_sums_of_huge_amounts_do_not_wrap(base: Base, tmp_path: Path) -> None:
    rows = [list(r) for r in base.rows["transactions"]]
    h = rows[0]
    credit = {r[0] for r in base.rows["accounts"][1:] if r[3] == "credit card"}
    template = next(r for r in rows[1:] if r[1] in credit and float(r[h.index("amount")]) > 0)
    for k in range(10_000):
        r = list(template)
        r[h.index("transaction_id")] = f"txn_huge_{k}"
        r[h.index("amount")] = "10000000000000"
        r[h.index("pending")] = "true"
        rows.append(r)
    with workdir(tmp_path) as work:
        report = checked_validate(base.write_csv(work, transactions=to_csv(rows)))
        assert report is not None and "balance" in report.failed()
        messages = [f.message for f in report.check("balance").findings if "minus pending" in f.message]
        assert messages
        assert not any("minus pending -" in m for m in messages), messages


# -- keys -----------------------------------------------------------------------------------------------

KEYED = {"users": "user_id", "accounts": "account_id", "transactions": "transaction_id"}


@SETTINGS
@given(data=st.data())
def test_duplicated_ids(base: Base, tmp_path: Path, data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(sorted(KEYED)), label="table")
    rows = [list(r) for r in base.rows[table]]
    i = data.draw(st.integers(1, len(rows) - 2), label="first")
    j = data.draw(st.integers(i + 1, len(rows) - 1), label="second")
    k = rows[0].index(KEYED[table])
    rows[j][k] = rows[i][k]
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None and not report.ok
        (f,) = finding_at(report, f"{table}.csv line {j + 1}", KEYED[table])
        assert (f.rule, f.value) == ("primary_key", rows[i][k])
        assert f.message == f"duplicate {KEYED[table]}, first at {table}.csv line {i + 1}"
        checked_load(src, report, base, work)


REFS = {
    "accounts": ("user_id",),
    "transactions": ("account_id", "user_id"),
    "liabilities": ("account_id", "user_id"),
    "user_labels": ("user_id",),
}


@SETTINGS
@given(data=st.data(), junk=st.text(st.characters(codec="utf-8", exclude_characters="\x00\r\n"), max_size=20))
def test_dangling_references(base: Base, tmp_path: Path, data: st.DataObject, junk: str) -> None:
    table = data.draw(st.sampled_from(sorted(REFS)), label="table")
    column = data.draw(st.sampled_from(REFS[table]), label="column")
    rows = [list(r) for r in base.rows[table]]
    i = data.draw(st.integers(1, len(rows) - 1), label="row")
    missing = "zz_" + junk
    rows[i][rows[0].index(column)] = missing
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: to_csv(rows)})
        report = checked_validate(src)
        assert report is not None and not report.ok
        hits = [f for f in finding_at(report, f"{table}.csv line {i + 1}", column) if f.rule == "foreign_key"]
        assert hits and all(f.value == missing for f in hits), report.summary()
        checked_load(src, report, base, work)


# -- files that are not the data ------------------------------------------------------------------------

JUNK = st.one_of(
    st.just(b""),
    st.just(PNG),
    st.just(b"SQLite format 3\x00" + bytes(200)),
    st.just(b"\xef\xbb\xbf"),
    st.just(b"\x00" * 64),
    st.just(b"{}"),
    st.just(b'{"users": 5}'),
    st.just(b'{"users": [1, "two", null, []]}'),
    st.just(b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["),
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda s: s.encode("utf-8")),
)


@SETTINGS
@given(data=st.data(), junk=JUNK)
def test_a_csv_file_that_is_not_csv(base: Base, tmp_path: Path, data: st.DataObject, junk: bytes) -> None:
    table = data.draw(st.sampled_from(TABLES), label="table")
    with workdir(tmp_path) as work:
        src = base.write_csv(work, **{table: junk})
        report = checked_validate(src)
        assert report is not None and not report.ok
        if junk == b"":
            (f,) = report.check("readable").findings
            assert (f.location, f.line, f.table) == (f"{table}.csv line 1", 1, table)
            assert "empty" in f.message
        checked_load(src, report, base, work)


@SETTINGS
@given(junk=JUNK, name=st.sampled_from(["users.json", "data.db", "data", "data.sqlite3", "data.txt"]))
def test_a_file_that_is_not_the_data(base: Base, tmp_path: Path, junk: bytes, name: str) -> None:
    with workdir(tmp_path) as work:
        src = work / name
        src.write_bytes(junk)
        report = checked_validate(src)
        if report is not None:
            # an empty list of users (or an empty SQLite file...) holds nothing wrong but nothing either
            assert not report.ok or sum(report.rows.values()) == 0, report.summary()
        if src.suffix != ".db" and src.suffix != ".sqlite3":
            checked_load(src, report, base, work)
        else:
            with pytest.raises(ssg.SpendSenseError):
                ssg.load(src, work / "x.db")
            assert not (work / "x.db").exists()


@SETTINGS
@given(junk=JUNK)
def test_a_database_file_that_is_not_a_database(base: Base, tmp_path: Path, junk: bytes) -> None:
    """Loading into it is refused and it stays as it was."""
    with workdir(tmp_path) as work:
        src = base.write_csv(work / "src")
        db = work / "target.db"
        db.write_bytes(junk)
        before = sha256(db)
        try:
            ssg.load(src, db)
        except ssg.SpendSenseError:
            assert sha256(db) == before
        code, out, err = run("load", "--from", str(src), "--db", str(db))
        assert "Traceback" not in out + err and code in (0, 1, 2)
        assert listing(work) == ["src", "target.db"]


# -- SQLite ----------------------------------------------------------------------------------------------

SQL_VALUES = st.one_of(
    st.none(),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.binary(max_size=20),
    st.sampled_from(HUGE + BAD["date"] + BAD["enum"]),
)


@SETTINGS
@given(data=st.data(), value=SQL_VALUES)
def test_sqlite_cell_set_to_anything(base: Base, tmp_path: Path, data: st.DataObject, value: Any) -> None:
    table = data.draw(st.sampled_from(TABLES), label="table")
    column = data.draw(st.sampled_from(base.rows[table][0]), label="column")
    rowid = data.draw(st.integers(1, len(base.rows[table]) - 1), label="rowid")
    with workdir(tmp_path) as work:
        db = work / "spendsense.db"
        db.write_bytes(base.db_bytes)
        with sqlite3.connect(db) as c:
            # without the table's constraints, so that anything can go in
            c.execute(f"CREATE TABLE plain AS SELECT * FROM {table} ORDER BY rowid")
            c.execute(f"DROP TABLE {table}")
            c.execute(f"ALTER TABLE plain RENAME TO {table}")
            c.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))
        c.close()
        report = checked_validate(db)
        assert report is not None
        assert all(f.line is None and f.path is None for f in report.findings)
        assert all(f.rowid is not None or f.location in (*TABLES, "the file") for f in report.findings)


@SETTINGS
@given(
    data=st.data(),
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=8,
    ),
)
def test_users_json_node_replaced_by_anything(
    base: Base, tmp_path: Path, data: st.DataObject, value: Any
) -> None:
    """Any user, list, row or field of users.json replaced by any JSON value."""
    doc = base.json_doc()
    u = data.draw(st.integers(0, len(doc["users"]) - 1), label="user")
    user = doc["users"][u]
    targets: list[tuple[dict[str, Any] | list[Any], Any]] = [(doc["users"], u)]
    targets += [(user, k) for k in user]
    for key in ("accounts", "transactions"):
        items = user[key]
        if items:
            j = data.draw(st.integers(0, len(items) - 1), label=f"{key} item")
            targets.append((items, j))
            targets += [(items[j], k) for k in items[j]]
    targets += [(user["labels"], k) for k in user["labels"]]
    for items in user["liabilities"].values():
        targets += [(x, k) for x in items for k in x]
    holder, key = data.draw(st.sampled_from(targets), label="node")
    holder[key] = value  # type: ignore[index]
    with workdir(tmp_path) as work:
        src = work / "users.json"
        src.write_text(json.dumps(doc), encoding="utf-8")
        report = checked_validate(src)
        assert report is not None
        assert all(f.line is None and f.rowid is None for f in report.findings)
        checked_load(src, report, base, work)
