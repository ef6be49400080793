//! Stable control users, and the base profile every other archetype starts from: salaried pay,
//! rent or a mortgage, at most two recurring merchants (rent + one utility, or two utilities with a
//! mortgage) so no reading of "recurring merchants >= 3" can fire, cards kept under 25% utilization
//! and paid in full, checking kept above a $250-$500 floor, and no regular savings transfers
//! (a static savings account earns under 1.5% APY: < 1% growth over the window; it only shrinks
//! when it covers a medical bill or a large purchase, `Sim::cover_from_savings`).

use super::*;
use crate::model::Persona;
use crate::sim::merchants::{
    CARD_PRODUCTS, EMPLOYERS, LANDLORDS, LARGE_PURCHASES, MEDICAL, MORTGAGE_SERVICERS,
    PENSION_PAYERS, STUDENT_SERVICERS, UTILITIES,
};

pub const INCOME_RANGE: (f64, f64) = (40_000.0, 150_000.0);

pub fn build(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    let mut p = base(demo, w, rng, INCOME_RANGE);
    p.finish();
    p
}

/// The most of gross monthly income a standard student-loan payment takes.
pub const STUDENT_LOAN_SHARE: f64 = 0.10;

/// A low-utilization card paid in full every month.
pub fn low_card(rng: &mut ChaCha8Rng, annual: Cents, cap: f64) -> CardPlan {
    let (issuer, product) = *pick(rng, CARD_PRODUCTS);
    let limit = round_to(annual as f64 * between(rng, 0.08, 0.2), 500_00).max(3_000_00);
    CardPlan {
        issuer,
        product,
        limit,
        apr: (between(rng, 18.0, 29.0) * 100.0).round() / 100.0,
        start_balance: round_to(limit as f64 * between(rng, 0.03, cap * 0.6), 1),
        statement_day: rng.random_range(1..=28),
        pay: PayBehavior::Full,
        cap,
        carried_at_start: false,
        lead: rng.random_range(0..=4),
    }
}

