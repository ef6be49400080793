"""Tables as NumPy columns and pandas DataFrames: dtypes, nulls, and zero-copy numeric columns."""

from __future__ import annotations

import numpy as np
import pytest
import spendsense_gen as ssg
from spendsense_gen import _core

KIND_DTYPES = {
    "money": "float64",
    "float": "float64",
    "int": "int64",
    "bool": "bool",
    "date": "datetime64[D]",
}


@pytest.mark.parametrize("table", ssg.TABLES)
def test_numpy_dtypes_follow_column_kinds(ds: ssg.Dataset, table: str) -> None:
    cols = ds.table(table)
    kinds = {name: (kind, nullable) for name, kind, nullable in ds._core.columns(table)}
    assert list(cols) == list(kinds)
    n = {len(v) for v in cols.values()}
    assert len(n) == 1, "every column has one value per row"
    for name, arr in cols.items():
        kind, nullable = kinds[name]
        assert isinstance(arr, np.ndarray)
        if kind == "text":
            assert arr.dtype == object
            values = set(map(type, arr))
            assert values <= ({str, type(None)} if nullable else {str}), (table, name, values)
        else:
            assert arr.dtype == np.dtype(KIND_DTYPES[kind]), (table, name, arr.dtype)
        if not nullable and kind in ("money", "float"):
            assert not np.isnan(arr).any(), (table, name)
        if not nullable and kind == "date":
            assert not np.isnat(arr).any(), (table, name)


def test_nulls_are_nan_nat_and_none(ds: ssg.Dataset) -> None:
    li = ds.liabilities
    credit = li["liability_type"] == "credit"
    assert credit.any() and (~credit).any()
    assert np.isnan(li["origination_principal_amount"][credit]).all()
    assert np.isnat(li["origination_date"][credit]).all()
    assert all(v is None for v in li["loan_name"][credit])
    assert all(isinstance(v, str) for v in li["loan_name"][~credit])


def _owner(arr: np.ndarray) -> object:
    """The object that finally owns an array's memory (following ``.base`` through views)."""
    base: object = arr
    while isinstance(base, np.ndarray) and base.base is not None:
        base = base.base
    return base


@pytest.mark.parametrize(
    ("table", "column"),
    [("transactions", "amount"), ("transactions", "pending"), ("transactions", "date"), ("users", "age")],
)
def test_numeric_columns_are_not_copies(ds: ssg.Dataset, table: str, column: str) -> None:
    """Numeric columns wrap memory allocated by Rust: the array does not own its data, and the
    object at the end of its ``.base`` chain is not a NumPy array (it is the Rust buffer)."""
    col = ds.table(table)[column]
    assert not col.flags.owndata
    assert col.base is not None
    assert not isinstance(_owner(col), np.ndarray), type(_owner(col))
    raw = ds._core.table(table)[column]
    assert isinstance(raw, np.ndarray) and not raw.flags.owndata


def test_text_columns_are_python_objects(ds: ssg.Dataset) -> None:
    """Text columns are ``object`` arrays of ``str`` and ``None``; each distinct value of a
    repetitive column is one Python object shared by its rows (memory grows with the distinct
    values, not the rows)."""
    tx = ds.transactions
    for name in ("transaction_id", "account_id", "pfc_detailed", "merchant_name", "pending_transaction_id"):
        col = tx[name]
        assert col.dtype == object and col.shape == tx["amount"].shape, name
        assert all(v is None or type(v) is str for v in col), name
    assert all(v is None for v in tx["pending_transaction_id"])
    merchants = tx["merchant_name"]
    assert any(v is None for v in merchants) and any(v is not None for v in merchants)
    for name in ("account_id", "pfc_detailed", "merchant_name", "payment_channel"):
        col = tx[name]
        assert len({id(v) for v in col}) == len(set(col)), name
    assert len(set(tx["transaction_id"])) == len(tx["transaction_id"])


def test_tables_are_cached(ds: ssg.Dataset) -> None:
    assert ds.transactions is ds.table("transactions")
    assert ds.transactions["amount"] is ds.tables["transactions"]["amount"]


