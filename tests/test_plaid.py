"""Faithfulness to Plaid's API: account types, PFC taxonomy, enums, ids, dates, and the strict JSON
Schemas from ``../shared/reference/plaid``."""

from __future__ import annotations

import calendar
import re
from datetime import timedelta

import numpy as np
import spendsense_gen as ssg
from conftest import Case
from helpers import ALLOWED_ACCOUNT_PAIRS


def _errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


# -- accounts ----------------------------------------------------------------------------------
def test_account_types_are_plaid_pairs(case: Case, plaid_pairs: set[tuple[str, str]]) -> None:
    acc = case.ds.accounts
    pairs = set(zip(acc["type"], acc["subtype"]))
    assert pairs <= plaid_pairs, f"not Plaid (type, subtype) pairs: {pairs - plaid_pairs}"
    assert pairs <= ALLOWED_ACCOUNT_PAIRS, f"unexpected account kinds: {pairs - ALLOWED_ACCOUNT_PAIRS}"


def test_account_fields(case: Case) -> None:
    acc = case.ds.accounts
    assert set(acc["iso_currency_code"]) == {"USD"}
    assert all(v is None for v in acc["unofficial_currency_code"])
    assert set(acc["holder_category"]) == {"personal"}
    for mask in acc["mask"]:
        assert re.fullmatch(r"\d{4}", mask), mask
    for a in acc["account_id"]:
        assert re.fullmatch(r"acc_[0-9A-Za-z]+", a), a
    assert len(set(acc["account_id"])) == len(acc["account_id"])
    for name, official in zip(acc["name"], acc["official_name"]):
        assert name and official


def test_masks_are_unique_per_user(case: Case) -> None:
    acc = case.ds.accounts
    seen: dict[str, set[str]] = {}
    for user, mask in zip(acc["user_id"], acc["mask"]):
        assert mask not in seen.setdefault(user, set()), f"{user} has two accounts ending {mask}"
        seen[user].add(mask)


def test_every_user_has_a_checking_account(case: Case) -> None:
    acc = case.ds.accounts
    with_checking = set(acc["user_id"][acc["subtype"] == "checking"])
    assert with_checking == set(case.ds.users["user_id"])


def test_balance_fields_by_account_type(case: Case) -> None:
    acc = case.ds.accounts
    loan = acc["type"] == "loan"
    credit = acc["type"] == "credit"
    assert np.isnan(acc["balance_available"][loan]).all(), "loans have no available balance"
    assert not np.isnan(acc["balance_available"][~loan]).any()
    assert np.isnan(acc["balance_limit"][~credit]).all(), "only credit accounts have a limit"
    assert (acc["balance_limit"][credit] > 0).all()
    assert not np.isnan(acc["balance_current"]).any()


# -- transactions ------------------------------------------------------------------------------
def test_pfc_pairs_are_in_the_taxonomy(case: Case, pfc_pairs: set[tuple[str, str]]) -> None:
    tx = case.ds.transactions
    pairs = set(zip(tx["pfc_primary"], tx["pfc_detailed"]))
    assert pairs, "the dataset has transactions"
    assert pairs <= pfc_pairs, f"not in pfc_taxonomy.csv: {sorted(pairs - pfc_pairs)}"
    for primary, detailed in pairs:
        assert detailed.startswith(primary + "_")


def test_transaction_enums(case: Case) -> None:
    tx = case.ds.transactions
    assert set(tx["payment_channel"]) <= {"online", "in store", "other"}
    assert set(tx["iso_currency_code"]) == {"USD"}
    assert all(v is None for v in tx["unofficial_currency_code"])
    assert set(tx["pfc_confidence_level"]) <= {"VERY_HIGH", "HIGH", "MEDIUM", "LOW", "UNKNOWN"}


def test_merchant_fields_come_together(case: Case) -> None:
    tx = case.ds.transactions
    for name, merchant, entity in zip(tx["name"], tx["merchant_name"], tx["merchant_entity_id"]):
        assert name, "every transaction has a name"
        assert (merchant is None) == (entity is None)
    # The same merchant always has the same entity id.
    ids: dict[str, str] = {}
    for merchant, entity in zip(tx["merchant_name"], tx["merchant_entity_id"]):
        if merchant is not None:
            assert ids.setdefault(merchant, entity) == entity, merchant


def test_transaction_ids(case: Case) -> None:
    tx = case.ds.transactions
    for t in tx["transaction_id"]:
        assert re.fullmatch(r"txn_[0-9A-Za-z]+", t), t
    assert len(set(tx["transaction_id"])) == len(tx["transaction_id"])
    acc = case.ds.accounts
    owner = dict(zip(acc["account_id"], acc["user_id"]))
    for account, user in zip(tx["account_id"], tx["user_id"]):
        assert owner[account] == user, "a transaction's account belongs to its user"


