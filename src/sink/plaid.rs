//! `--format plaid`: per user, the JSON bodies Plaid's API would return for the user's data, so
//! code written against Plaid can be pointed at files instead of the API:
//!
//! ```text
//! plaid/<user_id>/accounts_get.json      /accounts/get      AccountsGetResponse
//! plaid/<user_id>/transactions_get.json  /transactions/get  TransactionsGetResponse
//! plaid/<user_id>/transactions_get_offset_500.json, _1000.json, ...: the next pages
//! plaid/<user_id>/liabilities_get.json   /liabilities/get   LiabilitiesGetResponse
//! ```
//!
//! Every key Plaid returns is present (checked against the strict schemas derived from Plaid's
//! OpenAPI spec), with `null` where Plaid has nothing to say for such data: no location, no
//! payment metadata, no logos, no legacy `category`. Each user is one Item holding all their
//! accounts; `item_id` and `request_id` are derived from the seed and the user, so the files are
//! the same bytes on every run. `/transactions/get` answers as Plaid does a request with
//! `count` 500 (its maximum): each page holds at most 500 transactions, newest first (Plaid's
//! order), and every page's `total_transactions` is the number in the window, so a client pages
//! with `offset` (the file `transactions_get_offset_<offset>.json`) until it has them all.

use super::{Staged, Writer};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::ids::{mix64, opaque_id, IdKind};
use crate::model::{
    dollars, iso_date, Account, Cents, Liability, LoanKind, PaymentChannel, UserData,
};
use crate::sim::merchants::pfc_primary;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

/// The three files written per user, with the endpoint each answers.
pub const FILES: [(&str, &str); 3] = [
    ("accounts_get.json", "/accounts/get"),
    ("transactions_get.json", "/transactions/get"),
    ("liabilities_get.json", "/liabilities/get"),
];

/// Plaid's `request_id` for `endpoint` (0, 1, 2: the index in [`FILES`]): 15 base-62
/// characters derived from the seed and the user.
fn request_id(u: &UserData, endpoint: u64) -> String {
    // The tail of an opaque id is a hash of (seed, user, kind, ordinal).
    let id = opaque_id("", u.seed, u.index, IdKind::Request, endpoint);
    id[id.len() - 15..].to_string()
}

/// The user's Item: every account of the user, at one (unnamed) institution.
fn item(u: &UserData) -> Value {
    let has_liabilities = !u.liabilities.is_empty();
    let products: Vec<&str> = if has_liabilities {
        vec!["liabilities", "transactions"]
    } else {
        vec!["transactions"]
    };
    json!({
        "available_products": ["balance"],
        "billed_products": products,
        "products": products,
        "consented_products": products,
        "consent_expiration_time": null,
        "error": null,
        "institution_id": null,
        "institution_name": null,
        "item_id": opaque_id("", u.seed, u.index, IdKind::Item, 0),
        "update_type": "background",
        "webhook": null,
        "auth_method": null,
    })
}

fn money(c: Option<Cents>) -> Value {
    c.map(|c| json!(dollars(c))).unwrap_or(Value::Null)
}

fn account(a: &Account) -> Value {
    json!({
        "account_id": a.account_id,
        "balances": {
            "available": money(a.balance_available),
            "current": dollars(a.balance_current),
            "iso_currency_code": "USD",
            "limit": money(a.balance_limit),
            "unofficial_currency_code": null,
        },
        "holder_category": "personal",
        "mask": a.mask,
        "name": a.name,
        "official_name": a.official_name,
        "subtype": a.subtype.as_str(),
        "type": a.account_type().as_str(),
    })
}

fn accounts(u: &UserData) -> Vec<Value> {
    u.accounts.iter().map(account).collect()
}

/// `location` and `payment_meta`: objects Plaid always returns, all null for this data.
#[derive(Serialize)]
struct Location {
    address: Option<()>,
    city: Option<()>,
    region: Option<()>,
    postal_code: Option<()>,
    country: Option<()>,
    lat: Option<()>,
    lon: Option<()>,
    store_number: Option<()>,
}

#[derive(Serialize)]
struct PaymentMeta {
    by_order_of: Option<()>,
    payee: Option<()>,
    payer: Option<()>,
    payment_method: Option<()>,
    payment_processor: Option<()>,
    ppd_id: Option<()>,
    reason: Option<()>,
    reference_number: Option<()>,
}

