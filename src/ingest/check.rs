//! The checks. [`Checker`] takes rows as a source reads them (any order of tables, any source),
//! checks each row on its own (required fields, types, enums) and keeps a compact copy of what
//! the checks across rows need; [`Checker::finish`] then runs those: keys, dates against the
//! window, signs, pairs, the ledger rebuilt from the transactions, statements, last payments,
//! consent, labels and persona coverage.

use super::plaid_ref::{self, Reference};
use super::report::{Finding, Loc, Part, Rule, Tally};
use super::source::{Kind, Meta, Visit};
use crate::detect::input::parse_cell;
use crate::error::Result;
use crate::ids::{FastHash, FastMap};
use crate::model::{Archetype, Cents, EdgeCase, Persona, PersonaSet};
use crate::tables::{ColType, Table, Value};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

const NONE: u32 = u32::MAX;
const NO_PFC: u16 = u16::MAX;

/// Ids of one table: each id gets an index when it is first defined or referred to.
#[derive(Default)]
struct Ids {
    map: FastMap<Box<str>, u32>,
    names: Vec<Box<str>>,
    /// Where each id is defined (its row), if it is.
    defined: Vec<Option<Loc>>,
}

impl Ids {
    fn index(&mut self, id: &str) -> u32 {
        if let Some(&i) = self.map.get(id) {
            return i;
        }
        let i = self.names.len() as u32;
        self.map.insert(id.into(), i);
        self.names.push(id.into());
        self.defined.push(None);
        i
    }
    /// Defines `id` at `loc`; `Err(first)` if it was already defined.
    fn define(&mut self, id: &str, loc: Loc) -> std::result::Result<u32, Loc> {
        let i = self.index(id);
        match self.defined[i as usize] {
            Some(first) => Err(first),
            None => {
                self.defined[i as usize] = Some(loc);
                Ok(i)
            }
        }
    }
    fn is_defined(&self, i: u32) -> bool {
        i != NONE && self.defined[i as usize].is_some()
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum AccKind {
    Checking,
    SavingsLike,
    OtherDepository,
    Credit,
    Loan,
    Other,
}

struct UserRow {
    loc: Loc,
    id: u32,
    consent: Option<bool>,
    created: Option<chrono::NaiveDateTime>,
    consent_at: Option<chrono::NaiveDateTime>,
}

struct AccountRow {
    loc: Loc,
    id: u32,
    user: u32,
    kind: Option<AccKind>,
    subtype: Box<str>,
    current: Option<Cents>,
    available: Option<Cents>,
    limit: Option<Cents>,
}

/// A transaction, compact: millions of these are held.
struct TxnRow {
    /// The 128-bit hash of its `transaction_id` ([`txn_hash`], never 0), or 0 without one.
    id: u128,
    /// CSV line, SQLite rowid, or (user << 32 | item) in a JSON document.
    loc: u64,
    account: u32,
    user: u32,
    amount: Option<Cents>,
    date: Option<NaiveDate>,
    authorized: Option<NaiveDate>,
    pfc: u16,
    pending: bool,
}

struct LiabilityRow {
    loc: Loc,
    account: u32,
    user: u32,
    ltype: Option<Box<str>>,
    minimum: Option<Cents>,
    last_payment_amount: Option<Cents>,
    last_payment_date: Option<NaiveDate>,
    statement_balance: Option<Cents>,
    statement_date: Option<NaiveDate>,
    next_due: Option<NaiveDate>,
    origination: Option<NaiveDate>,
    maturity: Option<NaiveDate>,
}

struct LabelRow {
    loc: Loc,
    user: u32,
    personas: PersonaSet,
}

pub struct Checker {
    pub kind: Kind,
    reference: &'static Reference,
    pub tally: Tally,
    pub rows: [u64; 5],
    pub seen: [bool; 5],
    users: Vec<UserRow>,
    accounts: Vec<AccountRow>,
    txns: Vec<TxnRow>,
    liabilities: Vec<LiabilityRow>,
    labels: Vec<LabelRow>,
    user_ids: Ids,
    account_ids: Ids,
    /// Transaction ids as 128-bit hashes (two independent 64-bit hashes) -> first location,
    /// built only once the ids stop arriving in increasing order (see [`Checker::transaction`]).
    txn_ids: FastMap<u128, u64>,
    /// Whether every transaction id so far came after the one before it (text order), and the
    /// last one: while they do, each is new without a lookup, and `txn_ids` is not needed.
    txn_ids_ordered: bool,
    last_txn_id: Option<String>,
    /// Transactions the reader expects (room for `txn_ids` if it is built).
    expected_txns: usize,
}

fn table_index(t: Table) -> usize {
    Table::ALL.iter().position(|x| *x == t).unwrap()
}

fn txn_hash(id: &str) -> u128 {
    let mut a = FastHash::default();
    id.hash(&mut a);
    #[allow(deprecated)]
    let mut b = std::hash::SipHasher::new_with_keys(0x5370_656e_6453_656e, 0x7365_4765_6e49_6473);
    id.hash(&mut b);
    ((a.finish() as u128) << 64) | b.finish() as u128
}

fn text<'a>(v: &'a Value) -> Option<&'a str> {
    match v {
        Value::Text(s) => Some(s.as_ref()),
        _ => None,
    }
}
fn money(v: &Value) -> Option<Cents> {
    match v {
        Value::Money(c) => Some(*c),
        _ => None,
    }
}
fn date(v: &Value) -> Option<NaiveDate> {
    match v {
        Value::Date(d) => Some(*d),
        _ => None,
    }
}
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Decimal places of a number as written (`"12.50"` 1, `"12.345"` 3, `"1.2345e2"` 2, `"7"` 0):
/// trailing zeros of the fraction do not count, and an exponent shifts the point. Only called on
/// text that parsed as a number.
fn decimals(s: &str) -> i64 {
    let s = s.trim();
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (s, 0),
    };
    let fraction = mantissa.split_once('.').map_or("", |(_, f)| f);
    fraction.trim_end_matches('0').len() as i64 - exp
}

fn fmt_money(c: Cents) -> String {
    crate::model::format_dollars(c)
}

/// A timestamp as the generator writes it (`2024-03-01T09:30:00Z`) or any RFC 3339 time.
fn timestamp(s: &str) -> Option<chrono::NaiveDateTime> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.naive_utc())
}

impl Checker {
    pub fn new(kind: Kind) -> Checker {
        Checker {
            kind,
            reference: Reference::get(),
            tally: Tally::default(),
            rows: [0; 5],
            seen: [false; 5],
            users: Vec::new(),
            accounts: Vec::new(),
            txns: Vec::new(),
            liabilities: Vec::new(),
            labels: Vec::new(),
            user_ids: Ids::default(),
            account_ids: Ids::default(),
            txn_ids: FastMap::default(),
            txn_ids_ordered: true,
            last_txn_id: None,
            expected_txns: 0,
        }
    }

    /// Makes room for `n` transactions at once (what `memory::check` returns).
    pub fn reserve_transactions(&mut self, n: usize) {
        self.txns.reserve_exact(n);
        self.expected_txns = n;
    }

    /// `txn_ids`, built from the rows held so far the first time it is needed.
    fn txn_id_index(&mut self) -> &FastMap<u128, u64> {
        if self.txn_ids_ordered {
            self.txn_ids_ordered = false;
            self.txn_ids
                .reserve(self.expected_txns.max(self.txns.len() + 1));
            for x in &self.txns {
                if x.id != 0 {
                    self.txn_ids.insert(x.id, x.loc);
                }
            }
        }
        &self.txn_ids
    }

