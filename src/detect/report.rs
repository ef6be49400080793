//! The fidelity report: detected personas held against the labels, per window. Confusion per
//! persona, set agreement, each edge case against its design, coverage, persona counts, consent.
//! Only consenting users are compared (others get no assignment); edge cases are reported on
//! their own; a persona that cannot be seen in a window (variable income in 30 days) is left out
//! of that window's comparison.

use super::personas::VARIABLE_INCOME_MIN_WINDOW;
use super::{Detection, Signals, WINDOWS};
use crate::model::{Persona, PersonaSet};
use chrono::NaiveDate;
use serde_json::{json, Map, Value};

fn list(s: PersonaSet) -> Value {
    json!(s.iter().map(|p| p.as_str()).collect::<Vec<_>>())
}

/// The label's personas that can be seen in a window.
pub fn observable(label: PersonaSet, window: u32) -> PersonaSet {
    let mut out = PersonaSet::EMPTY;
    for p in label.iter() {
        if p != Persona::VariableIncome || window >= VARIABLE_INCOME_MIN_WINDOW {
            out.insert(p);
        }
    }
    out
}

/// Number of signal families in which the user shows a behaviour.
pub fn behaviours(s: &Signals) -> u32 {
    [
        s.subscriptions.recurring_merchants > 0,
        s.savings.savings_accounts > 0
            && (s.savings.net_inflow > 0 || s.savings.growth_rate.unwrap_or(0.0) > 0.0),
        s.credit.cards > 0,
        s.income.payroll_deposits > 0,
        s.cash_flow.has_checking && s.cash_flow.days > 0,
    ]
    .iter()
    .filter(|x| **x)
    .count() as u32
}

fn edge_figure(edge: &str, s: &Signals, n_txns: usize, n_pending: usize) -> String {
    match edge {
        "utilization_exactly_50" => format!(
            "max utilization {:.4}",
            s.credit.max_utilization.unwrap_or(0.0)
        ),
        "recurring_exactly_3" => format!(
            "{} recurring merchants, {}/month",
            s.subscriptions.recurring_merchants,
            super::dollars(s.subscriptions.monthly_recurring_spend)
        ),
        "low_balance_exactly_30pct" => format!(
            "checking under $100 on {} of {} days ({:.1}%)",
            s.cash_flow.days_below_100,
            s.cash_flow.days,
            s.cash_flow.share_below_100 * 100.0
        ),
        "no_transactions" | "only_pending" => format!("{n_txns} transactions, {n_pending} pending"),
        "no_credit_accounts" => format!("{} credit cards", s.credit.cards),
        _ => format!(
            "max utilization {:.2}",
            s.credit.max_utilization.unwrap_or(0.0)
        ),
    }
}

/// One window's figures, added up over chunks of users.
#[derive(Debug, Clone, Default)]
struct WindowAcc {
    counts: [usize; 5],
    primary: [usize; 5],
    users_with_persona: usize,
    no_consent_users: usize,
    compared: usize,
    agree: usize,
    mismatches: Vec<Value>,
    cov_users: usize,
    covered: usize,
    edges: Vec<Value>,
    /// Edge-case users compared, and how many were not as designed.
    edge_users: usize,
    edges_bad: usize,
    /// Per persona: true positives, false positives, false negatives, true negatives.
    tallies: [[usize; 4]; 5],
}

/// Users listed by name per window in `edge_cases` and in `agreement.mismatches` (the counts
/// always cover every user): enough for every dataset one reads row by row, and a bound so a
/// million-user run's report stays small.
pub const LISTED: usize = 500;

/// The report, built up one detection (a chunk of users) at a time: [`Acc::add`] each chunk in
/// user order, then [`Acc::finish`]. The result is the same as [`build`] on all users at once.
#[derive(Debug, Clone)]
pub struct Acc {
    end: NaiveDate,
    /// The earliest transaction date seen: where the data starts.
    first: Option<NaiveDate>,
    /// The latest transaction date.
    last: Option<NaiveDate>,
    users: usize,
    consent: usize,
    labelled: bool,
    windows: Vec<WindowAcc>,
}

