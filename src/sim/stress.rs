//! Planning which days end with checking below $100 for cash-flow-stressed users: runs of "low"
//! days just before paydays, with exact counts in the 180-day and the 30-day window that end on the
//! last simulated day. The day loop then spends the balance down on low days and keeps it at or
//! above $150 on the others.
//!
//! A day whose balance is still needed, because rent, a loan or a bill due from checking later
//! would overdraw the account before pay covers it ([`kept_days`]), is low only when the plan has
//! no other room for its least counts. A user short of money keeps the rent aside until it is
//! paid, and spends down after it. (Spending the rent money left the account overdrawn by the rent
//! until the next payday or longer.)

use crate::archetypes::StressPlan;

/// Returns one flag per simulated day. Runs end the day before a payday (or on the last day, when
/// the next payday is after the window) and never include the day after a payday, so the balance
/// only has to rise on paydays, and never include a day of `keep` (see [`kept_days`]; empty:
/// none) unless the plan's least counts need them. Quotas per region are met exactly when the
/// runs have room.
pub fn plan_low_days(n_days: usize, paydays: &[u16], keep: &[bool], plan: StressPlan) -> Vec<bool> {
    let mut low = vec![false; n_days];
    if n_days == 0 {
        return low;
    }
    let end = n_days - 1;
    let w180 = n_days - n_days.min(180);
    let w30 = n_days - n_days.min(30);
    // quota[0]: days in [w180, w30); quota[1]: days in [w30, end]
    let mut quota = [plan.low_180.saturating_sub(plan.low_30), plan.low_30];
    let region = |d: usize| usize::from(d >= w30);

    // The lowest day a run ending on `last` may reach: after the payday before it (and the day
    // after that); and, while that leaves enough room, after the last day that must keep its
    // balance.
    let lowest = |prev: Option<usize>, last: usize| {
        let lo = prev.map(|x| x + 2).unwrap_or(0).max(w180);
        let kept = (lo..=last)
            .rev()
            .find(|&d| keep.get(d).copied().unwrap_or(false))
            .map_or(lo, |d| d + 1);
        [kept, lo]
    };
    // Each run: (next day to mark, if any; lowest day allowed in each pass). Latest first.
    let mut runs: Vec<(Option<usize>, [usize; 2])> = Vec::new();
    let mut prev: Option<usize> = None;
    for &p in paydays {
        let p = p as usize;
        if p > 0 {
            let lo = lowest(prev, p - 1);
            if p > lo[1] {
                runs.push((Some(p - 1), lo));
            }
        }
        prev = Some(p);
    }
    let lo = lowest(prev, end);
    if end >= lo[1] {
        runs.push((Some(end), lo));
    }
    runs.reverse();
    // Runs grow backwards from their last day, one day per run in turn. The first pass stops at
    // the kept days; the second goes past them only up to the plan's least counts (so a payment
    // meets a spent-down balance only when the plan has no other room).
    for pass in 0..2 {
        if pass == 1 {
            let marked = |from: usize| low[from..].iter().filter(|x| **x).count();
            let short_30 = plan.least_30.saturating_sub(marked(w30)).min(quota[1]);
            let short_180 = plan.least_180.saturating_sub(marked(w180) + short_30);
            quota = [short_180.min(quota[0]), short_30];
        }
        let mut open: Vec<bool> = vec![true; runs.len()];
        while quota != [0, 0] {
            let mut progress = false;
            for (i, run) in runs.iter_mut().enumerate() {
                let Some(d) = run.0.filter(|_| open[i]) else {
                    continue;
                };
                if d < run.1[pass] || quota[region(d)] == 0 {
                    open[i] = false;
                    continue;
                }
                low[d] = true;
                quota[region(d)] -= 1;
                progress = true;
                run.0 = d.checked_sub(1);
            }
            if !progress {
                break;
            }
        }
    }
    low
}

