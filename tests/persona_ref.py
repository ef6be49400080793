"""A small, independent reference computation of the SpendSense signals from the raw tables
(pandas), used by the tests to check that every generated user behaves as its label says, with
margin, and that edge cases sit exactly on their thresholds. It deliberately reads only the
tables a user of the data would have, never the generator's internals."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SAVINGS_LIKE = {"savings", "money market", "cash management", "hsa"}
EXCLUDED_PRIMARIES = {"TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "INCOME", "BANK_FEES"}


@dataclass
class Signals:
    user_id: str
    window: int
    max_util: float = 0.0
    interest: float = 0.0
    min_only: bool = False
    overdue: bool = False
    has_cards: bool = False
    recurring: int = 0
    recurring_spend_30: float = 0.0
    subscription_share: float = 0.0
    savings_inflow_month: float = 0.0
    savings_growth: float = 0.0
    pay_gaps: list[int] = field(default_factory=list)
    median_gap: float = float("nan")
    buffer_months: float = float("nan")
    low_days: int = 0
    days: int = 0
    low_share: float = 0.0
    balance_std: float = 0.0


def daily_balances(
    acct_txns: pd.DataFrame, current: float, start: pd.Timestamp, end: pd.Timestamp, depository: bool
) -> pd.Series:
    """End-of-day posted balance per day, rebuilt backwards from the current balance."""
    days = pd.date_range(start, end, freq="D")
    posted = acct_txns[~acct_txns["pending"]]
    sign = -1.0 if depository else 1.0
    per_day = posted.groupby("date")["amount"].sum().reindex(days, fill_value=0.0) * sign
    # balance at end of day d = current - sum of effects after d
    after = per_day[::-1].cumsum()[::-1].shift(-1, fill_value=0.0)
    return (current - after).round(2)


def recurring_merchants(tx: pd.DataFrame, end: pd.Timestamp) -> dict[str, list[float]]:
    """Merchants with >= 3 charges in the last 90 days whose gaps are all weekly (5-9 days) or
    monthly (26-35 days). Returns merchant -> charge amounts in those 90 days."""
    since = end - pd.Timedelta(days=89)
    t = tx[
        (tx["date"] >= since)
        & (tx["amount"] > 0)
        & tx["merchant_name"].notna()
        & ~tx["pfc_primary"].isin(EXCLUDED_PRIMARIES)
    ]
    out = {}
    for m, g in t.groupby("merchant_name"):
        dates = np.sort(g["date"].values.astype("datetime64[D]").astype(np.int64))
        if len(dates) < 3:
            continue
        gaps = np.diff(dates)
        if np.all((gaps >= 5) & (gaps <= 9)) or np.all((gaps >= 26) & (gaps <= 35)):
            out[m] = list(g["amount"])
    return out


def compute(ds, window: int) -> dict[str, Signals]:
    users = ds.to_pandas("users")
    accts = ds.to_pandas("accounts")
    tx = ds.to_pandas("transactions")
    liab = ds.to_pandas("liabilities")
    end = pd.Timestamp(ds.end_date)
    start_all = pd.Timestamp(ds.start_date)
    wstart = max(end - pd.Timedelta(days=window - 1), start_all)
    out = {}
    tx_by_user = dict(tuple(tx.groupby("user_id")))
    acc_by_user = dict(tuple(accts.groupby("user_id")))
    for uid in users["user_id"]:
        s = Signals(uid, window)
        ut = tx_by_user.get(uid, tx.iloc[0:0])
        ua = acc_by_user.get(uid, accts.iloc[0:0])
        wt = ut[(ut["date"] >= wstart) & ~ut["pending"]]
        cards = ua[ua["type"] == "credit"]
        s.has_cards = len(cards) > 0
        if len(cards):
            s.max_util = float((cards["balance_current"] / cards["balance_limit"]).max())
            ct = wt[wt["account_id"].isin(cards["account_id"])]
            s.interest = float(ct.loc[ct["pfc_detailed"] == "BANK_FEES_INTEREST_CHARGE", "amount"].sum())
            cl = liab[liab["account_id"].isin(cards["account_id"])]
            s.overdue = bool(cl["is_overdue"].any())
            s.min_only = bool(
                (
                    (cl["last_payment_amount"] <= cl["minimum_payment_amount"] + 0.005)
                    & (cl["last_statement_balance"] > cl["minimum_payment_amount"])
                ).any()
            )
        rec = recurring_merchants(ut[~ut["pending"]], end)
        s.recurring = len(rec)
        last30 = wt[wt["date"] >= end - pd.Timedelta(days=29)]
        rec30 = last30[last30["merchant_name"].isin(list(rec)) & (last30["amount"] > 0)]
        s.recurring_spend_30 = float(rec30["amount"].sum())
        spend = wt[(wt["amount"] > 0) & ~wt["pfc_primary"].isin({"TRANSFER_OUT", "LOAN_PAYMENTS"})]
        spend_rec = spend[spend["merchant_name"].isin(list(rec))]["amount"].sum()
        s.subscription_share = float(spend_rec / spend["amount"].sum()) if len(spend) else 0.0
        months = window / 30.0
        sav = ua[ua["subtype"].isin(SAVINGS_LIKE)]
        if len(sav):
            st = wt[wt["account_id"].isin(sav["account_id"])]
            inflow = (
                -st[st["pfc_primary"].isin({"TRANSFER_IN"})]["amount"].sum()
                - st[st["pfc_primary"].isin({"TRANSFER_OUT"})]["amount"].sum()
            )
            s.savings_inflow_month = float(inflow / months)
            cur = sav["balance_current"].sum()
            start_bal = cur + st["amount"].sum()  # depository: balance before = after + amount
            s.savings_growth = float((cur - start_bal) / start_bal) if start_bal > 0 else 0.0
        chk = ua[ua["subtype"] == "checking"]
        dep = wt[
            (wt["pfc_primary"] == "INCOME")
            & (wt["pfc_detailed"] != "INCOME_INTEREST_EARNED")
            & (wt["amount"] < 0)
        ]
        pdays = np.sort(dep["date"].values.astype("datetime64[D]").astype(np.int64))
        s.pay_gaps = [int(g) for g in np.diff(pdays)]
        if s.pay_gaps:
            s.median_gap = float(np.median(s.pay_gaps))
        if len(chk):
            c = chk.iloc[0]
            ct = ut[ut["account_id"] == c["account_id"]]
            bal = daily_balances(ct, c["balance_current"], start_all, end, True)
            wbal = bal[bal.index >= wstart]
            s.days = len(wbal)
            s.low_days = int((wbal < 100).sum())
            s.low_share = s.low_days / s.days if s.days else 0.0
            s.balance_std = float(wbal.std(ddof=0))
            outflow = wt[
                (wt["account_id"] == c["account_id"])
                & (wt["amount"] > 0)
                & ~wt["pfc_primary"].isin({"TRANSFER_OUT"})
            ]["amount"].sum()
            monthly_exp = outflow / months
            s.buffer_months = float(c["balance_current"] / monthly_exp) if monthly_exp > 0 else float("inf")
        out[uid] = s
    return out


def personas(s: Signals) -> set[str]:
    """The spec's persona rules on reference signals. Cash-flow volatility: the daily checking
    balance's standard deviation is at least $100 (a balance that moves, not a flat idle one)."""
    p = set()
    if s.max_util >= 0.5 or s.interest > 0 or s.min_only or s.overdue:
        p.add("high_utilization")
    if s.window >= 180 and s.median_gap > 45 and s.buffer_months < 1:
        p.add("variable_income")
    if s.recurring >= 3 and (s.recurring_spend_30 >= 50 or s.subscription_share >= 0.10):
        p.add("subscription_heavy")
    if (s.savings_growth >= 0.02 or s.savings_inflow_month >= 200) and s.max_util < 0.30:
        p.add("savings_builder")
    if s.low_share >= 0.30 and s.balance_std >= 100:
        p.add("cash_flow_stressed")
    return p
