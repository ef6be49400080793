//! What the detector reads: the five tables and nothing else, from any source that can give rows
//! in the schema's column order (the in-memory dataset, a SQLite file, a CSV folder). Never the
//! generator's internal state.

use crate::error::{Error, Result};
use crate::model::{Cents, Persona, PersonaSet};
use crate::tables::{ColType, Column, Table, Value};
use chrono::NaiveDate;

pub use crate::ids::{FastHash, FastMap};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct UserIn {
    pub user_id: String,
    pub consent: bool,
    pub accounts: Vec<usize>,
    /// Ground truth, when the data carries `user_labels`.
    pub label: Option<LabelIn>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LabelIn {
    pub archetype: String,
    pub personas: PersonaSet,
    pub edge_case: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AccountIn {
    pub account_id: String,
    pub user: usize,
    pub kind: String,
    pub subtype: String,
    pub name: String,
    pub mask: String,
    pub current: Cents,
    pub limit: Option<Cents>,
    /// Posted and pending transactions, sorted by date.
    pub txns: Vec<usize>,
    pub liability: Option<usize>,
}

impl AccountIn {
    pub fn is_credit(&self) -> bool {
        self.kind == "credit"
    }
    pub fn is_checking(&self) -> bool {
        self.kind == "depository" && self.subtype == "checking"
    }
    pub fn is_savings_like(&self) -> bool {
        self.kind == "depository"
            && matches!(
                self.subtype.as_str(),
                "savings" | "money market" | "cash management" | "hsa"
            )
    }
    pub fn is_depository(&self) -> bool {
        self.kind == "depository"
    }
}

/// A name shared by many transactions (merchant, category). Generated data lends the catalog's
/// static strings; a name read from a file is allocated once per input ([`Names`]) and shared.
/// Compares, orders and hashes as its text.
#[derive(Clone)]
pub struct Name(NameRepr);

#[derive(Clone)]
enum NameRepr {
    Static(&'static str),
    Shared(std::sync::Arc<str>),
}

impl Name {
    /// A name lent by the program itself (no allocation, no reference count).
    pub const fn from_static(s: &'static str) -> Name {
        Name(NameRepr::Static(s))
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name(NameRepr::Shared(s.into()))
    }
}

impl std::ops::Deref for Name {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match &self.0 {
            NameRepr::Static(s) => s,
            NameRepr::Shared(s) => s,
        }
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        **self == **other
    }
}
impl Eq for Name {}
impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        (**self).cmp(&**other)
    }
}
impl std::hash::Hash for Name {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (**self).hash(h)
    }
}
impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TxnIn {
    pub account: usize,
    pub date: NaiveDate,
    pub amount: Cents,
    pub merchant_name: Option<Name>,
    pub pfc_primary: Name,
    pub pfc_detailed: Name,
    pub pending: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiabilityIn {
    pub account: usize,
    pub minimum_payment: Option<Cents>,
    pub last_payment: Option<Cents>,
    pub last_statement_balance: Option<Cents>,
    pub is_overdue: bool,
}

/// The tables, linked: users -> accounts -> transactions and liabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The last day of the data: windows end here.
    pub end: NaiveDate,
    pub users: Vec<UserIn>,
    pub accounts: Vec<AccountIn>,
    pub txns: Vec<TxnIn>,
    pub liabilities: Vec<LiabilityIn>,
}

/// Something that can hand over a table's rows in schema column order.
pub trait RowSource {
    /// Calls `f` with each row of `table`; `Ok(false)` if the source has no such table.
    fn rows(&mut self, table: Table, f: &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<bool>;

    /// The data's last day, when the source records it (generated datasets and their SQLite
    /// files do); otherwise the windows end on the latest transaction date.
    fn end_date(&mut self) -> Result<Option<NaiveDate>> {
        Ok(None)
    }
}

fn col(table: Table, name: &str) -> usize {
    assert!(
        read_columns(table).contains(&name),
        "{}.{name} is read by Input::read but missing from read_columns",
        table.name()
    );
    table
        .columns()
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("{}.{name} is in the schema", table.name()))
}

