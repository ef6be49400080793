//! The reported balances are the ledger's results: for every account of every user, rebuilding
//! the end-of-day balance backwards from `balance_current` with the posted transactions (Plaid's
//! sign) reproduces the path the simulation recorded, day by day, back to the opening balance.

use spendsense_gen::model::{AccountType, Cents};
use spendsense_gen::sim::simulate_draw;
use spendsense_gen::{generate, plan, Config};

#[test]
fn rebuilt_balances_reproduce_the_simulated_path() {
    for (n, seed) in [(120u64, 42u64), (60, 7)] {
        let c = Config::from_value(&serde_json::json!({"n_users": n, "seed": seed})).unwrap();
        let slots = plan::build(&c).unwrap();
        let w = generate::window(&c);
        for (i, slot) in slots.iter().enumerate() {
            let s = simulate_draw(seed, i as u64, n, slot, &w, true, 0);
            let recorded = s.daily.as_ref().unwrap();
            for (k, a) in s.data.accounts.iter().enumerate() {
                let sign: Cents = match a.account_type() {
                    AccountType::Depository => -1,
                    _ => 1,
                };
                let mut effect = vec![0 as Cents; w.n_days as usize];
                for t in s
                    .data
                    .transactions
                    .iter()
                    .filter(|t| t.account as usize == k && !t.pending)
                {
                    effect[(t.date - w.start).num_days() as usize] += sign * t.amount;
                }
                let mut bal = a.balance_current;
                for d in (0..w.n_days as usize).rev() {
                    assert_eq!(bal, recorded[k][d], "user {i} account {k} day {d}");
                    bal -= effect[d];
                }
                assert_eq!(
                    bal, s.start_balances[k],
                    "user {i} account {k}: opening balance"
                );
                // pending amounts are not in the balance but are in `available` (depository)
                if a.account_type() == AccountType::Depository {
                    let pending: Cents = s
                        .data
                        .transactions
                        .iter()
                        .filter(|t| t.account as usize == k && t.pending)
                        .map(|t| t.amount)
                        .sum();
                    assert_eq!(a.balance_available, Some(a.balance_current - pending));
                }
            }
        }
    }
}
