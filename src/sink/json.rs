//! JSON: `users.json`, one document with every user nested: the user record, its labels, and its
//! accounts, transactions and liabilities shaped like Plaid's objects (`balances` nested,
//! `personal_finance_category` nested, liabilities grouped as `credit` / `student` / `mortgage`).
//! Serialized straight from borrowed structs (no intermediate JSON tree).

use super::manifest::HashingWriter;
use super::out_file::OutFile;
use super::{Run, Staged, Writer};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::model::{dollars, iso_date, Cents, Liability, LoanKind, UserData};
use crate::sim::merchants::pfc_primary;
use chrono::NaiveDate;
use serde::{Serialize, Serializer};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Cents written as a JSON number of dollars.
struct Dollars(Cents);
impl Serialize for Dollars {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(dollars(self.0))
    }
}

/// A date written as `YYYY-MM-DD`.
struct Date(NaiveDate);
impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&iso_date(self.0))
    }
}

#[derive(Serialize)]
struct Balances {
    available: Option<Dollars>,
    current: Dollars,
    limit: Option<Dollars>,
    iso_currency_code: &'static str,
    unofficial_currency_code: Option<&'static str>,
}

#[derive(Serialize)]
struct AccountJson<'a> {
    account_id: &'a str,
    balances: Balances,
    mask: &'a str,
    name: &'a str,
    official_name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    subtype: &'static str,
    holder_category: &'static str,
}

#[derive(Serialize)]
struct Pfc {
    primary: &'static str,
    detailed: &'static str,
    confidence_level: &'static str,
}

#[derive(Serialize)]
struct TransactionJson<'a> {
    transaction_id: String,
    account_id: &'a str,
    amount: Dollars,
    iso_currency_code: &'static str,
    unofficial_currency_code: Option<&'static str>,
    date: Date,
    authorized_date: Date,
    name: &'a str,
    merchant_name: Option<&'static str>,
    merchant_entity_id: Option<&'static str>,
    payment_channel: &'static str,
    personal_finance_category: Pfc,
    pending: bool,
    pending_transaction_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Labels {
    archetype: &'static str,
    personas: Vec<&'static str>,
    edge_case: Option<&'static str>,
}

#[derive(Serialize)]
struct Liabilities {
    credit: Vec<Value>,
    student: Vec<Value>,
    mortgage: Vec<Value>,
}

#[derive(Serialize)]
struct UserJson<'a> {
    user_id: &'a str,
    name: &'a str,
    email: &'a str,
    created_at: &'a str,
    consent_status: bool,
    consent_updated_at: &'a str,
    age: u8,
    age_bracket: &'static str,
    annual_income: Dollars,
    income_tier: &'static str,
    region: &'static str,
    life_stage: &'static str,
    labels: Labels,
    accounts: Vec<AccountJson<'a>>,
    transactions: Vec<TransactionJson<'a>>,
    liabilities: Liabilities,
}

fn money(c: Option<Cents>) -> Value {
    c.map(|c| json!(dollars(c))).unwrap_or(Value::Null)
}

fn date(d: Option<NaiveDate>) -> Value {
    d.map(|d| json!(iso_date(d))).unwrap_or(Value::Null)
}

