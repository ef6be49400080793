//! The detector's output tables, declared once: the five signal families (`subscriptions`,
//! `savings`, `credit`, `income`, `cash_flow`; one row per user per window) and
//! `persona_assignments` (one row per user per window). Each has its columns (name, type,
//! nullability: the fields of the signal structs, plus `user_id` and `window_days`) and a row
//! reader over a [`Detection`]. The Parquet files (`features/*.parquet`), the SQLite table and the
//! Python columns are all driven by this, so a column is added in exactly one place.
//!
//! Money is [`ColType::Money`] (exact cents, written as float64 dollars), except the mean and
//! standard deviation of the daily checking balance, which are not whole cents and are written as
//! [`ColType::Float`] dollars. Counts are integers, shares and rates floats; `Option` fields are
//! nullable. Lists (a user's recurring merchants, personas) are comma-joined text.

use super::{Detection, WINDOWS};
use crate::tables::{c, n, ColType, Column, ForeignKey, Value};
use std::borrow::Cow;

use ColType::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureTable {
    Subscriptions,
    Savings,
    Credit,
    Income,
    CashFlow,
    PersonaAssignments,
}

const SUBSCRIPTIONS: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("recurring_merchants", Int),
    // Sorted names, comma-joined; empty when there are none.
    c("merchants", Text),
    c("recurring_spend", Money),
    c("monthly_recurring_spend", Money),
    c("subscription_share", Float),
    c("total_spend", Money),
];
const SAVINGS: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("savings_accounts", Int),
    c("net_inflow", Money),
    c("net_inflow_monthly", Money),
    c("balance_start", Money),
    c("balance_end", Money),
    n("growth_rate", Float),
    c("monthly_expenses", Money),
    n("emergency_fund_months", Float),
];
const CREDIT: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("cards", Int),
    n("max_utilization", Float),
    // The `account_id` of the card with the highest utilization.
    n("max_card", Text),
    c("flag_30", Bool),
    c("flag_50", Bool),
    c("flag_80", Bool),
    c("minimum_payment_only", Bool),
    c("interest_charges", Money),
    c("overdue", Bool),
];
const INCOME: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("payroll_deposits", Int),
    c("total_income", Money),
    n("median_gap_days", Float),
    c("frequency", Text),
    n("amount_cv", Float),
    c("monthly_expenses", Money),
    c("window_expenses", Money),
    c("checking_balance", Money),
    n("buffer_months", Float),
];
const CASH_FLOW: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("has_checking", Bool),
    c("days", Int),
    c("days_below_100", Int),
    c("share_below_100", Float),
    // Dollars, not whole cents.
    c("balance_mean", Float),
    c("balance_std", Float),
    c("balance_min", Money),
    c("volatile", Bool),
];
const PERSONA_ASSIGNMENTS: &[Column] = &[
    c("user_id", Text),
    c("window_days", Int),
    c("consent", Bool),
    // assigned, no_persona or no_consent.
    c("status", Text),
    // Assigned personas, comma-joined in canonical order; empty without consent.
    c("personas", Text),
    n("primary_persona", Text),
    // What the rules found, with or without consent.
    c("detected", Text),
    c("rationale", Text),
    // The figures each rule looked at, as JSON text.
    c("criteria", Text),
];

impl FeatureTable {
    /// Every table, in write order: the five signal families, then the assignments.
    pub const ALL: [FeatureTable; 6] = [
        FeatureTable::Subscriptions,
        FeatureTable::Savings,
        FeatureTable::Credit,
        FeatureTable::Income,
        FeatureTable::CashFlow,
        FeatureTable::PersonaAssignments,
    ];
    /// The five signal families (the columns of `signals`, prefixed by their name).
    pub const FAMILIES: [FeatureTable; 5] = [
        FeatureTable::Subscriptions,
        FeatureTable::Savings,
        FeatureTable::Credit,
        FeatureTable::Income,
        FeatureTable::CashFlow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FeatureTable::Subscriptions => "subscriptions",
            FeatureTable::Savings => "savings",
            FeatureTable::Credit => "credit",
            FeatureTable::Income => "income",
            FeatureTable::CashFlow => "cash_flow",
            FeatureTable::PersonaAssignments => "persona_assignments",
        }
    }

    pub fn parse(s: &str) -> Option<FeatureTable> {
        FeatureTable::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            FeatureTable::Subscriptions => SUBSCRIPTIONS,
            FeatureTable::Savings => SAVINGS,
            FeatureTable::Credit => CREDIT,
            FeatureTable::Income => INCOME,
            FeatureTable::CashFlow => CASH_FLOW,
            FeatureTable::PersonaAssignments => PERSONA_ASSIGNMENTS,
        }
    }

    /// The columns that identify a row (in every table).
    pub fn primary_key(self) -> &'static [&'static str] {
        &["user_id", "window_days"]
    }

    /// Foreign keys, for the table written into SQLite beside the five data tables.
    pub fn foreign_keys(self) -> &'static [ForeignKey] {
        const U: ForeignKey = ForeignKey {
            column: "user_id",
            table: "users",
            references: "user_id",
        };
        match self {
            FeatureTable::PersonaAssignments => &[U],
            _ => &[],
        }
    }

    /// Text columns whose values are free prose or JSON, nearly all distinct (no point in a
    /// dictionary encoding).
    pub fn free_text(self) -> &'static [&'static str] {
        match self {
            FeatureTable::PersonaAssignments => &["rationale", "criteria"],
            _ => &[],
        }
    }

    /// Rows of this table in a detection: one per user per window.
    pub fn row_count(self, det: &Detection) -> usize {
        det.input.users.len() * WINDOWS.len()
    }
}