/// The columns [`Input::read`] reads from each table (`col` holds its reads to this list).
/// The file sources leave the other cells `Null` instead of decoding and parsing them.
pub fn read_columns(table: Table) -> &'static [&'static str] {
    match table {
        Table::Users => &["user_id", "consent_status"],
        Table::Accounts => &[
            "account_id",
            "user_id",
            "type",
            "subtype",
            "name",
            "mask",
            "balance_current",
            "balance_limit",
        ],
        Table::Transactions => &[
            "account_id",
            "date",
            "amount",
            "merchant_name",
            "pfc_primary",
            "pfc_detailed",
            "pending",
        ],
        Table::Liabilities => &[
            "account_id",
            "minimum_payment_amount",
            "last_payment_amount",
            "last_statement_balance",
            "is_overdue",
        ],
        Table::UserLabels => &["user_id", "archetype", "personas", "edge_case"],
    }
}

/// For each column of `table`, whether [`Input::read`] reads it.
fn read_mask(table: Table) -> Vec<bool> {
    let read = read_columns(table);
    table
        .columns()
        .iter()
        .map(|c| read.contains(&c.name))
        .collect()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::Text(s) => Some(s.to_string()),
        _ => None,
    }
}
fn text_ref<'v>(v: &'v Value) -> Option<&'v str> {
    match v {
        Value::Text(s) => Some(s.as_ref()),
        _ => None,
    }
}

/// Interns names so each distinct merchant or category is allocated once.
#[derive(Default)]
struct Names(FastMap<String, Name>);

impl Names {
    fn get(&mut self, s: &str) -> Name {
        if let Some(n) = self.0.get(s) {
            return n.clone();
        }
        let n = Name::from(s);
        self.0.insert(s.to_string(), n.clone());
        n
    }
}

