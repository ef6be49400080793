//! One user of a `users.json` document (as `sink::json` writes it) back into table rows: the
//! user record and its `labels`, `accounts` (with `balances` nested), `transactions` (with
//! `personal_finance_category` nested) and `liabilities` (grouped as `credit`, `student`,
//! `mortgage`). Keys the document should not have, and values of the wrong JSON type, are
//! findings with the JSON path.

use super::report::{Finding, Loc, Part, Rule};
use super::source::Visit;
use crate::error::Result;
use crate::model::Persona;
use crate::tables::{ColType, Table};
use serde_json::{Map, Value};

/// `(JSON path inside the object, column)`; a path with a dot reads a nested object.
type Fields = &'static [(&'static str, &'static str)];

const USER: Fields = &[
    ("user_id", "user_id"),
    ("name", "name"),
    ("email", "email"),
    ("created_at", "created_at"),
    ("consent_status", "consent_status"),
    ("consent_updated_at", "consent_updated_at"),
    ("age", "age"),
    ("age_bracket", "age_bracket"),
    ("annual_income", "annual_income"),
    ("income_tier", "income_tier"),
    ("region", "region"),
    ("life_stage", "life_stage"),
];
const USER_NESTED: &[&str] = &["labels", "accounts", "transactions", "liabilities"];

const ACCOUNT: Fields = &[
    ("account_id", "account_id"),
    ("type", "type"),
    ("subtype", "subtype"),
    ("name", "name"),
    ("official_name", "official_name"),
    ("mask", "mask"),
    ("balances.available", "balance_available"),
    ("balances.current", "balance_current"),
    ("balances.limit", "balance_limit"),
    ("balances.iso_currency_code", "iso_currency_code"),
    (
        "balances.unofficial_currency_code",
        "unofficial_currency_code",
    ),
    ("holder_category", "holder_category"),
];

const TRANSACTION: Fields = &[
    ("transaction_id", "transaction_id"),
    ("account_id", "account_id"),
    ("date", "date"),
    ("authorized_date", "authorized_date"),
    ("amount", "amount"),
    ("iso_currency_code", "iso_currency_code"),
    ("unofficial_currency_code", "unofficial_currency_code"),
    ("name", "name"),
    ("merchant_name", "merchant_name"),
    ("merchant_entity_id", "merchant_entity_id"),
    ("payment_channel", "payment_channel"),
    ("personal_finance_category.primary", "pfc_primary"),
    ("personal_finance_category.detailed", "pfc_detailed"),
    (
        "personal_finance_category.confidence_level",
        "pfc_confidence_level",
    ),
    ("pending", "pending"),
    ("pending_transaction_id", "pending_transaction_id"),
];

const CREDIT: Fields = &[
    ("account_id", "account_id"),
    ("aprs", "aprs"),
    ("is_overdue", "is_overdue"),
    ("last_payment_amount", "last_payment_amount"),
    ("last_payment_date", "last_payment_date"),
    ("last_statement_issue_date", "last_statement_issue_date"),
    ("last_statement_balance", "last_statement_balance"),
    ("minimum_payment_amount", "minimum_payment_amount"),
    ("next_payment_due_date", "next_payment_due_date"),
];

const STUDENT: Fields = &[
    ("account_id", "account_id"),
    ("interest_rate_percentage", "interest_rate_percentage"),
    ("interest_rate_type", "interest_rate_type"),
    ("loan_name", "loan_name"),
    ("is_overdue", "is_overdue"),
    ("last_payment_amount", "last_payment_amount"),
    ("last_payment_date", "last_payment_date"),
    ("last_statement_issue_date", "last_statement_issue_date"),
    ("last_statement_balance", "last_statement_balance"),
    ("minimum_payment_amount", "minimum_payment_amount"),
    ("next_payment_due_date", "next_payment_due_date"),
    ("origination_date", "origination_date"),
    (
        "origination_principal_amount",
        "origination_principal_amount",
    ),
    ("expected_payoff_date", "maturity_date"),
    ("ytd_interest_paid", "ytd_interest_paid"),
    ("ytd_principal_paid", "ytd_principal_paid"),
];