fn liabilities(u: &UserData) -> Liabilities {
    let mut out = Liabilities {
        credit: Vec::new(),
        student: Vec::new(),
        mortgage: Vec::new(),
    };
    for l in &u.liabilities {
        let account_id = &u.accounts[l.account() as usize].account_id;
        match l {
            Liability::Credit(c) => out.credit.push(json!({
                "account_id": account_id,
                "aprs": serde_json::from_str::<Value>(&crate::tables::aprs_json(&c.aprs)).unwrap(),
                "is_overdue": c.is_overdue,
                "last_payment_amount": money(c.last_payment_amount),
                "last_payment_date": date(c.last_payment_date),
                "last_statement_issue_date": date(Some(c.last_statement_issue_date)),
                "last_statement_balance": dollars(c.last_statement_balance),
                "minimum_payment_amount": dollars(c.minimum_payment_amount),
                "next_payment_due_date": date(Some(c.next_payment_due_date)),
            })),
            Liability::Loan(x) => {
                let mut obj = json!({
                    "account_id": account_id,
                    "last_payment_amount": money(x.last_payment_amount),
                    "last_payment_date": date(x.last_payment_date),
                    "next_payment_due_date": date(Some(x.next_payment_due_date)),
                    "origination_date": date(Some(x.origination_date)),
                    "origination_principal_amount": dollars(x.origination_principal_amount),
                    "ytd_interest_paid": dollars(x.ytd_interest_paid),
                    "ytd_principal_paid": dollars(x.ytd_principal_paid),
                });
                let o = obj.as_object_mut().unwrap();
                match x.kind {
                    LoanKind::Student => {
                        o.insert(
                            "interest_rate_percentage".into(),
                            json!(x.interest_rate_percentage),
                        );
                        o.insert("is_overdue".into(), json!(x.is_overdue));
                        o.insert("loan_name".into(), json!(x.loan_name));
                        o.insert("interest_rate_type".into(), json!(x.interest_rate_type));
                        o.insert(
                            "minimum_payment_amount".into(),
                            json!(dollars(x.minimum_payment_amount)),
                        );
                        o.insert(
                            "last_statement_balance".into(),
                            json!(dollars(x.last_statement_balance)),
                        );
                        o.insert(
                            "last_statement_issue_date".into(),
                            date(Some(x.last_statement_issue_date)),
                        );
                        o.insert("expected_payoff_date".into(), date(Some(x.maturity_date)));
                        out.student.push(obj);
                    }
                    LoanKind::Mortgage => {
                        o.insert(
                            "interest_rate".into(),
                            json!({"percentage": x.interest_rate_percentage, "type": x.interest_rate_type}),
                        );
                        o.insert(
                            "next_monthly_payment".into(),
                            json!(dollars(x.minimum_payment_amount)),
                        );
                        o.insert("loan_type_description".into(), json!("conventional"));
                        o.insert("loan_term".into(), json!("30 year"));
                        o.insert("maturity_date".into(), date(Some(x.maturity_date)));
                        o.insert("past_due_amount".into(), json!(0.0));
                        // Not Plaid mortgage keys, kept so users.json holds every table column.
                        o.insert("loan_name".into(), json!(x.loan_name));
                        o.insert("is_overdue".into(), json!(x.is_overdue));
                        o.insert(
                            "last_statement_balance".into(),
                            json!(dollars(x.last_statement_balance)),
                        );
                        o.insert(
                            "last_statement_issue_date".into(),
                            date(Some(x.last_statement_issue_date)),
                        );
                        out.mortgage.push(obj);
                    }
                }
            }
        }
    }
    out
}

