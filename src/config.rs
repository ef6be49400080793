//! The generation recipe: user count, seed, dates, archetype mix, consent ratio and outputs.
//! Every key is validated here; an unknown key is an error that names it. Configuration arrives as
//! JSON (from Python keyword arguments or a JSON file) or TOML (a file), both parsed to one JSON tree.

use crate::error::{Error, Result};
use crate::model::Archetype;
use chrono::{Months, NaiveDate};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

pub const MAX_USERS: u64 = 10_000_000;
pub const DEFAULT_USERS: u64 = 100;
pub const DEFAULT_SEED: u64 = 42;
pub const DEFAULT_END_DATE: &str = "2025-10-31";
pub const DEFAULT_MONTHS: u32 = 7;
pub const DEFAULT_CONSENT_RATIO: f64 = 0.9;
pub const MIN_DATE: &str = "2000-01-01";
pub const MAX_DATE: &str = "2100-12-31";

/// Output formats a run can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Sqlite,
    Csv,
    Json,
    /// `parquet/<table>.parquet`: the five tables as Parquet.
    Parquet,
    /// Per user, Plaid `/accounts/get`, `/transactions/get` and `/liabilities/get` bodies.
    Plaid,
    /// Per user, a Plaid Sandbox `user_custom` configuration.
    PlaidSandbox,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Sqlite,
        Format::Csv,
        Format::Json,
        Format::Parquet,
        Format::Plaid,
        Format::PlaidSandbox,
    ];
    /// What a run writes when no format is given (the Plaid ones are opt-in).
    pub const DEFAULT: [Format; 3] = [Format::Sqlite, Format::Csv, Format::Json];
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sqlite => "sqlite",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Parquet => "parquet",
            Format::Plaid => "plaid",
            Format::PlaidSandbox => "plaid-sandbox",
        }
    }
    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.as_str() == s)
    }
    /// The path a format writes inside the output folder.
    pub fn default_name(self) -> &'static str {
        match self {
            Format::Sqlite => "spendsense.db",
            Format::Csv => "csv",
            Format::Json => "users.json",
            Format::Parquet => "parquet",
            Format::Plaid => "plaid",
            Format::PlaidSandbox => "plaid_sandbox",
        }
    }
}

/// Users without consent among `n_users` for a consent ratio: `n (1 - r)` rounded half up (the
/// generator's plan and the validator's consent rule both use this).
pub fn no_consent_count(n_users: u64, consent_ratio: f64) -> u64 {
    let x = n_users as f64 * (1.0 - consent_ratio);
    // 1 - 0.9 is 0.09999999999999998 in binary: round at 1e-9 first.
    ((x * 1e9).round() / 1e9 + 0.5).floor() as u64
}

/// Named mixes. Weights are per 100 users; other sizes scale them by largest remainder.
pub const PRESETS: [(&str, &[(Archetype, u64)]); 2] = [
    (
        "default",
        &[
            (Archetype::HighUtilizer, 16),
            (Archetype::Overspender, 4),
            (Archetype::VariableIncome, 13),
            (Archetype::SubscriptionHeavy, 13),
            (Archetype::SavingsBuilder, 13),
            (Archetype::CashFlowStressed, 10),
            (Archetype::MultiPersona, 13),
            (Archetype::Stable, 10),
            (Archetype::EdgeCases, 8),
        ],
    ),
    (
        "even",
        &[
            (Archetype::HighUtilizer, 20),
            (Archetype::VariableIncome, 20),
            (Archetype::SubscriptionHeavy, 20),
            (Archetype::SavingsBuilder, 20),
            (Archetype::Stable, 20),
        ],
    ),
];

fn preset_names() -> String {
    PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
}

fn archetype_names() -> String {
    Archetype::ALL
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How the user population is split across archetypes.
#[derive(Debug, Clone, PartialEq)]
pub enum Mix {
    Preset(String),
    Counts(BTreeMap<Archetype, u64>),
    Shares(BTreeMap<Archetype, f64>),
}

/// A validated configuration. Construct with [`Config::from_json`] / [`Config::from_value`].
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub n_users: u64,
    pub seed: u64,
    pub consent_ratio: f64,
    pub end_date: NaiveDate,
    pub months: u32,
    pub mix: Mix,
    /// The mix resolved to exact counts that sum to `n_users` (archetype order).
    pub counts: BTreeMap<Archetype, u64>,
    pub out_dir: String,
    pub formats: Vec<Format>,
}