#[derive(Serialize)]
struct Pfc {
    primary: &'static str,
    detailed: &'static str,
    confidence_level: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Counterparty {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    logo_url: Option<()>,
    website: Option<()>,
    entity_id: &'static str,
    confidence_level: &'static str,
}

/// One transaction with the keys of Plaid's `Transaction`, in the order Plaid's example lists them.
#[derive(Serialize)]
struct TransactionJson<'a> {
    account_id: &'a str,
    account_owner: Option<()>,
    amount: f64,
    iso_currency_code: &'static str,
    unofficial_currency_code: Option<()>,
    category: Option<()>,
    category_id: Option<()>,
    check_number: Option<()>,
    counterparties: Vec<Counterparty>,
    date: String,
    datetime: Option<()>,
    authorized_date: String,
    authorized_datetime: Option<()>,
    location: Location,
    name: &'a str,
    merchant_name: Option<&'static str>,
    merchant_entity_id: Option<&'static str>,
    logo_url: Option<()>,
    website: Option<()>,
    original_description: Option<()>,
    payment_meta: PaymentMeta,
    payment_channel: &'static str,
    pending: bool,
    pending_transaction_id: Option<&'a str>,
    personal_finance_category: Pfc,
    personal_finance_category_icon_url: String,
    transaction_id: String,
    transaction_code: Option<()>,
    transaction_type: &'static str,
}

const LOCATION: Location = Location {
    address: None,
    city: None,
    region: None,
    postal_code: None,
    country: None,
    lat: None,
    lon: None,
    store_number: None,
};

const PAYMENT_META: PaymentMeta = PaymentMeta {
    by_order_of: None,
    payee: None,
    payer: None,
    payment_method: None,
    payment_processor: None,
    ppd_id: None,
    reason: None,
    reference_number: None,
};

fn transaction(u: &UserData, i: usize) -> TransactionJson<'_> {
    let t = &u.transactions[i];
    let primary = pfc_primary(t.pfc_detailed);
    let confidence = t.pfc_confidence_level();
    TransactionJson {
        account_id: &u.accounts[t.account as usize].account_id,
        account_owner: None,
        amount: dollars(t.amount),
        iso_currency_code: "USD",
        unofficial_currency_code: None,
        category: None,
        category_id: None,
        check_number: None,
        counterparties: match (t.merchant_name, t.merchant_entity_id()) {
            (Some(name), Some(entity_id)) => vec![Counterparty {
                name,
                kind: "merchant",
                logo_url: None,
                website: None,
                entity_id,
                confidence_level: confidence,
            }],
            _ => Vec::new(),
        },
        date: iso_date(t.date),
        datetime: None,
        authorized_date: iso_date(t.authorized_date),
        authorized_datetime: None,
        location: LOCATION,
        name: &t.name,
        merchant_name: t.merchant_name,
        merchant_entity_id: t.merchant_entity_id(),
        logo_url: None,
        website: None,
        original_description: None,
        payment_meta: PAYMENT_META,
        payment_channel: t.payment_channel.as_str(),
        pending: t.pending,
        pending_transaction_id: t.pending_transaction_id(),
        personal_finance_category: Pfc {
            primary,
            detailed: t.pfc_detailed,
            confidence_level: confidence,
            version: "v1",
        },
        personal_finance_category_icon_url: format!(
            "https://plaid-category-icons.plaid.com/PFC_{primary}.png"
        ),
        transaction_id: u.transaction_id(i),
        transaction_code: None,
        // Plaid's (deprecated) transaction_type follows the channel.
        transaction_type: match t.payment_channel {
            PaymentChannel::Online => "digital",
            PaymentChannel::InStore => "place",
            PaymentChannel::Other => "special",
        },
    }
}

/// A 10-digit account number ending in the account's mask (loans' `account_number`).
fn account_number(u: &UserData, a: &Account, ordinal: u64) -> String {
    let h = mix64(u.seed ^ mix64(u.index ^ mix64(0xACC0 ^ ordinal)));
    format!("{:06}{}", h % 1_000_000, a.mask)
}

fn date(d: chrono::NaiveDate) -> Value {
    json!(iso_date(d))
}

fn opt_date(d: Option<chrono::NaiveDate>) -> Value {
    d.map(date).unwrap_or(Value::Null)
}

