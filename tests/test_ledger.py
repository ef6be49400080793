"""The ledger holds together: balances, overdrafts, paired transfers, liabilities and statements.

Plaid's sign: ``amount > 0`` is money out of the account. A depository balance moves by
``-amount``, a credit or loan balance (money owed) by ``+amount``; pending transactions are not in
``balance_current``. Each account's end-of-day balances are rebuilt backwards from
``balance_current`` (see ``helpers.build_ledger``), so every check on a day's balance is also a
check that ``balance_current`` equals the start balance plus the posted transactions.
"""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np
from conftest import Case
from helpers import SAVINGS_LIKE, multiset, to_cents

OVERDRAFT = "BANK_FEES_OVERDRAFT_FEES"
CARD_PAYMENT = "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
LOAN_PAYMENTS = ("LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT", "LOAN_PAYMENTS_MORTGAGE_PAYMENT")


def _account_kind(case: Case) -> dict[str, tuple[str, str, str]]:
    acc = case.ds.accounts
    return {
        a: (t, s, u) for a, t, s, u in zip(acc["account_id"], acc["type"], acc["subtype"], acc["user_id"])
    }


def test_ledger_rebuild_is_consistent(case: Case) -> None:
    """start + effect of posted transactions == balance_current, for every account."""
    led = case.ledger
    assert np.array_equal(led.start + led.effect.sum(axis=1), led.current)
    assert np.array_equal(led.eod[:, -1], led.current)
    # And computed the slow way, transaction by transaction, for every account.
    tx = case.ds.transactions
    cents = to_cents(tx["amount"])
    for i, account in enumerate(led.account_ids):
        mine = (tx["account_id"] == account) & ~tx["pending"]
        sign = -1 if led.types[i] == "depository" else 1
        assert led.start[i] + sign * int(cents[mine].sum()) == led.current[i], account


def test_checking_goes_below_zero_only_with_an_overdraft_fee(case: Case) -> None:
    """A checking balance goes below zero only with an overdraft fee that day: every day on which
    a debit posts and the account ends below zero carries a fee (as banks charge per overdrawing
    item). So does every day the balance crosses from zero or above to below zero. A day with no
    debit (the account just stays overdrawn) carries none: there is no daily fee spiral."""
    led, tx = case.ledger, case.ds.transactions
    fee = np.zeros(led.eod.shape, dtype=bool)
    is_fee = (tx["pfc_detailed"] == OVERDRAFT) & ~tx["pending"]
    fee[led.tx_account[is_fee], led.tx_day[is_fee]] = True
    debit = np.zeros(led.eod.shape, dtype=bool)
    is_debit = (tx["amount"] > 0) & ~tx["pending"] & ~is_fee
    debit[led.tx_account[is_debit], led.tx_day[is_debit]] = True
    checking = led.subtypes == "checking"
    negative = (led.eod < 0) & checking[:, None]
    previous = np.concatenate([led.start[:, None], led.eod[:, :-1]], axis=1)
    crossed = negative & (previous >= 0)
    missing = np.argwhere((negative & debit & ~fee) | (crossed & ~fee))
    examples = [
        (led.account_ids[i], str(led.start_date + np.timedelta64(int(d), "D")), int(led.eod[i, d]))
        for i, d in missing[:5]
    ]
    assert len(missing) == 0, f"{len(missing)} overdrawn account-days without a fee, e.g. {examples}"
    # The rule is not vacuous: the generated data does overdraw sometimes.
    if case.name.startswith("default"):
        assert negative.any()


def test_overdraft_fees_only_on_overdrawn_checking_days(case: Case) -> None:
    """An overdraft fee is charged to a checking account that was below zero before the fee."""
    led, tx = case.ledger, case.ds.transactions
    kind = _account_kind(case)
    is_fee = tx["pfc_detailed"] == OVERDRAFT
    assert all(kind[a][1] == "checking" for a in tx["account_id"][is_fee])
    assert (tx["amount"][is_fee] > 0).all()
    fees = np.zeros(led.eod.shape, dtype=np.int64)
    np.add.at(fees, (led.tx_account[is_fee], led.tx_day[is_fee]), led.tx_cents[is_fee])
    charged = np.argwhere(fees > 0)
    for i, d in charged:
        assert led.eod[i, d] + fees[i, d] < 0, f"fee on {led.account_ids[i]} day {d} while not overdrawn"