fn user_json(u: &UserData) -> UserJson<'_> {
    let x = &u.user;
    UserJson {
        user_id: &x.user_id,
        name: &x.name,
        email: &x.email,
        created_at: &x.created_at,
        consent_status: x.consent_status,
        consent_updated_at: &x.consent_updated_at,
        age: x.age,
        age_bracket: x.age_bracket,
        annual_income: Dollars(x.annual_income),
        income_tier: x.income_tier,
        region: x.region,
        life_stage: x.life_stage,
        labels: Labels {
            archetype: u.label.archetype.as_str(),
            personas: u.label.personas.iter().map(|p| p.as_str()).collect(),
            edge_case: u.label.edge_case.map(|e| e.as_str()),
        },
        accounts: u
            .accounts
            .iter()
            .map(|a| AccountJson {
                account_id: &a.account_id,
                balances: Balances {
                    available: a.balance_available.map(Dollars),
                    current: Dollars(a.balance_current),
                    limit: a.balance_limit.map(Dollars),
                    iso_currency_code: "USD",
                    unofficial_currency_code: None,
                },
                mask: &a.mask,
                name: &a.name,
                official_name: &a.official_name,
                kind: a.account_type().as_str(),
                subtype: a.subtype.as_str(),
                holder_category: "personal",
            })
            .collect(),
        transactions: u
            .transactions
            .iter()
            .enumerate()
            .map(|(i, t)| TransactionJson {
                transaction_id: u.transaction_id(i),
                account_id: &u.accounts[t.account as usize].account_id,
                amount: Dollars(t.amount),
                iso_currency_code: "USD",
                unofficial_currency_code: None,
                date: Date(t.date),
                authorized_date: Date(t.authorized_date),
                name: match &t.name {
                    Cow::Borrowed(s) => s,
                    Cow::Owned(s) => s.as_str(),
                },
                merchant_name: t.merchant_name,
                merchant_entity_id: t.merchant_entity_id(),
                payment_channel: t.payment_channel.as_str(),
                personal_finance_category: Pfc {
                    primary: pfc_primary(t.pfc_detailed),
                    detailed: t.pfc_detailed,
                    confidence_level: t.pfc_confidence_level(),
                },
                pending: t.pending,
                pending_transaction_id: t.pending_transaction_id(),
            })
            .collect(),
        liabilities: liabilities(u),
    }
}

/// One user as a JSON value (for tests and callers that want a tree).
pub fn user_value(u: &UserData) -> Value {
    serde_json::to_value(user_json(u)).expect("user records serialize")
}

/// `users.json` being written: the head, then one user per line as chunks arrive.
pub struct JsonWriter {
    staged: Staged,
    shown: PathBuf,
    w: std::io::BufWriter<HashingWriter<OutFile>>,
    first: bool,
}

impl JsonWriter {
    /// Creates the file (under its temporary name) and writes the head.
    pub fn open(run: Run, path: &Path, overwrite: bool) -> Result<JsonWriter> {
        let staged = Staged::new(path, overwrite)?;
        let err = |e: std::io::Error| Error::output(path, e);
        let file = std::fs::File::create(staged.path()).map_err(err)?;
        let mut w =
            std::io::BufWriter::with_capacity(1 << 20, HashingWriter::new(OutFile::new(file)));
        let c = run.config;
        let mut head = json!({
            "generator": "spendsense-gen",
            "version": crate::VERSION,
            "seed": c.seed,
            "start_date": iso_date(c.start_date()),
            "end_date": iso_date(c.end_date),
            "n_users": c.n_users,
            "consent_ratio": c.consent_ratio,
        });
        if let Some(shard) = run.shard {
            head["shard"] = json!(shard.label());
        }
        let head = head.to_string();
        // `{...head, "users": [` then one user per line.
        write!(w, "{},\"users\":[", &head[..head.len() - 1]).map_err(err)?;
        Ok(JsonWriter {
            staged,
            shown: path.to_path_buf(),
            w,
            first: true,
        })
    }
}

impl Writer for JsonWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        let shown = &self.shown;
        let err = |e: std::io::Error| Error::output(shown, e);
        for u in users {
            if !self.first {
                self.w.write_all(b",").map_err(err)?;
            }
            self.first = false;
            self.w.write_all(b"\n").map_err(err)?;
            serde_json::to_writer(&mut self.w, &user_json(u))
                .map_err(|e| Error::output(shown, e))?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        let mut this = *self;
        let shown = this.shown.clone();
        let err = |e: std::io::Error| Error::output(&shown, e);
        this.w.write_all(b"\n]}\n").map_err(err)?;
        let w = this.w.into_inner().map_err(|e| err(e.into_error()))?;
        this.staged.record(w.finish(&shown).1);
        Ok(this.staged)
    }
}

/// Writes `users.json` of `ds` and renames it into place.
pub fn write(
    ds: &crate::generate::Dataset,
    path: &Path,
    overwrite: bool,
    check: super::Check,
) -> Result<()> {
    super::write_format(ds, crate::config::Format::Json, path, overwrite, check)
}
