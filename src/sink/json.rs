//! JSON: `users.json`, one document with every user nested: the user record, its labels, and its
//! accounts, transactions and liabilities shaped like Plaid's objects (`balances` nested,
//! `personal_finance_category` nested, liabilities grouped as `credit` / `student` / `mortgage`).

use super::{Check, Staged};
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::model::{dollars, Liability, LoanKind, UserData};
use crate::sim::merchants::pfc_primary;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

fn money(c: Option<i64>) -> Value {
    c.map(|c| json!(dollars(c))).unwrap_or(Value::Null)
}

fn date(d: Option<chrono::NaiveDate>) -> Value {
    d.map(|d| json!(d.format("%Y-%m-%d").to_string()))
        .unwrap_or(Value::Null)
}

/// One user as a JSON object.
pub fn user_value(u: &UserData) -> Value {
    let x = &u.user;
    let accounts: Vec<Value> = u
        .accounts
        .iter()
        .map(|a| {
            json!({
                "account_id": a.account_id,
                "balances": {
                    "available": money(a.balance_available),
                    "current": dollars(a.balance_current),
                    "limit": money(a.balance_limit),
                    "iso_currency_code": "USD",
                    "unofficial_currency_code": null,
                },
                "mask": a.mask,
                "name": a.name,
                "official_name": a.official_name,
                "type": a.account_type().as_str(),
                "subtype": a.subtype.as_str(),
                "holder_category": "personal",
            })
        })
        .collect();
    let transactions: Vec<Value> = u
        .transactions
        .iter()
        .map(|t| {
            json!({
                "transaction_id": t.transaction_id,
                "account_id": u.accounts[t.account as usize].account_id,
                "amount": dollars(t.amount),
                "iso_currency_code": "USD",
                "unofficial_currency_code": null,
                "date": t.date.format("%Y-%m-%d").to_string(),
                "authorized_date": t.authorized_date.format("%Y-%m-%d").to_string(),
                "name": t.name,
                "merchant_name": t.merchant_name,
                "merchant_entity_id": t.merchant_entity_id,
                "payment_channel": t.payment_channel.as_str(),
                "personal_finance_category": {
                    "primary": pfc_primary(t.pfc_detailed),
                    "detailed": t.pfc_detailed,
                    "confidence_level": if t.merchant_name.is_some() { "VERY_HIGH" } else { "HIGH" },
                },
                "pending": t.pending,
                "pending_transaction_id": t.pending_transaction_id,
            })
        })
        .collect();
    let mut credit = Vec::new();
    let mut student = Vec::new();
    let mut mortgage = Vec::new();
    for l in &u.liabilities {
        let account_id = &u.accounts[l.account() as usize].account_id;
        match l {
            Liability::Credit(c) => credit.push(json!({
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
                let common = json!({
                    "account_id": account_id,
                    "last_payment_amount": money(x.last_payment_amount),
                    "last_payment_date": date(x.last_payment_date),
                    "next_payment_due_date": date(Some(x.next_payment_due_date)),
                    "origination_date": date(Some(x.origination_date)),
                    "origination_principal_amount": dollars(x.origination_principal_amount),
                    "ytd_interest_paid": dollars(x.ytd_interest_paid),
                    "ytd_principal_paid": dollars(x.ytd_principal_paid),
                });
                let mut obj = common.as_object().unwrap().clone();
                match x.kind {
                    LoanKind::Student => {
                        obj.insert(
                            "interest_rate_percentage".into(),
                            json!(x.interest_rate_percentage),
                        );
                        obj.insert("is_overdue".into(), json!(x.is_overdue));
                        obj.insert("loan_name".into(), json!(x.loan_name));
                        obj.insert(
                            "minimum_payment_amount".into(),
                            json!(dollars(x.minimum_payment_amount)),
                        );
                        obj.insert(
                            "last_statement_balance".into(),
                            json!(dollars(x.last_statement_balance)),
                        );
                        obj.insert(
                            "last_statement_issue_date".into(),
                            date(Some(x.last_statement_issue_date)),
                        );
                        obj.insert("expected_payoff_date".into(), date(Some(x.maturity_date)));
                        student.push(Value::Object(obj));
                    }
                    LoanKind::Mortgage => {
                        obj.insert(
                            "interest_rate".into(),
                            json!({"percentage": x.interest_rate_percentage, "type": x.interest_rate_type}),
                        );
                        obj.insert(
                            "next_monthly_payment".into(),
                            json!(dollars(x.minimum_payment_amount)),
                        );
                        obj.insert("loan_type_description".into(), json!("conventional"));
                        obj.insert("loan_term".into(), json!("30 year"));
                        obj.insert("maturity_date".into(), date(Some(x.maturity_date)));
                        obj.insert("past_due_amount".into(), json!(0.0));
                        mortgage.push(Value::Object(obj));
                    }
                }
            }
        }
    }
    json!({
        "user_id": x.user_id,
        "name": x.name,
        "email": x.email,
        "created_at": x.created_at,
        "consent_status": x.consent_status,
        "consent_updated_at": x.consent_updated_at,
        "age": x.age,
        "age_bracket": x.age_bracket,
        "annual_income": dollars(x.annual_income),
        "income_tier": x.income_tier,
        "region": x.region,
        "life_stage": x.life_stage,
        "labels": {
            "archetype": u.label.archetype.as_str(),
            "personas": u.label.personas.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            "edge_case": u.label.edge_case.map(|e| e.as_str()),
        },
        "accounts": accounts,
        "transactions": transactions,
        "liabilities": {"credit": credit, "student": student, "mortgage": mortgage},
    })
}

pub fn write(ds: &Dataset, path: &Path, overwrite: bool, check: Check) -> Result<()> {
    let staged = Staged::new(path, overwrite)?;
    let err = |e: std::io::Error| Error::output(path, e);
    let file = std::fs::File::create(staged.path()).map_err(err)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let c = &ds.config;
    let head = json!({
        "generator": "spendsense-gen",
        "version": crate::VERSION,
        "seed": c.seed,
        "start_date": c.start_date().format("%Y-%m-%d").to_string(),
        "end_date": c.end_date.format("%Y-%m-%d").to_string(),
        "n_users": ds.users.len(),
    });
    let head = head.to_string();
    // `{...head, "users": [` then one user per line.
    write!(w, "{},\"users\":[", &head[..head.len() - 1]).map_err(err)?;
    let total = ds.users.len() as u64;
    for (i, u) in ds.users.iter().enumerate() {
        if i > 0 {
            w.write_all(b",").map_err(err)?;
        }
        w.write_all(b"\n").map_err(err)?;
        serde_json::to_writer(&mut w, &user_value(u)).map_err(|e| Error::output(path, e))?;
        if i % 256 == 255 {
            check(i as u64 + 1, total)?;
        }
    }
    w.write_all(b"\n]}\n").map_err(err)?;
    w.flush().map_err(err)?;
    drop(w);
    staged.commit()
}