def test_savings_like_accounts_never_go_below_zero(case: Case) -> None:
    led = case.ledger
    savings = np.isin(led.subtypes, list(SAVINGS_LIKE))
    assert (led.start[savings] >= 0).all()
    assert (led.eod[savings] >= 0).all()


def test_loans_are_never_overpaid(case: Case) -> None:
    led = case.ledger
    loans = led.types == "loan"
    assert (led.start[loans] > 0).all()
    assert (led.eod[loans] >= 0).all()


def _pairs(case: Case, category: str, from_subtypes: set[str], to_kind) -> None:
    """Every positive ``category`` transaction on a ``from_subtypes`` account has a negative one of
    the same absolute amount on the same date on an account of the same user for which
    ``to_kind(type, subtype)`` holds, and vice versa (as multisets)."""
    tx = case.ds.transactions
    kind = _account_kind(case)
    cents = to_cents(tx["amount"])
    out, into = [], []
    for i in np.flatnonzero(tx["pfc_detailed"] == category):
        t, s, user = kind[tx["account_id"][i]]
        if cents[i] > 0 and s in from_subtypes:
            out.append((user, str(tx["date"][i]), int(cents[i])))
        elif cents[i] < 0 and to_kind(t, s):
            into.append((user, str(tx["date"][i]), int(-cents[i])))
        else:
            raise AssertionError(f"unexpected {category} {tx['transaction_id'][i]} on a {t}/{s} account")
    assert multiset(out) == multiset(into)
    assert all(not tx["pending"][i] for i in np.flatnonzero(tx["pfc_detailed"] == category))


def test_card_payments_are_paired(case: Case) -> None:
    _pairs(case, CARD_PAYMENT, {"checking"}, lambda t, s: t == "credit")


def test_savings_transfers_are_paired(case: Case) -> None:
    tx = case.ds.transactions
    kind = _account_kind(case)
    cents = to_cents(tx["amount"])
    out = [
        (kind[a][2], str(d), int(c))
        for a, d, c, p in zip(tx["account_id"], tx["date"], cents, tx["pfc_detailed"])
        if p == "TRANSFER_OUT_SAVINGS"
    ]
    into = [
        (kind[a][2], str(d), int(-c))
        for a, d, c, p in zip(tx["account_id"], tx["date"], cents, tx["pfc_detailed"])
        if p == "TRANSFER_IN_SAVINGS"
    ]
    for a, c, p in zip(tx["account_id"], cents, tx["pfc_detailed"]):
        if p == "TRANSFER_OUT_SAVINGS":
            assert kind[a][1] == "checking" and c > 0
        elif p == "TRANSFER_IN_SAVINGS":
            assert kind[a][1] in SAVINGS_LIKE and c < 0
    assert multiset(out) == multiset(into)


def test_loan_payments_are_paired(case: Case) -> None:
    for category in LOAN_PAYMENTS:
        _pairs(case, category, {"checking"}, lambda t, s: t == "loan")


def test_income_is_money_in(case: Case) -> None:
    tx = case.ds.transactions
    income = tx["pfc_primary"] == "INCOME"
    assert (tx["amount"][income] < 0).all()
    transfer_in = tx["pfc_primary"] == "TRANSFER_IN"
    assert (tx["amount"][transfer_in] < 0).all()
    assert (tx["amount"][tx["pfc_primary"] == "TRANSFER_OUT"] > 0).all()


def test_purchases_are_money_out(case: Case) -> None:
    """Spending categories (everything but income, transfers and loan payments) are positive."""
    tx = case.ds.transactions
    spend = ~np.isin(tx["pfc_primary"], ["INCOME", "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS"])
    assert (tx["amount"][spend] > 0).all()


def test_pending_only_on_purchases(case: Case) -> None:
    tx = case.ds.transactions
    assert (tx["amount"][tx["pending"]] > 0).all()
    assert all(t is None for t in tx["pending_transaction_id"][tx["pending"]])


# -- liabilities -------------------------------------------------------------------------------
def test_liabilities_match_credit_and_loan_accounts(case: Case) -> None:
    kind = _account_kind(case)
    li = case.ds.liabilities
    expected_type = {"credit card": "credit", "student": "student", "mortgage": "mortgage"}
    for account, user, ltype in zip(li["account_id"], li["user_id"], li["liability_type"]):
        t, s, owner = kind[account]
        assert t in ("credit", "loan"), f"liability on a {t} account"
        assert owner == user
        assert expected_type[s] == ltype
    acc = case.ds.accounts
    owed = [a for a, t in zip(acc["account_id"], acc["type"]) if t in ("credit", "loan")]
    assert sorted(owed) == sorted(li["account_id"]), "every credit/loan account has exactly one liability"


