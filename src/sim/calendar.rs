//! Banking days: US federal holidays (the days the Federal Reserve's ACH does not settle) and
//! weekends. Pay moves off them the way employers and payers move it, and a debit due on one
//! (rent, a utility's autopay, a loan payment) posts on the next business day.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// The `n`-th (1-based) `weekday` of a month.
fn nth(year: i32, month: u32, weekday: Weekday, n: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n as u8)
        .expect("a valid nth weekday")
}

/// The last `weekday` of a month.
fn last(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .unwrap();
    let mut d = next - Duration::days(1);
    while d.weekday() != weekday {
        d -= Duration::days(1);
    }
    d
}

/// A fixed-date holiday as observed: on the Friday before when it falls on a Saturday, the
/// Monday after when on a Sunday (5 U.S.C. 6103).
fn observed(year: i32, month: u32, day: u32) -> NaiveDate {
    let d = NaiveDate::from_ymd_opt(year, month, day).unwrap();
    match d.weekday() {
        Weekday::Sat => d - Duration::days(1),
        Weekday::Sun => d + Duration::days(1),
        _ => d,
    }
}

/// Whether `d` is one of the eleven US federal holidays as observed (Juneteenth from 2021),
/// checking only the rules of `d`'s month: this runs for every payday of every user. The
/// observed New Year's Day of the next year falls on December 31 when January 1 is a Saturday.
pub fn is_federal_holiday(d: NaiveDate) -> bool {
    let y = d.year();
    match d.month() {
        1 => d == observed(y, 1, 1) || d == nth(y, 1, Weekday::Mon, 3),
        2 => d == nth(y, 2, Weekday::Mon, 3),
        5 => d == last(y, 5, Weekday::Mon),
        6 => y >= 2021 && d == observed(y, 6, 19),
        7 => d == observed(y, 7, 4),
        9 => d == nth(y, 9, Weekday::Mon, 1),
        10 => d == nth(y, 10, Weekday::Mon, 2),
        11 => d == observed(y, 11, 11) || d == nth(y, 11, Weekday::Thu, 4),
        12 => d == observed(y, 12, 25) || d == observed(y + 1, 1, 1),
        _ => false,
    }
}

/// Whether ACH settles on `d`: a weekday that is not a federal holiday. Read from a table of
/// [`TABLE_YEARS`] (built once from the rules), since the simulation asks for every day of every
/// user; the rules decide outside it.
pub fn is_business_day(d: NaiveDate) -> bool {
    let (first, days, bits) = table();
    match usize::try_from(d.num_days_from_ce() - first) {
        Ok(i) if i < *days => bits[i / 64] >> (i % 64) & 1 == 1,
        _ => by_rules(d),
    }
}

fn by_rules(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_federal_holiday(d)
}

/// The years [`is_business_day`] looks up rather than computes: every date a configuration
/// allows (2000-2100), with room for loan histories before the window.
const TABLE_YEARS: std::ops::Range<i32> = 1950..2150;

/// The table: January 1 of the first year (days from the common era), the days of
/// [`TABLE_YEARS`], and one bit per day from that January 1, set on business days.
fn table() -> &'static (i32, usize, Vec<u64>) {
    static TABLE: std::sync::OnceLock<(i32, usize, Vec<u64>)> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let first = NaiveDate::from_ymd_opt(TABLE_YEARS.start, 1, 1).expect("a valid date");
        let end = NaiveDate::from_ymd_opt(TABLE_YEARS.end, 1, 1).expect("a valid date");
        let days = (end - first).num_days() as usize;
        let mut bits = vec![0u64; days.div_ceil(64)];
        for (i, d) in first.iter_days().take(days).enumerate() {
            if by_rules(d) {
                bits[i / 64] |= 1 << (i % 64);
            }
        }
        (first.num_days_from_ce(), days, bits)
    })
}

/// `d`, or the last business day before it.
pub fn business_day_before(mut d: NaiveDate) -> NaiveDate {
    while !is_business_day(d) {
        d -= Duration::days(1);
    }
    d
}

/// `d`, or the first business day after it.
pub fn business_day_after(mut d: NaiveDate) -> NaiveDate {
    while !is_business_day(d) {
        d += Duration::days(1);
    }
    d
}