    fn txn_loc(&self, key: u64) -> Loc {
        match self.kind {
            Kind::Csv => Loc::Line(key),
            Kind::Sqlite | Kind::Parquet => Loc::Row(key as i64),
            Kind::Json => Loc::Json {
                user: (key >> 32) as u32,
                part: Part::Transaction,
                item: key as u32,
            },
        }
    }

    fn txn_key(loc: Loc) -> u64 {
        match loc {
            Loc::Line(l) => l,
            Loc::Row(r) => r as u64,
            Loc::Json { user, item, .. } => ((user as u64) << 32) | item as u64,
            Loc::File => 0,
        }
    }

    fn fail(
        &mut self,
        rule: Rule,
        table: Table,
        loc: Loc,
        field: &str,
        value: impl Into<Option<String>>,
        message: impl Into<String>,
    ) {
        self.tally.add(Finding::new(
            rule,
            Some(table),
            loc,
            Some(field.to_string()),
            value.into(),
            message.into(),
        ));
    }

    /// Checks one row on its own and keeps what the later checks need. Returns whether the row
    /// had no finding, and its typed values (null where a value was missing or malformed; text
    /// borrowed from `cells`).
    pub fn check_row<'a>(
        &mut self,
        table: Table,
        loc: Loc,
        cells: &[Option<&'a str>],
        bad: u32,
    ) -> (bool, Vec<Value<'a>>) {
        let before = self.tally.failures(|_| true);
        self.rows[table_index(table)] += 1;
        let mut out = Vec::with_capacity(cells.len());
        for (k, (c, cell)) in table.columns().iter().zip(cells).enumerate() {
            let v = match cell {
                None | Some("") if c.may_be_empty && bad & (1 << k) == 0 => Value::Text("".into()),
                None | Some("") => {
                    if !c.nullable && bad & (1 << k) == 0 {
                        self.fail(Rule::Required, table, loc, c.name, None, "is empty");
                    }
                    Value::Null
                }
                Some(s) if c.ty == ColType::Text => Value::Text(std::borrow::Cow::Borrowed(*s)),
                Some(s) => match parse_cell(c, s) {
                    Ok(_) if c.ty == ColType::Money && decimals(s) > 2 => {
                        // Parsing rounds to cents; say so rather than change the amount.
                        self.fail(
                            Rule::Type,
                            table,
                            loc,
                            c.name,
                            Some(s.to_string()),
                            "has more than two decimals (amounts are dollars and cents)",
                        );
                        Value::Null
                    }
                    Ok(v) => v,
                    Err(m) => {
                        let quoted = format!("'{s}' is ");
                        let m = m.strip_prefix(&quoted).unwrap_or(&m).to_string();
                        self.fail(Rule::Type, table, loc, c.name, Some(s.to_string()), m);
                        Value::Null
                    }
                },
            };
            out.push(v);
        }
        self.tally.checked(Rule::Required, 1);
        self.tally.checked(Rule::Type, 1);
        self.tally.checked(Rule::Enum, 1);
        match table {
            Table::Users => self.user(loc, &out),
            Table::Accounts => self.account(loc, &out),
            Table::Transactions => self.transaction(loc, &out),
            Table::Liabilities => self.liability(loc, &out),
            Table::UserLabels => self.label(loc, &out),
        }
        (self.tally.failures(|_| true) == before, out)
    }

    fn one_of(&mut self, table: Table, loc: Loc, field: &str, v: &Value, allowed: &[&str]) {
        if let Some(s) = text(v) {
            if !allowed.contains(&s) {
                self.fail(
                    Rule::Enum,
                    table,
                    loc,
                    field,
                    Some(s.to_string()),
                    format!("not one of: {}", allowed.join(", ")),
                );
            }
        }
    }

