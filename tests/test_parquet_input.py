"""A Parquet folder (``--format parquet``) as input: ``validate``, ``load``, ``report`` and
``detect`` read it like a CSV folder (the detector's side is in ``test_detect.py``)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import spendsense_gen as ssg
from conftest import Written

TABLES = ("users", "accounts", "transactions", "liabilities", "user_labels")


def dump(db: Path, table: str) -> list[tuple[Any, ...]]:
    """Every row in rowid order, each value with its SQLite storage class."""
    with sqlite3.connect(db) as c:
        cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")]
        sel = ", ".join(f"typeof({x}), {x}" for x in cols)
        return c.execute(f"SELECT rowid, {sel} FROM {table} ORDER BY rowid").fetchall()


def copy_with(parquet_dir: Path, dest: Path, table: str, change: Any) -> Path:
    """A copy of the Parquet folder where ``change(arrow_table)`` replaced one table."""
    shutil.copytree(parquet_dir, dest)
    path = dest / f"{table}.parquet"
    pq.write_table(change(pq.read_table(path)), path)
    return dest


def test_a_generated_parquet_folder_passes_every_rule(ds: ssg.Dataset, parquet_dir: Path) -> None:
    r = ssg.validate(parquet_dir)
    assert r.ok, r.summary()
    assert r.source == "parquet"
    assert [c.rule for c in r] == list(ssg.RULES)
    assert all(c.status == "pass" for c in r)
    assert r.rows == {t: len(next(iter(getattr(ds, t).values()))) for t in TABLES}
    # the window comes from manifest.json beside the folder
    assert r.window is not None and r.window["from"].endswith("manifest.json")
    assert r.window["end_date"] == str(ds.end_date)


def test_loading_parquet_equals_loading_csv(written: Written, parquet_dir: Path, tmp_path: Path) -> None:
    a, b = tmp_path / "from_parquet.db", tmp_path / "from_csv.db"
    loaded = ssg.load(parquet_dir, a)
    ssg.load(written.dir / "csv", b)
    assert loaded.created and loaded.rows == {t: len(dump(b, t)) for t in TABLES}
    for t in (*TABLES, "metadata"):
        assert dump(a, t) == dump(b, t), t


def test_findings_name_the_parquet_file_and_row(parquet_dir: Path, tmp_path: Path) -> None:
    def change(t: pa.Table) -> pa.Table:
        amounts = t.column("amount").to_pylist()
        amounts[4] = 12.345  # the fifth row
        return t.set_column(t.schema.get_field_index("amount"), "amount", pa.array(amounts, pa.float64()))

    bad = copy_with(parquet_dir, tmp_path / "bad", "transactions", change)
    r = ssg.validate(bad)
    assert r.failed() == ["type"], r.summary()
    (f,) = r.check("type").findings
    assert (f.table, f.rowid, f.line, f.field, f.value) == ("transactions", 5, None, "amount", "12.345")
    assert f.location == "transactions.parquet row 5"
    assert "more than two decimals" in f.message
    with pytest.raises(ssg.InvalidDataError) as info:
        ssg.load(bad, tmp_path / "x.db")
    assert info.value.errors[0]["rule"] == "type"
    assert not (tmp_path / "x.db").exists()


def test_columns_of_a_parquet_file_are_checked(parquet_dir: Path, tmp_path: Path) -> None:
    def add(t: pa.Table) -> pa.Table:
        return t.append_column("colour", pa.array(["red"] * t.num_rows))

    r = ssg.validate(copy_with(parquet_dir, tmp_path / "extra", "accounts", add))
    assert r.failed() == ["columns"], r.summary()
    (f,) = r.check("columns").findings
    assert (f.location, f.field) == ("accounts.parquet", "colour")
    assert f.message.startswith("unknown column 'colour'")
    # a required column missing: the table cannot be read (so its rows are missing downstream too)
    r = ssg.validate(
        copy_with(parquet_dir, tmp_path / "short", "accounts", lambda t: t.drop_columns(["mask"]))
    )
    (f,) = r.check("columns").findings
    assert (f.location, f.field) == ("accounts.parquet", "mask")
    assert "missing" in f.message


def test_a_parquet_column_of_another_type_is_a_type_finding(parquet_dir: Path, tmp_path: Path) -> None:
    # dates written as text are read as their text; a number where a date belongs is not a date
    bad = copy_with(
        parquet_dir,
        tmp_path / "bad",
        "users",
        lambda t: t.set_column(
            t.schema.get_field_index("age"),
            "age",
            pa.array([f"{a} years" for a in t.column("age").to_pylist()]),
        ),
    )
    r = ssg.validate(bad)
    assert r.failed() == ["type"], r.summary()
    f = r.check("type").findings[0]
    assert (f.table, f.rowid, f.field) == ("users", 1, "age")
    assert f.value is not None and f.value.endswith(" years")


def test_broken_or_missing_parquet_files(parquet_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(parquet_dir, bad)
    (bad / "liabilities.parquet").write_bytes(b"not parquet at all")
    (bad / "accounts.parquet").unlink()  # required (user_labels and liabilities are not)
    r = ssg.validate(bad)
    assert not r.ok
    messages = {f.location: f.message for f in r.findings}
    assert "not a Parquet file" in messages["liabilities.parquet"]
    assert "accounts.parquet is missing" in messages["accounts.parquet"]
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.validate(parquet_dir / "users.parquet")
    assert "one Parquet file; give the folder" in str(info.value)
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(bad)
    assert "table 'accounts' is missing" in str(info.value)
    shutil.copy(parquet_dir / "accounts.parquet", bad / "accounts.parquet")
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.detect(bad)
    assert "liabilities.parquet" in str(info.value) and "not a Parquet file" in str(info.value)


def test_report_of_a_parquet_only_folder(parquet_dir: Path) -> None:
    pytest.importorskip("matplotlib")
    out = parquet_dir.parent / "report.html"
    path = ssg.write_report(parquet_dir.parent, overwrite=True)
    assert path == out
    text = out.read_text(encoding="utf-8")
    assert str(parquet_dir) in text and "FOOD_AND_DRINK" in text


def test_a_data_folder_names_the_source_to_give(written: Written, parquet_dir: Path) -> None:
    """``generate``'s output folder holds sources, not tables: validate, load and detect say which
    one to give instead of reporting the tables missing. ``load`` reads into a database, so it is
    never pointed at one: it names the CSV folder."""
    for folder, meant, meant_by_load in (
        (written.dir, written.db, written.dir / "csv"),
        (parquet_dir.parent, parquet_dir, parquet_dir),
    ):
        db = folder / "x.db"
        for call, parameter, want in (
            (ssg.validate, "path", meant),
            (ssg.detect, "path", meant),
            (lambda p: ssg.load(p, db), "source", meant_by_load),  # noqa: B023
        ):
            with pytest.raises(ssg.InvalidParameterError) as info:
                call(folder)
            assert info.value.parameter == parameter
            assert f"did you mean {want}?" in str(info.value)
        assert not db.exists()


def test_load_of_a_folder_with_only_a_database_says_so(tmp_path: Path) -> None:
    ssg.generate_to(tmp_path / "d", n_users=5, months=1, formats=["sqlite"], detect=False)
    with pytest.raises(ssg.InvalidParameterError) as info:
        ssg.load(tmp_path / "d", tmp_path / "x.db")
    assert info.value.parameter == "source"
    assert "holds only a SQLite database (spendsense.db)" in str(info.value)


def test_a_folder_of_shards_names_one_to_give(tmp_path: Path) -> None:
    """A folder of shard folders (as ``--shard`` runs and ``dask.write_parquet`` leave them) is
    not one source: validate, load and detect name the first shard's source instead of reporting
    the tables missing."""
    for k in range(2):
        ssg.generate_to(
            tmp_path / "run" / f"shard-{k}",
            n_users=20,
            months=1,
            shard=(k, 2),
            formats=["parquet"],
            detect=False,
        )
    folder, db = tmp_path / "run", tmp_path / "x.db"
    first = folder / "shard-0" / "parquet"
    for call in (ssg.validate, ssg.detect, lambda p: ssg.load(p, db)):
        with pytest.raises(ssg.InvalidParameterError) as info:
            call(folder)
        assert f"it holds 2 data folders (shard-0, shard-1): give one at a time, e.g. {first}" in str(
            info.value
        )
    assert not db.exists()
