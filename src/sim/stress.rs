//! Planning which days end with checking below $100 for cash-flow-stressed users: runs of "low"
//! days just before paydays, with exact counts in the 180-day and the 30-day window that end on the
//! last simulated day. The day loop then spends the balance down on low days and keeps it at or
//! above $150 on the others.

use crate::archetypes::StressPlan;

/// Returns one flag per simulated day. Runs end the day before a payday (or on the last day, when
/// the next payday is after the window) and never include the day after a payday, so the balance
/// only has to rise on paydays. Quotas per region are met exactly when the runs have room.
pub fn plan_low_days(n_days: usize, paydays: &[u16], plan: StressPlan) -> Vec<bool> {
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

    // Each run: (next day to mark, lowest day allowed). Latest first.
    let mut ends: Vec<(usize, usize)> = Vec::new();
    let mut prev: Option<usize> = None;
    for &p in paydays {
        let p = p as usize;
        if p > 0 {
            let lo = prev.map(|x| x + 2).unwrap_or(0).max(w180);
            if p > lo {
                ends.push((p - 1, lo));
            }
        }
        prev = Some(p);
    }
    let lo = prev.map(|x| x + 2).unwrap_or(0).max(w180);
    if end >= lo {
        ends.push((end, lo));
    }
    ends.reverse();
    let mut open: Vec<bool> = vec![true; ends.len()];
    loop {
        let mut progress = false;
        for (i, run) in ends.iter_mut().enumerate() {
            if !open[i] {
                continue;
            }
            let (d, lo) = *run;
            if d < lo || quota[region(d)] == 0 {
                open[i] = false;
                continue;
            }
            low[d] = true;
            quota[region(d)] -= 1;
            progress = true;
            if d == 0 {
                open[i] = false;
            } else {
                run.0 = d - 1;
            }
        }
        if !progress || quota == [0, 0] {
            break;
        }
    }
    low
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(low: &[bool], from: usize) -> usize {
        low[from..].iter().filter(|x| **x).count()
    }

    #[test]
    fn exact_quotas_with_semimonthly_paydays() {
        let n = 214;
        let paydays: Vec<u16> = (0..n as u16).filter(|d| d % 15 == 3).collect();
        let low = plan_low_days(
            n,
            &paydays,
            StressPlan {
                low_180: 54,
                low_30: 9,
            },
        );
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
            let low = plan_low_days(
                n,
                &paydays,
                StressPlan {
                    low_180: 90,
                    low_30: 15,
                },
            );
            assert_eq!(count(&low, n - 30), 15, "step {step}");
            assert_eq!(count(&low, n - 180), 90, "step {step}");
        }
    }
}
