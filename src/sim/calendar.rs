//! Banking days: US federal holidays (the days the Federal Reserve's ACH does not settle) and
//! weekends. Pay moves off them the way employers and payers move it.

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

/// Whether ACH settles on `d`: a weekday that is not a federal holiday.
pub fn is_business_day(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !is_federal_holiday(d)
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
}
