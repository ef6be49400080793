"""``--format plaid`` and ``--format plaid-sandbox``: every exported document of several generated
datasets validates against the strict schemas derived from Plaid's OpenAPI spec (with format
checking), and says the same thing as the dataset's tables."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import spendsense_gen as ssg
from conftest import SEED
from helpers import PLAID

ENDPOINTS = {
    "accounts_get.json": "AccountsGetResponse",
    "transactions_get.json": "TransactionsGetResponse",
    "liabilities_get.json": "LiabilitiesGetResponse",
}

# Several seeds and windows: the default mix, a long window over a year end, a leap-day month.
RUNS = {
    "default": {"n_users": 100, "seed": SEED},
    "even-14-months": {"n_users": 60, "seed": 7, "mix": "even", "months": 14, "end_date": "2024-12-31"},
    "leap-1-month": {"n_users": 40, "seed": 99, "months": 1, "end_date": "2024-02-29"},
}


class Export:
    def __init__(self, ds: ssg.Dataset, out: Path, manifest: dict[str, Any]) -> None:
        self.ds, self.out, self.manifest = ds, out, manifest

    def users(self) -> list[str]:
        return sorted(p.name for p in (self.out / "plaid").iterdir())

    def doc(self, user: str, name: str) -> Any:
        return json.loads((self.out / "plaid" / user / name).read_text(encoding="utf-8"))

    def pages(self, user: str) -> list[Any]:
        """The user's ``/transactions/get`` pages, in offset order, as a client paging with
        ``offset`` would fetch them: until it has ``total_transactions``."""
        first = self.doc(user, "transactions_get.json")
        pages, have = [first], len(first["transactions"])
        while have < first["total_transactions"]:
            pages.append(self.doc(user, f"transactions_get_offset_{have}.json"))
            have += len(pages[-1]["transactions"])
        return pages

    def sandbox(self, user: str) -> Any:
        return json.loads((self.out / "plaid_sandbox" / f"{user}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=list(RUNS))
def export(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Export:
    ds = ssg.generate(**RUNS[request.param])
    out = tmp_path_factory.mktemp(f"plaid-{request.param}")
    manifest = ds.write(out, formats=["plaid", "plaid-sandbox", "json"])
    return Export(ds, out, manifest)


def _errors(validator: Any, doc: Any) -> list[str]:
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_every_document_validates_against_plaid_strict_schemas(export: Export, plaid_validator: Any) -> None:
    users = export.users()
    assert users == sorted(export.ds.users["user_id"])
    violations: list[str] = []
    for user in users:
        files = sorted(p.name for p in (export.out / "plaid" / user).iterdir())
        pages = len(export.pages(user))
        offsets = [f"transactions_get_offset_{500 * k}.json" for k in range(1, pages)]
        assert files == sorted([*ENDPOINTS, *offsets])
        for name in [*ENDPOINTS, *offsets]:
            root = ENDPOINTS.get(name, "TransactionsGetResponse")
            violations += [
                f"{user}/{name}{e}" for e in _errors(plaid_validator(root), export.doc(user, name))
            ]
        violations += [
            f"sandbox {user}{e}" for e in _errors(plaid_validator("UserCustomPassword"), export.sandbox(user))
        ]
    assert violations == []


def test_validator_catches_a_broken_document(export: Export, plaid_validator: Any) -> None:
    """The schema check above can fail: an invented key, a string amount and a bad enum do."""
    user = export.users()[0]
    doc = export.doc(user, "transactions_get.json")
    v = plaid_validator("TransactionsGetResponse")
    bad = copy.deepcopy(doc)
    bad["transactions"][0]["merchant_nmae"] = "x"
    assert _errors(v, bad)
    bad = copy.deepcopy(doc)
    bad["transactions"][0]["amount"] = "12.00"
    assert _errors(v, bad)
    bad = copy.deepcopy(doc)
    bad["transactions"][0]["payment_channel"] = "instore"
    assert _errors(v, bad)
    bad = copy.deepcopy(doc)
    del bad["transactions"][0]["location"]
    assert _errors(v, bad), "every key Plaid requires must be present"
    sandbox = copy.deepcopy(export.sandbox(user))
    sandbox["override_accounts"][0]["transactions"][0]["category"] = "FOOD"
    assert _errors(plaid_validator("UserCustomPassword"), sandbox)


def test_plaid_documents_agree_with_the_tables(export: Export) -> None:
    ds = export.ds
    acc, txn, lia = ds.accounts, ds.transactions, ds.liabilities
    txn_by_user: dict[str, list[int]] = {}
    account_user = dict(zip(acc["account_id"], acc["user_id"]))
    for i, a in enumerate(txn["account_id"]):
        txn_by_user.setdefault(account_user[a], []).append(i)
    item_ids = set()
    request_ids = set()
    for user in export.users():
        a = export.doc(user, "accounts_get.json")
        pages = export.pages(user)
        li = export.doc(user, "liabilities_get.json")
        # One Item per user, the same in every response; a request id per response.
        for page in pages:
            assert page["item"] == a["item"] == li["item"]
            assert page["accounts"] == a["accounts"] == li["accounts"]
            assert page["total_transactions"] == pages[0]["total_transactions"]
            request_ids.add(page["request_id"])
        item_ids.add(a["item"]["item_id"])
        request_ids.update({a["request_id"], li["request_id"]})
        # Pages of Plaid's largest count (500): all full but the last, which is not empty
        # unless the user has no transactions at all.
        sizes = [len(p["transactions"]) for p in pages]
        assert all(n == 500 for n in sizes[:-1]) and 0 < sizes[-1] <= 500 or sizes == [0], sizes
        t = {"total_transactions": pages[0]["total_transactions"]}
        t["transactions"] = [x for p in pages for x in p["transactions"]]
        # Accounts: the user's rows, balances included.
        rows = [k for k, u in enumerate(acc["user_id"]) if u == user]
        assert [x["account_id"] for x in a["accounts"]] == [acc["account_id"][k] for k in rows]
        for x, k in zip(a["accounts"], rows):
            assert x["balances"]["current"] == pytest.approx(acc["balance_current"][k], abs=0.001)
            assert (x["type"], x["subtype"], x["mask"]) == (acc["type"][k], acc["subtype"][k], acc["mask"][k])
        # Transactions: all of them, newest first, ids and amounts as in the table.
        mine = txn_by_user.get(user, [])
        assert t["total_transactions"] == len(t["transactions"]) == len(mine)
        assert [x["transaction_id"] for x in t["transactions"]] == [
            txn["transaction_id"][k] for k in reversed(mine)
        ]
        dates = [x["date"] for x in t["transactions"]]
        assert dates == sorted(dates, reverse=True)
        for x, k in zip(t["transactions"], reversed(mine)):
            assert x["amount"] == pytest.approx(txn["amount"][k], abs=0.001)
            assert x["personal_finance_category"]["detailed"] == txn["pfc_detailed"][k]
            assert x["personal_finance_category"]["detailed"].startswith(
                x["personal_finance_category"]["primary"]
            )
            assert x["payment_channel"] == txn["payment_channel"][k]
            assert x["pending"] == bool(txn["pending"][k])
        # Liabilities: one entry per liability row, under its type.
        mine_l = Counter(lia["liability_type"][k] for k, u in enumerate(lia["user_id"]) if u == user)
        got = Counter({kind: len(v) for kind, v in li["liabilities"].items() if v})
        assert got == mine_l
    assert len(item_ids) == len(export.users())
    responses = sum(2 + len(export.pages(u)) for u in export.users())
    assert len(request_ids) == responses
    if export.ds.n_users >= 100:
        assert responses > 3 * export.ds.n_users, "some users need a second page"


def test_liability_values_match_users_json(export: Export) -> None:
    """The liability figures are the dataset's (users.json carries the same objects)."""
    users = json.loads((export.out / "users.json").read_text(encoding="utf-8"))["users"]
    shared = {
        "credit": ["aprs", "is_overdue", "last_payment_amount", "last_payment_date", "last_statement_balance",
                   "last_statement_issue_date", "minimum_payment_amount", "next_payment_due_date"],
        "student": ["interest_rate_percentage", "is_overdue", "last_payment_amount", "last_statement_balance",
                    "loan_name", "minimum_payment_amount", "origination_principal_amount",
                    "expected_payoff_date", "ytd_interest_paid", "ytd_principal_paid"],
        "mortgage": ["interest_rate", "last_payment_amount", "maturity_date", "next_monthly_payment",
                     "origination_date", "origination_principal_amount", "ytd_interest_paid"],
    }  # fmt: skip
    seen = Counter[str]()
    for u in users:
        li = export.doc(u["user_id"], "liabilities_get.json")["liabilities"]
        for kind, keys in shared.items():
            assert len(li[kind]) == len(u["liabilities"][kind])
            for ours, plaid in zip(u["liabilities"][kind], li[kind]):
                assert ours["account_id"] == plaid["account_id"]
                assert {k: ours[k] for k in keys} == {k: plaid[k] for k in keys}
                seen[kind] += 1
    if export.ds.n_users >= 100:
        assert seen["credit"] and seen["student"] and seen["mortgage"], seen


