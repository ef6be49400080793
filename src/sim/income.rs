//! Pay schedules: the days and amounts of income deposits, computed before the day loop so other
//! behaviour (savings transfers, low-balance runs before payday) can be planned around them.

use super::calendar;
use crate::archetypes::{between, PayPlan, PaySchedule};
use crate::model::Cents;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::ops::Range;

#[derive(Debug, Clone)]
pub struct Deposit {
    pub day: u16,
    pub amount: Cents,
    pub payer: &'static str,
}

/// Moves a payday off a weekend or federal holiday to the business day before.
fn business_day(d: NaiveDate) -> NaiveDate {
    calendar::business_day_before(d)
}

/// Day index `d` of a window starting on `start`, moved to the nearest business day (a weekday
/// that is not a federal holiday): Saturday to the Friday before, Sunday or a Monday holiday to
/// the day after; or the other way when that day falls outside `within` (the window's days, or a
/// narrower range the day must stay in).
fn nearest_business_day(start: NaiveDate, d: i64, within: Range<i64>) -> i64 {
    let date = start + Duration::days(d);
    if calendar::is_business_day(date) {
        return d;
    }
    let before = d - (date - calendar::business_day_before(date)).num_days();
    let after = d + (calendar::business_day_after(date) - date).num_days();
    let (near, far) = if d - before <= after - d {
        (before, after)
    } else {
        (after, before)
    };
    if within.contains(&near) {
        near
    } else {
        far
    }
}

fn last_day_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap() - Duration::days(1)
}

