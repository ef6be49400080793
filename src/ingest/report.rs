//! Findings and the validation report: every failure names its rule, table, location (CSV line,
//! SQLite rowid or JSON path), field and value; the report has one entry per rule with its
//! status, counts and the first findings, as JSON and as a readable summary.

use super::source::{Kind, Meta};
use crate::tables::Table;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The rules, in the order the report lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    Readable,
    Columns,
    Required,
    Type,
    PrimaryKey,
    ForeignKey,
    Enum,
    DateRange,
    Sign,
    Pairing,
    Balance,
    Statement,
    LastPayment,
    Consent,
    Labels,
    PersonaCoverage,
}

impl Rule {
    pub const ALL: [Rule; 16] = [
        Rule::Readable,
        Rule::Columns,
        Rule::Required,
        Rule::Type,
        Rule::PrimaryKey,
        Rule::ForeignKey,
        Rule::Enum,
        Rule::DateRange,
        Rule::Sign,
        Rule::Pairing,
        Rule::Balance,
        Rule::Statement,
        Rule::LastPayment,
        Rule::Consent,
        Rule::Labels,
        Rule::PersonaCoverage,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::Readable => "readable",
            Rule::Columns => "columns",
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::PrimaryKey => "primary_key",
            Rule::ForeignKey => "foreign_key",
            Rule::Enum => "enum",
            Rule::DateRange => "date_range",
            Rule::Sign => "sign",
            Rule::Pairing => "pairing",
            Rule::Balance => "balance",
            Rule::Statement => "statement",
            Rule::LastPayment => "last_payment",
            Rule::Consent => "consent",
            Rule::Labels => "labels",
            Rule::PersonaCoverage => "persona_coverage",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Rule::Readable => "every table is there and parses as CSV, JSON or SQLite rows",
            Rule::Columns => "every required column is present; no unknown or repeated columns",
            Rule::Required => "required fields are not empty",
            Rule::Type => "values have their column's type (amounts with at most two decimals, integers, booleans, YYYY-MM-DD dates, timestamps)",
            Rule::PrimaryKey => "user_id, account_id and transaction_id are unique",
            Rule::ForeignKey => "every account, transaction, liability and label points at an existing user and account of that user; one liability per credit or loan account",
            Rule::Enum => "Plaid enums: account type/subtype pairs, payment channel, PFC primary/detailed pairs, confidence level, currency codes, APR types; the generator's demographic and label values",
            Rule::DateRange => "dates lie in the data window; authorized on or before posted; statement, due, payment and loan dates in order",
            Rule::Sign => "Plaid's sign: income and transfers in are negative, purchases, fees and transfers out positive, card and loan payments positive from checking and negative on the debt",
            Rule::Pairing => "card payments, loan payments, savings and account transfers appear on both accounts, same user, date and amount",
            Rule::Balance => "balances rebuilt from the transactions: savings and loans never below zero, checking below zero only with an overdraft fee, available = current - pending (credit: limit - current - pending)",
            Rule::Statement => "a liability's last statement balance is the account's balance at the end of its issue date; minimum payment within the balance",
            Rule::LastPayment => "a liability's last payment amount and date are its account's latest payment transaction",
            Rule::Consent => "every user has a consent status and time; the consenting share matches the recorded consent_ratio",
            Rule::Labels => "every user has exactly one label row; persona flags, names and count agree",
            Rule::PersonaCoverage => "every persona is the label of at least one user (a warning below 100 users)",
        }
    }

    /// The rules a load enforces: without them the database would be wrong, whatever the data
    /// means. The others describe generated data and are for `validate`.
    pub fn is_integrity(self) -> bool {
        matches!(
            self,
            Rule::Readable
                | Rule::Columns
                | Rule::Required
                | Rule::Type
                | Rule::PrimaryKey
                | Rule::ForeignKey
                | Rule::Enum
        )
    }

    pub fn parse(s: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == s)
    }
}

/// Part of a user in a `users.json` document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    User,
    Labels,
    Account,
    Transaction,
    Credit,
    Student,
    Mortgage,
}

/// Where a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loc {
    /// The file or table as a whole.
    File,
    /// A line of a CSV file (1 is the header) or of a JSON document.
    Line(u64),
    /// A SQLite rowid, or a row's number in a Parquet file (from 1).
    Row(i64),
    /// An item of user `user` of a `users.json` document.
    Json { user: u32, part: Part, item: u32 },
}