const MORTGAGE: Fields = &[
    ("account_id", "account_id"),
    ("interest_rate.percentage", "interest_rate_percentage"),
    ("interest_rate.type", "interest_rate_type"),
    ("loan_name", "loan_name"),
    ("is_overdue", "is_overdue"),
    ("last_payment_amount", "last_payment_amount"),
    ("last_payment_date", "last_payment_date"),
    ("last_statement_issue_date", "last_statement_issue_date"),
    ("last_statement_balance", "last_statement_balance"),
    ("next_monthly_payment", "minimum_payment_amount"),
    ("next_payment_due_date", "next_payment_due_date"),
    ("origination_date", "origination_date"),
    (
        "origination_principal_amount",
        "origination_principal_amount",
    ),
    ("maturity_date", "maturity_date"),
    ("ytd_interest_paid", "ytd_interest_paid"),
    ("ytd_principal_paid", "ytd_principal_paid"),
];
/// Plaid mortgage keys the tables do not keep.
const MORTGAGE_IGNORED: &[&str] = &["loan_type_description", "loan_term", "past_due_amount"];

/// Emits the rows of user `i` of the document.
pub fn user_rows(i: u32, user: &Value, v: &mut dyn Visit) -> Result<()> {
    let at = |part, item| Loc::Json {
        user: i,
        part,
        item,
    };
    let Some(obj) = user.as_object() else {
        v.finding(Finding::new(
            Rule::Type,
            Some(Table::Users),
            at(Part::User, 0),
            None,
            Some(short(user)),
            "a user must be a JSON object".into(),
        ));
        return Ok(());
    };
    let uid = obj.get("user_id").and_then(Value::as_str);
    emit(
        Table::Users,
        at(Part::User, 0),
        obj,
        USER,
        &[],
        USER_NESTED,
        None,
        v,
    )?;

    match obj.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(l)) => labels(at(Part::Labels, 0), l, uid, v)?,
        Some(other) => not_a(
            v,
            Table::UserLabels,
            at(Part::User, 0),
            "labels",
            "an object",
            other,
        ),
    }
    for (j, a) in list(
        v,
        obj,
        "accounts",
        "accounts",
        Table::Accounts,
        at(Part::User, 0),
    ) {
        let loc = at(Part::Account, j);
        match a.as_object() {
            Some(a) => emit(
                Table::Accounts,
                loc,
                a,
                ACCOUNT,
                &[("user_id", uid)],
                &[],
                None,
                v,
            )?,
            None => not_a(v, Table::Accounts, loc, "account", "an object", a),
        }
    }
    for (j, t) in list(
        v,
        obj,
        "transactions",
        "transactions",
        Table::Transactions,
        at(Part::User, 0),
    ) {
        let loc = at(Part::Transaction, j);
        match t.as_object() {
            Some(t) => emit(
                Table::Transactions,
                loc,
                t,
                TRANSACTION,
                &[("user_id", uid)],
                &[],
                None,
                v,
            )?,
            None => not_a(v, Table::Transactions, loc, "transaction", "an object", t),
        }
    }
    match obj.get("liabilities") {
        None | Some(Value::Null) => {}
        Some(Value::Object(l)) => {
            for key in l.keys() {
                if !matches!(key.as_str(), "credit" | "student" | "mortgage") {
                    v.finding(Finding::new(
                        Rule::Columns,
                        Some(Table::Liabilities),
                        at(Part::User, 0),
                        Some(format!("liabilities.{key}")),
                        None,
                        format!("unknown key '{key}' (keys: credit, student, mortgage)"),
                    ));
                }
            }
            for (part, key, fields, ignored) in [
                (Part::Credit, "credit", CREDIT, &[][..]),
                (Part::Student, "student", STUDENT, &[][..]),
                (Part::Mortgage, "mortgage", MORTGAGE, MORTGAGE_IGNORED),
            ] {
                let what = format!("liabilities.{key}");
                for (j, x) in list(v, l, key, &what, Table::Liabilities, at(Part::User, 0)) {
                    let loc = at(part, j);
                    let Some(x) = x.as_object() else {
                        not_a(v, Table::Liabilities, loc, "liability", "an object", x);
                        continue;
                    };
                    let purchase = (part == Part::Credit).then(|| purchase_apr(x));
                    let extra = [("user_id", uid), ("liability_type", Some(key))];
                    emit(
                        Table::Liabilities,
                        loc,
                        x,
                        fields,
                        &extra,
                        ignored,
                        purchase,
                        v,
                    )?;
                }
            }
        }
        Some(other) => not_a(
            v,
            Table::Liabilities,
            at(Part::User, 0),
            "liabilities",
            "an object",
            other,
        ),
    }
    Ok(())
}

fn purchase_apr(x: &Map<String, Value>) -> Option<String> {
    x.get("aprs")?
        .as_array()?
        .iter()
        .find(|a| a.get("apr_type").and_then(Value::as_str) == Some("purchase_apr"))?
        .get("apr_percentage")
        .filter(|p| p.is_number())
        .map(|p| p.to_string())
}