/// Deposits inside the window `[start, start + n_days)`. For `Contract` pay, `daily_need` (cents
/// per day) sizes each payment to cover spending until the next one. Returns the deposits and,
/// for contract pay, the opening checking balance that carries the user to the first payment.
pub fn schedule(
    pay: &PayPlan,
    start: NaiveDate,
    n_days: u16,
    daily_need: f64,
    rng: &mut ChaCha8Rng,
) -> (Vec<Deposit>, Option<Cents>) {
    let n = n_days as i64;
    let mut days: Vec<i64> = Vec::new();
    let mut contract_next = 0i64;
    match pay.schedule {
        PaySchedule::Weekly | PaySchedule::Biweekly => {
            let step = if pay.schedule == PaySchedule::Weekly {
                7
            } else {
                14
            };
            let mut d = rng.random_range(0..step);
            // Payroll posts on a business day: a weekend offset moves back to the Friday
            // before (or, before the window starts, on to the Friday after), and every later
            // payday, a whole number of weeks on, falls on the same weekday.
            d -= match (start + Duration::days(d)).weekday() {
                Weekday::Sat => 1,
                Weekday::Sun => 2,
                _ => 0,
            };
            if d < 0 {
                d += 7;
            }
            while d < n {
                // A payday on a federal holiday posts the business day before (or, before the
                // window starts, the one after).
                let date = start + Duration::days(d);
                let moved = (calendar::business_day_before(date) - start).num_days();
                days.push(if moved >= 0 {
                    moved
                } else {
                    (calendar::business_day_after(date) - start).num_days()
                });
                d += step;
            }
        }
        PaySchedule::Semimonthly | PaySchedule::Monthly => {
            // Pensions and Social Security (other income) pay on the 3rd.
            let pension = matches!(pay.pfc, "INCOME_RETIREMENT_PENSION" | "INCOME_OTHER_INCOME");
            let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap();
            loop {
                let mut dates = Vec::new();
                if pay.schedule == PaySchedule::Semimonthly {
                    dates.push(business_day(month));
                    dates.push(business_day(month.with_day(15).unwrap()));
                } else if pension {
                    // On the 3rd, or the business day before it (as Social Security pays).
                    dates.push(business_day(month.with_day(3).unwrap()));
                } else {
                    dates.push(business_day(last_day_of_month(month)));
                }
                for dt in dates {
                    let d = (dt - start).num_days();
                    if (0..n).contains(&d) {
                        days.push(d);
                    }
                }
                month = last_day_of_month(month) + Duration::days(1);
                if (month - start).num_days() >= n + 3 {
                    break;
                }
            }
        }
        PaySchedule::Gig => {
            let mut d = rng.random_range(0..4);
            while d < n {
                days.push(d);
                d += rng.random_range(3..=10);
            }
        }
        PaySchedule::Contract => {
            let (lo, hi) = pay.contract_last;
            let drawn = n - 1 - rng.random_range(lo as i64..=hi as i64);
            // The last payment moves to the nearest business day that keeps it `lo..=hi` days
            // before the end (the archetypes place it there: a stressed contract earner's last
            // payment must fall well inside the 30-day window).
            let last = nearest_business_day(start, drawn, n - 1 - hi as i64..n - lo as i64);
            contract_next = (last + rng.random_range(55..=60)).max(n + 1);
            let mut d = last;
            while d >= 0 {
                days.push(d);
                d -= rng.random_range(52..=62);
            }
            days.reverse();
        }
    }
    if matches!(pay.schedule, PaySchedule::Gig | PaySchedule::Contract) {
        // Payouts reach the bank by ACH, which settles on business days only: a Saturday
        // payout posts on the Friday before, a Sunday one on the Monday after. No draw depends
        // on this, so the rest of the user's stream is unchanged.
        for d in &mut days {
            *d = nearest_business_day(start, *d, 0..n);
        }
    }
    days.sort_unstable();
    days.dedup();

    let mut out = Vec::with_capacity(days.len());
    let mut skipped = false;
    for (i, &d) in days.iter().enumerate() {
        let mut payer = pay.payer;
        let mut factor = 1.0;
        if let Some(jc) = &pay.job_change {
            // One pay period without pay before the new job's first payday.
            let next = days.get(i + 1).copied();
            if !skipped && d < jc.day as i64 && next.is_some_and(|nx| nx >= jc.day as i64) {
                skipped = true;
                continue;
            }
            if d >= jc.day as i64 {
                payer = jc.new_payer;
                factor = jc.pay_factor;
            }
        }
        let amount = if pay.schedule == PaySchedule::Contract {
            let (next, share) = match days.get(i + 1) {
                Some(&next) => (next, between(rng, 0.97, 1.02)),
                // The last payment covers only part of the days left, so the balance surely
                // runs down to the floor before the window ends, whatever the spending noise.
                None => (
                    contract_next.min(n),
                    between(rng, pay.contract_last_share.0, pay.contract_last_share.1),
                ),
            };
            (daily_need * (next - d) as f64 * share).round() as Cents
        } else {
            let j = if pay.jitter > 0.0 {
                between(rng, -pay.jitter, pay.jitter)
            } else {
                0.0
            };
            (pay.net as f64 * factor * (1.0 + j)).round() as Cents
        };
        out.push(Deposit {
            day: d as u16,
            amount,
            payer,
        });
    }
    let opening = (pay.schedule == PaySchedule::Contract).then(|| {
        // Enough to carry the user to the first payment, and through a month of bills.
        let first = days.first().copied().unwrap_or(n).max(30);
        (daily_need * first as f64 * 1.02).round() as Cents
    });
    (out, opening)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archetypes::{CONTRACT_LAST, CONTRACT_LAST_SHARE};
    use rand::SeedableRng;

    /// A fixed pay plan of `schedule` from `payer`, categorised `pfc`.
    fn plan(schedule: PaySchedule, payer: &'static str, pfc: &'static str) -> PayPlan {
        PayPlan {
            schedule,
            net: 100_000,
            payer,
            pfc,
            jitter: 0.0,
            job_change: None,
            contract_last: CONTRACT_LAST,
            contract_last_share: CONTRACT_LAST_SHARE,
        }
    }

    /// Weekly and biweekly payroll posts on one weekday, at exact 7- or 14-day gaps, whatever the
    /// window's first day and the draw, except that a payday on a federal holiday posts on the
    /// business day before; never on a weekend or a holiday.
    #[test]
    fn payroll_posts_on_a_business_day() {
        for sched in [PaySchedule::Weekly, PaySchedule::Biweekly] {
            let pay = plan(sched, "ACME PAYROLL", "INCOME_WAGES");
            let step = if sched == PaySchedule::Weekly { 7 } else { 14 };
            for first in 0..7 {
                let start = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Duration::days(first);
                for seed in 0..40 {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    let (deps, _) = schedule(&pay, start, 180, 0.0, &mut rng);
                    assert!(deps.len() >= 180 / step - 1, "{deps:?}");
                    let day = |d: &Deposit| start + Duration::days(d.day as i64);
                    assert!(deps[0].day < step as u16 + 3);
                    // The weekday of the schedule: the most common one.
                    let mut count = [0; 7];
                    for d in &deps {
                        count[day(d).weekday().num_days_from_monday() as usize] += 1;
                    }
                    let usual = (0..7).max_by_key(|&i| count[i]).unwrap() as i64;
                    let mut on = Vec::new();
                    for d in &deps {
                        assert!(calendar::is_business_day(day(d)), "{}", day(d));
                        // Moved back from a holiday: the next business day is the scheduled one.
                        let wd = day(d).weekday().num_days_from_monday() as i64;
                        let scheduled = if wd == usual {
                            day(d)
                        } else {
                            let ahead = (usual - wd).rem_euclid(7);
                            let s = day(d) + Duration::days(ahead);
                            assert!(
                                !calendar::is_business_day(s),
                                "{} is not moved off a holiday",
                                day(d)
                            );
                            s
                        };
                        on.push((scheduled - start).num_days());
                    }
                    for w in on.windows(2) {
                        assert_eq!(w[1] - w[0], step as i64);
                    }
                }
            }
        }
    }

    /// Gig and contract payouts post on business days, inside the window, whatever the
    /// window's first weekday; contract payments stay 50 to 64 days apart, and the last one
    /// within the plan's days before the end.
    #[test]
    fn payouts_post_on_business_days() {
        for sched in [PaySchedule::Gig, PaySchedule::Contract] {
            let pay = plan(sched, "UPWORK ESCROW INC", "INCOME_WAGES");
            for first in 0..7 {
                let start = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() + Duration::days(first);
                let mut weekdays = [0usize; 7];
                for seed in 0..40 {
                    let mut rng = ChaCha8Rng::seed_from_u64(seed);
                    let n = 214;
                    let (deps, _) = schedule(&pay, start, n, 50_00.0, &mut rng);
                    assert!(!deps.is_empty());
                    for d in &deps {
                        assert!(d.day < n, "{d:?}");
                        let wd = (start + Duration::days(d.day as i64)).weekday();
                        assert!(!matches!(wd, Weekday::Sat | Weekday::Sun), "{sched:?} {wd}");
                        weekdays[wd.num_days_from_monday() as usize] += 1;
                    }
                    for w in deps.windows(2) {
                        assert!(w[1].day > w[0].day);
                        if sched == PaySchedule::Contract {
                            assert!((50..=64).contains(&(w[1].day - w[0].day)), "{deps:?}");
                        }
                    }
                    if sched == PaySchedule::Contract {
                        let before_end = n - 1 - deps.last().unwrap().day;
                        assert!((CONTRACT_LAST.0..=CONTRACT_LAST.1).contains(&before_end));
                    }
                }
                if sched == PaySchedule::Gig {
                    // Every business day gets payouts; Friday takes Saturday's, Monday Sunday's.
                    assert!(weekdays[..5].iter().all(|&c| c > 0), "{weekdays:?}");
                    assert!(weekdays[4] > weekdays[2] && weekdays[0] > weekdays[2]);
                }
            }
        }
    }

    #[test]
    fn weekends_move_to_the_nearest_business_day_inside_the_window() {
        // 2025-03-01 is a Saturday.
        let sat = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        assert_eq!(nearest_business_day(sat, 0, 0..30), 2); // Saturday -> Monday (Friday is day -1)
        assert_eq!(nearest_business_day(sat, 1, 0..30), 2); // Sunday -> Monday
        assert_eq!(nearest_business_day(sat, 2, 0..30), 2); // Monday stays
        assert_eq!(nearest_business_day(sat, 6, 0..30), 6); // Friday stays
        assert_eq!(nearest_business_day(sat, 7, 0..30), 6); // Saturday -> Friday
        assert_eq!(nearest_business_day(sat, 8, 0..30), 9); // Sunday -> Monday
        assert_eq!(nearest_business_day(sat, 8, 0..9), 6); // Sunday, last day -> Friday
        assert_eq!(nearest_business_day(sat, 7, 7..20), 9); // Saturday, Friday below the range -> Monday
    }

    /// A pension arrives on the 3rd, or on the Friday before when the 3rd is a weekend.
    #[test]
    fn pensions_post_on_the_3rd_or_the_business_day_before() {
        let pay = plan(
            PaySchedule::Monthly,
            "SSA TREAS 310",
            "INCOME_RETIREMENT_PENSION",
        );
        let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        let (deps, _) = schedule(&pay, start, 365, 0.0, &mut ChaCha8Rng::seed_from_u64(1));
        assert_eq!(deps.len(), 12);
        let mut moved = 0;
        for d in &deps {
            let day = start + Duration::days(d.day as i64);
            assert!(
                !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
                "{day}"
            );
            assert!((1..=3).contains(&day.day()), "{day}");
            moved += usize::from(day.day() != 3);
        }
        // 2025: the 3rd is a Saturday in May and a Sunday in August.
        assert_eq!(moved, 2);
    }

    /// Month-based pay moves back off federal holidays: in 2025 the semimonthly pay due on
    /// Monday, September 1 (Labor Day) posts on Friday, August 29.
    #[test]
    fn semimonthly_pay_moves_back_off_labor_day() {
        let pay = plan(PaySchedule::Semimonthly, "ACME PAYROLL", "INCOME_WAGES");
        let start = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
        let (deps, _) = schedule(&pay, start, 61, 0.0, &mut ChaCha8Rng::seed_from_u64(1));
        let days: Vec<NaiveDate> = deps
            .iter()
            .map(|d| start + Duration::days(d.day as i64))
            .collect();
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(days, vec![d(8, 1), d(8, 15), d(8, 29), d(9, 15)]);
    }

    #[test]
    fn holidays_move_to_the_nearest_business_day() {
        // 2025-09-01 (Labor Day) is day 0 of a window starting then: on to Tuesday.
        let labor = NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        assert_eq!(nearest_business_day(labor, 0, 0..30), 1);
        // Thanksgiving (Thursday 2025-11-27) is nearer Friday than Wednesday only by the rule
        // that ties go back: one day either way, so Wednesday.
        let start = NaiveDate::from_ymd_opt(2025, 11, 1).unwrap();
        assert_eq!(nearest_business_day(start, 26, 0..30), 25);
        assert_eq!(nearest_business_day(start, 26, 26..30), 27);
    }
}