impl Default for Config {
    fn default() -> Self {
        Config::from_value(&json!({})).expect("the default configuration is valid")
    }
}

const TOP_KEYS: [&str; 7] = [
    "n_users",
    "seed",
    "consent_ratio",
    "end_date",
    "months",
    "mix",
    "output",
];

fn check_keys(obj: &Map<String, Value>, prefix: &str, known: &[&str]) -> Result<()> {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            return Err(Error::UnknownKey {
                key: format!("{prefix}{k}"),
                known: known.join(", "),
            });
        }
    }
    Ok(())
}

fn get_u64(obj: &Map<String, Value>, key: &str, lo: u64, hi: u64) -> Result<Option<u64>> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let allowed = format!("an integer from {lo} to {hi}");
            let n = v.as_u64().ok_or_else(|| {
                Error::invalid(key, format!("{v} is not a non-negative integer"), &allowed)
            })?;
            if n < lo || n > hi {
                return Err(Error::invalid(key, format!("{n} is out of range"), allowed));
            }
            Ok(Some(n))
        }
    }
}

/// Parses `YYYY-MM-DD` within the supported range.
pub fn parse_date(parameter: &str, s: &str) -> Result<NaiveDate> {
    let allowed = format!("a date YYYY-MM-DD from {MIN_DATE} to {MAX_DATE}");
    let well_formed = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|_| well_formed)
        .ok_or_else(|| Error::invalid(parameter, format!("'{s}' is not a valid date"), &allowed))?;
    let lo = NaiveDate::parse_from_str(MIN_DATE, "%Y-%m-%d").unwrap();
    let hi = NaiveDate::parse_from_str(MAX_DATE, "%Y-%m-%d").unwrap();
    if d < lo || d > hi {
        return Err(Error::invalid(
            parameter,
            format!("{s} is out of range"),
            allowed,
        ));
    }
    Ok(d)
}

fn parse_mix(v: &Value) -> Result<Mix> {
    match v {
        Value::String(name) => {
            if PRESETS.iter().any(|p| p.0 == name) {
                Ok(Mix::Preset(name.clone()))
            } else {
                Err(Error::invalid(
                    "mix",
                    format!("unknown preset '{name}'"),
                    format!(
                        "a preset ({}) or {{counts: ...}} or {{shares: ...}}",
                        preset_names()
                    ),
                ))
            }
        }
        Value::Object(obj) => {
            check_keys(obj, "mix.", &["preset", "counts", "shares"])?;
            if obj.len() != 1 {
                return Err(Error::invalid(
                    "mix",
                    "give exactly one of preset, counts or shares",
                    "{preset: NAME} or {counts: {ARCHETYPE: N}} or {shares: {ARCHETYPE: FRACTION}}",
                ));
            }
            let (kind, inner) = obj.iter().next().unwrap();
            if kind == "preset" {
                return match inner {
                    Value::String(_) => parse_mix(inner),
                    _ => Err(Error::invalid(
                        "mix.preset",
                        format!("{inner} is not a string"),
                        preset_names(),
                    )),
                };
            }
            let table = inner.as_object().ok_or_else(|| {
                Error::invalid(
                    format!("mix.{kind}"),
                    format!("{inner} is not a table of archetype names"),
                    archetype_names(),
                )
            })?;
            let mut counts = BTreeMap::new();
            let mut shares = BTreeMap::new();
            for (name, val) in table {
                let a = Archetype::parse(name).ok_or_else(|| {
                    Error::invalid(
                        format!("mix.{kind}"),
                        format!("unknown archetype '{name}'"),
                        archetype_names(),
                    )
                })?;
                if kind == "counts" {
                    let n = val.as_u64().ok_or_else(|| {
                        Error::invalid(
                            format!("mix.counts.{name}"),
                            format!("{val} is not a non-negative integer"),
                            format!("an integer from 0 to {MAX_USERS}"),
                        )
                    })?;
                    counts.insert(a, n);
                } else {
                    let s = val
                        .as_f64()
                        .filter(|s| (0.0..=1.0).contains(s))
                        .ok_or_else(|| {
                            Error::invalid(
                                format!("mix.shares.{name}"),
                                format!("{val} is not a share"),
                                "a number from 0 to 1",
                            )
                        })?;
                    shares.insert(a, s);
                }
            }
            if kind == "counts" {
                Ok(Mix::Counts(counts))
            } else {
                let total: f64 = shares.values().sum();
                if (total - 1.0).abs() > 1e-6 {
                    return Err(Error::invalid(
                        "mix.shares",
                        format!("shares sum to {total}"),
                        "shares that sum to 1",
                    ));
                }
                Ok(Mix::Shares(shares))
            }
        }
        other => Err(Error::invalid(
            "mix",
            format!("{other} is not a preset name or a table"),
            format!(
                "a preset ({}) or {{counts: ...}} or {{shares: ...}}",
                preset_names()
            ),
        )),
    }
}