impl Acc {
    pub fn new(end: NaiveDate) -> Acc {
        Acc {
            end,
            first: None,
            last: None,
            users: 0,
            consent: 0,
            labelled: false,
            windows: vec![WindowAcc::default(); WINDOWS.len()],
        }
    }

    pub fn add(&mut self, det: &Detection) {
        let input = &det.input;
        let first = input.txns.iter().map(|t| t.date).min();
        self.first = self.first.into_iter().chain(first).min();
        let last = input.txns.iter().map(|t| t.date).max();
        self.last = self.last.into_iter().chain(last).max();
        self.users += input.users.len();
        self.consent += input.users.iter().filter(|u| u.consent).count();
        self.labelled |= input.users.iter().any(|u| u.label.is_some());
        for (wi, &window) in WINDOWS.iter().enumerate() {
            let w = &mut self.windows[wi];
            for a in &det.assignments[wi] {
                for (k, p) in Persona::ALL.iter().enumerate() {
                    w.counts[k] += a.personas.contains(*p) as usize;
                    w.primary[k] += (a.primary == Some(*p)) as usize;
                }
                w.users_with_persona += !a.personas.is_empty() as usize;
                w.no_consent_users += !a.consent as usize;
                let u = &input.users[a.user];
                let Some(label) = &u.label else { continue };
                let s = &det.signals[wi][a.user];
                let want = observable(label.personas, window);
                if let Some(edge) = &label.edge_case {
                    let (n_txns, n_pending) = u.accounts.iter().fold((0, 0), |(n, p), &acc| {
                        let t = &input.accounts[acc].txns;
                        (
                            n + t.len(),
                            p + t.iter().filter(|&&i| input.txns[i].pending).count(),
                        )
                    });
                    let ok = a.detected == want && (a.consent || a.personas.is_empty());
                    w.edge_users += 1;
                    w.edges_bad += !ok as usize;
                    // The first users are listed (all of them in datasets one reads), and any
                    // that failed, up to a bound: the report must not grow with the users.
                    let listed = w.edges.len() < LISTED || (!ok && w.edges.len() < 2 * LISTED);
                    if !listed {
                        continue;
                    }
                    w.edges.push(json!({
                        "user_id": u.user_id,
                        "edge_case": edge,
                        "expected": list(want),
                        "detected": list(a.detected),
                        "assigned": list(a.personas),
                        "consent": a.consent,
                        "as_designed": ok,
                        "figure": edge_figure(edge, s, n_txns, n_pending),
                    }));
                    continue;
                }
                if !a.consent {
                    continue;
                }
                w.compared += 1;
                if a.personas == want {
                    w.agree += 1;
                } else if w.mismatches.len() < LISTED {
                    w.mismatches.push(json!({"user_id": u.user_id, "archetype": label.archetype, "label": list(want), "detected": list(a.personas)}));
                }
                for (k, p) in Persona::ALL.iter().enumerate() {
                    let idx = match (want.contains(*p), a.personas.contains(*p)) {
                        (true, true) => 0,
                        (false, true) => 1,
                        (true, false) => 2,
                        (false, false) => 3,
                    };
                    w.tallies[k][idx] += 1;
                }
                if !want.is_empty() {
                    w.cov_users += 1;
                    if !a.personas.is_empty() && behaviours(s) >= 3 {
                        w.covered += 1;
                    }
                }
            }
        }
    }