fn labels(loc: Loc, l: &Map<String, Value>, uid: Option<&str>, v: &mut dyn Visit) -> Result<()> {
    for key in l.keys() {
        if !matches!(key.as_str(), "archetype" | "personas" | "edge_case") {
            v.finding(Finding::new(
                Rule::Columns,
                Some(Table::UserLabels),
                loc,
                Some(format!("labels.{key}")),
                None,
                format!("unknown key '{key}' (keys: archetype, personas, edge_case)"),
            ));
        }
    }
    let mut bad = 0u32;
    let mut names: Vec<&str> = Vec::new();
    match l.get("personas") {
        Some(Value::Array(ps)) => {
            for p in ps {
                match p.as_str() {
                    Some(s) => names.push(s),
                    None => {
                        bad |= 1 << 2;
                        v.finding(Finding::new(
                            Rule::Type,
                            Some(Table::UserLabels),
                            loc,
                            Some("labels.personas".into()),
                            Some(short(p)),
                            "personas must be a list of names".into(),
                        ));
                    }
                }
            }
        }
        None | Some(Value::Null) => {}
        Some(other) => {
            bad |= 1 << 2;
            v.finding(Finding::new(
                Rule::Type,
                Some(Table::UserLabels),
                loc,
                Some("labels.personas".into()),
                Some(short(other)),
                "personas must be a list of names".into(),
            ));
        }
    }
    let joined = names.join(",");
    let count = names.len().to_string();
    let flag = |p: Persona| {
        if names.contains(&p.as_str()) {
            "true"
        } else {
            "false"
        }
    };
    let archetype = scalar(
        v,
        Table::UserLabels,
        loc,
        "labels.archetype",
        l.get("archetype"),
        ColType::Text,
    );
    let edge = scalar(
        v,
        Table::UserLabels,
        loc,
        "labels.edge_case",
        l.get("edge_case"),
        ColType::Text,
    );
    if archetype.is_err() {
        bad |= 1 << 1;
    }
    if edge.is_err() {
        bad |= 1 << 9;
    }
    let archetype = archetype.ok().flatten();
    let edge = edge.ok().flatten();
    let cells = [
        uid,
        archetype.as_deref(),
        Some(joined.as_str()),
        Some(count.as_str()),
        Some(flag(Persona::HighUtilization)),
        Some(flag(Persona::VariableIncome)),
        Some(flag(Persona::SubscriptionHeavy)),
        Some(flag(Persona::SavingsBuilder)),
        Some(flag(Persona::CashFlowStressed)),
        edge.as_deref(),
    ];
    debug_assert_eq!(cells.len(), Table::UserLabels.columns().len());
    v.row(Table::UserLabels, loc, &cells, bad)
}

/// The list under `key` (absent or null is an empty list; anything else is a finding).
/// The list under `key` of `obj`; anything else is a finding on `what` at `loc` (the object
/// holding the list).
fn list<'a>(
    v: &mut dyn Visit,
    obj: &'a Map<String, Value>,
    key: &str,
    what: &str,
    table: Table,
    loc: Loc,
) -> impl Iterator<Item = (u32, &'a Value)> {
    let items: &'a [Value] = match obj.get(key) {
        Some(Value::Array(xs)) => xs,
        None | Some(Value::Null) => &[],
        Some(other) => {
            not_a(v, table, loc, what, "a list", other);
            &[]
        }
    };
    items.iter().enumerate().map(|(j, x)| (j as u32, x))
}

fn not_a(v: &mut dyn Visit, table: Table, loc: Loc, what: &str, expected: &str, got: &Value) {
    v.finding(Finding::new(
        Rule::Type,
        Some(table),
        loc,
        Some(what.to_string()),
        Some(short(got)),
        format!("{what} must be {expected}"),
    ));
}

/// A JSON value for a message: its text, cut to 60 characters.
pub fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(57).collect::<String>())
    } else {
        s
    }
}

fn get_path<'a>(obj: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut cur = obj.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