/// The `liabilities` object of `/liabilities/get`.
fn liabilities(u: &UserData) -> Value {
    let (mut credit, mut student, mut mortgage) = (Vec::new(), Vec::new(), Vec::new());
    for l in &u.liabilities {
        let a = &u.accounts[l.account() as usize];
        match l {
            Liability::Credit(c) => credit.push(json!({
                "account_id": a.account_id,
                "aprs": c.aprs.iter().map(|x| json!({
                    "apr_percentage": x.apr_percentage,
                    "apr_type": x.apr_type,
                    "balance_subject_to_apr": money(x.balance_subject_to_apr),
                    "interest_charge_amount": money(x.interest_charge_amount),
                })).collect::<Vec<_>>(),
                "is_overdue": c.is_overdue,
                "last_payment_amount": money(c.last_payment_amount),
                "last_payment_date": opt_date(c.last_payment_date),
                "last_statement_issue_date": date(c.last_statement_issue_date),
                "last_statement_balance": dollars(c.last_statement_balance),
                "minimum_payment_amount": dollars(c.minimum_payment_amount),
                "next_payment_due_date": date(c.next_payment_due_date),
            })),
            Liability::Loan(x) => {
                let number = account_number(u, a, l.account() as u64);
                match x.kind {
                    LoanKind::Student => student.push(json!({
                        "account_id": a.account_id,
                        "account_number": number,
                        "disbursement_dates": [iso_date(x.origination_date)],
                        "expected_payoff_date": date(x.maturity_date),
                        "guarantor": "DEPT OF ED",
                        "interest_rate_percentage": x.interest_rate_percentage,
                        "is_overdue": x.is_overdue,
                        "last_payment_amount": money(x.last_payment_amount),
                        "last_payment_date": opt_date(x.last_payment_date),
                        "last_statement_issue_date": date(x.last_statement_issue_date),
                        "last_statement_balance": dollars(x.last_statement_balance),
                        "loan_name": x.loan_name,
                        "loan_status": {"end_date": date(x.maturity_date), "type": "repayment"},
                        "minimum_payment_amount": dollars(x.minimum_payment_amount),
                        "next_payment_due_date": date(x.next_payment_due_date),
                        "origination_date": date(x.origination_date),
                        "origination_principal_amount": dollars(x.origination_principal_amount),
                        // Interest accrued since the last payment is not simulated.
                        "outstanding_interest_amount": null,
                        "payment_reference_number": number,
                        "pslf_status": {
                            "estimated_eligibility_date": null,
                            "payments_made": null,
                            "payments_remaining": null,
                        },
                        "repayment_plan": {"description": "Standard Repayment", "type": "standard"},
                        "sequence_number": "1",
                        "servicer_address": {
                            "city": null, "country": null, "postal_code": null,
                            "region": null, "street": null,
                        },
                        "ytd_interest_paid": dollars(x.ytd_interest_paid),
                        "ytd_principal_paid": dollars(x.ytd_principal_paid),
                    })),
                    LoanKind::Mortgage => mortgage.push(json!({
                        "account_id": a.account_id,
                        "account_number": number,
                        "current_late_fee": 0.0,
                        // Escrow, PMI and prepayment terms are not simulated.
                        "escrow_balance": null,
                        "has_pmi": null,
                        "has_prepayment_penalty": null,
                        "interest_rate": {
                            "percentage": x.interest_rate_percentage,
                            "type": x.interest_rate_type,
                        },
                        "last_payment_amount": money(x.last_payment_amount),
                        "last_payment_date": opt_date(x.last_payment_date),
                        "loan_term": "30 year",
                        "loan_type_description": "conventional",
                        "maturity_date": date(x.maturity_date),
                        "next_monthly_payment": dollars(x.minimum_payment_amount),
                        "next_payment_due_date": date(x.next_payment_due_date),
                        "origination_date": date(x.origination_date),
                        "origination_principal_amount": dollars(x.origination_principal_amount),
                        "past_due_amount": if x.is_overdue { dollars(x.minimum_payment_amount) } else { 0.0 },
                        "property_address": {
                            "city": null, "country": "US", "postal_code": null,
                            "region": null, "street": null,
                        },
                        "ytd_interest_paid": dollars(x.ytd_interest_paid),
                        "ytd_principal_paid": dollars(x.ytd_principal_paid),
                    })),
                }
            }
        }
    }
    json!({"credit": credit, "mortgage": mortgage, "student": student})
}

/// `/accounts/get` for one user.
pub fn accounts_get(u: &UserData) -> Value {
    json!({"accounts": accounts(u), "item": item(u), "request_id": request_id(u, 0)})
}

