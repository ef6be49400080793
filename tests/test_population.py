"""Who is in a dataset: consent split, archetype mix, edge cases, demographics and labels; and, with
hypothesis, that any valid configuration generates."""

from __future__ import annotations

import numpy as np
import pytest
import spendsense_gen as ssg
from helpers import EDGE_CASES, PERSONAS, expected_no_consent, label_counts, largest_remainder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

AGE_BRACKETS = {"18-24": (18, 24), "25-34": (25, 34), "35-44": (35, 44), "45-54": (45, 54), "55-64": (55, 64)}


# -- consent -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("n_users", "expected"), [(100, 10), (37, 4), (5, 1), (4, 0), (15, 2)])
def test_consent_false_is_ten_percent_rounded_half_up(n_users: int, expected: int) -> None:
    ds = ssg.generate(n_users=n_users, seed=3, months=1)
    no = int(np.count_nonzero(~ds.users["consent_status"]))
    assert no == expected == expected_no_consent(n_users, 0.9)
    assert ds.summary()["consent_false"] == no
    assert ds.summary()["consent_true"] == n_users - no


@pytest.mark.parametrize(("n_users", "ratio"), [(37, 0.5), (20, 0.25), (10, 0.0), (64, 0.875)])
def test_consent_ratio_is_exact(n_users: int, ratio: float) -> None:
    ds = ssg.generate(n_users=n_users, seed=11, months=1, consent_ratio=ratio, mix="even")
    assert int(np.count_nonzero(~ds.users["consent_status"])) == expected_no_consent(n_users, ratio)


def test_consent_false_edge_case_has_no_consent(ds: ssg.Dataset) -> None:
    edge = ds.user_labels["edge_case"]
    consent = dict(zip(ds.users["user_id"], ds.users["consent_status"]))
    users = [u for u, e in zip(ds.user_labels["user_id"], edge) if e == "consent_false_high_utilization"]
    assert users
    assert not any(consent[u] for u in users)


def test_impossible_consent_ratio_is_a_clear_error() -> None:
    # The consent-false edge user needs someone without consent; a ratio of 1 leaves nobody.
    with pytest.raises(ssg.InvalidParameterError) as e:
        ssg.generate(n_users=100, consent_ratio=1.0, months=1)
    assert e.value.parameter == "consent_ratio"
    assert "allowed" in str(e.value)


# -- mix ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("n_users", [100, 37, 1, 9])
@pytest.mark.parametrize("preset", ["default", "even"])
def test_preset_counts_are_resolved_exactly(preset: str, n_users: int) -> None:
    ds = ssg.generate(n_users=n_users, seed=5, mix=preset, months=1)
    counts = ds.config["mix"]["counts"]
    assert set(counts) == set(ssg.ARCHETYPES)
    assert sum(counts.values()) == n_users
    assert label_counts(ds) == counts
    assert ssg.resolve_config({"n_users": n_users, "mix": preset})["mix"]["counts"] == counts
    assert ds.summary()["archetypes"] == {a: n for a, n in counts.items() if n > 0}


def test_even_preset_is_even() -> None:
    for n in (100, 37, 12):
        counts = ssg.resolve_config({"n_users": n, "mix": "even"})["mix"]["counts"]
        used = [c for c in counts.values() if c > 0]
        assert len(used) >= 2 and max(used) - min(used) <= 1, counts


