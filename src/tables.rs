//! The five output tables as one schema: column names, types, keys and a row reader over the
//! generated records. Every tabular sink (SQLite, CSV, NumPy columns) is driven by this, so a
//! column is added in exactly one place.

use crate::model::{format_dollars, Cents, Liability, UserData};
use crate::sim::merchants::pfc_primary;
use chrono::NaiveDate;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Text,
    Int,
    /// Exact cents, written as dollars with two decimals.
    Money,
    Float,
    Bool,
    Date,
}

impl ColType {
    pub fn sql(self) -> &'static str {
        match self {
            ColType::Text | ColType::Date => "TEXT",
            ColType::Int | ColType::Bool => "INTEGER",
            ColType::Money | ColType::Float => "REAL",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub ty: ColType,
    pub nullable: bool,
    /// A required text column whose value may be the empty string (a CSV cell left empty then
    /// reads as `""`, not null).
    pub may_be_empty: bool,
}

impl Column {
    /// A `NOT NULL` column.
    pub const fn required(name: &'static str, ty: ColType) -> Column {
        Column {
            name,
            ty,
            nullable: false,
            may_be_empty: false,
        }
    }
    /// A column that may be null.
    pub const fn nullable(name: &'static str, ty: ColType) -> Column {
        Column {
            name,
            ty,
            nullable: true,
            may_be_empty: false,
        }
    }
}

/// A required text column that may hold the empty string.
pub const fn empty_text(name: &'static str) -> Column {
    Column {
        name,
        ty: ColType::Text,
        nullable: false,
        may_be_empty: true,
    }
}

pub(crate) const fn c(name: &'static str, ty: ColType) -> Column {
    Column::required(name, ty)
}
pub(crate) const fn n(name: &'static str, ty: ColType) -> Column {
    Column::nullable(name, ty)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Accounts,
    Transactions,
    Liabilities,
    UserLabels,
}

pub struct ForeignKey {
    pub column: &'static str,
    pub table: &'static str,
    pub references: &'static str,
}

use ColType::*;

const USERS: &[Column] = &[
    c("user_id", Text),
    c("name", Text),
    c("email", Text),
    c("created_at", Text),
    c("consent_status", Bool),
    c("consent_updated_at", Text),
    c("age", Int),
    c("age_bracket", Text),
    c("annual_income", Money),
    c("income_tier", Text),
    c("region", Text),
    c("life_stage", Text),
];
const ACCOUNTS: &[Column] = &[
    c("account_id", Text),
    c("user_id", Text),
    c("type", Text),
    c("subtype", Text),
    c("name", Text),
    c("official_name", Text),
    c("mask", Text),
    n("balance_available", Money),
    c("balance_current", Money),
    n("balance_limit", Money),
    c("iso_currency_code", Text),
    n("unofficial_currency_code", Text),
    c("holder_category", Text),
];
const TRANSACTIONS: &[Column] = &[
    c("transaction_id", Text),
    c("account_id", Text),
    c("user_id", Text),
    c("date", Date),
    c("authorized_date", Date),
    c("amount", Money),
    c("iso_currency_code", Text),
    n("unofficial_currency_code", Text),
    c("name", Text),
    n("merchant_name", Text),
    n("merchant_entity_id", Text),
    c("payment_channel", Text),
    c("pfc_primary", Text),
    c("pfc_detailed", Text),
    c("pfc_confidence_level", Text),
    c("pending", Bool),
    n("pending_transaction_id", Text),
];
const LIABILITIES: &[Column] = &[
    c("account_id", Text),
    c("user_id", Text),
    c("liability_type", Text),
    n("purchase_apr_percentage", Float),
    n("aprs", Text),
    n("interest_rate_percentage", Float),
    n("interest_rate_type", Text),
    n("loan_name", Text),
    c("minimum_payment_amount", Money),
    n("last_payment_amount", Money),
    n("last_payment_date", Date),
    c("last_statement_balance", Money),
    c("last_statement_issue_date", Date),
    c("next_payment_due_date", Date),
    c("is_overdue", Bool),
    n("origination_date", Date),
    n("origination_principal_amount", Money),
    n("maturity_date", Date),
    n("ytd_interest_paid", Money),
    n("ytd_principal_paid", Money),
];
const USER_LABELS: &[Column] = &[
    c("user_id", Text),
    c("archetype", Text),
    empty_text("personas"),
    c("persona_count", Int),
    c("high_utilization", Bool),
    c("variable_income", Bool),
    c("subscription_heavy", Bool),
    c("savings_builder", Bool),
    c("cash_flow_stressed", Bool),
    n("edge_case", Text),
];

impl Table {
    pub const ALL: [Table; 5] = [
        Table::Users,
        Table::Accounts,
        Table::Transactions,
        Table::Liabilities,
        Table::UserLabels,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Accounts => "accounts",
            Table::Transactions => "transactions",
            Table::Liabilities => "liabilities",
            Table::UserLabels => "user_labels",
        }
    }
    pub fn parse(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == s)
    }
    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Users => USERS,
            Table::Accounts => ACCOUNTS,
            Table::Transactions => TRANSACTIONS,
            Table::Liabilities => LIABILITIES,
            Table::UserLabels => USER_LABELS,
        }
    }
    pub fn primary_key(self) -> &'static str {
        match self {
            Table::Users | Table::UserLabels => "user_id",
            Table::Accounts | Table::Liabilities => "account_id",
            Table::Transactions => "transaction_id",
        }
    }
    pub fn foreign_keys(self) -> &'static [ForeignKey] {
        const U: ForeignKey = ForeignKey {
            column: "user_id",
            table: "users",
            references: "user_id",
        };
        const A: ForeignKey = ForeignKey {
            column: "account_id",
            table: "accounts",
            references: "account_id",
        };
        match self {
            Table::Users => &[],
            Table::Accounts | Table::UserLabels => &[U],
            Table::Transactions | Table::Liabilities => &[A, U],
        }
    }
    /// Secondary indexes (column lists).
    pub fn indexes(self) -> &'static [&'static [&'static str]] {
        match self {
            Table::Transactions => &[&["user_id", "date"], &["account_id"]],
            Table::Accounts | Table::Liabilities => &[&["user_id"]],
            _ => &[],
        }
    }
    /// Rows of this table for one user.
    pub fn row_count(self, u: &UserData) -> usize {
        match self {
            Table::Users | Table::UserLabels => 1,
            Table::Accounts => u.accounts.len(),
            Table::Transactions => u.transactions.len(),
            Table::Liabilities => u.liabilities.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Text(Cow<'a, str>),
    Int(i64),
    Money(Cents),
    Float(f64),
    Bool(bool),
    Date(NaiveDate),
}

impl Value<'_> {
    /// The CSV spelling: dollars with two decimals, ISO dates, `true`/`false`, empty for null.
    pub fn to_csv(&self) -> Cow<'_, str> {
        match self {
            Value::Null => Cow::Borrowed(""),
            Value::Text(s) => Cow::Borrowed(s.as_ref()),
            Value::Int(i) => Cow::Owned(i.to_string()),
            Value::Money(c) => Cow::Owned(format_dollars(*c)),
            Value::Float(f) => Cow::Owned(f.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Value::Date(d) => Cow::Owned(crate::model::iso_date(*d)),
        }
    }
}

fn t(s: &str) -> Value<'_> {
    Value::Text(Cow::Borrowed(s))
}
fn opt_t(s: Option<&str>) -> Value<'_> {
    s.map(t).unwrap_or(Value::Null)
}
fn opt_money<'a>(c: Option<Cents>) -> Value<'a> {
    c.map(Value::Money).unwrap_or(Value::Null)
}
fn opt_date<'a>(d: Option<NaiveDate>) -> Value<'a> {
    d.map(Value::Date).unwrap_or(Value::Null)
}