pub fn base(demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng, income: (f64, f64)) -> Profile {
    let annual = round_to(between(rng, income.0, income.1) * 100.0, 100_00);
    let retired = demo.life_stage == "retired";
    let schedule = if retired {
        PaySchedule::Monthly
    } else {
        match rng.random_range(0..100) {
            0..=44 => PaySchedule::Biweekly,
            45..=74 => PaySchedule::Semimonthly,
            75..=84 => PaySchedule::Weekly,
            _ => PaySchedule::Monthly,
        }
    };
    let periods = match schedule {
        PaySchedule::Weekly => 52.0,
        PaySchedule::Biweekly => 26.0,
        PaySchedule::Semimonthly => 24.0,
        _ => 12.0,
    };
    let net = round_to(annual as f64 * TAKE_HOME / periods, 1);
    let (payer, pfc) = if retired {
        // Social Security is "other income" in Plaid's taxonomy, not a pension.
        let payer = pick_name(rng, PENSION_PAYERS);
        let pfc = if payer.starts_with("SSA ") {
            "INCOME_OTHER_INCOME"
        } else {
            "INCOME_RETIREMENT_PENSION"
        };
        (payer, pfc)
    } else {
        (pick_name(rng, EMPLOYERS), "INCOME_WAGES")
    };
    let monthly_net = annual as f64 * TAKE_HOME / 12.0;

    let homeowner_stage = matches!(
        demo.life_stage,
        "family" | "established" | "pre_retirement" | "retired"
    );
    let mortgage = homeowner_stage && annual >= 60_000_00 && rng.random_bool(0.5);
    let mut loans = Vec::new();
    let mut bills = Vec::new();
    let housing = if mortgage {
        // A 30-year fixed mortgage whose payment is 20-30% of take-home pay, taken out 1 to 12
        // years ago (at 23 or later): the principal is what that payment repays.
        let target = monthly_net * between(rng, 0.2, 0.3);
        let rate = (between(rng, 3.0, 7.2) * 1000.0).round() / 1000.0;
        let term_months = 360;
        let principal = round_to(
            principal_for_payment(target as Cents, rate, term_months),
            1_000_00,
        );
        let most = (u32::from(demo.age).saturating_sub(23) * 12).clamp(1, 144);
        loans.push(LoanPlan {
            kind: LoanKind::Mortgage,
            servicer: pick_name(rng, MORTGAGE_SERVICERS),
            principal,
            rate,
            payment: amortized_payment(principal, rate, term_months),
            due_day: 1,
            term_months,
            paid_before: rng.random_range(1..=most),
            close_days: rng.random_range(0..=25),
        });
        // Two utilities and no rent: still two recurring merchants.
        for _ in 0..2 {
            bills.push(utility(rng, &bills));
        }
        Housing::None
    } else if demo.life_stage == "student" && rng.random_bool(0.3) {
        // Lives with family: no rent, one phone bill.
        bills.push(utility(rng, &bills));
        Housing::None
    } else {
        bills.push(utility(rng, &bills));
        Housing::Rent {
            landlord: pick_merchant(rng, LANDLORDS),
            amount: round_to(monthly_net * between(rng, 0.22, 0.32), 5_00),
            day: rng.random_range(1..=3),
            on_payday: false,
        }
    };
    // Student loans in standard (10-year) repayment, for graduates (22 or older) out of school:
    // repayment began up to four years ago, after graduation. Direct Unsubsidized Loans are capped
    // at $57,500 in all. (Students still in school would be in deferment, with no payments.)
    // Standard repayment is for borrowers it leaves room for: the payment is at most 10% of gross
    // monthly income, the usual affordability line (a larger debt would be on an income-driven
    // plan, which is not modelled), so the principal is capped to fit.
    if demo.life_stage == "early_career" && demo.age >= 22 && rng.random_bool(0.45) {
        let drawn = round_to(between(rng, 8_000.0, 57_500.0) * 100.0, 1);
        let rate = (between(rng, 3.7, 7.5) * 1000.0).round() / 1000.0;
        let term_months = 120;
        let affordable = (annual as f64 * STUDENT_LOAN_SHARE / 12.0).floor() as Cents;
        let principal = if amortized_payment(drawn, rate, term_months) > affordable {
            // Whole $100s, rounded down, so the payment stays within the line.
            let most = principal_for_payment(affordable, rate, term_months);
            (most / 100_00.0).floor() as Cents * 100_00
        } else {
            drawn
        };
        loans.push(LoanPlan {
            kind: LoanKind::Student,
            servicer: pick_name(rng, STUDENT_SERVICERS),
            principal,
            rate,
            payment: amortized_payment(principal, rate, term_months),
            due_day: rng.random_range(5..=25),
            term_months,
            paid_before: rng
                .random_range(0..=(u32::from(demo.age) - 22) * 12)
                .min(48),
            close_days: rng.random_range(0..=25),
        });
    }
    let n_cards = match rng.random_range(0..100) {
        0..=24 => 0,
        25..=79 => 1,
        _ => 2,
    };
    let cards: Vec<CardPlan> = (0..n_cards).map(|_| low_card(rng, annual, 0.25)).collect();
    // Utility bills go on a card for some card holders.
    if !cards.is_empty() {
        for b in bills.iter_mut() {
            if rng.random_bool(0.4) {
                b.card = Some(0);
            }
        }
    }
    let savings = rng.random_bool(0.45).then(|| SavingsPlan {
        subtype: AccountSubtype::Savings,
        start: round_to(between(rng, 300.0, annual as f64 / 100.0 * 0.25) * 100.0, 1),
        per_transfer: 0,
        apy: (between(rng, 0.01, 1.5) * 100.0).round() / 100.0,
    });
    let mut events = Vec::new();
    let n = w.n_days;
    if rng.random_bool(0.15) {
        let merchant = pick_merchant(rng, MEDICAL);
        events.push(LifeEvent::Medical {
            day: rng.random_range(0..n),
            merchant,
            amount: rng.random_range(merchant.lo..=merchant.hi).min(annual / 60),
        });
    }
    if rng.random_bool(0.15) {
        let merchant = pick_merchant(rng, LARGE_PURCHASES);
        events.push(LifeEvent::LargePurchase {
            day: rng.random_range(0..n),
            merchant,
            amount: rng.random_range(merchant.lo..=merchant.hi).min(annual / 40),
        });
    }
    let job_change = (!retired && n > 120 && rng.random_bool(0.08)).then(|| JobChange {
        day: rng.random_range(30..n - 75),
        new_payer: pick_name(rng, EMPLOYERS),
        pay_factor: between(rng, 0.95, 1.15),
    });
    let card_share = if cards.is_empty() {
        0.0
    } else {
        between(rng, 0.3, 0.6)
    };
    Profile {
        personas: PersonaSet::EMPTY,
        annual_income: annual,
        pay: PayPlan {
            schedule,
            net,
            payer,
            pfc,
            jitter: 0.0,
            job_change,
            contract_last: CONTRACT_LAST,
            contract_last_share: CONTRACT_LAST_SHARE,
        },
        checking_start: round_to(monthly_net * between(rng, 0.9, 2.0), 1),
        floor: round_to(between(rng, 250.0, 500.0) * 100.0, 1),
        housing,
        bills,
        cards,
        savings,
        loans,
        spend_ratio: between(rng, 0.82, 0.94),
        daily_spend: 0,
        pay_covers: 1.0,
        card_share,
        stress: None,
        events,
        pending_ok: true,
        mode: Mode::Normal,
        final_card_balance: None,
    }
}

/// A utility bill from a merchant not already billed.
pub fn utility(rng: &mut ChaCha8Rng, existing: &[Bill]) -> Bill {
    loop {
        let m = pick_merchant(rng, UTILITIES);
        if existing
            .iter()
            .all(|b| b.merchant.merchant_name != m.merchant_name)
        {
            return Bill {
                merchant: m,
                day: rng.random_range(5..=28),
                lo: m.lo,
                hi: m.hi,
                card: None,
            };
        }
    }
}

/// Marks a persona and returns the profile, for builders that compose personas.
pub fn with(mut p: Profile, persona: Persona) -> Profile {
    p.personas.insert(persona);
    p
}