/// The due date, on day `due_day` (1-28) of some month, of a debit that posts on `date`: one due
/// on a business day posts that day, one due on a weekend or holiday on the next business day.
/// `None` when nothing due on `due_day` posts on `date` (always so on a day that is not a
/// business day).
pub fn due_posting_on(date: NaiveDate, due_day: u32) -> Option<NaiveDate> {
    if !is_business_day(date) {
        return None;
    }
    // The days since the last business day: at most four (Saturday to Tuesday after a Monday
    // holiday), so at most one of them is a `due_day`.
    let mut d = date;
    loop {
        if d.day() == due_day {
            return Some(d);
        }
        d -= Duration::days(1);
        if is_business_day(d) {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The days of `year` that [`is_federal_holiday`] holds for.
    fn federal_holidays(year: i32) -> Vec<NaiveDate> {
        d(year, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == year)
            .filter(|&x| is_federal_holiday(x))
            .collect()
    }

    #[test]
    fn holidays_of_2025_and_their_observed_days() {
        // OPM's list for 2025.
        assert_eq!(
            federal_holidays(2025),
            vec![
                d(2025, 1, 1),
                d(2025, 1, 20),
                d(2025, 2, 17),
                d(2025, 5, 26),
                d(2025, 6, 19),
                d(2025, 7, 4),
                d(2025, 9, 1),
                d(2025, 10, 13),
                d(2025, 11, 11),
                d(2025, 11, 27),
                d(2025, 12, 25),
            ]
        );
        // 2021: July 4 on a Sunday (observed Monday the 5th), Christmas on a Saturday (Friday the
        // 24th), and New Year's Day 2022 on a Saturday (observed Friday, December 31, 2021).
        let h = federal_holidays(2021);
        assert!(h.contains(&d(2021, 7, 5)) && !h.contains(&d(2021, 7, 4)));
        assert!(h.contains(&d(2021, 12, 24)) && h.contains(&d(2021, 12, 31)));
        assert!(!federal_holidays(2022).contains(&d(2022, 1, 1)));
        assert!(!federal_holidays(2020)
            .iter()
            .any(|x| x.month() == 6 && x.day() == 19));
    }

    #[test]
    fn eleven_holidays_a_year() {
        for year in 2015..2031 {
            let h = federal_holidays(year);
            // Ten before Juneteenth (2021); one less in a year whose January 1 is a Saturday
            // (observed the December before), one more in that December.
            let mut want = if year >= 2021 { 11 } else { 10 };
            want -= usize::from(d(year, 1, 1).weekday() == Weekday::Sat);
            want += usize::from(d(year + 1, 1, 1).weekday() == Weekday::Sat);
            assert_eq!(h.len(), want, "{year}: {h:?}");
            assert!(
                h.iter().all(|x| x.weekday().num_days_from_monday() < 5),
                "{h:?}"
            );
        }
    }

    #[test]
    fn the_table_agrees_with_the_rules_and_ends_where_they_take_over() {
        let first = d(TABLE_YEARS.start, 1, 1);
        let end = d(TABLE_YEARS.end, 1, 1);
        for day in d(TABLE_YEARS.start - 1, 12, 1).iter_days() {
            if day > d(TABLE_YEARS.end, 1, 31) {
                break;
            }
            assert_eq!(is_business_day(day), by_rules(day), "{day}");
        }
        assert_eq!(table().1, (end - first).num_days() as usize);
        // The 2000-2100 window a configuration allows lies inside the table.
        assert!(first < d(1999, 1, 1) && end > d(2101, 1, 1));
    }

    #[test]
    fn business_days_skip_weekends_and_holidays() {
        assert!(is_business_day(d(2025, 9, 2)));
        assert!(!is_business_day(d(2025, 9, 1)), "Labor Day");
        assert!(!is_business_day(d(2025, 9, 6)), "a Saturday");
        // Labor Day Monday: the Friday before, the Tuesday after.
        assert_eq!(business_day_before(d(2025, 9, 1)), d(2025, 8, 29));
        assert_eq!(business_day_after(d(2025, 9, 1)), d(2025, 9, 2));
        // Thanksgiving Thursday, then Friday is a business day.
        assert_eq!(business_day_after(d(2025, 11, 27)), d(2025, 11, 28));
        // Christmas 2022 is a Sunday, observed Monday the 26th: Saturday the 24th moves to Friday
        // the 23rd, and the Sunday on to Tuesday the 27th.
        assert_eq!(business_day_before(d(2022, 12, 24)), d(2022, 12, 23));
        assert_eq!(business_day_after(d(2022, 12, 25)), d(2022, 12, 27));
    }

    #[test]
    fn a_monthly_debit_posts_once_a_month_on_the_next_business_day() {
        // Labor Day 2025 is Monday the 1st: a debit due on the 30th (Saturday), 31st or 1st
        // posts Tuesday the 2nd; nothing posts on the days between.
        assert_eq!(due_posting_on(d(2025, 9, 2), 1), Some(d(2025, 9, 1)));
        assert_eq!(due_posting_on(d(2025, 9, 2), 2), Some(d(2025, 9, 2)));
        assert_eq!(due_posting_on(d(2025, 9, 1), 1), None);
        assert_eq!(due_posting_on(d(2025, 8, 29), 1), None);
        // Due on the 28th of February 2026, a Saturday: posts Monday, March 2.
        assert_eq!(due_posting_on(d(2026, 3, 2), 28), Some(d(2026, 2, 28)));
        for due_day in 1..=28 {
            let mut posted: Vec<(NaiveDate, NaiveDate)> = Vec::new();
            for date in d(2015, 1, 1).iter_days().take_while(|x| x.year() < 2036) {
                if let Some(due) = due_posting_on(date, due_day) {
                    assert_eq!(due.day(), due_day);
                    assert_eq!(business_day_after(due), date);
                    posted.push((due, date));
                }
            }
            // Every month's due date posts exactly once, in its own month but for the end of
            // February (so always in its own year: a loan's year-to-date figures are the same
            // by due or by posting date), and the gaps stay monthly: subscriptions detection
            // takes 26-35 days as monthly, and rent and utilities recur by that rule.
            assert_eq!(posted.len(), 21 * 12, "due day {due_day}");
            for w in posted.windows(2) {
                let ((a, pa), (b, pb)) = (w[0], w[1]);
                assert_eq!(a.checked_add_months(chrono::Months::new(1)), Some(b));
                assert!(
                    pa.month() == a.month() || a.month() == 2 && due_day >= 26,
                    "{a} {pa}"
                );
                assert_eq!(pa.year(), a.year());
                let gap = (pb - pa).num_days();
                assert!((27..=34).contains(&gap), "{pa} -> {pb}: {gap} days");
            }
        }
    }
}