def test_sandbox_configs_carry_what_sandbox_accepts(export: Export) -> None:
    ds = export.ds
    acc, txn = ds.accounts, ds.transactions
    per_account = Counter(txn["account_id"])
    amount_sum: dict[str, float] = {}
    for a, amt in zip(txn["account_id"], txn["amount"]):
        amount_sum[a] = amount_sum.get(a, 0.0) + float(amt)
    for user in export.users():
        cfg = export.sandbox(user)
        assert cfg["version"] == "2"
        rows = [k for k, u in enumerate(acc["user_id"]) if u == user and acc["subtype"][k] != "mortgage"]
        assert len(cfg["override_accounts"]) == len(rows), "every account but mortgages"
        for o, k in zip(cfg["override_accounts"], rows):
            aid = acc["account_id"][k]
            assert (o["type"], o["subtype"], o["meta"]["mask"]) == (
                acc["type"][k],
                acc["subtype"][k],
                acc["mask"][k],
            )
            assert o["starting_balance"] == pytest.approx(acc["balance_current"][k], abs=0.001)
            assert ("force_available_balance" in o) != ("has_null_available_balance" in o)
            assert len(o["transactions"]) == per_account.get(aid, 0)
            total = sum(x["amount"] for x in o["transactions"])
            assert total == pytest.approx(amount_sum.get(aid, 0.0), abs=0.01), "same sign and amounts"
            for x in o["transactions"]:
                assert x["date_transacted"] <= x["date_posted"]
            if o["type"] == "credit":
                assert o["liability"]["type"] == "credit" and "purchase_apr" in o["liability"]
                assert o["meta"]["limit"] == pytest.approx(acc["balance_limit"][k], abs=0.001)
            if o["subtype"] == "student":
                assert o["liability"]["type"] == "student"
        assert cfg["override_accounts"][0]["identity"]["names"] == [
            ds.users["name"][list(ds.users["user_id"]).index(user)]
        ]