fn money(v: &Value) -> Option<Cents> {
    match v {
        Value::Money(c) => Some(*c),
        _ => None,
    }
}
fn boolean(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

impl Input {
    /// Reads and links the tables. `end` overrides the last day (default: the latest transaction
    /// date, or the `metadata` end date the generator writes).
    pub fn read(src: &mut dyn RowSource, end: Option<NaiveDate>) -> Result<Input> {
        Input::read_expecting(src, end, 0)
    }

    /// [`Input::read`] with room for `transactions` made at once (what `ingest::memory::check`
    /// returns):
    /// the vector then never doubles, when the old and the new copy are both in memory.
    pub fn read_expecting(
        src: &mut dyn RowSource,
        end: Option<NaiveDate>,
        transactions: usize,
    ) -> Result<Input> {
        let missing = |t: Table| {
            Error::invalid(
                "data",
                format!("table '{}' is missing", t.name()),
                "the five spendsense tables",
            )
        };
        let mut users: Vec<UserIn> = Vec::new();
        let mut user_idx: FastMap<String, usize> = FastMap::default();
        let (u_id, u_consent) = (
            col(Table::Users, "user_id"),
            col(Table::Users, "consent_status"),
        );
        if !src.rows(Table::Users, &mut |r| {
            let id = text(&r[u_id]).unwrap_or_default();
            user_idx.insert(id.clone(), users.len());
            users.push(UserIn {
                user_id: id,
                consent: boolean(&r[u_consent]),
                accounts: Vec::new(),
                label: None,
            });
            Ok(())
        })? {
            return Err(missing(Table::Users));
        }
        let mut accounts: Vec<AccountIn> = Vec::new();
        let mut acct_idx: FastMap<String, usize> = FastMap::default();
        let t = Table::Accounts;
        let (a_id, a_user, a_type, a_sub, a_name, a_mask, a_cur, a_lim) = (
            col(t, "account_id"),
            col(t, "user_id"),
            col(t, "type"),
            col(t, "subtype"),
            col(t, "name"),
            col(t, "mask"),
            col(t, "balance_current"),
            col(t, "balance_limit"),
        );
        let dangling = |table: &str, id: &str| {
            Error::invalid(
                "data",
                format!("{table} row refers to unknown id '{id}'"),
                "rows whose foreign keys exist",
            )
        };
        if !src.rows(t, &mut |r| {
            let uid = text_ref(&r[a_user]).unwrap_or_default();
            let user = *user_idx.get(uid).ok_or_else(|| dangling("accounts", uid))?;
            let id = text(&r[a_id]).unwrap_or_default();
            acct_idx.insert(id.clone(), accounts.len());
            users[user].accounts.push(accounts.len());
            accounts.push(AccountIn {
                account_id: id,
                user,
                kind: text(&r[a_type]).unwrap_or_default(),
                subtype: text(&r[a_sub]).unwrap_or_default(),
                name: text(&r[a_name]).unwrap_or_default(),
                mask: text(&r[a_mask]).unwrap_or_default(),
                current: money(&r[a_cur]).unwrap_or(0),
                limit: money(&r[a_lim]),
                txns: Vec::new(),
                liability: None,
            });
            Ok(())
        })? {
            return Err(missing(t));
        }
        let mut txns: Vec<TxnIn> = Vec::with_capacity(transactions);
        let t = Table::Transactions;
        let (t_acct, t_date, t_amt, t_merch, t_pri, t_det, t_pend) = (
            col(t, "account_id"),
            col(t, "date"),
            col(t, "amount"),
            col(t, "merchant_name"),
            col(t, "pfc_primary"),
            col(t, "pfc_detailed"),
            col(t, "pending"),
        );
        let mut latest: Option<NaiveDate> = None;
        let mut names = Names::default();
        if !src.rows(t, &mut |r| {
            let aid = text_ref(&r[t_acct]).unwrap_or_default();
            let account = *acct_idx
                .get(aid)
                .ok_or_else(|| dangling("transactions", aid))?;
            let date = match r[t_date] {
                Value::Date(d) => d,
                _ => {
                    return Err(Error::invalid(
                        "data",
                        "a transaction has no date",
                        "a date on every transaction",
                    ))
                }
            };
            latest = latest.max(Some(date));
            accounts[account].txns.push(txns.len());
            txns.push(TxnIn {
                account,
                date,
                amount: money(&r[t_amt]).unwrap_or(0),
                merchant_name: text_ref(&r[t_merch]).map(|m| names.get(m)),
                pfc_primary: names.get(text_ref(&r[t_pri]).unwrap_or_default()),
                pfc_detailed: names.get(text_ref(&r[t_det]).unwrap_or_default()),
                pending: boolean(&r[t_pend]),
            });
            Ok(())
        })? {
            return Err(missing(t));
        }
        sort_by_date(&mut accounts, &txns);
        let mut liabilities = Vec::new();
        let t = Table::Liabilities;
        let (l_acct, l_min, l_last, l_stmt, l_over) = (
            col(t, "account_id"),
            col(t, "minimum_payment_amount"),
            col(t, "last_payment_amount"),
            col(t, "last_statement_balance"),
            col(t, "is_overdue"),
        );
        src.rows(t, &mut |r| {
            let aid = text_ref(&r[l_acct]).unwrap_or_default();
            let account = *acct_idx
                .get(aid)
                .ok_or_else(|| dangling("liabilities", aid))?;
            accounts[account].liability = Some(liabilities.len());
            liabilities.push(LiabilityIn {
                account,
                minimum_payment: money(&r[l_min]),
                last_payment: money(&r[l_last]),
                last_statement_balance: money(&r[l_stmt]),
                is_overdue: boolean(&r[l_over]),
            });
            Ok(())
        })?;
        let t = Table::UserLabels;
        let (b_user, b_arch, b_pers, b_edge) = (
            col(t, "user_id"),
            col(t, "archetype"),
            col(t, "personas"),
            col(t, "edge_case"),
        );
        src.rows(t, &mut |r| {
            let uid = text_ref(&r[b_user]).unwrap_or_default();
            let user = *user_idx
                .get(uid)
                .ok_or_else(|| dangling("user_labels", uid))?;
            let mut personas = PersonaSet::EMPTY;
            for p in text(&r[b_pers]).unwrap_or_default().split(',') {
                if let Some(p) = Persona::ALL.into_iter().find(|x| x.as_str() == p.trim()) {
                    personas.insert(p);
                }
            }
            users[user].label = Some(LabelIn {
                archetype: text(&r[b_arch]).unwrap_or_default(),
                personas,
                edge_case: text(&r[b_edge]),
            });
            Ok(())
        })?;
        let end = match end {
            Some(e) => Some(e),
            None => src.end_date()?,
        };
        let end = end.or(latest).ok_or_else(|| {
            Error::invalid(
                "end_date",
                "the data has no transactions to take the end date from",
                "an explicit end_date",
            )
        })?;
        Ok(Input {
            end,
            users,
            accounts,
            txns,
            liabilities,
        })
    }
}

/// Sorts each account's transactions by date (stable: rows of one day keep their order).
fn sort_by_date(accounts: &mut [AccountIn], txns: &[TxnIn]) {
    for a in accounts.iter_mut() {
        a.txns.sort_by_key(|&i| txns[i].date);
    }
}

impl Input {
    /// The input [`Input::read`] builds from a [`DatasetSource`] over these users, built straight
    /// from their records: the same values the table rows carry (a test holds the two equal), without
    /// turning every cell into a generic value, or looking ids up, or copying names. This is the
    /// detector's path for generated data; `end` is the run's last day.
    pub fn from_users(users: &[crate::model::UserData], end: NaiveDate) -> Input {
        use crate::model::Liability;
        let mut input = Input {
            end,
            users: Vec::with_capacity(users.len()),
            accounts: Vec::with_capacity(users.iter().map(|u| u.accounts.len()).sum()),
            txns: Vec::with_capacity(users.iter().map(|u| u.transactions.len()).sum()),
            liabilities: Vec::with_capacity(users.iter().map(|u| u.liabilities.len()).sum()),
        };
        let mut primaries = crate::sim::merchants::PrimaryCache::default();
        for u in users {
            let user = input.users.len();
            let first = input.accounts.len();
            input.users.push(UserIn {
                user_id: u.user.user_id.clone(),
                consent: u.user.consent_status,
                accounts: (first..first + u.accounts.len()).collect(),
                label: Some(LabelIn {
                    archetype: u.label.archetype.as_str().to_string(),
                    personas: u.label.personas,
                    edge_case: u.label.edge_case.map(|e| e.as_str().to_string()),
                }),
            });
            input.accounts.extend(u.accounts.iter().map(|a| AccountIn {
                account_id: a.account_id.clone(),
                user,
                kind: a.account_type().as_str().to_string(),
                subtype: a.subtype.as_str().to_string(),
                name: a.name.clone(),
                mask: a.mask.clone(),
                current: a.balance_current,
                limit: a.balance_limit,
                txns: Vec::new(),
                liability: None,
            }));
            // Each account's list of transactions at its size, before it is filled.
            let mut counts = vec![0usize; u.accounts.len()];
            for x in &u.transactions {
                counts[x.account as usize] += 1;
            }
            for (a, n) in input.accounts[first..].iter_mut().zip(counts) {
                a.txns.reserve_exact(n);
            }
            for x in &u.transactions {
                let account = first + x.account as usize;
                input.accounts[account].txns.push(input.txns.len());
                input.txns.push(TxnIn {
                    account,
                    date: x.date,
                    amount: x.amount,
                    merchant_name: x.merchant_name.map(Name::from_static),
                    pfc_primary: Name::from_static(primaries.get(x.pfc_detailed)),
                    pfc_detailed: Name::from_static(x.pfc_detailed),
                    pending: x.pending,
                });
            }
            for l in &u.liabilities {
                let account = first + l.account() as usize;
                input.accounts[account].liability = Some(input.liabilities.len());
                input.liabilities.push(match l {
                    Liability::Credit(c) => LiabilityIn {
                        account,
                        minimum_payment: Some(c.minimum_payment_amount),
                        last_payment: c.last_payment_amount,
                        last_statement_balance: Some(c.last_statement_balance),
                        is_overdue: c.is_overdue,
                    },
                    Liability::Loan(x) => LiabilityIn {
                        account,
                        minimum_payment: Some(x.minimum_payment_amount),
                        last_payment: x.last_payment_amount,
                        last_statement_balance: Some(x.last_statement_balance),
                        is_overdue: x.is_overdue,
                    },
                });
            }
        }
        sort_by_date(&mut input.accounts, &input.txns);
        input
    }
}

/// Generated users (a dataset, or a chunk of one) as a row source, through the same table rows
/// every sink writes; `end` is the run's last day.
pub struct DatasetSource<'a> {
    pub users: &'a [crate::model::UserData],
    pub end: NaiveDate,
}