def test_dates_are_day_numbers_since_epoch(ds: ssg.Dataset) -> None:
    raw = ds._core.table("transactions")["date"]
    assert isinstance(raw, np.ndarray) and raw.dtype == np.int64
    np.testing.assert_array_equal(raw.view("datetime64[D]"), ds.transactions["date"])
    assert str(ds.transactions["date"].min()) >= ds.start_date.isoformat()


@pytest.mark.parametrize("table", ssg.TABLES)
def test_text_columns_match_the_arrow_export(ds: ssg.Dataset, table: str) -> None:
    """The NumPy text columns hold the same values, row for row, as the Arrow export (built by a
    different path in Rust)."""
    pa = pytest.importorskip("pyarrow")
    arrow = pa.table(ds.arrow(table))
    kinds = {c[0]: c[1] for c in ds._core.columns(table)}
    texts = [c for c, k in kinds.items() if k == "text"]
    assert texts
    for c in texts:
        assert ds.table(table)[c].tolist() == arrow.column(c).to_pylist(), c


# -- pandas ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pd():
    return pytest.importorskip("pandas")


def test_to_pandas_one_table(ds: ssg.Dataset, pd) -> None:
    df = ds.to_pandas("transactions")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == list(ds.transactions)
    assert len(df) == ds.summary()["rows"]["transactions"]
    assert pd.api.types.is_datetime64_any_dtype(df["date"])
    assert pd.api.types.is_datetime64_any_dtype(df["authorized_date"])
    assert df["amount"].dtype == np.float64
    assert df["pending"].dtype == bool
    assert pd.api.types.is_string_dtype(df["transaction_id"]) or df["transaction_id"].dtype == object
    np.testing.assert_array_equal(df["amount"].to_numpy(), ds.transactions["amount"])
    assert df["date"].min().date() >= ds.start_date
    assert df["date"].max().date() <= ds.end_date


def test_to_pandas_nulls(ds: ssg.Dataset, pd) -> None:
    li = ds.to_pandas("liabilities")
    credit = li["liability_type"] == "credit"
    assert li.loc[credit, "origination_date"].isna().all()
    assert li.loc[credit, "ytd_interest_paid"].isna().all()
    assert li["ytd_interest_paid"].dtype == np.float64
    assert pd.api.types.is_datetime64_any_dtype(li["last_payment_date"])
    acc = ds.to_pandas("accounts")
    assert acc["unofficial_currency_code"].isna().all()
    assert acc["balance_current"].dtype == np.float64
    assert acc["balance_limit"].isna().sum() == (acc["type"] != "credit").sum()


@pytest.mark.parametrize("table", ssg.TABLES)
def test_to_pandas_through_arrow_is_the_same_frame(ds: ssg.Dataset, pd, table: str) -> None:
    """With pandas 3 and pyarrow, ``to_pandas`` builds text columns from the Arrow export; the
    frame (values, dtypes, nulls, column order) equals the one built from the NumPy columns."""
    from spendsense_gen import _dataset

    if not _dataset._pandas_takes_arrow_strings(pd):
        pytest.skip("the Arrow path needs pandas 3 and pyarrow")
    via_arrow = ds.to_pandas(table)
    from_numpy = pd.DataFrame(ds.table(table))
    assert via_arrow.dtypes.equals(from_numpy.dtypes), (via_arrow.dtypes, from_numpy.dtypes)
    pd.testing.assert_frame_equal(via_arrow, from_numpy, check_exact=True)


def test_to_pandas_all_tables(ds: ssg.Dataset, pd) -> None:
    frames = ds.to_pandas()
    assert list(frames) == list(ssg.TABLES)
    for name, df in frames.items():
        assert isinstance(df, pd.DataFrame)
        assert len(df) == ds.summary()["rows"][name]
    users = frames["users"]
    assert users["age"].dtype == np.int64
    assert users["consent_status"].dtype == bool
    assert users["annual_income"].dtype == np.float64


def test_pinned_crates_exposed() -> None:
    assert dict(_core.PINNED_CRATES).keys() == {"rand", "rand_chacha", "fake"}