def test_amounts_are_whole_cents(case: Case) -> None:
    amount = case.ds.transactions["amount"]
    assert not np.isnan(amount).any()
    assert np.allclose(np.rint(amount * 100), amount * 100, rtol=0, atol=1e-6)
    assert (amount != 0).all(), "a transaction moves money"


def test_dates_are_in_the_window(case: Case) -> None:
    tx = case.ds.transactions
    start, end = np.datetime64(case.ds.start_date), np.datetime64(case.ds.end_date)
    assert (tx["date"] >= start).all() and (tx["date"] <= end).all()
    assert (tx["authorized_date"] >= start).all()
    assert (tx["authorized_date"] <= tx["date"]).all()


def test_pending_only_in_the_last_two_days(case: Case) -> None:
    tx = case.ds.transactions
    first_pending_day = np.datetime64(case.ds.end_date - timedelta(days=1))
    assert (tx["date"][tx["pending"]] >= first_pending_day).all()
    acc = case.ds.accounts
    kind = dict(zip(acc["account_id"], acc["type"]))
    assert {kind[a] for a in tx["account_id"][tx["pending"]]} <= {"depository", "credit"}


def test_window_matches_months(case: Case) -> None:
    ds = case.ds
    months = ds.config["months"]
    start, end = ds.start_date, ds.end_date
    # ``months`` calendar months ending on end_date: the day after end_date minus that many months.
    y, m = divmod(end.month - 1 - months, 12)
    day = min(end.day, calendar.monthrange(end.year + y, m + 1)[1])
    assert start == end.replace(year=end.year + y, month=m + 1, day=day) + timedelta(days=1)


# -- users -------------------------------------------------------------------------------------
def test_user_fields(case: Case) -> None:
    users = case.ds.users
    assert len(set(users["user_id"])) == len(users["user_id"])
    assert len(set(users["email"])) == len(users["email"])
    for email in users["email"]:
        assert re.fullmatch(r"[^@\s]+@example\.com", email), email
    ts = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
    for created, consent in zip(users["created_at"], users["consent_updated_at"]):
        assert ts.fullmatch(created) and ts.fullmatch(consent)
        assert created[:10] < case.ds.start_date.isoformat(), "users exist before the window"


def test_consent_is_updated_after_the_user_is_created() -> None:
    # 1,000 users (one month, to stay fast): same-day consent happens for about 1 in 30.
    users = ssg.generate(n_users=1000, seed=5, months=1).users
    early = [
        (u, created, consent)
        for u, created, consent in zip(users["user_id"], users["created_at"], users["consent_updated_at"])
        if consent < created
    ]
    assert early == [], f"consent_updated_at before created_at: {early}"


# -- JSON Schemas ------------------------------------------------------------------------------
def test_accounts_validate_against_plaid_schema(users_json: dict, plaid_validator) -> None:
    v = plaid_validator("AccountBase")
    n = 0
    for u in users_json["users"]:
        for a in u["accounts"]:
            n += 1
            assert _errors(v, a) == [], a["account_id"]
    assert n > 0


def test_credit_liabilities_validate_against_plaid_schema(users_json: dict, plaid_validator) -> None:
    v = plaid_validator("CreditCardLiability")
    n = 0
    for u in users_json["users"]:
        for c in u["liabilities"]["credit"]:
            n += 1
            assert _errors(v, c) == [], c["account_id"]
    assert n > 0


def test_transactions_validate_against_plaid_schemas(users_json: dict, plaid_validator) -> None:
    """Every distinct personal_finance_category object against the strict schema; a spread of
    transactions (every pending one plus every 20th) against Plaid's TransactionBase."""
    pfc = plaid_validator("PersonalFinanceCategory")
    base = plaid_validator("TransactionBase", strict=False)
    txs = [t for u in users_json["users"] for t in u["transactions"]]
    categories = {tuple(sorted(t["personal_finance_category"].items())) for t in txs}
    for c in categories:
        assert _errors(pfc, dict(c)) == [], c
    sample = [t for i, t in enumerate(txs) if t["pending"] or i % 20 == 0]
    assert sample
    for t in sample:
        assert _errors(base, t) == [], t["transaction_id"]


def test_schema_validator_rejects_bad_accounts(users_json: dict, plaid_validator) -> None:
    """The validator really checks: a misspelled key and a wrong subtype fail."""
    v = plaid_validator("AccountBase")
    good = next(a for u in users_json["users"] for a in u["accounts"])
    assert _errors(v, {**good, "maks": "1234"})
    assert _errors(v, {**good, "subtype": "chequing"})


def test_json_accounts_agree_with_pairs(users_json: dict, plaid_pairs: set[tuple[str, str]]) -> None:
    for u in users_json["users"]:
        for a in u["accounts"]:
            assert (a["type"], a["subtype"]) in plaid_pairs
            b = a["balances"]
            assert b["iso_currency_code"] == "USD" and b["unofficial_currency_code"] is None


def test_generated_datasets_use_only_known_archetypes(case: Case) -> None:
    assert set(case.ds.user_labels["archetype"]) <= set(ssg.ARCHETYPES)
