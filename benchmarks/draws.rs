//! How many users of a run are drawn again because their first draw's data would not show exactly
//! their labelled personas (`generate::user`), and which ones: `cargo run --release --example
//! draws -- --users 100000 [--seed 42] [--months 7] [--mix even|JSON] [--end-date 2024-02-29]`. Prints the count, the share and the users
//! (index, draws, archetype) it needed, with what the first draw showed in each window.

use rayon::prelude::*;
use spendsense_gen::{detect, generate, plan, sim, Config};
use std::io::Write;

fn main() {
    let mut users = 100_000u64;
    let mut seed = 42u64;
    let mut months = 7u32;
    let mut mix = "default".to_string();
    let mut end_date = "2025-10-31".to_string();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).expect("every option takes a value");
        match pair[0].as_str() {
            "--users" => users = value.parse().expect("--users N"),
            "--seed" => seed = value.parse().expect("--seed S"),
            "--months" => months = value.parse().expect("--months M"),
            "--mix" => mix = value.clone(),
            "--end-date" => end_date = value.clone(),
            other => panic!("unknown option {other}"),
        }
    }
    // A preset name, or the configuration's JSON form: '{"counts": {"edge_cases": 500}}'.
    let mix: serde_json::Value = if mix.starts_with('{') {
        serde_json::from_str(&mix).expect("--mix as JSON")
    } else {
        mix.into()
    };
    let config = Config::from_value(&serde_json::json!({
        "n_users": users, "seed": seed, "months": months, "mix": mix, "end_date": end_date
    }))
    .expect("a valid configuration");
    let slots = plan::build(&config).expect("a plan");
    let w = generate::window(&config);
    let t = std::time::Instant::now();
    let redrawn: Vec<(usize, u32, &str)> = slots
        .par_iter()
        .enumerate()
        .filter_map(|(i, slot)| {
            let draws = generate::drawn(seed, i as u64, users, slot, &w).draws;
            (draws > 1).then(|| (i, draws, slot.archetype.as_str()))
        })
        .collect();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "draws: {users} users, seed {seed}, {months} months: {} drawn again ({:.4} %), {:.1} s",
        redrawn.len(),
        100.0 * redrawn.len() as f64 / users as f64,
        t.elapsed().as_secs_f64()
    );
    for (i, draws, archetype) in redrawn {
        // What the first draw showed, window by window.
        let first = sim::simulate_draw(seed, i as u64, users, &slots[i], &w, false, 0).data;
        let input = detect::input::Input::from_users(std::slice::from_ref(&first), w.end());
        let signals = detect::all_signals(&input, 0);
        let shown: Vec<String> = detect::WINDOWS
            .iter()
            .zip(&signals)
            .map(|(&window, s)| {
                let want = detect::report::observable(first.label.personas, window);
                let got = detect::personas::evaluate(&input, s).0;
                let cf = &s.cash_flow;
                format!(
                    "{window}d label [{}] detected [{}] (under $100 {}/{} days, sd ${:.0})",
                    want.join(),
                    got.join(),
                    cf.days_below_100,
                    cf.days,
                    cf.balance_std / 100.0
                )
            })
            .collect();
        let line = format!(
            "  user {i}: {draws} draws ({archetype}); first draw: {}",
            shown.join("; ")
        );
        // Stop quietly when the reader has gone (`| head`).
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
}