def test_last_payment_is_the_latest_payment_transaction(case: Case) -> None:
    tx, li = case.ds.transactions, case.ds.liabilities
    cents = to_cents(tx["amount"])
    latest: dict[str, tuple[np.datetime64, int]] = {}
    payment = np.isin(tx["pfc_detailed"], [CARD_PAYMENT, *LOAN_PAYMENTS]) & (cents < 0)
    for i in np.flatnonzero(payment):
        a = tx["account_id"][i]
        if a not in latest or tx["date"][i] >= latest[a][0]:
            latest[a] = (tx["date"][i], int(-cents[i]))
    checked = 0
    for j, account in enumerate(li["account_id"]):
        amount, date = li["last_payment_amount"][j], li["last_payment_date"][j]
        if account in latest:
            checked += 1
            assert date == latest[account][0], account
            assert round(amount * 100) == latest[account][1], account
        else:
            assert np.isnan(amount) and np.isnat(date), f"{account}: a last payment but no payment"
    assert checked > 0


def test_statement_balance_is_the_balance_on_the_statement_date(case: Case) -> None:
    """A liability's last_statement_balance is what the account owed at the end of its statement
    date (statements inside the window, before its last day)."""
    led, li = case.ledger, case.ds.liabilities
    checked = 0
    for j, account in enumerate(li["account_id"]):
        d = led.day_of(li["last_statement_issue_date"][j])
        assert d < led.n_days, "a statement is issued by the end of the window"
        if not 0 <= d < led.n_days - 1:
            continue
        checked += 1
        i = led.index[account]
        assert led.eod[i, d] == round(li["last_statement_balance"][j] * 100), (
            f"{li['liability_type'][j]} {account}: statement of {li['last_statement_issue_date'][j]}"
        )
    assert checked > 0


def test_liability_dates_and_amounts(case: Case) -> None:
    li = case.ds.liabilities
    end = np.datetime64(case.ds.end_date)
    # The next due date is after the window (the variants end on business days, so no payment
    # due by the end is still to post).
    assert (li["next_payment_due_date"] > end).all(), "the next due date is after the window"
    assert (li["last_statement_issue_date"] <= end).all()
    assert (li["minimum_payment_amount"] >= 0).all()
    paid = ~np.isnat(li["last_payment_date"])
    assert (li["last_payment_date"][paid] <= end).all()
    assert (li["last_payment_amount"][paid] > 0).all()
    credit = li["liability_type"] == "credit"
    assert not np.isnan(li["purchase_apr_percentage"][credit]).any()
    assert np.isnan(li["interest_rate_percentage"][credit]).all()
    loan = ~credit
    assert not np.isnan(li["interest_rate_percentage"][loan]).any()
    assert (li["origination_date"][loan] < li["maturity_date"][loan]).all()


def test_a_loan_due_on_the_last_weekend_is_still_due() -> None:
    """A window that ends on Saturday, November 1, 2025: the mortgages' payment due that day posts
    on Monday the 3rd, after the window, so it is not in the data, the last payment is October's
    and the payment due on November 1 is the next one."""
    import spendsense_gen as ssg

    ds = ssg.generate(n_users=300, seed=5, end_date="2025-11-01", months=3)
    li, tx = ds.liabilities, ds.transactions
    mortgage = li["liability_type"] == "mortgage"
    assert mortgage.sum() > 5
    assert (li["next_payment_due_date"][mortgage] == np.datetime64("2025-11-01")).all()
    assert (li["last_payment_date"][mortgage] == np.datetime64("2025-10-01")).all()
    paid = np.isin(tx["pfc_detailed"], LOAN_PAYMENTS[1]) & (tx["date"] == np.datetime64("2025-11-01"))
    assert not paid.any()
    # Student loans (due on the 5th to the 25th) owe their next payment after the window.
    student = li["liability_type"] == "student"
    assert student.any()
    assert (li["next_payment_due_date"][student] > np.datetime64("2025-11-01")).all()