    pub fn finish(self) -> Value {
        let end = self.end;
        let data_days = self.first.map(|f| (end - f).num_days() + 1).unwrap_or(0);
        // Whether the data spans what the rules read for a window (the generator holds its
        // labels only there: `detect::checkable`).
        let covered = |window: u32| super::checkable(window, data_days.max(0) as u32);
        let mut windows = Map::new();
        let mut targets = Map::new();
        for (wi, &window) in WINDOWS.iter().enumerate() {
            let a = &self.windows[wi];
            let mut counts = Map::new();
            let mut primary = Map::new();
            for (k, p) in Persona::ALL.iter().enumerate() {
                counts.insert(p.as_str().into(), json!(a.counts[k]));
                primary.insert(p.as_str().into(), json!(a.primary[k]));
            }
            let mut w = json!({
                "start_date": crate::model::iso_date(end - chrono::Duration::days(window as i64 - 1)),
                "end_date": crate::model::iso_date(end),
                "persona_counts": counts,
                "primary_counts": primary,
                "users_with_persona": a.users_with_persona,
                "no_consent_users": a.no_consent_users,
                "not_observable": if window < VARIABLE_INCOME_MIN_WINDOW { json!(["variable_income"]) } else { json!([]) },
                "covered": covered(window),
                "days_needed": super::days_needed(window),
            });
            if self.labelled {
                let mut confusion = Map::new();
                for (k, p) in Persona::ALL.iter().enumerate() {
                    if window < VARIABLE_INCOME_MIN_WINDOW && *p == Persona::VariableIncome {
                        continue;
                    }
                    let t = a.tallies[k];
                    confusion.insert(
                        p.as_str().into(),
                        json!({"tp": t[0], "fp": t[1], "fn": t[2], "tn": t[3]}),
                    );
                }
                let rate = |n: usize, d: usize| if d == 0 { 1.0 } else { n as f64 / d as f64 };
                let o = w.as_object_mut().unwrap();
                o.insert("confusion".into(), Value::Object(confusion));
                o.insert("agreement".into(), json!({"users": a.compared, "agree": a.agree, "rate": rate(a.agree, a.compared), "mismatches": a.mismatches}));
                o.insert(
                    "coverage".into(),
                    json!({"users": a.cov_users, "covered": a.covered, "rate": rate(a.covered, a.cov_users)}),
                );
                o.insert("edge_cases".into(), json!(a.edges));
                o.insert(
                    "edge_case_users".into(),
                    json!({"users": a.edge_users, "as_designed": a.edge_users - a.edges_bad, "listed": a.edges.len()}),
                );
                targets.insert(format!("agreement_{window}d"), json!(a.agree == a.compared));
                targets.insert(
                    format!("coverage_{window}d"),
                    json!(a.covered == a.cov_users),
                );
                targets.insert(format!("edge_cases_{window}d"), json!(a.edges_bad == 0));
            }
            windows.insert(format!("{window}d"), w);
        }
        json!({
            "generator": "spendsense-gen",
            "version": crate::VERSION,
            "end_date": crate::model::iso_date(end),
            "data_start": self.first.map(crate::model::iso_date),
            "data_end": self.last.map(crate::model::iso_date),
            "users": self.users,
            "consent": {"true": self.consent, "false": self.users - self.consent},
            "labelled": self.labelled,
            "windows": windows,
            "targets": targets,
        })
    }
}

/// The report of one detection (all its users at once).
pub fn build(det: &Detection) -> Value {
    let mut acc = Acc::new(det.input.end);
    acc.add(det);
    acc.finish()
}

/// Edge-case users the summary lists one by one: all of them up to this many, else only those
/// not as designed, up to this many.
const SUMMARY_EDGES: u64 = 20;

