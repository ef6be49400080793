"""Tables through the Arrow PyCapsule interface: ``Dataset.arrow``, ``to_arrow``, ``to_polars``,
and the ``__arrow_c_stream__`` of the column dicts."""

from __future__ import annotations

import numpy as np
import pytest
import spendsense_gen as ssg
from conftest import Case

pa = pytest.importorskip("pyarrow")


def test_every_table_exports_the_same_rows_as_the_numpy_columns(case: Case) -> None:
    ds = case.ds
    for name in ssg.TABLES:
        t = pa.table(ds.arrow(name))
        cols = ds.table(name)
        assert t.column_names == list(cols), name
        assert t.num_rows == len(next(iter(cols.values()))), name
        for col, arr in cols.items():
            got = t.column(col).to_numpy(zero_copy_only=False)
            if arr.dtype.kind == "f":
                np.testing.assert_allclose(got.astype(float), arr, equal_nan=True, err_msg=f"{name}.{col}")
            elif arr.dtype.kind == "M":
                assert (got.astype("datetime64[D]") == arr).all() or (
                    np.isnat(arr) == np.isnat(got.astype("datetime64[D]"))
                ).all(), f"{name}.{col}"
            else:
                assert list(got) == list(arr), f"{name}.{col}"


def test_arrow_types_are_logical(case: Case) -> None:
    t = case.ds.to_arrow("transactions")
    assert isinstance(t, pa.Table)
    assert t.schema.field("date").type == pa.date32()
    assert t.schema.field("amount").type == pa.float64()
    assert t.schema.field("pending").type == pa.bool_()
    assert t.schema.field("transaction_id").type == pa.string()
    assert not t.schema.field("transaction_id").nullable
    assert t.schema.field("merchant_name").nullable


def test_column_dicts_speak_the_stream_interface(case: Case) -> None:
    tx = case.ds.transactions
    assert isinstance(tx, dict)
    reader = pa.RecordBatchReader.from_stream(tx)
    t = reader.read_all()
    assert t.equals(case.ds.to_arrow("transactions"))
    # pyarrow.table() takes a dict as a dict (a copy of the NumPy columns): same values.
    assert pa.table(tx).num_rows == t.num_rows


def test_bad_table_name() -> None:
    ds = ssg.generate(n_users=2, months=1)
    with pytest.raises(ssg.InvalidParameterError) as e:
        ds.arrow("txns")
    assert e.value.parameter == "table"


def test_polars_and_duckdb_when_installed(case: Case) -> None:
    pl = pytest.importorskip("polars")
    df = case.ds.to_polars("accounts")
    assert df.height == len(case.ds.accounts["account_id"])
    assert df["account_id"].to_list() == list(case.ds.accounts["account_id"])
    duckdb = pytest.importorskip("duckdb")
    t = case.ds.arrow("transactions")  # noqa: F841 (read by name by DuckDB)
    n = duckdb.sql("select count(*) from t").fetchall()[0][0]
    assert n == len(case.ds.transactions["transaction_id"])
    assert pl is not None