/// Largest-remainder apportionment of `n` over weights given as exact fractions `num/den`.
/// Ties go to the earlier archetype. The result always sums to `n`.
fn apportion(n: u64, weights: &[(Archetype, f64)]) -> BTreeMap<Archetype, u64> {
    let mut out: BTreeMap<Archetype, u64> = BTreeMap::new();
    let mut rema: Vec<(f64, usize)> = Vec::new();
    let mut given = 0u64;
    for (i, (a, w)) in weights.iter().enumerate() {
        let q = w * n as f64;
        // Guard against 12.999999 style float error: values within 1e-9 of an integer are that integer.
        let fl = if (q - q.round()).abs() < 1e-9 {
            q.round()
        } else {
            q.floor()
        };
        out.insert(*a, fl as u64);
        given += fl as u64;
        rema.push((q - fl, i));
    }
    // Sort by remainder descending, then archetype order.
    rema.sort_by(|x, y| y.0.partial_cmp(&x.0).unwrap().then(x.1.cmp(&y.1)));
    let mut left = n.saturating_sub(given);
    for (_, i) in rema {
        if left == 0 {
            break;
        }
        *out.get_mut(&weights[i].0).unwrap() += 1;
        left -= 1;
    }
    out
}

impl Config {
    pub fn from_json(text: &str) -> Result<Config> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Error::invalid("config", format!("not valid JSON: {e}"), "a JSON object")
        })?;
        Config::from_value(&v)
    }

    /// Reads a TOML (`.toml`) or JSON (any other extension) configuration file into a JSON tree.
    pub fn read_file(path: &Path) -> Result<Value> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::ConfigFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        if is_toml {
            let t: toml::Table = toml::from_str(&text).map_err(|e| Error::ConfigFile {
                path: path.to_path_buf(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
            Ok(toml_to_json(toml::Value::Table(t)))
        } else {
            serde_json::from_str(&text).map_err(|e| Error::ConfigFile {
                path: path.to_path_buf(),
                message: format!("not valid JSON: {e}"),
            })
        }
    }

    pub fn from_value(v: &Value) -> Result<Config> {
        let obj = v.as_object().ok_or_else(|| {
            Error::invalid(
                "config",
                "the configuration is not a table",
                "a JSON/TOML table",
            )
        })?;
        check_keys(obj, "", &TOP_KEYS)?;
        let seed = get_u64(obj, "seed", 0, u64::MAX)?.unwrap_or(DEFAULT_SEED);
        let months = get_u64(obj, "months", 1, 36)?.unwrap_or(DEFAULT_MONTHS as u64) as u32;
        let end_date = match obj.get("end_date") {
            None | Some(Value::Null) => parse_date("end_date", DEFAULT_END_DATE)?,
            Some(Value::String(s)) => parse_date("end_date", s)?,
            Some(other) => parse_date("end_date", &other.to_string())?,
        };
        let consent_ratio = match obj.get("consent_ratio") {
            None | Some(Value::Null) => DEFAULT_CONSENT_RATIO,
            Some(v) => v
                .as_f64()
                .filter(|r| (0.0..=1.0).contains(r))
                .ok_or_else(|| {
                    Error::invalid(
                        "consent_ratio",
                        format!("{v} is not a ratio"),
                        "a number from 0 to 1",
                    )
                })?,
        };
        let mix = match obj.get("mix") {
            None | Some(Value::Null) => Mix::Preset("default".into()),
            Some(m) => parse_mix(m)?,
        };
        let n_given = get_u64(obj, "n_users", 1, MAX_USERS)?;
        let (n_users, counts) = match &mix {
            Mix::Counts(c) => {
                let total: u64 = c.values().sum();
                let n = n_given.unwrap_or(total);
                if total != n {
                    return Err(Error::invalid(
                        "mix.counts",
                        format!("counts sum to {total} but n_users is {n}"),
                        "counts that sum to n_users",
                    ));
                }
                if !(1..=MAX_USERS).contains(&n) {
                    return Err(Error::invalid(
                        "n_users",
                        format!("{n} is out of range"),
                        format!("an integer from 1 to {MAX_USERS}"),
                    ));
                }
                let mut full: BTreeMap<Archetype, u64> =
                    Archetype::ALL.iter().map(|a| (*a, 0)).collect();
                full.extend(c.iter().map(|(a, n)| (*a, *n)));
                (n, full)
            }
            Mix::Shares(s) => {
                let n = n_given.unwrap_or(DEFAULT_USERS);
                let w: Vec<(Archetype, f64)> = Archetype::ALL
                    .iter()
                    .map(|a| (*a, s.get(a).copied().unwrap_or(0.0)))
                    .collect();
                (n, apportion(n, &w))
            }
            Mix::Preset(name) => {
                let n = n_given.unwrap_or(DEFAULT_USERS);
                let p = PRESETS.iter().find(|p| p.0 == name).unwrap().1;
                let total: u64 = p.iter().map(|x| x.1).sum();
                let w: Vec<(Archetype, f64)> = Archetype::ALL
                    .iter()
                    .map(|a| {
                        let c = p.iter().find(|x| x.0 == *a).map(|x| x.1).unwrap_or(0);
                        (*a, c as f64 / total as f64)
                    })
                    .collect();
                (n, apportion(n, &w))
            }
        };
        let (out_dir, formats) = match obj.get("output") {
            None | Some(Value::Null) => ("data".to_string(), Format::DEFAULT.to_vec()),
            Some(Value::Object(o)) => {
                check_keys(o, "output.", &["dir", "formats"])?;
                let dir = match o.get("dir") {
                    None | Some(Value::Null) => "data".to_string(),
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    Some(other) => {
                        return Err(Error::invalid(
                            "output.dir",
                            format!("{other} is not a path"),
                            "a non-empty folder path",
                        ))
                    }
                };
                let formats = match o.get("formats") {
                    None | Some(Value::Null) => Format::DEFAULT.to_vec(),
                    Some(v) => parse_formats(v)?,
                };
                (dir, formats)
            }
            Some(other) => {
                return Err(Error::invalid(
                    "output",
                    format!("{other} is not a table"),
                    "a table with keys dir and formats",
                ))
            }
        };
        Ok(Config {
            n_users,
            seed,
            consent_ratio,
            end_date,
            months,
            mix,
            counts,
            out_dir,
            formats,
        })
    }

    /// First day of the simulated window (inclusive): `months` calendar months ending on `end_date`.
    pub fn start_date(&self) -> NaiveDate {
        self.end_date
            .checked_sub_months(Months::new(self.months))
            .expect("dates are range-checked")
            .succ_opt()
            .unwrap()
    }

    /// Number of users without consent: `n_users * (1 - consent_ratio)`, rounded half up.
    pub fn n_no_consent(&self) -> u64 {
        no_consent_count(self.n_users, self.consent_ratio)
    }

    /// The effective configuration as a JSON tree (mix resolved to exact counts). Feeding it back
    /// to [`Config::from_value`] gives the same configuration and the same data.
    pub fn to_value(&self) -> Value {
        let counts: Map<String, Value> = self
            .counts
            .iter()
            .map(|(a, n)| (a.as_str().to_string(), json!(n)))
            .collect();
        json!({
            "n_users": self.n_users,
            "seed": self.seed,
            "consent_ratio": self.consent_ratio,
            "end_date": self.end_date.format("%Y-%m-%d").to_string(),
            "months": self.months,
            "mix": {"counts": counts},
            "output": {
                "dir": self.out_dir,
                "formats": self.formats.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            },
        })
    }
}

fn parse_formats(v: &Value) -> Result<Vec<Format>> {
    let allowed = "a list of: sqlite, csv, json, parquet, plaid, plaid-sandbox";
    let items: Vec<String> = match v {
        Value::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str().map(str::to_string).ok_or_else(|| {
                    Error::invalid("output.formats", format!("{x} is not a name"), allowed)
                })
            })
            .collect::<Result<_>>()?,
        other => {
            return Err(Error::invalid(
                "output.formats",
                format!("{other} is not a list"),
                allowed,
            ))
        }
    };
    let mut out = Vec::new();
    for s in items {
        let f = Format::parse(&s).ok_or_else(|| {
            Error::invalid("output.formats", format!("unknown format '{s}'"), allowed)
        })?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err(Error::invalid("output.formats", "no format given", allowed));
    }
    out.sort();
    Ok(out)
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) => json!(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(v: Value) -> String {
        Config::from_value(&v).unwrap_err().to_string()
    }

    #[test]
    fn defaults() {
        let c = Config::default();
        assert_eq!(c.n_users, 100);
        assert_eq!(c.seed, 42);
        assert_eq!(c.months, 7);
        assert_eq!(c.start_date().to_string(), "2025-04-01");
        assert_eq!(c.counts.values().sum::<u64>(), 100);
        assert_eq!(c.counts[&Archetype::HighUtilizer], 16);
        assert_eq!(c.n_no_consent(), 10);
    }

    #[test]
    fn preset_scales_by_largest_remainder() {
        for n in [1u64, 7, 10, 33, 99, 101, 1000, 12345] {
            let c = Config::from_value(&json!({"n_users": n})).unwrap();
            assert_eq!(c.counts.values().sum::<u64>(), n, "n={n}");
        }
        let c = Config::from_value(&json!({"n_users": 1000, "mix": "even"})).unwrap();
        assert_eq!(c.counts[&Archetype::Stable], 200);
    }

    #[test]
    fn shares_round_to_exact_total() {
        let c = Config::from_value(&json!({"n_users": 10, "mix": {"shares": {
            "stable": 0.3333333333, "savings_builder": 0.3333333333, "high_utilizer": 0.3333333334}}}))
        .unwrap();
        assert_eq!(c.counts.values().sum::<u64>(), 10);
        // largest remainder: the one with the largest fraction gets the extra user; ties by order
        assert_eq!(c.counts[&Archetype::HighUtilizer], 4);
    }

    #[test]
    fn counts_must_make_n_users() {
        let e = err(json!({"n_users": 10, "mix": {"counts": {"stable": 9}}}));
        assert!(e.contains("mix.counts") && e.contains("sum to 9"), "{e}");
        let c = Config::from_value(&json!({"mix": {"counts": {"stable": 9}}})).unwrap();
        assert_eq!(c.n_users, 9);
    }

    #[test]
    fn bad_values_name_the_parameter() {
        assert!(err(json!({"n_users": -1})).starts_with("invalid n_users"));
        assert!(err(json!({"n_users": 0})).starts_with("invalid n_users"));
        assert!(err(json!({"n_users": 10_000_001u64})).contains("from 1 to 10000000"));
        assert!(err(json!({"months": 37})).starts_with("invalid months"));
        assert!(err(json!({"months": 0})).starts_with("invalid months"));
        assert!(err(json!({"end_date": "2025-13-01"})).starts_with("invalid end_date"));
        assert!(err(json!({"end_date": "2025-1-5"})).starts_with("invalid end_date"));
        assert!(err(json!({"consent_ratio": 1.5})).starts_with("invalid consent_ratio"));
        assert!(err(json!({"mix": "nope"})).contains("unknown preset"));
        assert!(
            err(json!({"mix": {"counts": {"wizard": 3}}})).contains("unknown archetype 'wizard'")
        );
        assert!(err(json!({"mix": {"shares": {"stable": 0.5}}})).contains("sum to 0.5"));
        assert!(err(json!({"output": {"formats": ["xml"]}})).contains("unknown format 'xml'"));
    }

    #[test]
    fn unknown_keys_are_named() {
        assert!(err(json!({"n_user": 5})).contains("'n_user'"));
        assert!(err(json!({"output": {"folder": "x"}})).contains("'output.folder'"));
        assert!(err(json!({"mix": {"count": {}}})).contains("'mix.count'"));
    }

    #[test]
    fn effective_config_round_trips() {
        let c = Config::from_value(&json!({"n_users": 37, "seed": 7, "mix": "even"})).unwrap();
        let again = Config::from_value(&c.to_value()).unwrap();
        assert_eq!(again.counts, c.counts);
        assert_eq!(again.to_value(), c.to_value());
    }

    #[test]
    fn toml_file_with_bare_date() {
        let dir = std::env::temp_dir().join(format!("ssg-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("c.toml");
        std::fs::write(
            &p,
            "n_users = 20\nend_date = 2024-06-30\n[mix.counts]\nstable = 20\n",
        )
        .unwrap();
        let c = Config::from_value(&Config::read_file(&p).unwrap()).unwrap();
        assert_eq!(c.end_date.to_string(), "2024-06-30");
        assert_eq!(c.counts[&Archetype::Stable], 20);
        std::fs::remove_dir_all(&dir).ok();
    }
}