fn text(s: &str) -> Value<'_> {
    Value::Text(Cow::Borrowed(s))
}
fn opt_float<'a>(x: Option<f64>) -> Value<'a> {
    x.map(Value::Float).unwrap_or(Value::Null)
}

/// Calls `f` with the row of `table` for `user` in the window `WINDOWS[window]`.
pub fn row<'a>(
    table: FeatureTable,
    det: &'a Detection,
    window: usize,
    user: usize,
    f: &mut dyn FnMut(&[Value<'a>]),
) {
    let s = &det.signals[window][user];
    let uid = text(&det.input.users[user].user_id);
    let w = Value::Int(WINDOWS[window] as i64);
    match table {
        FeatureTable::Subscriptions => {
            let x = &s.subscriptions;
            f(&[
                uid,
                w,
                Value::Int(x.recurring_merchants as i64),
                Value::Text(Cow::Owned(x.merchants.join(","))),
                Value::Money(x.recurring_spend),
                Value::Money(x.monthly_recurring_spend),
                Value::Float(x.subscription_share),
                Value::Money(x.total_spend),
            ])
        }
        FeatureTable::Savings => {
            let x = &s.savings;
            f(&[
                uid,
                w,
                Value::Int(x.savings_accounts as i64),
                Value::Money(x.net_inflow),
                Value::Money(x.net_inflow_monthly),
                Value::Money(x.balance_start),
                Value::Money(x.balance_end),
                opt_float(x.growth_rate),
                Value::Money(x.monthly_expenses),
                opt_float(x.emergency_fund_months),
            ])
        }
        FeatureTable::Credit => {
            let x = &s.credit;
            f(&[
                uid,
                w,
                Value::Int(x.cards as i64),
                opt_float(x.max_utilization),
                x.max_card
                    .map(|a| text(&det.input.accounts[a].account_id))
                    .unwrap_or(Value::Null),
                Value::Bool(x.flag_30),
                Value::Bool(x.flag_50),
                Value::Bool(x.flag_80),
                Value::Bool(x.minimum_payment_only),
                Value::Money(x.interest_charges),
                Value::Bool(x.overdue),
            ])
        }
        FeatureTable::Income => {
            let x = &s.income;
            f(&[
                uid,
                w,
                Value::Int(x.payroll_deposits as i64),
                Value::Money(x.total_income),
                opt_float(x.median_gap_days),
                text(x.frequency),
                opt_float(x.amount_cv),
                Value::Money(x.monthly_expenses),
                Value::Money(x.window_expenses),
                Value::Money(x.checking_balance),
                opt_float(x.buffer_months),
            ])
        }
        FeatureTable::CashFlow => {
            let x = &s.cash_flow;
            f(&[
                uid,
                w,
                Value::Bool(x.has_checking),
                Value::Int(x.days as i64),
                Value::Int(x.days_below_100 as i64),
                Value::Float(x.share_below_100),
                Value::Float(x.balance_mean / 100.0),
                Value::Float(x.balance_std / 100.0),
                Value::Money(x.balance_min),
                Value::Bool(x.volatile),
            ])
        }
        FeatureTable::PersonaAssignments => {
            let a = &det.assignments[window][user];
            f(&[
                uid,
                w,
                Value::Bool(a.consent),
                text(a.status()),
                Value::Text(Cow::Owned(a.personas.join())),
                a.primary.map(|p| text(p.as_str())).unwrap_or(Value::Null),
                Value::Text(Cow::Owned(a.detected.join())),
                text(&a.rationale),
                Value::Text(Cow::Owned(a.criteria.to_string())),
            ])
        }
    }
}

/// Calls `f` with every row of `table`: users in order, each user's windows in [`WINDOWS`] order.
pub fn for_each_row<'a>(table: FeatureTable, det: &'a Detection, f: &mut dyn FnMut(&[Value<'a>])) {
    for user in 0..det.input.users.len() {
        for window in 0..WINDOWS.len() {
            row(table, det, window, user, f);
        }
    }
}

/// The columns of the one-row-per-user signal view of a window: `user_id`, then every family's
/// columns (without `user_id` and `window_days`) prefixed by the family's name, e.g.
/// `credit_max_utilization`.
pub fn signal_columns() -> Vec<(String, Column)> {
    let mut out = vec![("user_id".to_string(), c("user_id", Text))];
    for t in FeatureTable::FAMILIES {
        for col in &t.columns()[2..] {
            out.push((format!("{}_{}", t.name(), col.name), *col));
        }
    }
    out
}

/// Calls `f` with each user's row of the signal view (see [`signal_columns`]) for the window
/// `WINDOWS[window]`.
pub fn for_each_signal_row<'a>(det: &'a Detection, window: usize, f: &mut dyn FnMut(&[Value<'a>])) {
    let mut values: Vec<Value<'a>> = Vec::with_capacity(signal_columns().len());
    for user in 0..det.input.users.len() {
        values.clear();
        values.push(text(&det.input.users[user].user_id));
        for t in FeatureTable::FAMILIES {
            row(t, det, window, user, &mut |r| {
                values.extend(r[2..].iter().cloned())
            });
        }
        f(&values);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::input::{DatasetSource, Input};

    fn detection() -> Detection {
        let ds = crate::generate(
            &crate::Config::from_value(&serde_json::json!({"n_users": 40, "seed": 3})).unwrap(),
            Some(1),
            &mut |_, _| Ok(()),
        )
        .unwrap();
        crate::detect::run(Input::read(&mut DatasetSource::of(&ds), None).unwrap())
    }

    fn fits(v: &Value, c: &Column) -> bool {
        match (v, c.ty) {
            (Value::Null, _) => c.nullable,
            (Value::Text(_), Text)
            | (Value::Int(_), Int)
            | (Value::Money(_), Money)
            | (Value::Float(_), Float)
            | (Value::Bool(_), Bool)
            | (Value::Date(_), Date) => true,
            _ => false,
        }
    }

    #[test]
    fn rows_match_their_schema() {
        let det = detection();
        for table in FeatureTable::ALL {
            let cols = table.columns();
            assert_eq!(cols[0].name, "user_id");
            assert_eq!(cols[1].name, "window_days");
            let mut rows = 0;
            for_each_row(table, &det, &mut |row| {
                assert_eq!(row.len(), cols.len(), "{}", table.name());
                for (v, c) in row.iter().zip(cols) {
                    assert!(fits(v, c), "{}.{}: {v:?}", table.name(), c.name);
                }
                assert_eq!(
                    row[1],
                    Value::Int(WINDOWS[rows % WINDOWS.len()] as i64),
                    "windows in order within a user"
                );
                rows += 1;
            });
            assert_eq!(rows, table.row_count(&det));
            assert_eq!(rows, 2 * det.input.users.len());
        }
    }

    #[test]
    fn signal_view_has_every_family_column_once() {
        let det = detection();
        let cols = signal_columns();
        let mut names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
        assert!(names.contains(&"credit_max_utilization"));
        assert!(names.contains(&"income_buffer_months"));
        assert!(names.contains(&"cash_flow_days_below_100"));
        let total: usize = FeatureTable::FAMILIES
            .iter()
            .map(|t| t.columns().len() - 2)
            .sum();
        assert_eq!(cols.len(), total + 1);
        names.sort();
        names.dedup();
        assert_eq!(names.len(), cols.len(), "names are unique");
        let mut users = 0;
        for_each_signal_row(&det, 1, &mut |row| {
            assert_eq!(row.len(), cols.len());
            for (v, (name, c)) in row.iter().zip(&cols) {
                assert!(fits(v, c), "{name}: {v:?}");
            }
            users += 1;
        });
        assert_eq!(users, det.input.users.len());
    }

    #[test]
    fn assignments_follow_consent() {
        let det = detection();
        let status = 3;
        let personas = 4;
        for_each_row(FeatureTable::PersonaAssignments, &det, &mut |row| {
            if row[2] == Value::Bool(false) {
                assert_eq!(row[status], Value::Text("no_consent".into()));
                assert_eq!(row[personas], Value::Text("".into()));
                assert_eq!(row[5], Value::Null);
            }
        });
    }
}