/// Plaid's `aprs` list as JSON text.
pub fn aprs_json(aprs: &[crate::model::Apr]) -> String {
    let v: Vec<serde_json::Value> = aprs
        .iter()
        .map(|a| {
            serde_json::json!({
                "apr_percentage": a.apr_percentage,
                "apr_type": a.apr_type,
                "balance_subject_to_apr": a.balance_subject_to_apr.map(crate::model::dollars),
                "interest_charge_amount": a.interest_charge_amount.map(crate::model::dollars),
            })
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}

/// Calls `f` with each row of `table` for user `u`, in a stable order.
pub fn for_each_row<'a>(table: Table, u: &'a UserData, f: &mut dyn FnMut(&[Value<'a>])) {
    for_each_row_with(table, u, true, f)
}

/// [`for_each_row`], leaving `transactions.transaction_id` null unless `ids` (it is derived per
/// row; a reader that does not need it, like the detector, skips the work).
pub fn for_each_row_with<'a>(
    table: Table,
    u: &'a UserData,
    ids: bool,
    f: &mut dyn FnMut(&[Value<'a>]),
) {
    let uid = u.user.user_id.as_str();
    match table {
        Table::Users => {
            let x = &u.user;
            f(&[
                t(uid),
                t(&x.name),
                t(&x.email),
                t(&x.created_at),
                Value::Bool(x.consent_status),
                t(&x.consent_updated_at),
                Value::Int(x.age as i64),
                t(x.age_bracket),
                Value::Money(x.annual_income),
                t(x.income_tier),
                t(x.region),
                t(x.life_stage),
            ]);
        }
        Table::Accounts => {
            for a in &u.accounts {
                f(&[
                    t(&a.account_id),
                    t(uid),
                    t(a.account_type().as_str()),
                    t(a.subtype.as_str()),
                    t(&a.name),
                    t(&a.official_name),
                    t(&a.mask),
                    opt_money(a.balance_available),
                    Value::Money(a.balance_current),
                    opt_money(a.balance_limit),
                    t("USD"),
                    Value::Null,
                    t("personal"),
                ]);
            }
        }
        Table::Transactions => {
            for (i, x) in u.transactions.iter().enumerate() {
                f(&[
                    if ids {
                        Value::Text(Cow::Owned(u.transaction_id(i)))
                    } else {
                        Value::Null
                    },
                    t(&u.accounts[x.account as usize].account_id),
                    t(uid),
                    Value::Date(x.date),
                    Value::Date(x.authorized_date),
                    Value::Money(x.amount),
                    t("USD"),
                    Value::Null,
                    t(&x.name),
                    opt_t(x.merchant_name),
                    opt_t(x.merchant_entity_id()),
                    t(x.payment_channel.as_str()),
                    t(pfc_primary(x.pfc_detailed)),
                    t(x.pfc_detailed),
                    t(x.pfc_confidence_level()),
                    Value::Bool(x.pending),
                    opt_t(x.pending_transaction_id()),
                ]);
            }
        }
        Table::Liabilities => {
            for l in &u.liabilities {
                let acct = t(&u.accounts[l.account() as usize].account_id);
                match l {
                    Liability::Credit(c) => f(&[
                        acct,
                        t(uid),
                        t(l.liability_type()),
                        c.aprs
                            .iter()
                            .find(|a| a.apr_type == "purchase_apr")
                            .map(|a| Value::Float(a.apr_percentage))
                            .unwrap_or(Value::Null),
                        Value::Text(Cow::Owned(aprs_json(&c.aprs))),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Money(c.minimum_payment_amount),
                        opt_money(c.last_payment_amount),
                        opt_date(c.last_payment_date),
                        Value::Money(c.last_statement_balance),
                        Value::Date(c.last_statement_issue_date),
                        Value::Date(c.next_payment_due_date),
                        Value::Bool(c.is_overdue),
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                        Value::Null,
                    ]),
                    Liability::Loan(x) => f(&[
                        acct,
                        t(uid),
                        t(l.liability_type()),
                        Value::Null,
                        Value::Null,
                        Value::Float(x.interest_rate_percentage),
                        t(x.interest_rate_type),
                        t(x.loan_name),
                        Value::Money(x.minimum_payment_amount),
                        opt_money(x.last_payment_amount),
                        opt_date(x.last_payment_date),
                        Value::Money(x.last_statement_balance),
                        Value::Date(x.last_statement_issue_date),
                        Value::Date(x.next_payment_due_date),
                        Value::Bool(x.is_overdue),
                        Value::Date(x.origination_date),
                        Value::Money(x.origination_principal_amount),
                        Value::Date(x.maturity_date),
                        Value::Money(x.ytd_interest_paid),
                        Value::Money(x.ytd_principal_paid),
                    ]),
                }
            }
        }
        Table::UserLabels => {
            use crate::model::Persona;
            let p = u.label.personas;
            f(&[
                t(uid),
                t(u.label.archetype.as_str()),
                Value::Text(Cow::Owned(p.join())),
                Value::Int(p.len() as i64),
                Value::Bool(p.contains(Persona::HighUtilization)),
                Value::Bool(p.contains(Persona::VariableIncome)),
                Value::Bool(p.contains(Persona::SubscriptionHeavy)),
                Value::Bool(p.contains(Persona::SavingsBuilder)),
                Value::Bool(p.contains(Persona::CashFlowStressed)),
                opt_t(u.label.edge_case.map(|e| e.as_str())),
            ]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_match_their_schema() {
        let ds = crate::generate(
            &crate::Config::from_value(&serde_json::json!({"n_users": 30})).unwrap(),
            Some(1),
            &mut |_, _| Ok(()),
        )
        .unwrap();
        for table in Table::ALL {
            let cols = table.columns();
            for u in &ds.users {
                let mut rows = 0;
                for_each_row(table, u, &mut |row| {
                    rows += 1;
                    assert_eq!(row.len(), cols.len(), "{}", table.name());
                    for (v, c) in row.iter().zip(cols) {
                        let ok = match (v, c.ty) {
                            (Value::Null, _) => c.nullable,
                            (Value::Text(_), ColType::Text)
                            | (Value::Int(_), ColType::Int)
                            | (Value::Money(_), ColType::Money)
                            | (Value::Float(_), ColType::Float)
                            | (Value::Bool(_), ColType::Bool)
                            | (Value::Date(_), ColType::Date) => true,
                            _ => false,
                        };
                        assert!(ok, "{}.{}: {v:?}", table.name(), c.name);
                    }
                });
                assert_eq!(rows, table.row_count(u));
            }
        }
    }
}