def test_plaid_exports_are_deterministic_and_in_the_manifest(export: Export, tmp_path: Path) -> None:
    again = tmp_path / "again"
    m2 = export.ds.write(again, formats=["plaid", "plaid-sandbox", "json"])
    files = {k: v for k, v in export.manifest["files"].items() if k.startswith(("plaid/", "plaid_sandbox/"))}
    n = export.ds.n_users
    pages = sum(len(export.pages(u)) for u in export.users())
    assert len(files) == 3 * n + pages, (
        "accounts, liabilities, transaction pages and a sandbox config per user"
    )
    assert files == {k: v for k, v in m2["files"].items() if k.startswith(("plaid/", "plaid_sandbox/"))}
    assert export.manifest["formats"] == m2["formats"]


def test_ids_differ_between_seeds(tmp_path: Path) -> None:
    items = []
    for seed in (1, 2):
        ssg.generate(n_users=3, seed=seed, months=1).write(tmp_path / str(seed), formats=["plaid"])
        doc = json.loads((tmp_path / str(seed) / "plaid" / "user_0000" / "accounts_get.json").read_text())
        items.append((doc["item"]["item_id"], doc["request_id"]))
    assert items[0][0] != items[1][0] and items[0][1] != items[1][1]


def test_plaid_formats_are_opt_in(tmp_path: Path) -> None:
    m = ssg.generate(n_users=3, months=1).write(tmp_path / "out")
    assert sorted(m["formats"]) == ["csv", "json", "sqlite"]
    assert not (tmp_path / "out" / "plaid").exists() and not (tmp_path / "out" / "plaid_sandbox").exists()
    assert ssg.DEFAULT_FORMATS == ("sqlite", "csv", "json")
    assert set(ssg.FORMATS) == {"sqlite", "csv", "json", "parquet", "plaid", "plaid-sandbox"}


def test_cli_writes_plaid_formats(tmp_path: Path) -> None:
    import io

    from spendsense_gen.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(
        [
            "generate",
            "--users",
            "5",
            "--months",
            "2",
            "--out",
            str(tmp_path / "o"),
            "--format",
            "plaid,plaid-sandbox",
        ],
        out=out,
        err=err,
    )
    assert code == 0, err.getvalue()
    assert len(list((tmp_path / "o" / "plaid").iterdir())) == 5
    assert len(list((tmp_path / "o" / "plaid_sandbox").glob("*.json"))) == 5


def test_reference_sandbox_examples_validate(plaid_validator: Any) -> None:
    """The validator used above accepts Plaid's own Sandbox examples (a check of the check)."""
    v = plaid_validator("UserCustomPassword")
    for p in sorted((PLAID / "sandbox_custom_users").glob("*.json")):
        assert _errors(v, json.loads(p.read_text(encoding="utf-8"))) == [], p.name