def test_default_preset_scales_proportionally() -> None:
    base = ssg.resolve_config({"n_users": 100})["mix"]["counts"]
    for n in (200, 1000):
        scaled = ssg.resolve_config({"n_users": n})["mix"]["counts"]
        assert scaled == {a: c * n // 100 for a, c in base.items()}
    assert base == ssg.resolve_config({})["mix"]["counts"], "100 users is the default"


def test_explicit_counts() -> None:
    counts = {"stable": 7, "edge_cases": 7, "savings_builder": 3}
    d = ssg.generate(mix={"counts": counts}, seed=1, months=1)
    assert d.n_users == 17
    assert label_counts(d) == {a: counts.get(a, 0) for a in ssg.ARCHETYPES}
    # The plain {archetype: int} form is counts too.
    assert ssg.generate(mix=counts, seed=1, months=1).config == d.config


@pytest.mark.parametrize(
    ("n_users", "shares"),
    [
        (10, {"stable": 1 / 3, "savings_builder": 1 / 3, "high_utilizer": 1 / 3}),
        (7, {"stable": 0.5, "overspender": 0.25, "edge_cases": 0.25}),
        (53, {"high_utilizer": 0.15, "variable_income": 0.35, "multi_persona": 0.2, "stable": 0.3}),
        (1, {"stable": 0.4, "savings_builder": 0.6}),
    ],
)
def test_shares_round_by_largest_remainder(n_users: int, shares: dict[str, float]) -> None:
    d = ssg.generate(n_users=n_users, mix={"shares": shares}, seed=2, months=1)
    expected = largest_remainder(n_users, shares)
    assert sum(expected.values()) == n_users
    assert label_counts(d) == expected == d.config["mix"]["counts"]
    # The plain {archetype: float} form is shares too.
    assert ssg.generate(n_users=n_users, mix=shares, seed=2, months=1).config == d.config


# -- edge cases --------------------------------------------------------------------------------
def _users_with(ds: ssg.Dataset, edge: str) -> list[str]:
    return [u for u, e in zip(ds.user_labels["user_id"], ds.user_labels["edge_case"]) if e == edge]


def test_default_mix_has_every_edge_case(ds: ssg.Dataset) -> None:
    present = set(ds.user_labels["edge_case"]) - {None}
    assert present == set(EDGE_CASES)


def test_edge_cases_only_on_edge_case_users(ds: ssg.Dataset) -> None:
    for arch, edge in zip(ds.user_labels["archetype"], ds.user_labels["edge_case"]):
        assert (edge is not None) == (arch == "edge_cases")


def test_no_transactions_user(ds: ssg.Dataset) -> None:
    users = _users_with(ds, "no_transactions")
    assert users
    for u in users:
        assert not np.any(ds.transactions["user_id"] == u)
        assert np.any(ds.accounts["user_id"] == u), "the user still has an account"


def test_only_pending_user(ds: ssg.Dataset) -> None:
    users = _users_with(ds, "only_pending")
    assert users
    tx = ds.transactions
    for u in users:
        mine = tx["user_id"] == u
        assert np.count_nonzero(mine) >= 1
        assert tx["pending"][mine].all()


def test_no_credit_accounts_user(ds: ssg.Dataset) -> None:
    users = _users_with(ds, "no_credit_accounts")
    assert users
    acc = ds.accounts
    for u in users:
        assert "credit" not in set(acc["type"][acc["user_id"] == u])
        li = ds.liabilities
        assert "credit" not in set(li["liability_type"][li["user_id"] == u])


# -- demographics and labels -------------------------------------------------------------------
def test_age_bracket_and_region(ds: ssg.Dataset) -> None:
    u = ds.users
    for age, bracket in zip(u["age"], u["age_bracket"]):
        if bracket == "65+":
            assert age >= 65
        else:
            lo, hi = AGE_BRACKETS[bracket]
            assert lo <= age <= hi, (age, bracket)
    assert set(u["region"]) <= {"urban", "suburban", "rural"}
    assert all(isinstance(s, str) and s for s in u["life_stage"])
    assert (u["annual_income"] > 0).all()


def test_income_tiers_are_ordered_by_income(ds: ssg.Dataset) -> None:
    order = ["low", "lower_middle", "middle", "upper_middle", "high"]
    u = ds.users
    assert set(u["income_tier"]) <= set(order)
    ranges = {}
    for tier, income in zip(u["income_tier"], u["annual_income"]):
        lo, hi = ranges.get(tier, (income, income))
        ranges[tier] = (min(lo, income), max(hi, income))
    present = [t for t in order if t in ranges]
    for a, b in zip(present, present[1:]):
        assert ranges[a][1] < ranges[b][0], f"{a} incomes overlap {b}: {ranges}"


def test_label_columns_agree(ds: ssg.Dataset) -> None:
    lab = ds.user_labels
    assert list(lab["user_id"]) == list(ds.users["user_id"])
    for i in range(ds.n_users):
        names = [p for p in lab["personas"][i].split(",") if p]
        assert names == [p for p in PERSONAS if p in names], "personas listed in canonical order"
        assert set(names) <= set(PERSONAS)
        assert lab["persona_count"][i] == len(names)
        for p in PERSONAS:
            assert bool(lab[p][i]) == (p in names), (lab["user_id"][i], p)


# -- configuration space -----------------------------------------------------------------------
def _consent_feasible(counts: dict[str, int], n_users: int, ratio: float) -> bool:
    """The plan can withhold consent from exactly the right number of users: every
    consent_false_high_utilization edge user (the 4th of every 7 edge-case users) lacks it, and the
    rest come from non-edge users."""
    want = expected_no_consent(n_users, ratio)
    forced = sum(1 for k in range(counts.get("edge_cases", 0)) if k % 7 == 3)
    non_edge = n_users - counts.get("edge_cases", 0)
    return forced <= want and want - forced <= non_edge


mixes = st.one_of(
    st.sampled_from(["default", "even"]),
    st.dictionaries(st.sampled_from(ssg.ARCHETYPES), st.integers(1, 60), min_size=1, max_size=9).map(
        lambda d: {"counts": d}
    ),
    st.dictionaries(st.sampled_from(ssg.ARCHETYPES), st.integers(1, 20), min_size=1, max_size=9).map(
        lambda d: {"shares": {a: w / sum(d.values()) for a, w in d.items()}}
    ),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_users=st.integers(1, 300),
    seed=st.integers(0, 2**64 - 1),
    months=st.integers(1, 36),
    mix=mixes,
    ratio=st.sampled_from([0.9, 0.5, 0.0, 1.0, 0.75]),
)
def test_any_valid_configuration_generates(n_users: int, seed: int, months: int, mix, ratio: float) -> None:
    if isinstance(mix, dict) and "counts" in mix:
        n_users = sum(mix["counts"].values())
    config = {"n_users": n_users, "seed": seed, "months": months, "mix": mix, "consent_ratio": ratio}
    counts = ssg.resolve_config(config)["mix"]["counts"]
    assert sum(counts.values()) == n_users
    if not _consent_feasible(counts, n_users, ratio):
        with pytest.raises(ssg.InvalidParameterError) as e:
            ssg.generate(config=config)
        assert e.value.parameter == "consent_ratio"
        return
    ds = ssg.generate(config=config)
    assert ds.n_users == n_users
    assert label_counts(ds) == counts
    rows = ds.summary()["rows"]
    assert rows["users"] == rows["user_labels"] == n_users
    assert ds.summary()["consent_false"] == expected_no_consent(n_users, ratio)
    assert int(np.count_nonzero(~ds.users["consent_status"])) == expected_no_consent(n_users, ratio)
    assert (ds.end_date.year * 12 + ds.end_date.month) - (ds.start_date.year * 12 + ds.start_date.month) in (
        months - 1,
        months,
    )


def test_pay_posts_on_business_days() -> None:
    """Payroll, pensions and gig or contract payouts reach checking by ACH, which settles Monday
    to Friday except on federal holidays: no deposit of wages or a pension posts on a Saturday,
    a Sunday or a holiday. (Interest and transfers between a user's own accounts may post on any
    day.)"""
    ds = ssg.generate(n_users=400, seed=11, mix="even", months=5)
    assert (ds.start_date.isoformat(), ds.end_date.isoformat()) == ("2025-06-01", "2025-10-31")
    tx = ds.transactions
    pay = np.isin(
        tx["pfc_detailed"], ["INCOME_WAGES", "INCOME_RETIREMENT_PENSION", "INCOME_OTHER_INCOME"]
    ) & (tx["amount"] < 0)
    payout = pay & np.char.endswith(tx["name"].astype(str), " PAYOUT")
    assert payout.sum() > 100  # gig and contract payouts are among them
    weekday = (tx["date"][pay].astype("datetime64[D]").view("int64") + 3) % 7  # 0 = Monday
    assert weekday.size > 1000
    assert set(np.unique(weekday)) == {0, 1, 2, 3, 4}
    # OPM's federal holidays (as observed) from June to October 2025.
    holidays = np.array(["2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13"], dtype="datetime64[D]")
    on_holiday = np.isin(tx["date"][pay], holidays)
    assert not on_holiday.any(), tx["date"][pay][on_holiday][:5]
    # Labor Day's payroll moved to the Friday before, which therefore carries more than usual.
    days, counts = np.unique(tx["date"][pay], return_counts=True)
    assert counts[days == np.datetime64("2025-08-29")][0] > np.median(counts)


def test_bill_payments_from_checking_post_on_business_days() -> None:
    """Rent paid through a property manager's portal, utilities' autopay, loan payments and card
    payments leave checking by ACH too: one due on a weekend or holiday posts on the next business
    day, authorized on the day it was due. Zelle rent and card charges settle on any day."""
    ds = ssg.generate(n_users=400, seed=11, mix="even", months=5)
    tx, acc = ds.transactions, ds.accounts
    checking = acc["account_id"][acc["subtype"] == "checking"]
    debit = np.isin(tx["account_id"], checking) & (tx["amount"] > 0) & ~tx["pending"]
    names = tx["name"].astype(str)
    ach = debit & (
        np.char.startswith(tx["pfc_detailed"].astype(str), "RENT_AND_UTILITIES_")
        & ~np.char.startswith(names, "ZELLE ")
        | np.char.startswith(tx["pfc_detailed"].astype(str), "LOAN_PAYMENTS_")
    )
    kinds = set(np.unique(tx["pfc_detailed"][ach]))
    assert {
        "RENT_AND_UTILITIES_RENT",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        "RENT_AND_UTILITIES_TELEPHONE",
        "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
        "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
        "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
    } <= kinds, kinds
    dates = tx["date"][ach].astype("datetime64[D]")
    weekday = (dates.view("int64") + 3) % 7  # 0 = Monday
    assert weekday.size > 2000
    assert set(np.unique(weekday)) == {0, 1, 2, 3, 4}
    holidays = np.array(["2025-06-19", "2025-07-04", "2025-09-01", "2025-10-13"], dtype="datetime64[D]")
    assert not np.isin(dates, holidays).any()
    # An ACH debit is authorized the day it posts, or, when it was moved, on its due date: a
    # weekend day or a holiday before.
    authorized = tx["authorized_date"][ach].astype("datetime64[D]")
    moved = authorized < dates
    assert moved.sum() > 100
    lag = (dates - authorized)[moved].astype(int)
    assert lag.max() <= 4, lag.max()
    due_weekday = (authorized[moved].view("int64") + 3) % 7
    assert (np.isin(due_weekday, [5, 6]) | np.isin(authorized[moved], holidays)).all()
    # Labor Day (Monday, September 1): the debits due on the 30th, 31st and 1st post Tuesday.
    assert (dates == np.datetime64("2025-09-02")).sum() > (dates == np.datetime64("2025-10-01")).sum()