impl<'a> DatasetSource<'a> {
    pub fn of(ds: &'a crate::generate::Dataset) -> DatasetSource<'a> {
        DatasetSource {
            users: &ds.users,
            end: ds.config.end_date,
        }
    }
}

impl RowSource for DatasetSource<'_> {
    fn end_date(&mut self) -> Result<Option<NaiveDate>> {
        Ok(Some(self.end))
    }

    fn rows(&mut self, table: Table, f: &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<bool> {
        let mut err = None;
        for u in self.users {
            // The detector never reads transaction ids: skip deriving them.
            crate::tables::for_each_row_with(table, u, false, &mut |row| {
                if err.is_none() {
                    if let Err(e) = f(row) {
                        err = Some(e);
                    }
                }
            });
            if let Some(e) = err.take() {
                return Err(e);
            }
        }
        Ok(true)
    }
}

/// Parses one cell of text (CSV) as a value of the column's type.
pub fn parse_cell(c: &Column, s: &str) -> std::result::Result<Value<'static>, String> {
    if s.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match c.ty {
        ColType::Text => Value::Text(s.to_string().into()),
        ColType::Int => Value::Int(s.parse().map_err(|_| format!("'{s}' is not an integer"))?),
        ColType::Money => Value::Money(parse_money(s)?),
        ColType::Float => Value::Float(s.parse().map_err(|_| format!("'{s}' is not a number"))?),
        ColType::Bool => match s {
            "true" | "1" | "True" | "TRUE" => Value::Bool(true),
            "false" | "0" | "False" | "FALSE" => Value::Bool(false),
            _ => return Err(format!("'{s}' is not true/false")),
        },
        ColType::Date => {
            Value::Date(parse_iso_date(s).ok_or_else(|| format!("'{s}' is not a YYYY-MM-DD date"))?)
        }
    })
}