/// A JSON scalar as cell text, checked against the column's type: numbers for amounts and
/// rates, `true`/`false` for flags, strings for text and dates. `Err` has been reported.
fn scalar(
    v: &mut dyn Visit,
    table: Table,
    loc: Loc,
    field: &str,
    value: Option<&Value>,
    ty: ColType,
) -> std::result::Result<Option<String>, ()> {
    let value = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(x) => x,
    };
    let ok = match (value, ty) {
        (Value::String(s), ColType::Text | ColType::Date) => {
            return Ok((!s.is_empty()).then(|| s.clone()))
        }
        (Value::Number(n), ColType::Money | ColType::Float) => Some(n.to_string()),
        (Value::Number(n), ColType::Int) if n.is_i64() || n.is_u64() => Some(n.to_string()),
        (Value::Bool(b), ColType::Bool) => Some(b.to_string()),
        _ => None,
    };
    match ok {
        Some(s) => Ok(Some(s)),
        None => {
            let expected = match ty {
                ColType::Text => "a string",
                ColType::Date => "a YYYY-MM-DD string",
                ColType::Int => "an integer",
                ColType::Money | ColType::Float => "a number",
                ColType::Bool => "true or false",
            };
            v.finding(Finding::new(
                Rule::Type,
                Some(table),
                loc,
                Some(field.to_string()),
                Some(short(value)),
                format!("expected {expected}, found {}", json_type(value)),
            ));
            Err(())
        }
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Builds one row of `table` from `obj` through `fields`, plus `extra` cells given by the
/// caller; reports keys of `obj` (and of its nested objects) that no field reads.
#[allow(clippy::too_many_arguments)]
fn emit(
    table: Table,
    loc: Loc,
    obj: &Map<String, Value>,
    fields: Fields,
    extra: &[(&str, Option<&str>)],
    ignored: &[&str],
    purchase_apr: Option<Option<String>>,
    v: &mut dyn Visit,
) -> Result<()> {
    unknown_keys(table, loc, obj, fields, ignored, "", v);
    let cols = table.columns();
    let mut owned: Vec<Option<String>> = vec![None; cols.len()];
    let mut bad = 0u32;
    for (k, c) in cols.iter().enumerate() {
        if let Some((path, _)) = fields.iter().find(|(_, col)| *col == c.name) {
            let value = get_path(obj, path);
            if c.name == "aprs" {
                match value {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(_)) => owned[k] = Some(value.unwrap().to_string()),
                    Some(other) => {
                        bad |= 1 << k;
                        not_a(v, table, loc, path, "a list of APR objects", other);
                    }
                }
                continue;
            }
            match scalar(v, table, loc, path, value, c.ty) {
                Ok(s) => owned[k] = s,
                Err(()) => bad |= 1 << k,
            }
        } else if let Some((_, val)) = extra.iter().find(|(col, _)| *col == c.name) {
            owned[k] = val.map(str::to_string);
        } else if c.name == "purchase_apr_percentage" {
            owned[k] = purchase_apr.clone().flatten();
        }
    }
    let cells: Vec<Option<&str>> = owned.iter().map(|s| s.as_deref()).collect();
    v.row(table, loc, &cells, bad)
}

fn unknown_keys(
    table: Table,
    loc: Loc,
    obj: &Map<String, Value>,
    fields: Fields,
    ignored: &[&str],
    prefix: &str,
    v: &mut dyn Visit,
) {
    for (key, value) in obj {
        // `prefix` is empty or ends with '.'. This runs for every key of every object (tens of
        // millions in a large document), so paths are told apart by length and by the byte
        // after the key before any text is compared.
        let is = |p: &str| {
            p.len() == prefix.len() + key.len()
                && p.ends_with(key.as_str())
                && p.starts_with(prefix)
        };
        if ignored.iter().any(|p| is(p))
            || (prefix.is_empty() && table == Table::Users && USER_NESTED.contains(&key.as_str()))
        {
            continue;
        }
        // Whether a field is this key (`exact`) or is inside it (`nested`).
        let (mut exact, mut nested) = (false, false);
        for (p, _) in fields {
            let (p, k) = (p.as_bytes(), key.as_bytes());
            let end = prefix.len() + k.len();
            let here = match p.len().cmp(&end) {
                std::cmp::Ordering::Less => continue,
                std::cmp::Ordering::Equal => &mut exact,
                std::cmp::Ordering::Greater if p[end] == b'.' => &mut nested,
                std::cmp::Ordering::Greater => continue,
            };
            if &p[prefix.len()..end] == k && p.starts_with(prefix.as_bytes()) {
                *here = true;
            }
        }
        let full = || format!("{prefix}{key}");
        if nested {
            if let Value::Object(inner) = value {
                unknown_keys(
                    table,
                    loc,
                    inner,
                    fields,
                    ignored,
                    &format!("{}.", full()),
                    v,
                );
            } else if !value.is_null() {
                not_a(v, table, loc, &full(), "an object", value);
            }
        } else if !exact {
            v.finding(Finding::new(
                Rule::Columns,
                Some(table),
                loc,
                Some(full()),
                None,
                format!("unknown key '{}'", full()),
            ));
        }
    }
}