def test_card_minimum_never_exceeds_statement_balance(case: Case) -> None:
    li = case.ds.liabilities
    credit = li["liability_type"] == "credit"
    assert (li["minimum_payment_amount"][credit] <= np.maximum(li["last_statement_balance"][credit], 0)).all()


def _card_minimum(balance: int, interest: int) -> int:
    """The card minimum in cents: 1% of the statement balance plus its interest, at least $25, at
    most the balance."""
    return 0 if balance <= 0 else min(max(balance // 100 + interest, 2500), balance)


def test_card_minimum_includes_what_is_past_due(case: Case) -> None:
    """A card's minimum_payment_amount follows the statement it was issued with: 1% of the balance
    plus the statement's interest, at least $25, at most the balance. When the card is overdue and
    its last statement closed after the missed due date, the unpaid part of the previous minimum is
    past due and is added (capped at the balance), as issuers do."""
    led, li, tx = case.ledger, case.ds.liabilities, case.ds.transactions
    cents = to_cents(tx["amount"])
    posted = ~tx["pending"]
    interest_tx = posted & (tx["name"] == "INTEREST CHARGE ON PURCHASES")
    payment_tx = posted & (tx["name"] == "PAYMENT - THANK YOU")

    def interest_on(i: int, day: int) -> int:
        return int(cents[interest_tx & (led.tx_account == i) & (led.tx_day == day)].sum())

    checked = with_past_due = 0
    for j in np.flatnonzero(li["liability_type"] == "credit"):
        i = led.index[li["account_id"][j]]
        issued = li["last_statement_issue_date"][j].astype(date)
        previous = _add_months(issued, -1)
        d, p = led.day_of(np.datetime64(issued)), led.day_of(np.datetime64(previous))
        if p < 0:
            continue  # the previous statement is before the window
        balance = round(li["last_statement_balance"][j] * 100)
        want = _card_minimum(balance, interest_on(i, d))
        # Missed: the previous statement's due date (25 days on) passed before this statement.
        if li["is_overdue"][j] and p + 25 < d:
            paid = -int(
                cents[payment_tx & (led.tx_account == i) & (led.tx_day > p) & (led.tx_day <= d)].sum()
            )
            past_due = max(_card_minimum(int(led.eod[i, p]), interest_on(i, p)) - paid, 0)
            with_past_due += past_due > 0
            want = min(want + past_due, max(balance, 0))
        assert round(li["minimum_payment_amount"][j] * 100) == want, li["account_id"][j]
        checked += 1
    if led.n_days > 62:
        assert checked > 0, "two statements of some card fall in the window"
    if case.name == "default-100":
        assert with_past_due > 0, "the default case has an overdue card with a statement after the miss"


# -- balances ----------------------------------------------------------------------------------
def test_available_balances(case: Case) -> None:
    acc, tx = case.ds.accounts, case.ds.transactions
    cents = to_cents(tx["amount"])
    pending: dict[str, int] = {}
    for a, c in zip(tx["account_id"][tx["pending"]], cents[tx["pending"]]):
        pending[a] = pending.get(a, 0) + int(c)
    for j, account in enumerate(acc["account_id"]):
        current = round(acc["balance_current"][j] * 100)
        held = pending.get(account, 0)
        if acc["type"][j] == "depository":
            assert round(acc["balance_available"][j] * 100) == current - held, account
        elif acc["type"][j] == "credit":
            limit = round(acc["balance_limit"][j] * 100)
            available = round(acc["balance_available"][j] * 100)
            assert available >= 0, account
            assert available == max(0, limit - current - held), account
        else:
            assert held == 0, f"pending transaction on loan {account}"


def _add_months(d: date, n: int) -> date:
    """``d`` plus ``n`` calendar months, on the month's last day when it is shorter."""
    m = d.month - 1 + n
    year, month = d.year + m // 12, m % 12 + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def test_loans_amortize_by_their_own_terms(case: Case) -> None:
    """Each loan is fixed-rate and fully amortizing: the payment repays the original principal at
    the rate over the term (30 years for a mortgage, 10 for a student loan); on each due day the
    month's interest on the balance is charged on the loan account, to the cent, before the payment,
    so the balance falls by the principal share; the loan was taken out before the window, when the
    borrower was an adult; a student loan's payment is at most 10% of the borrower's gross monthly
    income (larger debts would be on an income-driven plan); and the year-to-date figures add up
    to the payments of the calendar year by the schedule, including those before the window."""
    li, users = case.ds.liabilities, case.ds.users
    led, tx = case.ledger, case.ds.transactions
    age = dict(zip(users["user_id"], users["age"]))
    income = dict(zip(users["user_id"], to_cents(users["annual_income"])))
    row = {a: i for i, a in enumerate(led.account_ids)}
    cents = to_cents(tx["amount"])
    start, end = case.ds.start_date, case.ds.end_date
    n = 0
    for k in np.flatnonzero(li["liability_type"] != "credit"):
        account, user = li["account_id"][k], li["user_id"][k]
        months = 360 if li["liability_type"][k] == "mortgage" else 120
        rate = float(li["interest_rate_percentage"][k]) / 1200
        principal = round(float(li["origination_principal_amount"][k]) * 100)
        payment = round(float(li["minimum_payment_amount"][k]) * 100)
        assert payment == int(np.ceil(principal * rate / (1 - (1 + rate) ** -months))), account
        if months == 120:
            assert payment <= int(income[user]) // 120, f"{account}: {payment} of {income[user]} a year"
        origination = li["origination_date"][k].astype(date)
        maturity = li["maturity_date"][k].astype(date)
        assert origination < start, account
        assert _add_months(origination, months) <= maturity <= _add_months(origination, months + 1), account
        assert origination.year - (end.year - int(age[user])) >= 17, f"{account}: lent before 18"

        # Walk the window's posted transactions: interest, then the payment, on each due day.
        i = row[account]
        balance = int(led.start[i])
        mine = np.flatnonzero((tx["account_id"] == account) & ~tx["pending"])
        in_window_ytd = 0
        for j in mine[np.argsort(led.tx_day[mine], kind="stable")]:
            amount = int(cents[j])
            if tx["name"][j] == "INTEREST CHARGED":
                assert abs(amount - balance * rate) <= 0.5 + 1e-6, account
            else:
                assert tx["name"][j] == "PAYMENT RECEIVED" and -amount == payment, account
                if tx["date"][j].astype(date).year == end.year:
                    in_window_ytd += payment
            balance += amount
        assert balance == led.current[i], account

        # Year to date: every due date of the end's year from the first payment on.
        due_day = li["next_payment_due_date"][k].astype(date).day
        first = _add_months(origination, 1)
        dues = [date(end.year, m, due_day) for m in range(1, 13)]
        paid = sum(1 for d in dues if first <= d <= end)
        ytd = round(float(li["ytd_interest_paid"][k] + li["ytd_principal_paid"][k]) * 100)
        assert ytd == paid * payment, account
        assert in_window_ytd <= ytd, account
        n += 1
    if case.name == "default-100":
        assert n > 0, "the default case has loans"


def test_savings_cover_large_costs_paid_from_checking(case: Case) -> None:
    """A savings account without regular transfers is drawn on for a medical bill or a large
    purchase paid from checking: on that day the same amount leaves savings and enters checking,
    and the account keeps at least $500. A savings builder's account is never drawn on."""
    tx, led = case.ds.transactions, case.ledger
    cents = to_cents(tx["amount"])
    names = tx["name"].astype(str)
    out = np.flatnonzero(np.char.startswith(names, "ONLINE TRANSFER TO CHECKING"))
    builders = set(tx["user_id"][tx["pfc_detailed"] == "TRANSFER_IN_SAVINGS"])
    for i in out:
        user, day, amount = tx["user_id"][i], tx["date"][i], cents[i]
        assert tx["pfc_detailed"][i] == "TRANSFER_OUT_ACCOUNT_TRANSFER"
        assert led.subtypes[led.index[tx["account_id"][i]]] == "savings"
        assert user not in builders
        same = (tx["user_id"] == user) & (tx["date"] == day)
        into = same & (tx["pfc_detailed"] == "TRANSFER_IN_ACCOUNT_TRANSFER") & (cents == -amount)
        assert into.sum() == 1 and str(tx["name"][into][0]).startswith("ONLINE TRANSFER FROM SAVINGS")
        paid = same & (cents == amount) & np.isin(tx["account_id"], tx["account_id"][into])
        assert paid.sum() == 1, (user, day)
        assert str(tx["pfc_primary"][paid][0]) in ("MEDICAL", "GENERAL_MERCHANDISE", "HOME_IMPROVEMENT")
        assert led.eod[led.index[tx["account_id"][i]], led.day_of(day)] >= 500_00
    if case.name == "default-100":
        assert out.size > 0, "some users draw on savings"
