"""Scale: streaming generation (``generate_to``), shards, thread counts and the Parquet tables.

The same run must be the same bytes however it is produced: in memory then written, streamed
chunk by chunk, on 1 or 2 threads, or as shards whose tables, concatenated, are the whole run's.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg
from helpers import sha256
from spendsense_gen.cli import main

# More than one chunk of users (the writers get 512 at a time) so chunk boundaries are crossed.
RUN: dict[str, Any] = {"n_users": 1100, "seed": 77, "months": 2, "end_date": "2025-06-30"}
FORMATS = ["sqlite", "csv", "json", "parquet"]


def _files(manifest: dict[str, Any]) -> dict[str, str]:
    return {k: v["sha256"] for k, v in manifest["files"].items()}


@pytest.fixture(scope="module")
def streamed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("streamed")


@pytest.fixture(scope="module")
def streamed(streamed_dir: Path) -> ssg.Written:
    return ssg.generate_to(streamed_dir, FORMATS, **RUN, threads=2)


def test_streaming_writes_the_same_bytes_as_writing_a_dataset(streamed: ssg.Written, tmp_path: Path) -> None:
    ds = ssg.generate(**RUN)
    manifest = ds.write(tmp_path / "mem", FORMATS)
    assert _files(manifest) == _files(streamed.manifest)
    assert manifest == streamed.manifest
    assert streamed.tally["users"] == RUN["n_users"]
    assert streamed.tally["rows"] == ds.summary()["rows"]
    assert streamed.tally["archetypes"] == ds.summary()["archetypes"]
    assert streamed.report == ds.validation_report()


def test_thread_count_never_changes_a_byte(streamed: ssg.Written, tmp_path: Path) -> None:
    one = ssg.generate_to(tmp_path / "one", FORMATS, **RUN, threads=1)
    assert _files(one.manifest) == _files(streamed.manifest)


def _csv_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_shards_concatenated_are_the_whole_run(
    streamed: ssg.Written, streamed_dir: Path, tmp_path: Path
) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    n = 3
    parts = []
    for k in range(n):
        w = ssg.generate_to(
            tmp_path / f"shard{k}", ["csv", "parquet"], **RUN, shard=(k, n), threads=1 + k % 2
        )
        assert w.manifest["shard"] == f"{k}/{n}"
        start, stop = w.manifest["user_range"]
        assert (start, stop) == (k * RUN["n_users"] // n, (k + 1) * RUN["n_users"] // n)
        assert w.tally["users"] == stop - start
        parts.append(tmp_path / f"shard{k}")
    for table in ssg.TABLES:
        header, whole = _csv_rows(streamed_dir / "csv" / f"{table}.csv")
        joined: list[list[str]] = []
        for p in parts:
            h, rows = _csv_rows(p / "csv" / f"{table}.csv")
            assert h == header
            joined += rows
        assert joined == whole, table
        t_whole = pq.read_table(streamed_dir / "parquet" / f"{table}.parquet")
        t_joined = pa.concat_tables([pq.read_table(p / "parquet" / f"{table}.parquet") for p in parts])
        assert t_joined.equals(t_whole), table


def test_a_shard_in_memory_is_its_users_of_the_whole_run() -> None:
    whole = ssg.generate(**RUN)
    part = ssg.generate(**RUN, shard="1/4")
    assert part.shard == (1, 4)
    r = part.user_range
    assert (r.start, r.stop) == (275, 550)
    assert list(part.users["user_id"]) == list(whole.users["user_id"][r.start : r.stop])
    assert part.n_users == 275
    ids = set(part.users["user_id"])
    assert list(part.transactions["transaction_id"]) == [
        t for t, u in zip(whole.transactions["transaction_id"], whole.transactions["user_id"]) if u in ids
    ]


def test_a_shard_validates(tmp_path: Path) -> None:
    """The consent split is exact over the run, not per shard: a shard is reported, not failed."""
    ssg.generate_to(tmp_path, ["sqlite", "csv"], n_users=250, seed=3, months=1, shard=(2, 3))
    for path in (tmp_path / "spendsense.db", tmp_path / "csv"):
        report = ssg.validate(path)
        assert report.ok, report.summary()
        assert "shard 2/3" in (report.check("consent").note or "")


@pytest.mark.parametrize("shard", [(3, 3), (0, 0), (0, 11), "a/b", "1", (1, 2, 3), (-1, 2), (True, 2)])
def test_bad_shards_name_the_parameter(shard: Any) -> None:
    with pytest.raises(ssg.InvalidParameterError) as e:
        ssg.generate(n_users=10, months=1, shard=shard)
    assert e.value.parameter == "shard"


def test_parquet_tables_have_proper_types(streamed_dir: Path, streamed: ssg.Written) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    t = pq.read_table(streamed_dir / "parquet" / "transactions.parquet")
    assert t.num_rows == streamed.tally["rows"]["transactions"]
    assert t.schema.field("date").type == pa.date32()
    assert t.schema.field("amount").type == pa.float64()
    assert t.schema.field("pending").type == pa.bool_()
    meta = pq.ParquetFile(streamed_dir / "parquet" / "transactions.parquet").metadata
    col = meta.row_group(0).column(t.schema.get_field_index("pfc_detailed"))
    assert "RLE_DICTIONARY" in col.encodings or "PLAIN_DICTIONARY" in col.encodings
    assert col.compression == "SNAPPY"
    csv_rows = _csv_rows(streamed_dir / "csv" / "transactions.csv")[1]
    assert t.column("transaction_id").to_pylist() == [r[0] for r in csv_rows]
    users = pq.read_table(streamed_dir / "parquet" / "users.parquet")
    assert users.num_rows == RUN["n_users"]


def test_other_parquet_readers_read_what_pyarrow_reads(streamed_dir: Path) -> None:
    """spendsense-gen encodes the transactions file's pages itself, not through the Arrow writer:
    DuckDB and polars, each with a Parquet reader of its own, must read the same rows."""
    pq = pytest.importorskip("pyarrow.parquet")
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    path = streamed_dir / "parquet" / "transactions.parquet"
    want = pq.read_table(path)
    # Data pages hold 16,384 rows: several pages per column chunk.
    assert want.num_rows > 3 * 16_384
    rows = list(zip(*(want.column(c).to_pylist() for c in want.column_names)))
    assert any(r[want.column_names.index("merchant_name")] is None for r in rows)
    with duckdb.connect() as con:
        assert con.execute("SELECT * FROM read_parquet(?)", [str(path)]).fetchall() == rows
    df = pl.read_parquet(path)
    assert df.columns == want.column_names
    assert df.rows() == rows


def test_cli_shard_and_parquet(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    args = ["generate", "--users", "40", "--months", "1", "--out", str(tmp_path / "o"), "--format", "parquet"]
    assert main([*args, "--shard", "1/2"], out=out, err=err) == 0, err.getvalue()
    text = out.getvalue()
    assert "20 users (shard 1/2: users 20 to 39 of 40)" in text
    assert "users/s" in text
    assert sorted(p.name for p in (tmp_path / "o" / "parquet").iterdir()) == sorted(
        f"{t}.parquet" for t in ssg.TABLES
    )
    out, err = io.StringIO(), io.StringIO()
    assert main([*args, "--shard", "2/2", "--overwrite"], out=out, err=err) == 2
    assert "shard" in err.getvalue() and "Traceback" not in err.getvalue()


def test_streamed_sqlite_has_the_detector_table(streamed_dir: Path, streamed: ssg.Written) -> None:
    import sqlite3

    con = sqlite3.connect(streamed_dir / "spendsense.db")
    try:
        n = con.execute("SELECT count(*) FROM persona_assignments").fetchone()[0]
        fk = con.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        con.close()
    assert n == 2 * RUN["n_users"]
    assert fk == []
    assert sha256(streamed_dir / "spendsense.db") == streamed.manifest["files"]["spendsense.db"]["sha256"]


def test_no_detect_writes_the_same_tables_without_the_detector(streamed: ssg.Written, tmp_path: Path) -> None:
    w = ssg.generate_to(tmp_path, FORMATS, **RUN, detect=False)
    assert w.report is None
    names = set(w.manifest["files"])
    assert not any(n.startswith("features/") for n in names) and "validation_report.json" not in names
    full = _files(streamed.manifest)
    for n in names - {"spendsense.db"}:
        assert w.manifest["files"][n]["sha256"] == full[n], n
    import sqlite3

    con = sqlite3.connect(tmp_path / "spendsense.db")
    try:
        tables = {r[0] for r in con.execute("select name from sqlite_master where type = 'table'")}
    finally:
        con.close()
    assert tables == {*ssg.TABLES, "metadata"}