/// `/liabilities/get` for one user.
pub fn liabilities_get(u: &UserData) -> Value {
    json!({
        "accounts": accounts(u),
        "item": item(u),
        "liabilities": liabilities(u),
        "request_id": request_id(u, 2),
    })
}

/// Transactions in one `/transactions/get` response: the largest `count` Plaid accepts.
pub const PAGE: usize = 500;

/// Pages of a user's `/transactions/get` (one, empty, for a user without transactions).
pub fn transaction_pages(u: &UserData) -> usize {
    u.transactions.len().div_ceil(PAGE).max(1)
}

/// The file of page `k`: `transactions_get.json` (offset 0), then
/// `transactions_get_offset_<offset>.json`.
pub fn transactions_page_file(k: usize) -> String {
    if k == 0 {
        FILES[1].0.to_string()
    } else {
        format!("transactions_get_offset_{}.json", k * PAGE)
    }
}

/// Page `page` of `/transactions/get` for one user, written straight to `w` (transactions are
/// most of the bytes: they are serialized from borrowed structs, newest first).
fn write_transactions_get(u: &UserData, page: usize, w: &mut impl Write) -> serde_json::Result<()> {
    let n = u.transactions.len();
    w.write_all(b"{\"accounts\":")
        .map_err(serde_json::Error::io)?;
    serde_json::to_writer(&mut *w, &accounts(u))?;
    w.write_all(b",\"item\":").map_err(serde_json::Error::io)?;
    serde_json::to_writer(&mut *w, &item(u))?;
    // Each response has its own request id; the first page keeps the endpoint's.
    let rid = if page == 0 { 1 } else { 16 + page as u64 };
    write!(w, ",\"request_id\":\"{}\"", request_id(u, rid)).map_err(serde_json::Error::io)?;
    write!(w, ",\"total_transactions\":{n},\"transactions\":[").map_err(serde_json::Error::io)?;
    // Plaid lists newest first; within a day, the later posting first.
    let newest_first = (0..n).rev().skip(page * PAGE).take(PAGE);
    for (k, i) in newest_first.enumerate() {
        if k > 0 {
            w.write_all(b",").map_err(serde_json::Error::io)?;
        }
        serde_json::to_writer(&mut *w, &transaction(u, i))?;
    }
    w.write_all(b"]}\n").map_err(serde_json::Error::io)
}

/// Page `page` of `/transactions/get` for one user as a JSON value (for tests and callers that
/// want a tree).
pub fn transactions_get(u: &UserData, page: usize) -> Value {
    let mut buf = Vec::new();
    write_transactions_get(u, page, &mut buf).expect("writing to memory");
    serde_json::from_slice(&buf).expect("valid JSON")
}

fn write_value(path: &Path, v: &Value) -> Result<()> {
    let err = |e: std::io::Error| Error::output(path, e);
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).map_err(err)?);
    serde_json::to_writer(&mut w, v).map_err(|e| Error::output(path, e))?;
    w.write_all(b"\n").map_err(err)?;
    w.flush().map_err(err)
}

/// The `plaid/` folder being written, one sub-folder per user.
pub struct PlaidWriter {
    staged: Staged,
}

impl PlaidWriter {
    pub fn open(path: &Path, overwrite: bool) -> Result<PlaidWriter> {
        // One folder per user.
        let staged = Staged::folder(path, overwrite, |n| n.starts_with("user_"))?;
        std::fs::create_dir_all(staged.path()).map_err(|e| Error::output(path, e))?;
        Ok(PlaidWriter { staged })
    }
}

impl Writer for PlaidWriter {
    fn write(&mut self, users: &[UserData], _: Option<&Detection>) -> Result<()> {
        let root = self.staged.path().to_path_buf();
        for u in users {
            let dir = root.join(&u.user.user_id);
            std::fs::create_dir(&dir).map_err(|e| Error::output(&dir, e))?;
            write_value(&dir.join(FILES[0].0), &accounts_get(u))?;
            for page in 0..transaction_pages(u) {
                let p = dir.join(transactions_page_file(page));
                let file = std::fs::File::create(&p).map_err(|e| Error::output(&p, e))?;
                let mut w = std::io::BufWriter::with_capacity(1 << 16, file);
                write_transactions_get(u, page, &mut w).map_err(|e| Error::output(&p, e))?;
                w.flush().map_err(|e| Error::output(&p, e))?;
            }
            write_value(&dir.join(FILES[2].0), &liabilities_get(u))?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        Ok(self.staged)
    }
}