impl Loc {
    /// `transactions.csv line 12`, `transactions rowid 12`, `transactions.parquet row 12`,
    /// `users[3].transactions[7]`.
    pub fn describe(&self, kind: Kind, table: Option<Table>) -> String {
        let name = table.map(|t| t.name()).unwrap_or("data");
        match (*self, kind) {
            (Loc::File, Kind::Csv) => table
                .map(|t| format!("{}.csv", t.name()))
                .unwrap_or_else(|| "the folder".into()),
            (Loc::File, Kind::Parquet) => table
                .map(|t| format!("{}.parquet", t.name()))
                .unwrap_or_else(|| "the folder".into()),
            (Loc::File, _) => table
                .map(|t| t.name().to_string())
                .unwrap_or_else(|| "the file".into()),
            (Loc::Line(l), Kind::Csv) => format!("{name}.csv line {l}"),
            (Loc::Line(l), _) => format!("line {l}"),
            (Loc::Row(r), Kind::Parquet) => format!("{name}.parquet row {r}"),
            (Loc::Row(r), _) => format!("{name} rowid {r}"),
            (Loc::Json { user, part, item }, _) => match part {
                Part::User => format!("users[{user}]"),
                Part::Labels => format!("users[{user}].labels"),
                Part::Account => format!("users[{user}].accounts[{item}]"),
                Part::Transaction => format!("users[{user}].transactions[{item}]"),
                Part::Credit => format!("users[{user}].liabilities.credit[{item}]"),
                Part::Student => format!("users[{user}].liabilities.student[{item}]"),
                Part::Mortgage => format!("users[{user}].liabilities.mortgage[{item}]"),
            },
        }
    }

    fn fields(&self, kind: Kind, table: Option<Table>, out: &mut serde_json::Map<String, Value>) {
        match *self {
            Loc::Line(l) => {
                out.insert("line".into(), json!(l));
            }
            Loc::Row(r) => {
                out.insert("rowid".into(), json!(r));
            }
            Loc::Json { .. } => {
                out.insert("path".into(), json!(self.describe(kind, table)));
            }
            Loc::File => {}
        }
    }
}

/// One failure.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: Rule,
    pub table: Option<Table>,
    pub loc: Loc,
    pub field: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(
        rule: Rule,
        table: Option<Table>,
        loc: Loc,
        field: Option<String>,
        value: Option<String>,
        message: String,
    ) -> Finding {
        Finding {
            rule,
            table,
            loc,
            field,
            value,
            message,
        }
    }

    /// One line: `transactions.csv line 12, amount = 'abc': not an amount [type]`.
    pub fn describe(&self, kind: Kind) -> String {
        let mut s = self.loc.describe(kind, self.table);
        if let Some(f) = &self.field {
            s.push_str(", ");
            s.push_str(f);
            if let Some(v) = &self.value {
                s.push_str(&format!(" = '{v}'"));
            }
        }
        format!("{s}: {} [{}]", self.message, self.rule.id())
    }

    pub fn to_json(&self, kind: Kind) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("rule".into(), json!(self.rule.id()));
        m.insert("table".into(), json!(self.table.map(|t| t.name())));
        m.insert(
            "location".into(),
            json!(self.loc.describe(kind, self.table)),
        );
        self.loc.fields(kind, self.table, &mut m);
        m.insert("field".into(), json!(self.field));
        m.insert("value".into(), json!(self.value));
        m.insert("message".into(), json!(self.message));
        Value::Object(m)
    }
}

/// Findings kept per rule (the count is always exact).
pub const KEEP_PER_RULE: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Warn,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }
}

/// What one rule found.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Status,
    /// Rows (or items) the rule looked at.
    pub checked: u64,
    pub failures: u64,
    pub findings: Vec<Finding>,
    /// Why a rule was skipped, or a figure worth reading (the consent split, persona counts).
    pub note: Option<String>,
}

/// Collects findings and per-rule counts.
#[derive(Debug, Clone)]
pub struct Tally {
    pub outcomes: BTreeMap<Rule, Outcome>,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            outcomes: Rule::ALL
                .into_iter()
                .map(|r| {
                    (
                        r,
                        Outcome {
                            status: Status::Pass,
                            checked: 0,
                            failures: 0,
                            findings: Vec::new(),
                            note: None,
                        },
                    )
                })
                .collect(),
        }
    }
}