/// A readable summary of a report, for the CLI.
pub fn summary(report: &Value) -> String {
    let mut out = String::new();
    let r = report;
    out.push_str(&format!(
        "persona detection: {} users to {}, consent {} yes / {} no\n",
        r["users"],
        r["end_date"].as_str().unwrap_or(""),
        r["consent"]["true"],
        r["consent"]["false"]
    ));
    // An end date away from the data (given with --end-date) leaves the windows empty or
    // partly empty: say so before the figures it explains.
    let date = |k: &str| {
        r[k].as_str()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    let before_data = matches!((date("end_date"), date("data_start")), (Some(e), Some(s)) if e < s);
    if let (Some(end), Some(start)) = (date("end_date"), date("data_start")) {
        if before_data {
            out.push_str(&format!(
                "  the windows end {end}, before the data starts ({start}): no transaction is in them\n"
            ));
        }
    }
    if let (Some(end), Some(last)) = (date("end_date"), date("data_end")) {
        if last < end && !before_data {
            out.push_str(&format!(
                "  the data's last transaction is on {last}, {} days before the windows end ({end}): \
                 those days hold no transactions\n",
                (end - last).num_days()
            ));
        }
    }
    for (name, w) in r["windows"].as_object().into_iter().flatten() {
        out.push_str(&format!(
            "  window {name} ({} to {}):\n",
            w["start_date"].as_str().unwrap_or(""),
            w["end_date"].as_str().unwrap_or("")
        ));
        let counts: Vec<String> = w["persona_counts"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        out.push_str(&format!(
            "    assigned: {} (users with a persona: {}, without consent: {})\n",
            counts.join(", "),
            w["users_with_persona"],
            w["no_consent_users"]
        ));
        if w["covered"] == json!(false) && !before_data {
            out.push_str(&format!(
                "    the data starts {}: shorter than the {} days this window's rules read, so \
                 personas can be missed and labels are not held to them here\n",
                r["data_start"].as_str().unwrap_or("nowhere"),
                w["days_needed"]
            ));
        }
        if let Some(a) = w.get("agreement") {
            out.push_str(&format!(
                "    label agreement: {}/{} ({:.1}%), coverage {}/{}\n",
                a["agree"],
                a["users"],
                a["rate"].as_f64().unwrap_or(0.0) * 100.0,
                w["coverage"]["covered"],
                w["coverage"]["users"]
            ));
            for m in a["mismatches"].as_array().into_iter().flatten().take(5) {
                out.push_str(&format!(
                    "      mismatch {}: label {} detected {}\n",
                    m["user_id"], m["label"], m["detected"]
                ));
            }
            // Every edge-case user in a small run; in a large one only those not as designed
            // (a million users have 80,000 edge cases).
            let eu = &w["edge_case_users"];
            let n_edges = eu["users"].as_u64().unwrap_or(0);
            if n_edges > 0 {
                out.push_str(&format!(
                    "    edge cases: {}/{n_edges} as designed\n",
                    eu["as_designed"]
                ));
            }
            let all = n_edges <= SUMMARY_EDGES;
            let shown = w["edge_cases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| all || e["as_designed"].as_bool() != Some(true));
            for e in shown.take(SUMMARY_EDGES as usize) {
                out.push_str(&format!(
                    "    edge {} {:<32} {:<15} {} -> {}\n",
                    e["user_id"].as_str().unwrap_or(""),
                    e["edge_case"].as_str().unwrap_or(""),
                    if e["as_designed"].as_bool() == Some(true) {
                        "as designed"
                    } else {
                        "NOT as designed"
                    },
                    e["figure"].as_str().unwrap_or(""),
                    e["detected"]
                ));
            }
            if !all {
                let listed = eu["listed"].as_u64().unwrap_or(0);
                out.push_str(&if listed == n_edges {
                    format!("      (all {listed} are under \"edge_cases\" in the report)\n")
                } else {
                    format!(
                        "      (the first {listed} edge-case users are under \"edge_cases\" in the report)\n"
                    )
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    /// More edge-case users than [`LISTED`]: the list stops at the bound, the counts cover all.
    #[test]
    fn edge_case_list_is_bounded_and_counts_are_exact() {
        let n = LISTED as u64 + 100;
        let config = Config::from_value(&serde_json::json!({
            "n_users": n + 100, "seed": 5, "consent_ratio": 0.85,
            "mix": {"counts": {"edge_cases": n, "stable": 100}}
        }))
        .unwrap();
        let ds = crate::generate(&config, Some(2), &mut |_, _| Ok(())).unwrap();
        let mut acc = Acc::new(config.end_date);
        for chunk in ds.users.chunks(crate::generate::CHUNK) {
            acc.add(&crate::sink::detect_chunk(&config, chunk, None).unwrap());
        }
        let report = acc.finish();
        for w in ["30d", "180d"] {
            let win = &report["windows"][w];
            assert_eq!(win["edge_cases"].as_array().unwrap().len(), LISTED, "{w}");
            assert_eq!(win["edge_case_users"]["users"], n, "{w}");
            assert_eq!(win["edge_case_users"]["as_designed"], n, "{w}");
            assert_eq!(win["edge_case_users"]["listed"], LISTED, "{w}");
        }
        // The summary counts them and lists none while all are as designed...
        let text = summary(&report);
        assert!(
            text.contains(&format!("edge cases: {n}/{n} as designed")),
            "{text}"
        );
        assert_eq!(text.matches("    edge user_").count(), 0, "{text}");
        assert!(text.contains("(the first 500 edge-case users are under \"edge_cases\""));
        // ...and lists one that is not.
        let mut bad = report.clone();
        let e = &mut bad["windows"]["30d"]["edge_cases"][7];
        e["as_designed"] = json!(false);
        let uid = e["user_id"].as_str().unwrap().to_string();
        let text = summary(&bad);
        let listed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("    edge user_"))
            .collect();
        assert_eq!(listed.len(), 1, "{text}");
        assert!(listed[0].contains(&uid) && listed[0].contains("NOT as designed"));
        // When the report holds every one of them, the summary says "all", not "the first".
        let mut few = report.clone();
        for w in ["30d", "180d"] {
            few["windows"][w]["edge_case_users"]["users"] = json!(LISTED);
        }
        let text = summary(&few);
        assert!(
            text.contains(&format!("(all {LISTED} are under \"edge_cases\"")),
            "{text}"
        );
        assert!(!text.contains("the first"), "{text}");
    }

    /// A window longer than the data is marked, and the summary says why labels can be missed.
    #[test]
    fn windows_the_data_does_not_cover_are_marked() {
        for (months, covered_30, covered_180) in
            [(1, false, false), (4, true, false), (7, true, true)]
        {
            let config = Config::from_value(&serde_json::json!({
                "n_users": 30, "seed": 3, "months": months
            }))
            .unwrap();
            let ds = crate::generate(&config, Some(1), &mut |_, _| Ok(())).unwrap();
            let report = build(&crate::sink::detect_chunk(&config, &ds.users, None).unwrap());
            assert_eq!(
                report["data_start"],
                json!(crate::model::iso_date(config.start_date()))
            );
            assert_eq!(
                report["windows"]["30d"]["covered"],
                json!(covered_30),
                "{months}"
            );
            assert_eq!(
                report["windows"]["180d"]["covered"],
                json!(covered_180),
                "{months}"
            );
            assert_eq!(report["windows"]["30d"]["days_needed"], 90);
            assert_eq!(report["windows"]["180d"]["days_needed"], 180);
            let text = summary(&report);
            assert_eq!(
                text.contains("shorter than the 90 days"),
                !covered_30,
                "{months}"
            );
            let notes = text.matches("labels are not held to them here").count();
            assert_eq!(
                notes,
                !covered_30 as usize + !covered_180 as usize,
                "{months}"
            );
        }
    }

    /// An end date after the data's last transaction, or before its first, is said in the
    /// summary (the windows are then partly or wholly empty); the data's own end is not.
    #[test]
    fn an_end_date_away_from_the_data_is_said() {
        let config = Config::from_value(&serde_json::json!({"n_users": 20, "seed": 3})).unwrap();
        let ds = crate::generate(&config, Some(1), &mut |_, _| Ok(())).unwrap();
        let mut report = build(&crate::sink::detect_chunk(&config, &ds.users, None).unwrap());
        assert_eq!(report["data_end"], json!("2025-10-31"));
        let text = summary(&report);
        assert!(
            !text.contains("last transaction") && !text.contains("before the data"),
            "{text}"
        );
        report["end_date"] = json!("2026-01-01");
        let text = summary(&report);
        assert!(
            text.contains("the data's last transaction is on 2025-10-31, 62 days before the windows end (2026-01-01)"),
            "{text}"
        );
        report["end_date"] = json!("2020-01-01");
        report["windows"]["180d"]["covered"] = json!(false);
        let text = summary(&report);
        assert!(
            text.contains("the windows end 2020-01-01, before the data starts (2025-04-01)"),
            "{text}"
        );
        assert!(!text.contains("shorter than"), "{text}");
    }

    /// A small run lists every edge-case user, as designed or not.
    #[test]
    fn small_runs_list_every_edge_case() {
        let config = Config::from_value(&serde_json::json!({"n_users": 100, "seed": 42})).unwrap();
        let ds = crate::generate(&config, Some(1), &mut |_, _| Ok(())).unwrap();
        let report = build(&crate::sink::detect_chunk(&config, &ds.users, None).unwrap());
        let text = summary(&report);
        let n = report["windows"]["30d"]["edge_case_users"]["users"]
            .as_u64()
            .unwrap();
        assert!(n > 0 && n <= SUMMARY_EDGES);
        assert_eq!(
            text.matches("    edge user_").count() as u64,
            2 * n,
            "{text}"
        );
        assert!(!text.contains("edge-case users are under"));
    }
}
