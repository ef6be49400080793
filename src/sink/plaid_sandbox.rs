//! `--format plaid-sandbox`: per user, a Plaid Sandbox custom-user configuration
//! (`plaid_sandbox/<user_id>.json`, the `user_custom` password of Plaid's
//! `UserCustomPassword` schema), so a synthetic persona can be loaded into Plaid Sandbox with
//! `/sandbox/public_token/create` (`options.override_username = "user_custom"`,
//! `options.override_password` = the file's text) or the Dashboard's Test Users page.
//!
//! What Sandbox can carry, and so what the files hold: each account's type, subtype, current
//! balance (`starting_balance`), available balance, name, official name, mask and credit limit;
//! its transactions as `{date_transacted, date_posted, amount, description, currency}` (amounts
//! keep Plaid's sign: positive is money out); credit-card and student-loan liability terms; the
//! user's name and e-mail as identity. What it cannot (see `docs/plaid.md`): mortgages (mortgage
//! accounts are left out; their payments stay on checking), categories, merchants and payment
//! channels (Plaid assigns its own), pending status relative to our window, and dates older than
//! two years before the day the user is created in Sandbox.

use super::{Staged, Writer};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::model::{dollars, iso_date, AccountSubtype, AccountType, Liability, LoanKind, UserData};
use chrono::Datelike;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

/// Months from `a` to `b` (whole months, at least 1).
fn months_between(a: chrono::NaiveDate, b: chrono::NaiveDate) -> i64 {
    let m = (b.year() as i64 - a.year() as i64) * 12 + b.month() as i64 - a.month() as i64;
    m.max(1)
}

fn liability(l: &Liability) -> Option<Value> {
    match l {
        Liability::Credit(c) => {
            let mut o = Map::new();
            o.insert("type".into(), json!("credit"));
            for a in &c.aprs {
                let key = match a.apr_type {
                    "purchase_apr" => "purchase_apr",
                    "cash_apr" => "cash_apr",
                    "balance_transfer_apr" => "balance_transfer_apr",
                    _ => "special_apr",
                };
                o.insert(key.into(), json!(a.apr_percentage));
            }
            if let Some(p) = c.last_payment_amount {
                o.insert("last_payment_amount".into(), json!(dollars(p)));
            }
            o.insert(
                "minimum_payment_amount".into(),
                json!(dollars(c.minimum_payment_amount)),
            );
            o.insert("is_overdue".into(), json!(c.is_overdue));
            Some(Value::Object(o))
        }
        Liability::Loan(x) if x.kind == LoanKind::Student => Some(json!({
            "type": "student",
            "origination_date": iso_date(x.origination_date),
            "principal": dollars(x.origination_principal_amount),
            "nominal_apr": x.interest_rate_percentage,
            "repayment_model": {
                "type": "standard",
                "non_repayment_months": 0,
                "repayment_months": months_between(x.origination_date, x.maturity_date),
            },
            "expected_payoff_date": iso_date(x.maturity_date),
            "guarantor": "DEPT OF ED",
            "is_federal": true,
            "loan_name": x.loan_name,
            "loan_status": {"type": "repayment", "end_date": iso_date(x.maturity_date)},
            "repayment_plan_type": "standard",
            "repayment_plan_description": "Standard Repayment",
            "sequence_number": "1",
        })),
        // Custom Sandbox users cannot hold mortgages.
        Liability::Loan(_) => None,
    }
}

/// The Sandbox configuration of one user.
pub fn user_config(u: &UserData) -> Value {
    let mut accounts = Vec::new();
    for (ai, a) in u.accounts.iter().enumerate() {
        if a.subtype == AccountSubtype::Mortgage {
            continue;
        }
        let mut o = Map::new();
        o.insert("type".into(), json!(a.account_type().as_str()));
        o.insert("subtype".into(), json!(a.subtype.as_str()));
        o.insert("starting_balance".into(), json!(dollars(a.balance_current)));
        match a.balance_available {
            Some(v) => o.insert("force_available_balance".into(), json!(dollars(v))),
            None => o.insert("has_null_available_balance".into(), json!(true)),
        };
        o.insert("currency".into(), json!("USD"));
        let mut meta = json!({"name": a.name, "official_name": a.official_name, "mask": a.mask});
        if let (AccountType::Credit, Some(limit)) = (a.account_type(), a.balance_limit) {
            meta["limit"] = json!(dollars(limit));
        }
        o.insert("meta".into(), meta);
        if ai == 0 {
            o.insert(
                "identity".into(),
                json!({
                    "names": [u.user.name],
                    "emails": [{"data": u.user.email, "primary": true, "type": "primary"}],
                }),
            );
        }
        let txns: Vec<Value> = u
            .transactions
            .iter()
            .filter(|t| t.account as usize == ai)
            .map(|t| {
                json!({
                    "date_transacted": iso_date(t.authorized_date),
                    "date_posted": iso_date(t.date),
                    "amount": dollars(t.amount),
                    "description": t.name,
                    "currency": "USD",
                })
            })
            .collect();
        o.insert("transactions".into(), Value::Array(txns));
        if let Some(l) = u
            .liabilities
            .iter()
            .find(|l| l.account() as usize == ai)
            .and_then(liability)
        {
            o.insert("liability".into(), l);
        }
        accounts.push(Value::Object(o));
    }
    json!({
        "version": "2",
        "seed": format!("spendsense-{}-{}", u.seed, u.user.user_id),
        "override_accounts": accounts,
    })
}

/// The `plaid_sandbox/` folder being written, one file per user.
pub struct SandboxWriter {
    staged: Staged,
}

impl SandboxWriter {
    pub fn open(path: &Path, overwrite: bool) -> Result<SandboxWriter> {
        let staged = Staged::folder(path, overwrite, |n| {
            n.starts_with("user_") && n.ends_with(".json")
        })?;
        std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(path, e))?;
        Ok(SandboxWriter { staged })
    }
}

impl Writer for SandboxWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        for u in users {
            let p = self.staged.path().join(format!("{}.json", u.user.user_id));
            let err = |e: std::io::Error| Error::output(&p, e);
            let mut w = std::io::BufWriter::new(std::fs::File::create(&p).map_err(err)?);
            serde_json::to_writer_pretty(&mut w, &user_config(u))
                .map_err(|e| Error::output(&p, e))?;
            w.write_all(b"\n").map_err(err)?;
            w.flush().map_err(err)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        Ok(self.staged)
    }
}