/// A date written exactly `YYYY-MM-DD` (four-digit year, two-digit month and day, nothing
/// else: no sign, no spaces, no single digits), as every output writes them.
pub fn parse_iso_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10
        || b[4] != b'-'
        || b[7] != b'-'
        || !digits(0..4)
        || !digits(5..7)
        || !digits(8..10)
    {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(n(0..4)? as i32, n(5..7)?, n(8..10)?)
}

/// Dollars as text or float to exact cents (rounded to the nearest cent).
pub fn parse_money(s: &str) -> std::result::Result<Cents, String> {
    let f: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not an amount"))?;
    if !f.is_finite() || f.abs() > 1e13 {
        return Err(format!("'{s}' is not a plausible amount"));
    }
    Ok((f * 100.0).round() as Cents)
}

/// Where each of `table`'s columns is among a file's columns `have`; a missing column that
/// may not be null is an error.
fn positions(table: Table, have: &[String]) -> std::result::Result<Vec<Option<usize>>, String> {
    let cols = table.columns();
    let pos: Vec<Option<usize>> = cols
        .iter()
        .map(|c| have.iter().position(|h| h == c.name))
        .collect();
    match cols
        .iter()
        .zip(&pos)
        .find(|(c, p)| p.is_none() && !c.nullable)
    {
        Some((c, _)) => Err(format!("column '{}' is missing", c.name)),
        None => Ok(pos),
    }
}

/// A folder of CSV files named after the tables (as `to_csv` writes them).
pub struct CsvSource<'a>(pub &'a Path);

