//! The fidelity report: detected personas held against the labels, per window. Confusion per
//! persona, set agreement, each edge case against its design, coverage, persona counts, consent.
//! Only consenting users are compared (others get no assignment); edge cases are reported on
//! their own; a persona that cannot be seen in a window (variable income in 30 days) is left out
//! of that window's comparison.

use super::personas::VARIABLE_INCOME_MIN_WINDOW;
use super::{Detection, Signals, WINDOWS};
use crate::model::{Persona, PersonaSet};
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

pub fn build(det: &Detection) -> Value {
    let input = &det.input;
    let consent = input.users.iter().filter(|u| u.consent).count();
    let labelled = input.users.iter().any(|u| u.label.is_some());
    let mut windows = Map::new();
    let mut targets = Map::new();
    for (wi, &window) in WINDOWS.iter().enumerate() {
        let assignments = &det.assignments[wi];
        let mut counts = Map::new();
        let mut primary = Map::new();
        for p in Persona::ALL {
            counts.insert(
                p.as_str().into(),
                json!(assignments
                    .iter()
                    .filter(|a| a.personas.contains(p))
                    .count()),
            );
            primary.insert(
                p.as_str().into(),
                json!(assignments.iter().filter(|a| a.primary == Some(p)).count()),
            );
        }
        let mut w = json!({
            "start_date": crate::model::iso_date(input.end - chrono::Duration::days(window as i64 - 1)),
            "end_date": crate::model::iso_date(input.end),
            "persona_counts": counts,
            "primary_counts": primary,
            "users_with_persona": assignments.iter().filter(|a| !a.personas.is_empty()).count(),
            "no_consent_users": assignments.iter().filter(|a| !a.consent).count(),
            "not_observable": if window < VARIABLE_INCOME_MIN_WINDOW { json!(["variable_income"]) } else { json!([]) },
        });
        if labelled {
            let mut confusion = Map::new();
            let mut compared = 0;
            let mut agree = 0;
            let mut mismatches = Vec::new();
            let mut cov_users = 0;
            let mut covered = 0;
            let mut edges = Vec::new();
            let mut edges_ok = true;
            let mut tallies = [[0usize; 4]; 5];
            for a in assignments {
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
                    edges_ok &= ok;
                    edges.push(json!({
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
                compared += 1;
                if a.personas == want {
                    agree += 1;
                } else {
                    mismatches.push(json!({"user_id": u.user_id, "archetype": label.archetype, "label": list(want), "detected": list(a.personas)}));
                }
                for (k, p) in Persona::ALL.iter().enumerate() {
                    let idx = match (want.contains(*p), a.personas.contains(*p)) {
                        (true, true) => 0,
                        (false, true) => 1,
                        (true, false) => 2,
                        (false, false) => 3,
                    };
                    tallies[k][idx] += 1;
                }
                if !want.is_empty() {
                    cov_users += 1;
                    if !a.personas.is_empty() && behaviours(s) >= 3 {
                        covered += 1;
                    }
                }
            }
            for (k, p) in Persona::ALL.iter().enumerate() {
                if window < VARIABLE_INCOME_MIN_WINDOW && *p == Persona::VariableIncome {
                    continue;
                }
                let t = tallies[k];
                confusion.insert(
                    p.as_str().into(),
                    json!({"tp": t[0], "fp": t[1], "fn": t[2], "tn": t[3]}),
                );
            }
            let rate = |n: usize, d: usize| if d == 0 { 1.0 } else { n as f64 / d as f64 };
            let o = w.as_object_mut().unwrap();
            o.insert("confusion".into(), Value::Object(confusion));
            o.insert("agreement".into(), json!({"users": compared, "agree": agree, "rate": rate(agree, compared), "mismatches": mismatches}));
            o.insert(
                "coverage".into(),
                json!({"users": cov_users, "covered": covered, "rate": rate(covered, cov_users)}),
            );
            o.insert("edge_cases".into(), json!(edges));
            targets.insert(format!("agreement_{window}d"), json!(agree == compared));
            targets.insert(format!("coverage_{window}d"), json!(covered == cov_users));
            targets.insert(format!("edge_cases_{window}d"), json!(edges_ok));
        }
        windows.insert(format!("{window}d"), w);
    }
    json!({
        "generator": "spendsense-gen",
        "version": crate::VERSION,
        "end_date": crate::model::iso_date(input.end),
        "users": input.users.len(),
        "consent": {"true": consent, "false": input.users.len() - consent},
        "labelled": labelled,
        "windows": windows,
        "targets": targets,
    })
}

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
            for e in w["edge_cases"].as_array().into_iter().flatten() {
                out.push_str(&format!(
                    "    edge {:<32} {:<10} {} -> {}\n",
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
        }
    }
    out
}