    fn currencies(&mut self, table: Table, loc: Loc, iso: &Value, unofficial: &Value) {
        match (text(iso), text(unofficial)) {
            (Some(_), Some(u)) => self.fail(
                Rule::Enum,
                table,
                loc,
                "unofficial_currency_code",
                Some(u.to_string()),
                "iso_currency_code and unofficial_currency_code are both set (Plaid sets one)",
            ),
            (Some(c), None) if !(c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())) => self
                .fail(
                    Rule::Enum,
                    table,
                    loc,
                    "iso_currency_code",
                    Some(c.to_string()),
                    "not an ISO 4217 code (three capital letters)",
                ),
            _ => {}
        }
    }

    fn user(&mut self, loc: Loc, v: &[Value]) {
        let t = Table::Users;
        let id = match text(&v[0]) {
            Some(s) => match self.user_ids.define(s, loc) {
                Ok(i) => i,
                Err(first) => {
                    let msg = format!(
                        "duplicate user_id, first at {}",
                        first.describe(self.kind, Some(t))
                    );
                    self.fail(
                        Rule::PrimaryKey,
                        t,
                        loc,
                        "user_id",
                        Some(s.to_string()),
                        msg,
                    );
                    NONE
                }
            },
            None => NONE,
        };
        self.tally.checked(Rule::PrimaryKey, 1);
        let ts = |k: usize, name: &str, this: &mut Checker| -> Option<chrono::NaiveDateTime> {
            let s = text(&v[k])?;
            let parsed = timestamp(s);
            if parsed.is_none() {
                this.fail(
                    Rule::Type,
                    t,
                    loc,
                    name,
                    Some(s.to_string()),
                    "not an ISO 8601 timestamp (YYYY-MM-DDTHH:MM:SSZ)",
                );
            }
            parsed
        };
        let created = ts(3, "created_at", self);
        let consent_at = ts(5, "consent_updated_at", self);
        if let Value::Int(age) = v[6] {
            if !(13..=120).contains(&age) {
                self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "age",
                    Some(age.to_string()),
                    "not an age from 13 to 120",
                );
            } else {
                if let Some(b) = text(&v[7]) {
                    let fits = crate::sim::BRACKETS.iter().find(|x| x.0 == b).map(|x| {
                        (x.1 as i64..=x.2 as i64).contains(&age) || (x.0 == "65+" && age >= 65)
                    });
                    match fits {
                        None => {
                            let names: Vec<&str> =
                                crate::sim::BRACKETS.iter().map(|x| x.0).collect();
                            self.one_of(t, loc, "age_bracket", &v[7], &names)
                        }
                        Some(false) => self.fail(
                            Rule::Enum,
                            t,
                            loc,
                            "age_bracket",
                            Some(b.to_string()),
                            format!("does not contain the user's age {age}"),
                        ),
                        Some(true) => {}
                    }
                }
                if let Some(s) = text(&v[11]) {
                    match crate::sim::LIFE_STAGES.iter().find(|x| x.0 == s) {
                        None => {
                            let names: Vec<&str> =
                                crate::sim::LIFE_STAGES.iter().map(|x| x.0).collect();
                            self.one_of(t, loc, "life_stage", &v[11], &names)
                        }
                        Some(x) if !(x.1 as i64..=x.2 as i64).contains(&age) => self.fail(
                            Rule::Enum,
                            t,
                            loc,
                            "life_stage",
                            Some(s.to_string()),
                            format!("not a life stage of a {age}-year-old"),
                        ),
                        _ => {}
                    }
                }
            }
        }
        if let (Some(income), Some(tier)) = (money(&v[8]), text(&v[9])) {
            let expected = crate::sim::income_tier(income);
            if tier != expected {
                self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "income_tier",
                    Some(tier.to_string()),
                    format!("an income of {} is tier '{expected}'", fmt_money(income)),
                );
            }
        }
        self.one_of(t, loc, "region", &v[10], &crate::sim::REGIONS);
        self.users.push(UserRow {
            loc,
            id,
            consent: boolean(&v[4]),
            created,
            consent_at,
        });
    }

    fn account(&mut self, loc: Loc, v: &[Value]) {
        let t = Table::Accounts;
        let id = match text(&v[0]) {
            Some(s) => match self.account_ids.define(s, loc) {
                Ok(i) => i,
                Err(first) => {
                    let msg = format!(
                        "duplicate account_id, first at {}",
                        first.describe(self.kind, Some(t))
                    );
                    self.fail(
                        Rule::PrimaryKey,
                        t,
                        loc,
                        "account_id",
                        Some(s.to_string()),
                        msg,
                    );
                    NONE
                }
            },
            None => NONE,
        };
        self.tally.checked(Rule::PrimaryKey, 1);
        let user = text(&v[1]).map(|s| self.user_ids.index(s)).unwrap_or(NONE);
        let (ty, sub) = (text(&v[2]), text(&v[3]));
        let mut kind = None;
        if let (Some(ty), Some(sub)) = (ty, sub) {
            if !self.reference.is_type(ty) {
                let mut types: Vec<&str> =
                    self.reference.pairs.keys().map(String::as_str).collect();
                types.sort();
                self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "type",
                    Some(ty.to_string()),
                    format!("not a Plaid account type ({})", types.join(", ")),
                );
            } else if !self.reference.is_pair(ty, sub) {
                self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "subtype",
                    Some(sub.to_string()),
                    format!("not a Plaid subtype of '{ty}'"),
                );
            } else {
                kind = Some(match (ty, sub) {
                    ("depository", "checking") => AccKind::Checking,
                    ("depository", "savings" | "money market" | "cash management" | "hsa") => {
                        AccKind::SavingsLike
                    }
                    ("depository", _) => AccKind::OtherDepository,
                    ("credit", _) => AccKind::Credit,
                    ("loan", _) => AccKind::Loan,
                    _ => AccKind::Other,
                });
            }
        }
        self.currencies(t, loc, &v[10], &v[11]);
        self.one_of(
            t,
            loc,
            "holder_category",
            &v[12],
            &plaid_ref::HOLDER_CATEGORIES,
        );
        let (current, available, limit) = (money(&v[8]), money(&v[7]), money(&v[9]));
        if kind == Some(AccKind::Credit) && limit.is_none() && v[9] == Value::Null {
            self.fail(
                Rule::Required,
                t,
                loc,
                "balance_limit",
                None,
                "a credit account needs its limit",
            );
        }
        if let Some(l) = limit {
            if l < 0 {
                self.fail(
                    Rule::Sign,
                    t,
                    loc,
                    "balance_limit",
                    Some(fmt_money(l)),
                    "a limit cannot be negative",
                );
            }
        }
        self.accounts.push(AccountRow {
            loc,
            id,
            user,
            kind,
            subtype: sub.unwrap_or("").into(),
            current,
            available,
            limit,
        });
    }

    fn transaction(&mut self, loc: Loc, v: &[Value]) {
        let t = Table::Transactions;
        let key = Self::txn_key(loc);
        let mut id = 0;
        if let Some(s) = text(&v[0]) {
            let h = txn_hash(s).max(1);
            id = h;
            // Ids as the generator writes them sort in the order of their rows: an id after the
            // last one is after every one before, so it is new. The first id out of order turns
            // the check into lookups in `txn_ids`, built from the rows held so far.
            if self.txn_ids_ordered && self.last_txn_id.as_deref().is_none_or(|l| s > l) {
                let last = self.last_txn_id.get_or_insert_with(String::new);
                last.clear();
                last.push_str(s);
            } else if let Some(&first) = self.txn_id_index().get(&h) {
                let msg = format!(
                    "duplicate transaction_id, first at {}",
                    self.txn_loc(first).describe(self.kind, Some(t))
                );
                self.fail(
                    Rule::PrimaryKey,
                    t,
                    loc,
                    "transaction_id",
                    Some(s.to_string()),
                    msg,
                );
            } else {
                self.txn_ids.insert(h, key);
            }
        }
        self.tally.checked(Rule::PrimaryKey, 1);
        let account = text(&v[1])
            .map(|s| self.account_ids.index(s))
            .unwrap_or(NONE);
        let user = text(&v[2]).map(|s| self.user_ids.index(s)).unwrap_or(NONE);
        self.currencies(t, loc, &v[6], &v[7]);
        self.one_of(
            t,
            loc,
            "payment_channel",
            &v[11],
            &plaid_ref::PAYMENT_CHANNELS,
        );
        let mut pfc = NO_PFC;
        if let Some(detailed) = text(&v[13]) {
            match self.reference.primary_of(detailed) {
                None => self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "pfc_detailed",
                    Some(detailed.to_string()),
                    "not a detailed category of Plaid's PFC taxonomy",
                ),
                Some(primary) => {
                    if let Some(p) = text(&v[12]) {
                        if p != primary {
                            self.fail(
                                Rule::Enum,
                                t,
                                loc,
                                "pfc_primary",
                                Some(p.to_string()),
                                format!("the primary of {detailed} is {primary}"),
                            );
                        }
                    }
                    pfc = self
                        .reference
                        .pfc_detailed
                        .iter()
                        .position(|d| d == detailed)
                        .map(|i| i as u16)
                        .unwrap_or(NO_PFC);
                }
            }
        } else if let Some(p) = text(&v[12]) {
            if !self.reference.pfc.values().any(|x| x == p) {
                self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "pfc_primary",
                    Some(p.to_string()),
                    "not a primary category of Plaid's PFC taxonomy",
                );
            }
        }
        self.one_of(
            t,
            loc,
            "pfc_confidence_level",
            &v[14],
            &plaid_ref::CONFIDENCE_LEVELS,
        );
        self.txns.push(TxnRow {
            id,
            loc: key,
            account,
            user,
            amount: money(&v[5]),
            date: date(&v[3]),
            authorized: date(&v[4]),
            pfc,
            pending: boolean(&v[15]).unwrap_or(false),
        });
    }

    fn liability(&mut self, loc: Loc, v: &[Value]) {
        let t = Table::Liabilities;
        let account = text(&v[0])
            .map(|s| self.account_ids.index(s))
            .unwrap_or(NONE);
        let user = text(&v[1]).map(|s| self.user_ids.index(s)).unwrap_or(NONE);
        self.one_of(
            t,
            loc,
            "liability_type",
            &v[2],
            &["credit", "student", "mortgage"],
        );
        let ltype = text(&v[2]);
        if ltype == Some("credit") {
            if v[3] == Value::Null {
                self.fail(
                    Rule::Required,
                    t,
                    loc,
                    "purchase_apr_percentage",
                    None,
                    "a credit liability needs its purchase APR",
                );
            }
            if let Some(aprs) = text(&v[4]) {
                self.aprs(loc, aprs);
            }
        } else if ltype.is_some() {
            if v[5] == Value::Null {
                self.fail(
                    Rule::Required,
                    t,
                    loc,
                    "interest_rate_percentage",
                    None,
                    "a loan needs its interest rate",
                );
            }
            self.one_of(
                t,
                loc,
                "interest_rate_type",
                &v[6],
                &plaid_ref::INTEREST_RATE_TYPES,
            );
        }
        for (k, name) in [
            (3, "purchase_apr_percentage"),
            (5, "interest_rate_percentage"),
        ] {
            if let Value::Float(x) = v[k] {
                if !(0.0..=100.0).contains(&x) {
                    self.fail(
                        Rule::Enum,
                        t,
                        loc,
                        name,
                        Some(x.to_string()),
                        "not a percentage from 0 to 100",
                    );
                }
            }
        }
        self.liabilities.push(LiabilityRow {
            loc,
            account,
            user,
            ltype: ltype.map(Into::into),
            minimum: money(&v[8]),
            last_payment_amount: money(&v[9]),
            last_payment_date: date(&v[10]),
            statement_balance: money(&v[11]),
            statement_date: date(&v[12]),
            next_due: date(&v[13]),
            origination: date(&v[15]),
            maturity: date(&v[17]),
        });
    }

    fn aprs(&mut self, loc: Loc, aprs: &str) {
        let t = Table::Liabilities;
        let parsed: std::result::Result<Vec<serde_json::Value>, _> = serde_json::from_str(aprs);
        let Ok(list) = parsed else {
            self.fail(
                Rule::Type,
                t,
                loc,
                "aprs",
                Some(super::json_rows::short(&aprs.into())),
                "not a JSON list of APR objects",
            );
            return;
        };
        for a in list {
            let ty = a.get("apr_type").and_then(|x| x.as_str());
            match ty {
                Some(ty) if plaid_ref::APR_TYPES.contains(&ty) => {}
                _ => self.fail(
                    Rule::Enum,
                    t,
                    loc,
                    "aprs.apr_type",
                    ty.map(str::to_string),
                    format!("not one of: {}", plaid_ref::APR_TYPES.join(", ")),
                ),
            }
            if !a.get("apr_percentage").is_some_and(|p| p.is_number()) {
                self.fail(
                    Rule::Type,
                    t,
                    loc,
                    "aprs.apr_percentage",
                    None,
                    "an APR needs a numeric apr_percentage",
                );
            }
        }
    }

    fn label(&mut self, loc: Loc, v: &[Value]) {
        let t = Table::UserLabels;
        let user = text(&v[0]).map(|s| self.user_ids.index(s)).unwrap_or(NONE);
        let names: Vec<&str> = Archetype::ALL.iter().map(|a| a.as_str()).collect();
        self.one_of(t, loc, "archetype", &v[1], &names);
        let edges: Vec<&str> = EdgeCase::ALL.iter().map(|e| e.as_str()).collect();
        self.one_of(t, loc, "edge_case", &v[9], &edges);
        let mut set = PersonaSet::EMPTY;
        if let Some(ps) = text(&v[2]) {
            for name in ps.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                match Persona::ALL.iter().find(|p| p.as_str() == name) {
                    Some(p) => set.insert(*p),
                    None => self.fail(
                        Rule::Enum,
                        t,
                        loc,
                        "personas",
                        Some(name.to_string()),
                        format!(
                            "not a persona ({})",
                            Persona::ALL.map(|p| p.as_str()).join(", ")
                        ),
                    ),
                }
            }
        }
        self.tally.checked(Rule::Labels, 1);
        if let Value::Int(n) = v[3] {
            if n != set.len() as i64 {
                self.fail(
                    Rule::Labels,
                    t,
                    loc,
                    "persona_count",
                    Some(n.to_string()),
                    format!("the personas list has {}", set.len()),
                );
            }
        }
        for (k, p) in Persona::ALL.iter().enumerate() {
            if let Some(flag) = boolean(&v[4 + k]) {
                if flag != set.contains(*p) {
                    let col = Table::UserLabels.columns()[4 + k].name;
                    self.fail(
                        Rule::Labels,
                        t,
                        loc,
                        col,
                        Some(flag.to_string()),
                        format!("disagrees with the personas list '{}'", set.join()),
                    );
                }
            }
        }
        self.labels.push(LabelRow {
            loc,
            user,
            personas: set,
        });
    }
}