impl RowSource for CsvSource<'_> {
    fn rows(&mut self, table: Table, f: &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<bool> {
        let path = self.0.join(format!("{}.csv", table.name()));
        if !path.exists() {
            return Ok(false);
        }
        let bad = |line: u64, msg: String| {
            Error::invalid(
                "data",
                format!("{}:{line}: {msg}", path.display()),
                "a CSV as spendsense-gen writes it",
            )
        };
        let mut rdr = csv::Reader::from_path(&path).map_err(|e| bad(0, e.to_string()))?;
        let header: Vec<String> = rdr
            .headers()
            .map_err(|e| bad(1, e.to_string()))?
            .iter()
            .map(str::to_string)
            .collect();
        let cols = table.columns();
        let pos = positions(table, &header).map_err(|m| bad(1, m))?;
        let read = read_mask(table);
        let mut row: Vec<Value> = Vec::with_capacity(cols.len());
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            let rec = rec.map_err(|e| bad(line, e.to_string()))?;
            row.clear();
            for ((c, p), read) in cols.iter().zip(&pos).zip(&read) {
                if !read {
                    row.push(Value::Null);
                    continue;
                }
                let cell = p.and_then(|p| rec.get(p)).unwrap_or("");
                row.push(parse_cell(c, cell).map_err(|m| bad(line, format!("{}: {m}", c.name)))?);
            }
            f(&row)?;
        }
        Ok(true)
    }
}

/// A folder of Parquet files named after the tables (as `--format parquet` writes them). The
/// windows end on the latest transaction date unless told otherwise (the files carry no
/// metadata; `manifest.json` is not read here).
pub struct ParquetSource<'a>(pub &'a Path);

impl RowSource for ParquetSource<'_> {
    fn rows(&mut self, table: Table, f: &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<bool> {
        let path = self.0.join(format!("{}.parquet", table.name()));
        if !path.exists() {
            return Ok(false);
        }
        let bad = |row: u64, msg: String| {
            Error::invalid(
                "data",
                format!("{} row {row}: {msg}", path.display()),
                "a Parquet file as spendsense-gen writes it",
            )
        };
        let read_names = read_columns(table);
        let file = crate::ingest::parquet::ParquetTable::open_columns(&path, |name| {
            read_names.contains(&name)
        })
        .map_err(|m| bad(0, m))?;
        let cols = table.columns();
        let read = read_mask(table);
        // Columns the detector does not read are neither decoded to text nor parsed.
        let pos: Vec<Option<usize>> = positions(table, &file.columns)
            .map_err(|m| bad(0, m))?
            .into_iter()
            .zip(&read)
            .map(|(p, &read)| p.filter(|_| read))
            .collect();
        let mut row: Vec<Value> = Vec::with_capacity(cols.len());
        file.for_each_row(&pos, |n, cells| {
            row.clear();
            for ((c, cell), read) in cols.iter().zip(cells).zip(&read) {
                if !read {
                    row.push(Value::Null);
                    continue;
                }
                let v = parse_cell(c, cell.unwrap_or(""));
                row.push(v.map_err(|m| bad(n, format!("{}: {m}", c.name)))?);
            }
            f(&row)
        })?
        .map_err(|e| bad(e.row, e.message))?;
        Ok(true)
    }
}

/// A SQLite database as `to_sqlite` writes it.
pub struct SqliteSource {
    pub conn: rusqlite::Connection,
}

impl SqliteSource {
    pub fn open(path: &Path) -> Result<SqliteSource> {
        if !path.is_file() {
            return Err(Error::invalid(
                "path",
                format!("{} is not a file", path.display()),
                "a SQLite database, a CSV folder or a dataset",
            ));
        }
        let conn =
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| {
                    Error::invalid(
                        "path",
                        format!("{}: {e}", path.display()),
                        "a SQLite database",
                    )
                })?;
        Ok(SqliteSource { conn })
    }
}

