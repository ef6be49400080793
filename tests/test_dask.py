"""``spendsense_gen.dask`` on a real ``distributed`` cluster: worker processes on 127.0.0.1,
each generating its own shards; the tables equal the single-process run."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
ssd = pytest.importorskip("spendsense_gen.dask")

RUN: dict[str, Any] = {"n_users": 90, "seed": 5, "months": 2, "end_date": "2025-03-31"}


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def _values(df: Any) -> list[list[Any]]:
    rows: list[list[Any]] = df.astype(object).where(df.notna(), None).values.tolist()
    return rows


def test_dataframes_equal_the_single_process_run(client: Any) -> None:
    whole = ssg.generate(**RUN)
    frames = ssd.dataframes(4, **RUN, tables=["users", "transactions"])
    assert frames["transactions"].npartitions == 4
    for name in ("users", "transactions"):
        got = client.compute(frames[name]).result().reset_index(drop=True)
        want = whole.to_pandas(name)
        assert list(got.columns) == list(want.columns)
        # Dask turns text columns into its own string dtype; the values must be the same.
        assert _values(got) == _values(want), name
    # The work ran on the workers, in other processes.
    assert len(client.scheduler_info()["workers"]) == 2


def test_write_parquet_on_the_cluster(client: Any, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    manifests = ssd.write_parquet(tmp_path / "out", 3, **RUN, formats=["parquet", "csv"], client=client)
    assert [m["shard"] for m in manifests] == ["0/3", "1/3", "2/3"]
    whole = tmp_path / "whole"
    ssg.generate_to(whole, ["parquet", "csv"], **RUN)
    shards = sorted((tmp_path / "out").glob("shard-*"))
    assert [s.name for s in shards] == ["shard-00000", "shard-00001", "shard-00002"]
    for table in ssg.TABLES:
        joined = pa.concat_tables([pq.read_table(s / "parquet" / f"{table}.parquet") for s in shards])
        assert joined.equals(pq.read_table(whole / "parquet" / f"{table}.parquet")), table
        rows: list[list[str]] = []
        for s in shards:
            with open(s / "csv" / f"{table}.csv", newline="") as f:
                rows += list(csv.reader(f))[1:]
        with open(whole / "csv" / f"{table}.csv", newline="") as f:
            assert rows == list(csv.reader(f))[1:], table


def test_bad_shard_counts() -> None:
    with pytest.raises(ssg.InvalidParameterError) as e:
        ssd.dataframes(0, n_users=5)
    assert e.value.parameter == "n_shards"
    with pytest.raises(ssg.InvalidParameterError):
        ssd.dataframes(6, n_users=5)