/// For each day, whether its closing balance is still needed: `net[d]` is what day `d` takes out of
/// checking by schedule (payments due less pay received), and a day is kept when the payments of
/// some later stretch exceed the pay received in it by more than `slack`, so spending the balance
/// down would overdraw the account by more than that.
pub fn kept_days(net: &[i64], slack: i64) -> Vec<bool> {
    let mut keep = vec![false; net.len()];
    // need: the most the days after `d` take out, over every stretch starting the day after.
    let mut need = 0i64;
    for d in (0..net.len()).rev() {
        keep[d] = need > slack;
        need = (net[d] + need).max(0);
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plan that settles for nothing less than its counts.
    fn exact(low_180: usize, low_30: usize) -> StressPlan {
        StressPlan {
            low_180,
            low_30,
            least_180: low_180,
            least_30: low_30,
        }
    }

    fn count(low: &[bool], from: usize) -> usize {
        low[from..].iter().filter(|x| **x).count()
    }

    #[test]
    fn exact_quotas_with_semimonthly_paydays() {
        let n = 214;
        let paydays: Vec<u16> = (0..n as u16).filter(|d| d % 15 == 3).collect();
        let low = plan_low_days(n, &paydays, &[], exact(54, 9));
        assert_eq!(count(&low, n - 180), 54);
        assert_eq!(count(&low, n - 30), 9);
        assert_eq!(count(&low, 0), 54, "nothing before the 180-day window");
        for p in paydays {
            assert!(!low[p as usize], "payday {p} is never low");
            if (p as usize) + 1 < n {
                assert!(!low[p as usize + 1]);
            }
        }
    }

    #[test]
    fn quotas_for_weekly_and_gig_paydays() {
        for step in [5u16, 7, 14] {
            let n = 214;
            let paydays: Vec<u16> = (0..n as u16).filter(|d| d % step == 1).collect();
            let low = plan_low_days(n, &paydays, &[], exact(90, 15));
            assert_eq!(count(&low, n - 30), 15, "step {step}");
            assert_eq!(count(&low, n - 180), 90, "step {step}");
        }
    }

    #[test]
    fn kept_days_hold_what_later_payments_need() {
        // Day 0 pays 500; rent of 800 on day 3; pay of 500 on day 5 and 6; a bill of 100 on day 7.
        let net = [-500, 0, 0, 800, 0, -500, -500, 100, 0];
        // Before the rent the balance is needed, and on day 6, the day before the bill; the
        // pay of days 5 and 6 covers the bill on the others.
        assert_eq!(
            kept_days(&net, 0),
            [true, true, true, false, false, false, true, false, false]
        );
        // Pay that arrives after a payment does not cover it: day 1 holds the 50 due on day 2,
        // though 40 comes in on day 3; day 3 holds the 10 due on day 4.
        assert_eq!(
            kept_days(&[0, 0, 50, -40, 10], 0),
            [true, true, false, true, false]
        );
        assert_eq!(kept_days(&[], 0), Vec::<bool>::new());
        // With a slack of 10, only the days before the 50 are kept.
        assert_eq!(
            kept_days(&[0, 0, 50, -40, 10], 10),
            [true, true, false, false, false]
        );
    }

    /// No day is low while a later payment needs its balance: not before the rent in its pay
    /// period (the runs start on the rent's day at the earliest), nor on a day after which the
    /// payments outrun the pay. The quotas are still met when there is room after the rent.
    #[test]
    fn runs_start_after_rent() {
        let n = 214;
        let paydays: Vec<u16> = (0..n as u16).filter(|d| d % 14 == 5).collect();
        // Rent of $800 on days 10, 40, 70, ...; pay of $700 every 14 days.
        let due: Vec<bool> = (0..n).map(|d| d % 30 == 10).collect();
        let net: Vec<i64> = (0..n)
            .map(|d| if due[d] { 800_00 } else { 0 } - if d % 14 == 5 { 700_00 } else { 0 })
            .collect();
        let keep = kept_days(&net, 0);
        let next_payday = |d: usize| {
            paydays
                .iter()
                .find(|&&p| (p as usize) > d)
                .map_or(n, |&p| p as usize)
        };
        let plan = exact(45, 9);
        let low = plan_low_days(n, &paydays, &keep, plan);
        assert_eq!(count(&low, n - 180), 45);
        assert_eq!(count(&low, n - 30), 9);
        for d in 0..n {
            if !low[d] {
                continue;
            }
            assert!(!keep[d], "day {d}");
            let next = next_payday(d);
            assert!(
                !(d + 1..next).any(|x| due[x]),
                "day {d} is low but a payment is due before payday {next}"
            );
        }
        // Without the kept days the same plan puts low days before the rent.
        let free = plan_low_days(n, &paydays, &[], plan);
        assert!((0..n).any(|d| free[d] && keep[d]));
        // A plan the other days have no room for still gets its days, taking kept days only
        // where a run has used all the days after them.
        let more = exact(70, 12);
        let low = plan_low_days(n, &paydays, &keep, more);
        assert_eq!(count(&low, n - 180), 70);
        assert_eq!(count(&low, n - 30), 12);
        let on_kept = (0..n).filter(|&d| low[d] && keep[d]).count();
        assert!(on_kept > 0);
        for d in (0..n).filter(|&d| low[d] && keep[d]) {
            assert!(
                (d..next_payday(d)).all(|x| low[x]),
                "kept day {d} before days left free"
            );
        }
        let free = plan_low_days(n, &paydays, &[], more);
        assert!(on_kept < (0..n).filter(|&d| free[d] && keep[d]).count());
        // Past the kept days, the plan takes only its least counts.
        let least = StressPlan {
            least_180: 60,
            least_30: 10,
            ..more
        };
        let low = plan_low_days(n, &paydays, &keep, least);
        assert_eq!(count(&low, n - 180), 60);
        // (The last 30 days have room for all 12 without kept days.)
        assert_eq!(count(&low, n - 30), 12);
    }
}