impl SqliteSource {
    fn metadata(&self, key: &str) -> Option<String> {
        self.conn
            .query_row("SELECT value FROM metadata WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .ok()
    }
}

impl RowSource for SqliteSource {
    fn end_date(&mut self) -> Result<Option<NaiveDate>> {
        match self.metadata("end_date") {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    Error::invalid(
                        "data",
                        format!("metadata end_date '{d}' is not a date"),
                        "YYYY-MM-DD",
                    )
                }),
        }
    }

    fn rows(&mut self, table: Table, f: &mut dyn FnMut(&[Value]) -> Result<()>) -> Result<bool> {
        let bad = |e: rusqlite::Error| {
            Error::invalid(
                "data",
                format!("{}: {e}", table.name()),
                "a database as spendsense-gen writes it",
            )
        };
        let exists: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1",
                [table.name()],
                |r| r.get(0),
            )
            .map_err(bad)?;
        if exists == 0 {
            return Ok(false);
        }
        let cols = table.columns();
        // Columns the detector does not read come back as NULL without being decoded.
        let read = read_mask(table);
        let sql = format!(
            "SELECT {} FROM {}",
            cols.iter()
                .zip(&read)
                .map(|(c, &read)| if read { c.name } else { "NULL" })
                .collect::<Vec<_>>()
                .join(", "),
            table.name()
        );
        let mut stmt = self.conn.prepare(&sql).map_err(bad)?;
        let mut rows = stmt.query([]).map_err(bad)?;
        let mut row: Vec<Value> = Vec::with_capacity(cols.len());
        while let Some(r) = rows.next().map_err(bad)? {
            row.clear();
            for (i, c) in cols.iter().enumerate() {
                use rusqlite::types::ValueRef as V;
                let v = r.get_ref(i).map_err(bad)?;
                row.push(match (v, c.ty) {
                    (V::Null, _) => Value::Null,
                    (V::Real(x), ColType::Money) => Value::Money((x * 100.0).round() as Cents),
                    (V::Integer(x), ColType::Money) => Value::Money(x * 100),
                    (V::Integer(x), ColType::Bool) => Value::Bool(x != 0),
                    (V::Integer(x), ColType::Int) => Value::Int(x),
                    (V::Real(x), ColType::Float) => Value::Float(x),
                    (V::Integer(x), ColType::Float) => Value::Float(x as f64),
                    (V::Text(t), _) => {
                        let s = std::str::from_utf8(t)
                            .map_err(|e| Error::invalid("data", e.to_string(), "UTF-8 text"))?;
                        parse_cell(c, s).map_err(|m| {
                            Error::invalid(
                                "data",
                                format!("{}.{}: {m}", table.name(), c.name),
                                "values of the column's type",
                            )
                        })?
                    }
                    (other, _) => {
                        return Err(Error::invalid(
                            "data",
                            format!(
                                "{}.{}: unexpected {:?}",
                                table.name(),
                                c.name,
                                other.data_type()
                            ),
                            "values of the column's type",
                        ))
                    }
                });
            }
            f(&row)?;
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(n: u64) -> crate::generate::Dataset {
        let config = crate::Config::from_value(&serde_json::json!({"n_users": n})).unwrap();
        crate::generate(&config, Some(2), &mut |_, _| Ok(())).unwrap()
    }

    /// The direct path and the tables' rows give the same input, for a whole dataset (every
    /// archetype and edge case) and for a chunk that does not start at the first user.
    #[test]
    fn from_users_equals_reading_the_rows() {
        let ds = dataset(300);
        let end = ds.config.end_date;
        let by_rows = Input::read(&mut DatasetSource::of(&ds), None).unwrap();
        let direct = Input::from_users(&ds.users, end);
        assert!(direct.txns.len() > 10_000 && direct.liabilities.len() > 100);
        assert!(direct.users.iter().all(|u| u.label.is_some()));
        assert_eq!(direct, by_rows);
        let chunk = &ds.users[37..151];
        let by_rows = Input::read(&mut DatasetSource { users: chunk, end }, Some(end)).unwrap();
        assert_eq!(Input::from_users(chunk, end), by_rows);
    }

    #[test]
    fn names_compare_hash_and_order_as_their_text() {
        use std::hash::BuildHasher;
        let (a, b) = (Name::from_static("GROCERIES"), Name::from("GROCERIES"));
        assert_eq!(a, b);
        let h = std::hash::BuildHasherDefault::<FastHash>::default();
        assert_eq!(h.hash_one(&a), h.hash_one(&b));
        assert_eq!(h.hash_one(&a), h.hash_one("GROCERIES"));
        assert!(Name::from("A") < Name::from_static("B"));
        assert_eq!(format!("{a:?}"), "\"GROCERIES\"");
        assert_eq!(&*b, "GROCERIES");
    }
}
