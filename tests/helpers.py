"""Shared helpers for the test suite (imported by the test modules; no fixtures here)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import spendsense_gen as ssg

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PLAID = SHARED / "reference" / "plaid"

# The account (type, subtype) pairs the generator is meant to produce (a subset of Plaid's).
ALLOWED_ACCOUNT_PAIRS = {
    ("depository", "checking"),
    ("depository", "savings"),
    ("depository", "money market"),
    ("depository", "hsa"),
    ("credit", "credit card"),
    ("loan", "student"),
    ("loan", "mortgage"),
}
SAVINGS_LIKE = {"savings", "money market", "hsa"}
EDGE_CASES = (
    "utilization_exactly_50",
    "recurring_exactly_3",
    "low_balance_exactly_30pct",
    "consent_false_high_utilization",
    "no_transactions",
    "only_pending",
    "no_credit_accounts",
)
PERSONAS = (
    "high_utilization",
    "variable_income",
    "subscription_heavy",
    "savings_builder",
    "cash_flow_stressed",
)
FEATURE_TABLES = ("subscriptions", "savings", "credit", "income", "cash_flow", "persona_assignments")
# What the persona detector writes beside the formats, whatever the formats.
DETECTION_FILES = (
    *(f"features/{t}.parquet" for t in FEATURE_TABLES),
    "validation_report.json",
)
OUTPUT_FILES = (
    "spendsense.db",
    "users.json",
    "csv/users.csv",
    "csv/accounts.csv",
    "csv/transactions.csv",
    "csv/liabilities.csv",
    "csv/user_labels.csv",
    *DETECTION_FILES,
)
# Money columns per table (written as dollars with two decimals).
MONEY_COLUMNS = {
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
    "user_labels": (),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, keyed by the POSIX path relative to it."""
    return {p.relative_to(root).as_posix(): sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}


def expected_no_consent(n_users: int, consent_ratio: float) -> int:
    """Users without consent: ``n_users * (1 - consent_ratio)`` rounded half up, in exact decimal
    arithmetic on the ratio as written (so 100 * (1 - 0.9) is 10, not 9.999999999999998)."""
    exact = Decimal(n_users) * (1 - Decimal(repr(consent_ratio)))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def largest_remainder(n: int, weights: Mapping[str, float]) -> dict[str, int]:
    """Largest-remainder apportionment of ``n`` over ``weights`` (fractions summing to 1), in
    ``ssg.ARCHETYPES`` order; ties go to the earlier archetype."""
    quotas = {a: weights.get(a, 0.0) * n for a in ssg.ARCHETYPES}
    floors = {}
    for a, q in quotas.items():
        floors[a] = round(q) if abs(q - round(q)) < 1e-9 else math.floor(q)
    left = n - sum(floors.values())
    order = sorted(ssg.ARCHETYPES, key=lambda a: (-(quotas[a] - floors[a]), ssg.ARCHETYPES.index(a)))
    for a in order[:left]:
        floors[a] += 1
    return floors


def label_counts(ds: ssg.Dataset) -> dict[str, int]:
    """Users per archetype in ``user_labels`` (every archetype listed, zeros included)."""
    arch = ds.user_labels["archetype"]
    return {a: int(np.count_nonzero(arch == a)) for a in ssg.ARCHETYPES}


def to_cents(values: np.ndarray) -> np.ndarray:
    """Dollars (float64, two decimals) to exact integer cents."""
    return np.rint(np.asarray(values, dtype=np.float64) * 100).astype(np.int64)


@dataclass
class Ledger:
    """Every account's end-of-day posted balance, rebuilt backwards from ``balance_current``.

    ``eod[i, d]`` is account ``i``'s posted balance at the end of day ``d`` of the window (after
    every posted transaction of that day); ``start[i]`` its balance before the first day.
    Balances are in cents, in the account's own sense (funds for depository, money owed for credit
    and loan). Pending transactions are not in posted balances.
    """

    account_ids: np.ndarray
    index: dict[str, int]
    types: np.ndarray
    subtypes: np.ndarray
    users: np.ndarray
    n_days: int
    start_date: np.datetime64
    current: np.ndarray
    effect: np.ndarray
    eod: np.ndarray
    start: np.ndarray
    tx_account: np.ndarray
    tx_day: np.ndarray
    tx_cents: np.ndarray

    def day_of(self, date: np.datetime64) -> int:
        return int((np.datetime64(date, "D") - self.start_date).astype(np.int64))


def build_ledger(ds: ssg.Dataset) -> Ledger:
    acc, tx = ds.accounts, ds.transactions
    start_date = np.datetime64(ds.start_date, "D")
    n_days = int((np.datetime64(ds.end_date, "D") - start_date).astype(np.int64)) + 1
    index = {a: i for i, a in enumerate(acc["account_id"])}
    tx_account = np.array([index[a] for a in tx["account_id"]], dtype=np.int64)
    tx_day = (tx["date"] - start_date).astype(np.int64)
    tx_cents = to_cents(tx["amount"])
    sign = np.where(acc["type"] == "depository", -1, 1).astype(np.int64)
    posted = ~tx["pending"]
    effect = np.zeros((len(index), n_days), dtype=np.int64)
    np.add.at(effect, (tx_account[posted], tx_day[posted]), sign[tx_account[posted]] * tx_cents[posted])
    current = to_cents(acc["balance_current"])
    # Effect of days strictly after d: total minus the running sum up to d.
    running = np.cumsum(effect, axis=1)
    total = running[:, -1] if n_days else np.zeros(len(index), dtype=np.int64)
    eod = current[:, None] - (total[:, None] - running)
    return Ledger(
        account_ids=acc["account_id"],
        index=index,
        types=acc["type"],
        subtypes=acc["subtype"],
        users=acc["user_id"],
        n_days=n_days,
        start_date=start_date,
        current=current,
        effect=effect,
        eod=eod,
        start=current - total,
        tx_account=tx_account,
        tx_day=tx_day,
        tx_cents=tx_cents,
    )


def multiset(items: Sequence[tuple]) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for it in items:
        out[it] = out.get(it, 0) + 1
    return out