impl Visit for Checker {
    fn table(&mut self, table: Table) {
        self.seen[table_index(table)] = true;
        self.tally.checked(Rule::Readable, 1);
        self.tally.checked(Rule::Columns, 1);
    }
    fn row(&mut self, table: Table, loc: Loc, cells: &[Option<&str>], bad: u32) -> Result<()> {
        self.check_row(table, loc, cells, bad);
        Ok(())
    }
    fn finding(&mut self, f: Finding) {
        self.tally.add(f);
    }
}

/// How an id missing from the data is looked up elsewhere (the loader: in the database): `None`
/// when it is not there either; for an account, its owner's `user_id`.
pub type Lookup<'a> = &'a mut dyn FnMut(Table, &str) -> Option<String>;

impl Checker {
    /// The checks across rows. `exists` says whether an id the data refers to but does not
    /// define is already in the target (a load into an existing database); the ledger, consent
    /// and label checks run only when `semantic`.
    pub fn finish(&mut self, meta: &Meta, exists: Option<Lookup>, semantic: bool) -> Window {
        let mut exists = exists;
        self.foreign_keys(&mut exists);
        let window = self.window(meta);
        if !semantic {
            return window;
        }
        let users_ok = self.seen[0];
        if let Some((start, end, _)) = &window {
            self.dates(*start, *end);
        } else {
            self.tally.skip(Rule::DateRange, "no dated transactions");
        }
        self.signs();
        self.pairs();
        let end = window.as_ref().map(|w| w.1);
        self.ledger(end);
        if users_ok {
            self.consent(meta);
        } else {
            self.tally.skip(Rule::Consent, "no users table");
        }
        if self.seen[4] {
            self.label_cover();
        } else {
            self.tally.skip(Rule::Labels, "no user_labels table");
            self.tally
                .skip(Rule::PersonaCoverage, "no user_labels table");
        }
        window
    }

    fn window(&self, meta: &Meta) -> Window {
        if let (Some(s), Some(e)) = (meta.start, meta.end) {
            return Some((s, e, meta.from.clone().unwrap_or_default()));
        }
        let dates = self.txns.iter().filter_map(|t| t.date);
        let lo = dates.clone().min()?;
        let hi = dates.max()?;
        Some((lo, hi, "first and last transaction dates".into()))
    }