impl Tally {
    pub fn add(&mut self, f: Finding) {
        let o = self
            .outcomes
            .get_mut(&f.rule)
            .expect("every rule has an outcome");
        o.failures += 1;
        o.status = Status::Fail;
        if o.findings.len() < KEEP_PER_RULE {
            o.findings.push(f);
        }
    }
    pub fn checked(&mut self, rule: Rule, n: u64) {
        self.outcomes.get_mut(&rule).unwrap().checked += n;
    }
    pub fn skip(&mut self, rule: Rule, why: impl Into<String>) {
        let o = self.outcomes.get_mut(&rule).unwrap();
        if o.failures == 0 {
            o.status = Status::Skip;
        }
        o.note = Some(why.into());
    }
    pub fn note(&mut self, rule: Rule, note: impl Into<String>) {
        self.outcomes.get_mut(&rule).unwrap().note = Some(note.into());
    }
    pub fn warn(&mut self, rule: Rule, note: impl Into<String>) {
        let o = self.outcomes.get_mut(&rule).unwrap();
        if o.failures == 0 {
            o.status = Status::Warn;
        }
        o.note = Some(note.into());
    }
    pub fn failures(&self, pred: impl Fn(Rule) -> bool) -> u64 {
        self.outcomes
            .iter()
            .filter(|(r, _)| pred(**r))
            .map(|(_, o)| o.failures)
            .sum()
    }
}

/// The validation of one source.
#[derive(Debug, Clone)]
pub struct Report {
    pub path: String,
    pub kind: Kind,
    pub rows: BTreeMap<&'static str, u64>,
    pub meta: Meta,
    /// The window the dates were checked against and where it came from.
    pub window: Option<(chrono::NaiveDate, chrono::NaiveDate, String)>,
    pub tally: Tally,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.tally
            .outcomes
            .values()
            .all(|o| o.status != Status::Fail)
    }

    pub fn failures(&self) -> u64 {
        self.tally.failures(|_| true)
    }

    pub fn to_json(&self) -> Value {
        let checks: Vec<Value> = self
            .tally
            .outcomes
            .iter()
            .map(|(r, o)| {
                json!({
                    "rule": r.id(),
                    "description": r.description(),
                    "status": o.status.as_str(),
                    "checked": o.checked,
                    "failures": o.failures,
                    "note": o.note,
                    "findings": o.findings.iter().map(|f| f.to_json(self.kind)).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "path": self.path,
            "source": self.kind.as_str(),
            "ok": self.ok(),
            "failures": self.failures(),
            "rows": self.rows,
            "window": self.window.as_ref().map(|(s, e, from)| json!({
                "start_date": crate::model::iso_date(*s),
                "end_date": crate::model::iso_date(*e),
                "from": from,
            })),
            "checks": checks,
        })
    }

    /// The readable summary: one line per rule, the first findings of each failing rule.
    pub fn summary(&self, examples: usize) -> String {
        let mut s = format!("Validated {} ({})", self.path, self.kind.as_str());
        let rows: Vec<String> = Table::ALL
            .iter()
            .filter_map(|t| self.rows.get(t.name()).map(|n| format!("{n} {}", t.name())))
            .collect();
        if !rows.is_empty() {
            s.push_str(&format!(": {}", rows.join(", ")));
        }
        s.push('\n');
        if let Some((a, b, from)) = &self.window {
            s.push_str(&format!(
                "Window {} to {} ({from})\n",
                crate::model::iso_date(*a),
                crate::model::iso_date(*b)
            ));
        }
        for (r, o) in &self.tally.outcomes {
            let status = o.status.as_str().to_uppercase();
            let detail = match (o.status, &o.note) {
                (Status::Fail, _) => plural(o.failures, "failure"),
                (_, Some(n)) => n.clone(),
                _ => format!("{} checked", o.checked),
            };
            s.push_str(&format!("  {status:<4}  {:<16}  {detail}\n", r.id()));
            if o.status == Status::Fail {
                for f in o.findings.iter().take(examples) {
                    s.push_str(&format!("          {}\n", f.describe(self.kind)));
                }
                if o.failures as usize > examples {
                    s.push_str(&format!(
                        "          ... and {} more (see the JSON report)\n",
                        o.failures as usize - examples.min(o.failures as usize)
                    ));
                }
            }
        }
        let failed = self
            .tally
            .outcomes
            .values()
            .filter(|o| o.status == Status::Fail)
            .count();
        let count = |st: Status| {
            self.tally
                .outcomes
                .values()
                .filter(|o| o.status == st)
                .count()
        };
        if failed == 0 {
            let mut also = Vec::new();
            for (st, word) in [(Status::Warn, "warning"), (Status::Skip, "skipped")] {
                let n = count(st);
                if n > 0 {
                    also.push(format!("{n} {word}"));
                }
            }
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(" ({})", also.join(", "))
            };
            s.push_str(&format!(
                "OK: {} of {} checks passed{also}\n",
                count(Status::Pass),
                Rule::ALL.len()
            ));
        } else {
            s.push_str(&format!(
                "FAILED: {failed} of {} checks ({})\n",
                Rule::ALL.len(),
                plural(self.failures(), "failure")
            ));
        }
        s
    }
}

/// `1 failure`, `2 failures`.
fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