    fn foreign_keys(&mut self, exists: &mut Option<Lookup>) {
        let t_acc = Table::Accounts;
        let missing_user = |ids: &Ids, i: u32, exists: &mut Option<Lookup>| -> bool {
            i != NONE
                && !ids.is_defined(i)
                && exists
                    .as_mut()
                    .is_none_or(|f| f(Table::Users, &ids.names[i as usize]).is_none())
        };
        // Resolve each undefined id once against the target.
        let mut user_missing = vec![false; self.user_ids.names.len()];
        for (i, m) in user_missing.iter_mut().enumerate() {
            *m = missing_user(&self.user_ids, i as u32, exists);
        }
        let mut account_missing = vec![false; self.account_ids.names.len()];
        // Owners of accounts the input uses but the target already holds.
        let mut target_owner: Vec<Option<String>> = vec![None; self.account_ids.names.len()];
        for (i, m) in account_missing.iter_mut().enumerate() {
            if self.account_ids.is_defined(i as u32) {
                continue;
            }
            target_owner[i] = exists
                .as_mut()
                .and_then(|f| f(Table::Accounts, &self.account_ids.names[i]));
            *m = target_owner[i].is_none();
        }
        let mut findings = Vec::new();
        let uname = |i: u32| self.user_ids.names[i as usize].to_string();
        let aname = |i: u32| self.account_ids.names[i as usize].to_string();
        for a in &self.accounts {
            if a.user != NONE && user_missing[a.user as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(t_acc),
                    a.loc,
                    Some("user_id".into()),
                    Some(uname(a.user)),
                    "no such user in users".into(),
                ));
            }
        }
        let mut owners = vec![NONE; self.account_ids.names.len()];
        let mut row_of: Vec<Option<usize>> = vec![None; self.account_ids.names.len()];
        for (r, a) in self.accounts.iter().enumerate() {
            if a.id != NONE {
                owners[a.id as usize] = a.user;
                row_of[a.id as usize] = Some(r);
            }
        }
        // The owner of account `a`: from the input's accounts, else from the target.
        let owner_of = |a: u32, owners: &[u32], target: &[Option<String>]| -> Option<String> {
            match owners[a as usize] {
                NONE => target[a as usize].clone(),
                o => Some(self.user_ids.names[o as usize].to_string()),
            }
        };
        for x in &self.txns {
            let loc = self.txn_loc(x.loc);
            if x.account != NONE && account_missing[x.account as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(Table::Transactions),
                    loc,
                    Some("account_id".into()),
                    Some(aname(x.account)),
                    "no such account in accounts".into(),
                ));
            } else if x.account != NONE && x.user != NONE {
                if let Some(o) = owner_of(x.account, &owners, &target_owner) {
                    if o != uname(x.user) {
                        findings.push(Finding::new(
                            Rule::ForeignKey,
                            Some(Table::Transactions),
                            loc,
                            Some("user_id".into()),
                            Some(uname(x.user)),
                            format!("account {} belongs to {o}", aname(x.account)),
                        ));
                    }
                }
            }
            if x.user != NONE && user_missing[x.user as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(Table::Transactions),
                    loc,
                    Some("user_id".into()),
                    Some(uname(x.user)),
                    "no such user in users".into(),
                ));
            }
        }
        let mut liability_of = vec![0u32; self.account_ids.names.len()];
        for l in &self.liabilities {
            let t = Table::Liabilities;
            if l.account != NONE && account_missing[l.account as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(t),
                    l.loc,
                    Some("account_id".into()),
                    Some(aname(l.account)),
                    "no such account in accounts".into(),
                ));
            } else if l.account != NONE {
                liability_of[l.account as usize] += 1;
                if liability_of[l.account as usize] == 2 {
                    findings.push(Finding::new(
                        Rule::PrimaryKey,
                        Some(t),
                        l.loc,
                        Some("account_id".into()),
                        Some(aname(l.account)),
                        "a second liability for this account".into(),
                    ));
                }
                let o = owner_of(l.account, &owners, &target_owner);
                if l.user != NONE && o.as_ref().is_some_and(|o| *o != uname(l.user)) {
                    findings.push(Finding::new(
                        Rule::ForeignKey,
                        Some(t),
                        l.loc,
                        Some("user_id".into()),
                        Some(uname(l.user)),
                        format!(
                            "account {} belongs to {}",
                            aname(l.account),
                            o.unwrap_or_default()
                        ),
                    ));
                }
                if let Some(a) = row_of[l.account as usize].map(|r| &self.accounts[r]) {
                    let expected = match (a.kind, &*a.subtype) {
                        (Some(AccKind::Credit), _) => Some("credit"),
                        (Some(AccKind::Loan), "student") => Some("student"),
                        (Some(AccKind::Loan), "mortgage") => Some("mortgage"),
                        _ => None,
                    };
                    if expected.is_none() && a.kind.is_some() {
                        findings.push(Finding::new(
                            Rule::ForeignKey,
                            Some(t),
                            l.loc,
                            Some("account_id".into()),
                            Some(aname(l.account)),
                            format!("a liability on a {} account", a.subtype),
                        ));
                    } else if let (Some(e), Some(lt)) = (expected, l.ltype.as_deref()) {
                        if e != lt {
                            findings.push(Finding::new(
                                Rule::Enum,
                                Some(t),
                                l.loc,
                                Some("liability_type".into()),
                                Some(lt.to_string()),
                                format!("the account is a {} account: expected '{e}'", a.subtype),
                            ));
                        }
                    }
                }
            }
            if l.user != NONE && user_missing[l.user as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(t),
                    l.loc,
                    Some("user_id".into()),
                    Some(uname(l.user)),
                    "no such user in users".into(),
                ));
            }
        }
        if self.seen[3] {
            for a in &self.accounts {
                let owes = matches!(a.kind, Some(AccKind::Credit))
                    || (a.kind == Some(AccKind::Loan)
                        && matches!(&*a.subtype, "student" | "mortgage"));
                if owes && a.id != NONE && liability_of[a.id as usize] == 0 {
                    findings.push(Finding::new(
                        Rule::ForeignKey,
                        Some(t_acc),
                        a.loc,
                        Some("account_id".into()),
                        Some(aname(a.id)),
                        format!("a {} account without a liability", a.subtype),
                    ));
                }
            }
        }
        for l in &self.labels {
            if l.user != NONE && user_missing[l.user as usize] {
                findings.push(Finding::new(
                    Rule::ForeignKey,
                    Some(Table::UserLabels),
                    l.loc,
                    Some("user_id".into()),
                    Some(uname(l.user)),
                    "no such user in users".into(),
                ));
            }
        }
        let checked =
            self.accounts.len() + self.txns.len() + self.liabilities.len() + self.labels.len();
        self.tally.checked(Rule::ForeignKey, checked as u64);
        for f in findings {
            self.tally.add(f);
        }
    }

    fn dates(&mut self, start: NaiveDate, end: NaiveDate) {
        let mut findings = Vec::new();
        let window = format!("{} to {}", start, end);
        for x in &self.txns {
            let loc = self.txn_loc(x.loc);
            if let Some(d) = x.date {
                if d < start || d > end {
                    findings.push(Finding::new(
                        Rule::DateRange,
                        Some(Table::Transactions),
                        loc,
                        Some("date".into()),
                        Some(d.to_string()),
                        format!("outside the window {window}"),
                    ));
                }
                if let Some(a) = x.authorized {
                    if a > d {
                        findings.push(Finding::new(
                            Rule::DateRange,
                            Some(Table::Transactions),
                            loc,
                            Some("authorized_date".into()),
                            Some(a.to_string()),
                            format!("after the posted date {d}"),
                        ));
                    } else if (d - a).num_days() > 30 {
                        findings.push(Finding::new(
                            Rule::DateRange,
                            Some(Table::Transactions),
                            loc,
                            Some("authorized_date".into()),
                            Some(a.to_string()),
                            format!("more than 30 days before the posted date {d}"),
                        ));
                    }
                }
            }
        }
        for l in &self.liabilities {
            let t = Some(Table::Liabilities);
            let f = |field: &str, d: NaiveDate, msg: String| {
                Finding::new(
                    Rule::DateRange,
                    t,
                    l.loc,
                    Some(field.into()),
                    Some(d.to_string()),
                    msg,
                )
            };
            if let Some(d) = l.statement_date {
                if d > end {
                    findings.push(f(
                        "last_statement_issue_date",
                        d,
                        format!("after the end of the data {end}"),
                    ));
                }
                if let Some(n) = l.next_due {
                    if n <= d {
                        findings.push(f(
                            "next_payment_due_date",
                            n,
                            format!("not after the statement date {d}"),
                        ));
                    }
                }
            }
            if let Some(d) = l.last_payment_date {
                if d > end {
                    findings.push(f(
                        "last_payment_date",
                        d,
                        format!("after the end of the data {end}"),
                    ));
                }
            }
            if let Some(n) = l.next_due {
                if n <= end {
                    findings.push(f(
                        "next_payment_due_date",
                        n,
                        format!("not after the end of the data {end}"),
                    ));
                }
            }
            if let (Some(o), Some(m)) = (l.origination, l.maturity) {
                if o >= m {
                    findings.push(f(
                        "maturity_date",
                        m,
                        format!("not after the origination date {o}"),
                    ));
                }
            }
        }
        for u in &self.users {
            if let (Some(c), Some(a)) = (u.created, u.consent_at) {
                if a < c {
                    findings.push(Finding::new(
                        Rule::DateRange,
                        Some(Table::Users),
                        u.loc,
                        Some("consent_updated_at".into()),
                        Some(a.to_string()),
                        format!("before the account was created ({c})"),
                    ));
                }
            }
        }
        self.tally.checked(
            Rule::DateRange,
            (self.txns.len() + self.liabilities.len() + self.users.len()) as u64,
        );
        for f in findings {
            self.tally.add(f);
        }
    }

    fn account_kinds(&self) -> Vec<Option<AccKind>> {
        let mut kinds = vec![None; self.account_ids.names.len()];
        for a in &self.accounts {
            if a.id != NONE {
                kinds[a.id as usize] = a.kind;
            }
        }
        kinds
    }

    fn pfc_name(&self, pfc: u16) -> &str {
        &self.reference.pfc_detailed[pfc as usize]
    }

    fn signs(&mut self) {
        let kinds = self.account_kinds();
        let mut findings = Vec::new();
        for x in &self.txns {
            let (Some(amount), true) = (x.amount, x.pfc != NO_PFC) else {
                continue;
            };
            let detailed = self.pfc_name(x.pfc);
            let primary = self.reference.primary_of(detailed).unwrap_or("");
            let kind = if x.account == NONE {
                None
            } else {
                kinds[x.account as usize]
            };
            let on_debt = matches!(kind, Some(AccKind::Credit | AccKind::Loan));
            let want_negative = match primary {
                "INCOME" | "TRANSFER_IN" => Some(true),
                "TRANSFER_OUT" => Some(false),
                "LOAN_PAYMENTS" => kind.map(|_| on_debt),
                _ => Some(false),
            };
            let Some(neg) = want_negative else { continue };
            let bad = if amount == 0 {
                true
            } else {
                (amount < 0) != neg
            };
            let pending_credit = x.pending && amount <= 0;
            if bad || pending_credit {
                let what = if pending_credit && !bad {
                    "a pending transaction that is not a debit".to_string()
                } else if neg {
                    format!(
                        "{detailed}{} is money in: the amount must be negative",
                        if on_debt { " on a debt account" } else { "" }
                    )
                } else {
                    format!("{detailed} is money out: the amount must be positive")
                };
                findings.push(Finding::new(
                    Rule::Sign,
                    Some(Table::Transactions),
                    self.txn_loc(x.loc),
                    Some("amount".into()),
                    Some(fmt_money(amount)),
                    what,
                ));
            }
        }
        self.tally.checked(Rule::Sign, self.txns.len() as u64);
        for f in findings {
            self.tally.add(f);
        }
    }

    fn pairs(&mut self) {
        let kinds = self.account_kinds();
        let owners = {
            let mut o = vec![NONE; self.account_ids.names.len()];
            for a in &self.accounts {
                if a.id != NONE {
                    o[a.id as usize] = a.user;
                }
            }
            o
        };
        let index = |name: &str| {
            self.reference
                .pfc_detailed
                .iter()
                .position(|d| d == name)
                .map(|i| i as u16)
        };
        let card = index("LOAN_PAYMENTS_CREDIT_CARD_PAYMENT");
        let student = index("LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT");
        let mortgage = index("LOAN_PAYMENTS_MORTGAGE_PAYMENT");
        let t_out = index("TRANSFER_OUT_SAVINGS");
        let t_in = index("TRANSFER_IN_SAVINGS");
        let a_out = index("TRANSFER_OUT_ACCOUNT_TRANSFER");
        let a_in = index("TRANSFER_IN_ACCOUNT_TRANSFER");
        // (category family, user, date, cents) -> (outgoing rows, incoming rows)
        type Sides = HashMap<(u8, u32, NaiveDate, Cents), (Vec<u64>, Vec<u64>)>;
        let mut sides: Sides = HashMap::new();
        let mut checked = 0u64;
        for x in &self.txns {
            let (Some(amount), Some(d)) = (x.amount, x.date) else {
                continue;
            };
            if x.account == NONE || x.pending {
                continue;
            }
            let kind = kinds[x.account as usize];
            let family = if Some(x.pfc) == card {
                0
            } else if Some(x.pfc) == student || Some(x.pfc) == mortgage {
                1
            } else if Some(x.pfc) == t_out || Some(x.pfc) == t_in {
                2
            } else if Some(x.pfc) == a_out || Some(x.pfc) == a_in {
                3
            } else {
                continue;
            };
            checked += 1;
            let user = owners[x.account as usize];
            let out = match family {
                0 | 1 => {
                    kind == Some(AccKind::Checking)
                        || kind == Some(AccKind::OtherDepository)
                        || kind == Some(AccKind::SavingsLike)
                }
                2 => Some(x.pfc) == t_out,
                _ => Some(x.pfc) == a_out,
            };
            let e = sides.entry((family, user, d, amount.abs())).or_default();
            if out {
                e.0.push(x.loc);
            } else {
                e.1.push(x.loc);
            }
        }
        let mut keys: Vec<_> = sides.keys().copied().collect();
        keys.sort();
        let mut findings = Vec::new();
        for k in keys {
            let (o, i) = &sides[&k];
            if o.len() == i.len() {
                continue;
            }
            let (extra, other) = if o.len() > i.len() {
                (
                    &o[i.len()..],
                    match k.0 {
                        0 => "a payment on a credit account",
                        1 => "a payment on a loan account",
                        2 => "a TRANSFER_IN_SAVINGS",
                        _ => "a TRANSFER_IN_ACCOUNT_TRANSFER",
                    },
                )
            } else {
                (
                    &i[o.len()..],
                    match k.0 {
                        0 | 1 => "a debit from a depository account",
                        2 => "a TRANSFER_OUT_SAVINGS",
                        _ => "a TRANSFER_OUT_ACCOUNT_TRANSFER",
                    },
                )
            };
            for loc in extra {
                findings.push(Finding::new(
                    Rule::Pairing,
                    Some(Table::Transactions),
                    self.txn_loc(*loc),
                    Some("amount".into()),
                    Some(fmt_money(k.3)),
                    format!("no matching {other} of the same user on {}", k.2),
                ));
            }
        }
        self.tally.checked(Rule::Pairing, checked);
        for f in findings {
            self.tally.add(f);
        }
    }

    fn ledger(&mut self, end: Option<NaiveDate>) {
        let kinds = self.account_kinds();
        let n = self.account_ids.names.len();
        let overdraft = self
            .reference
            .pfc_detailed
            .iter()
            .position(|d| d == "BANK_FEES_OVERDRAFT_FEES")
            .map(|i| i as u16);
        let payments: Vec<u16> = [
            "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
            "LOAN_PAYMENTS_STUDENT_LOAN_PAYMENT",
            "LOAN_PAYMENTS_MORTGAGE_PAYMENT",
        ]
        .iter()
        .filter_map(|p| {
            self.reference
                .pfc_detailed
                .iter()
                .position(|d| d == p)
                .map(|i| i as u16)
        })
        .collect();
        // Transactions per account, by date.
        let mut by_account: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, x) in self.txns.iter().enumerate() {
            if x.account != NONE && x.amount.is_some() && x.date.is_some() {
                by_account[x.account as usize].push(i as u32);
            }
        }
        let mut findings = Vec::new();
        let mut balance_checked = 0u64;
        for a in &self.accounts {
            let (Some(kind), Some(current)) = (a.kind, a.current) else {
                continue;
            };
            if a.id == NONE {
                continue;
            }
            balance_checked += 1;
            let list = &mut by_account[a.id as usize];
            list.sort_by_key(|&i| (self.txns[i as usize].date, i));
            let sign: Cents = match kind {
                AccKind::Credit | AccKind::Loan => 1,
                _ => -1,
            };
            let pending: Cents = list
                .iter()
                .map(|&i| &self.txns[i as usize])
                .filter(|x| x.pending)
                .map(|x| x.amount.unwrap())
                .fold(0, Cents::saturating_add);
            // Backwards from the current balance: eod(d) for each day with postings.
            let mut days: Vec<(NaiveDate, Cents, bool, bool, Cents)> = Vec::new(); // (date, effect, debit, fee, fees)
            for &i in list.iter() {
                let x = &self.txns[i as usize];
                if x.pending {
                    continue;
                }
                let (d, amt) = (x.date.unwrap(), x.amount.unwrap());
                let fee = Some(x.pfc) == overdraft;
                if days.last().map(|l| l.0) != Some(d) {
                    days.push((d, 0, false, false, 0));
                }
                let last = days.last_mut().unwrap();
                // Saturating: absurd amounts (up to the 1e13 dollar cap) must not wrap.
                last.1 = last.1.saturating_add(sign * amt);
                if fee {
                    last.3 = true;
                    last.4 = last.4.saturating_add(amt);
                } else if amt > 0 {
                    last.2 = true;
                }
            }
            let mut bal = current;
            let mut eod = Vec::with_capacity(days.len());
            for &(d, effect, ..) in days.iter().rev() {
                eod.push((d, bal));
                bal = bal.saturating_sub(effect);
            }
            eod.reverse();
            let opening = bal;
            let name = self.account_ids.names[a.id as usize].to_string();
            let fail = |field: &str, value: String, msg: String| {
                Finding::new(
                    Rule::Balance,
                    Some(Table::Accounts),
                    a.loc,
                    Some(field.into()),
                    Some(value),
                    msg,
                )
            };
            match kind {
                AccKind::SavingsLike | AccKind::Loan => {
                    let low = std::iter::once((None, opening))
                        .chain(eod.iter().map(|(d, b)| (Some(*d), *b)))
                        .find(|(_, b)| *b < 0);
                    if let Some((d, b)) = low {
                        let when = d
                            .map(|d| format!("at the end of {d}"))
                            .unwrap_or_else(|| "at the start of the data".into());
                        findings.push(fail("balance_current", fmt_money(current), format!("{name}: rebuilt from its transactions, the {} balance is {} {when}", a.subtype, fmt_money(b))));
                    }
                }
                AccKind::Checking => {
                    let mut prev = opening;
                    for (k, &(d, b)) in eod.iter().enumerate() {
                        let (_, _, debit, fee, fees) = days[k];
                        if b < 0 && !fee && (debit || prev >= 0) {
                            findings.push(fail("balance_current", fmt_money(current), format!("{name}: below zero at the end of {d} ({}) without an overdraft fee that day", fmt_money(b))));
                        }
                        if fee && b.saturating_add(fees) >= 0 {
                            findings.push(fail("balance_current", fmt_money(current), format!("{name}: an overdraft fee on {d} while the balance before it was {}", fmt_money(b.saturating_add(fees)))));
                        }
                        prev = b;
                    }
                }
                _ => {}
            }
            if kind != AccKind::Checking && days.iter().any(|x| x.3) {
                findings.push(fail(
                    "account_id",
                    name.clone(),
                    format!("an overdraft fee on a {} account", a.subtype),
                ));
            }
            // available balances
            match kind {
                AccKind::Checking | AccKind::SavingsLike | AccKind::OtherDepository => {
                    if let Some(av) = a.available {
                        if av != current.saturating_sub(pending) {
                            findings.push(fail(
                                "balance_available",
                                fmt_money(av),
                                format!(
                                    "{name}: current {} minus pending {} is {}",
                                    fmt_money(current),
                                    fmt_money(pending),
                                    fmt_money(current.saturating_sub(pending))
                                ),
                            ));
                        }
                    }
                }
                AccKind::Credit => {
                    if let (Some(av), Some(limit)) = (a.available, a.limit) {
                        let want = limit.saturating_sub(current).saturating_sub(pending).max(0);
                        if av != want {
                            findings.push(fail(
                                "balance_available",
                                fmt_money(av),
                                format!(
                                    "{name}: limit {} minus current {} minus pending {} is {}",
                                    fmt_money(limit),
                                    fmt_money(current),
                                    fmt_money(pending),
                                    fmt_money(want)
                                ),
                            ));
                        }
                    }
                }
                AccKind::Loan => {
                    if pending != 0 {
                        findings.push(fail(
                            "account_id",
                            name.clone(),
                            "a loan with pending transactions".into(),
                        ));
                    }
                }
                AccKind::Other => {}
            }
        }
        self.tally.checked(Rule::Balance, balance_checked);
        // Statements and last payments.
        let mut row_of: Vec<Option<usize>> = vec![None; n];
        for (r, a) in self.accounts.iter().enumerate() {
            if a.id != NONE {
                row_of[a.id as usize] = Some(r);
            }
        }
        let mut st_checked = 0;
        let mut lp_checked = 0;
        for l in &self.liabilities {
            if l.account == NONE || !self.account_ids.is_defined(l.account) {
                continue;
            }
            let Some(a) = row_of[l.account as usize].map(|r| &self.accounts[r]) else {
                continue;
            };
            let Some(current) = a.current else { continue };
            let name = &self.account_ids.names[l.account as usize];
            let t = Some(Table::Liabilities);
            if let (Some(sd), Some(sb)) = (l.statement_date, l.statement_balance) {
                // Statements issued on the last day are skipped: the day may not be complete.
                if end.is_none_or(|e| sd < e) {
                    st_checked += 1;
                    // the balance at the end of sd: current minus what posted after sd
                    let after: Cents = {
                        let sign: Cents = if matches!(
                            kinds[l.account as usize],
                            Some(AccKind::Credit | AccKind::Loan)
                        ) {
                            1
                        } else {
                            -1
                        };
                        by_account[l.account as usize]
                            .iter()
                            .map(|&i| &self.txns[i as usize])
                            .filter(|x| !x.pending && x.date.unwrap() > sd)
                            .map(|x| sign * x.amount.unwrap())
                            .fold(0, Cents::saturating_add)
                    };
                    let at = current.saturating_sub(after);
                    if at != sb {
                        findings.push(Finding::new(
                            Rule::Statement,
                            t,
                            l.loc,
                            Some("last_statement_balance".into()),
                            Some(fmt_money(sb)),
                            format!(
                                "{name} owed {} at the end of {sd} by its transactions",
                                fmt_money(at)
                            ),
                        ));
                    }
                }
                if l.ltype.as_deref() == Some("credit") {
                    if let Some(m) = l.minimum {
                        if m < 0 || m > sb.max(0) {
                            findings.push(Finding::new(
                                Rule::Statement,
                                t,
                                l.loc,
                                Some("minimum_payment_amount".into()),
                                Some(fmt_money(m)),
                                format!(
                                    "not between $0.00 and the statement balance {}",
                                    fmt_money(sb.max(0))
                                ),
                            ));
                        }
                    }
                }
            }
            // the latest payment transaction on the account (a credit to the debt)
            lp_checked += 1;
            let latest = by_account[l.account as usize]
                .iter()
                .map(|&i| &self.txns[i as usize])
                .filter(|x| !x.pending && payments.contains(&x.pfc) && x.amount.unwrap() < 0)
                .max_by_key(|x| x.date.unwrap())
                .map(|x| (x.date.unwrap(), -x.amount.unwrap()));
            match (latest, l.last_payment_date, l.last_payment_amount) {
                (Some((d, amt)), Some(ld), Some(la)) => {
                    if d != ld {
                        findings.push(Finding::new(
                            Rule::LastPayment,
                            t,
                            l.loc,
                            Some("last_payment_date".into()),
                            Some(ld.to_string()),
                            format!("{name}'s latest payment is on {d}"),
                        ));
                    } else if amt != la {
                        // several payments on one day: any of them may be the last
                        let same_day: Vec<Cents> = by_account[l.account as usize]
                            .iter()
                            .map(|&i| &self.txns[i as usize])
                            .filter(|x| {
                                !x.pending
                                    && payments.contains(&x.pfc)
                                    && x.date == Some(d)
                                    && x.amount.unwrap() < 0
                            })
                            .map(|x| -x.amount.unwrap())
                            .collect();
                        if !same_day.contains(&la) {
                            findings.push(Finding::new(
                                Rule::LastPayment,
                                t,
                                l.loc,
                                Some("last_payment_amount".into()),
                                Some(fmt_money(la)),
                                format!("{name}'s latest payment ({d}) is {}", fmt_money(amt)),
                            ));
                        }
                    }
                }
                (None, None, None) => {}
                (Some((d, amt)), _, _) => findings.push(Finding::new(
                    Rule::LastPayment,
                    t,
                    l.loc,
                    Some("last_payment_date".into()),
                    None,
                    format!(
                        "empty, but {name} has a payment of {} on {d}",
                        fmt_money(amt)
                    ),
                )),
                (None, ld, la) => findings.push(Finding::new(
                    Rule::LastPayment,
                    t,
                    l.loc,
                    Some(
                        if ld.is_some() {
                            "last_payment_date"
                        } else {
                            "last_payment_amount"
                        }
                        .into(),
                    ),
                    ld.map(|d| d.to_string()).or(la.map(fmt_money)),
                    format!("{name} has no payment transaction"),
                )),
            }
        }
        self.tally.checked(Rule::Statement, st_checked);
        self.tally.checked(Rule::LastPayment, lp_checked);
        for f in findings {
            self.tally.add(f);
        }
    }

    fn consent(&mut self, meta: &Meta) {
        let n = self.users.len() as u64;
        let yes = self
            .users
            .iter()
            .filter(|u| u.consent == Some(true))
            .count() as u64;
        self.tally.checked(Rule::Consent, n);
        let share = if n > 0 {
            100.0 * yes as f64 / n as f64
        } else {
            0.0
        };
        let split = format!("{yes} of {n} users consent ({share:.1}%)");
        if let (Some(shard), Some(r)) = (&meta.shard, meta.consent_ratio) {
            // The plan splits consent over the whole run, not per shard.
            self.tally.note(
                Rule::Consent,
                format!("{split}; consent_ratio {r} (shard {shard}: the exact split holds for the whole run)"),
            );
        } else if let Some(r) = meta.consent_ratio {
            let expected_no = crate::config::no_consent_count(n, r);
            if n - yes != expected_no {
                self.tally.add(Finding::new(
                    Rule::Consent,
                    Some(Table::Users),
                    Loc::File,
                    Some("consent_status".into()),
                    Some(format!("{yes} of {n}")),
                    format!("consent_ratio {r} means exactly {expected_no} users without consent; found {}", n - yes),
                ));
            }
            self.tally
                .note(Rule::Consent, format!("{split}; consent_ratio {r}"));
        } else {
            self.tally
                .note(Rule::Consent, format!("{split}; no consent_ratio recorded"));
        }
    }

    fn label_cover(&mut self) {
        let mut count = vec![0u32; self.user_ids.names.len()];
        let mut findings = Vec::new();
        for l in &self.labels {
            if l.user != NONE {
                count[l.user as usize] += 1;
                if count[l.user as usize] == 2 {
                    findings.push(Finding::new(
                        Rule::Labels,
                        Some(Table::UserLabels),
                        l.loc,
                        Some("user_id".into()),
                        Some(self.user_ids.names[l.user as usize].to_string()),
                        "a second label row for this user".into(),
                    ));
                }
            }
        }
        for u in &self.users {
            if u.id != NONE && count[u.id as usize] == 0 {
                findings.push(Finding::new(
                    Rule::Labels,
                    Some(Table::Users),
                    u.loc,
                    Some("user_id".into()),
                    Some(self.user_ids.names[u.id as usize].to_string()),
                    "no row in user_labels".into(),
                ));
            }
        }
        for f in findings {
            self.tally.add(f);
        }
        let mut per = [0u64; 5];
        for l in &self.labels {
            for (k, p) in Persona::ALL.iter().enumerate() {
                if l.personas.contains(*p) {
                    per[k] += 1;
                }
            }
        }
        self.tally
            .checked(Rule::PersonaCoverage, self.labels.len() as u64);
        let counts: Vec<String> = Persona::ALL
            .iter()
            .zip(per)
            .map(|(p, c)| format!("{} {c}", p.as_str()))
            .collect();
        let missing: Vec<&str> = Persona::ALL
            .iter()
            .zip(per)
            .filter(|(_, c)| *c == 0)
            .map(|(p, _)| p.as_str())
            .collect();
        let note = format!("users per persona: {}", counts.join(", "));
        if missing.is_empty() {
            self.tally.note(Rule::PersonaCoverage, note);
        } else if self.users.len() < 100 {
            self.tally.warn(
                Rule::PersonaCoverage,
                format!(
                    "{note} (no user has {}; fine below 100 users)",
                    missing.join(", ")
                ),
            );
        } else {
            for p in missing {
                self.tally.add(Finding::new(
                    Rule::PersonaCoverage,
                    Some(Table::UserLabels),
                    Loc::File,
                    Some("personas".into()),
                    Some(p.to_string()),
                    "no user has this persona".into(),
                ));
            }
            self.tally.note(Rule::PersonaCoverage, note);
        }
    }
}

/// The window dates were checked against, and where it came from.
pub type Window = Option<(NaiveDate, NaiveDate, String)>;

impl Checker {
    /// The report of everything checked.
    pub fn into_report(
        self,
        path: &std::path::Path,
        meta: Meta,
        window: Window,
    ) -> super::report::Report {
        let rows = Table::ALL
            .iter()
            .zip(self.rows)
            .zip(self.seen)
            .filter(|((_, _), seen)| *seen)
            .map(|((t, n), _)| (t.name(), n))
            .collect();
        super::report::Report {
            path: path.display().to_string(),
            kind: self.kind,
            rows,
            meta,
            window,
            tally: self.tally,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decimals;

    #[test]
    fn decimals_as_written() {
        for (s, n) in [
            ("7", 0),
            ("-7", 0),
            ("12.5", 1),
            ("12.50", 1),
            ("12.34", 2),
            ("-0.07", 2),
            ("12.345", 3),
            ("12.3400", 2),
            ("0.001", 3),
            ("1.2345e2", 2),
            ("1.23456E2", 3),
            ("5e-3", 3),
            ("1e16", -16),
            (" 3.14 ", 2),
        ] {
            assert_eq!(decimals(s), n, "{s}");
        }
    }
}
