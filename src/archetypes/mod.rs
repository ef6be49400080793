//! Archetypes turn a population slot into a behaviour [`Profile`]: the parameters the simulation
//! executes. One file per archetype; each states the figures that make its personas true with
//! margin (or, for edge cases, exactly on the threshold). The base profile is a "stable" life with
//! no persona; persona modules add or change behaviour on top of it.

pub mod cash_flow_stressed;
pub mod edge_cases;
pub mod high_utilizer;
pub mod multi_persona;
pub mod overspender;
pub mod savings_builder;
pub mod stable;
pub mod subscription_heavy;
pub mod variable_income;

use crate::model::{AccountSubtype, Archetype, Cents, LoanKind, PersonaSet};
use crate::plan::Slot;
use crate::sim::merchants::{self, Merchant};
use crate::sim::Demographics;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// Days per average month, for turning monthly amounts into daily rates.
pub const DAYS_PER_MONTH: f64 = 30.44;
/// Share of gross pay that reaches the checking account.
pub const TAKE_HOME: f64 = 0.78;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaySchedule {
    Weekly,
    Biweekly,
    Semimonthly,
    Monthly,
    /// Frequent irregular gig payouts (every 3-10 days, moved to the nearest business day).
    Gig,
    /// Lumpy contract payments about 50-64 days apart (52-62 drawn, then each moved to the
    /// nearest business day), sized to what the user spends until the next one.
    Contract,
}

#[derive(Debug, Clone)]
pub struct JobChange {
    /// Day index from which the new employer pays (one pay period is skipped before it).
    pub day: u16,
    pub new_payer: &'static str,
    pub pay_factor: f64,
}

#[derive(Debug, Clone)]
pub struct PayPlan {
    pub schedule: PaySchedule,
    /// Net pay per period in cents (for `Contract`, sized by the simulation instead).
    pub net: Cents,
    pub payer: &'static str,
    /// PFC detailed category of the deposit.
    pub pfc: &'static str,
    /// Relative variation of each deposit (0 for a fixed salary).
    pub jitter: f64,
    pub job_change: Option<JobChange>,
    /// For `Contract` pay: the last payment lands this many days (range) before the window ends.
    pub contract_last: (u16, u16),
    /// For `Contract` pay: the last payment covers this share (range) of the days left.
    pub contract_last_share: (f64, f64),
}

/// Contract earners' last payment: 50-56 days before the end (no payday in the last 30 days).
pub const CONTRACT_LAST: (u16, u16) = (50, 56);
/// ...and covers only 75-85% of the days left, so the balance runs down to the floor by the end.
pub const CONTRACT_LAST_SHARE: (f64, f64) = (0.75, 0.85);

#[derive(Debug, Clone)]
pub enum Housing {
    None,
    Rent {
        landlord: &'static Merchant,
        amount: Cents,
        day: u32,
        /// Paid on the first payday of the month instead of a fixed day.
        on_payday: bool,
    },
}

#[derive(Debug, Clone)]
pub struct Bill {
    pub merchant: &'static Merchant,
    pub day: u32,
    pub lo: Cents,
    pub hi: Cents,
    /// Card index the bill is charged to, or `None` for checking.
    pub card: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PayBehavior {
    Full,
    /// Pays this multiple of the minimum (capped at the statement balance).
    Partial(f64),
    Minimum,
    /// Pays the minimum, but misses the last due date in the window (so the card ends overdue).
    MissLastDue,
}

#[derive(Debug, Clone)]
pub struct CardPlan {
    pub issuer: &'static str,
    pub product: &'static str,
    pub limit: Cents,
    pub apr: f64,
    pub start_balance: Cents,
    pub statement_day: u32,
    pub pay: PayBehavior,
    /// New purchases are declined when they would take utilization above this.
    pub cap: f64,
    /// The statement before the window was not paid in full (so interest accrues from the start).
    pub carried_at_start: bool,
    /// Days before the due date the payment goes out.
    pub lead: u16,
}

#[derive(Debug, Clone)]
pub struct SavingsPlan {
    pub subtype: AccountSubtype,
    pub start: Cents,
    /// Transferred from checking on the 2nd and 16th of each month (0 = a static account).
    pub per_transfer: Cents,
    pub apy: f64,
}

/// A fixed-rate, fully amortizing loan: `payment` repays `principal` at `rate` in `term_months`
/// monthly payments, the first due one month after origination. `sim::loans` runs the schedule
/// up to the window (the balance the account opens with) and through it.
#[derive(Debug, Clone)]
pub struct LoanPlan {
    pub kind: LoanKind,
    pub servicer: &'static str,
    /// Amount lent at origination.
    pub principal: Cents,
    /// Annual interest rate in percent.
    pub rate: f64,
    pub payment: Cents,
    pub due_day: u32,
    pub term_months: u32,
    /// Payments made before the window's first due date.
    pub paid_before: u32,
    /// Days from origination to one month before the first due date.
    pub close_days: u32,
}

/// The monthly payment, rounded up to the cent, that repays `principal` at `rate` percent a year
/// in `months` payments.
pub fn amortized_payment(principal: Cents, rate: f64, months: u32) -> Cents {
    let i = rate / 1200.0;
    let p = principal as f64;
    if i == 0.0 {
        return (p / months as f64).ceil() as Cents;
    }
    (p * i / (1.0 - (1.0 + i).powi(-(months as i32)))).ceil() as Cents
}

/// The principal that a monthly `payment` repays at `rate` percent a year in `months` payments.
pub fn principal_for_payment(payment: Cents, rate: f64, months: u32) -> f64 {
    let i = rate / 1200.0;
    let p = payment as f64;
    if i == 0.0 {
        return p * months as f64;
    }
    p * (1.0 - (1.0 + i).powi(-(months as i32))) / i
}

#[derive(Debug, Clone)]
pub enum LifeEvent {
    Medical {
        day: u16,
        merchant: &'static Merchant,
        amount: Cents,
    },
    LargePurchase {
        day: u16,
        merchant: &'static Merchant,
        amount: Cents,
    },
}

/// How many days the checking balance ends below $100, per window.
#[derive(Debug, Clone, Copy)]
pub struct StressPlan {
    /// Low days in the 180-day window ending on `end_date`.
    pub low_180: usize,
    /// Low days in the last 30 days (a subset of the above).
    pub low_30: usize,
    /// The fewest low days the plan settles for in each window when the others would spend a
    /// balance that a later payment needs (at most `low_180` and `low_30`).
    pub least_180: usize,
    pub least_30: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Accounts but no transactions at all.
    Dormant,
    /// Accounts whose only transactions are a few pending purchases in the last days.
    OnlyPending,
}

#[derive(Debug, Clone)]
pub struct Profile {
    pub personas: PersonaSet,
    pub annual_income: Cents,
    pub pay: PayPlan,
    pub checking_start: Cents,
    /// Everyday debit purchases are skipped when they would leave checking below this.
    pub floor: Cents,
    pub housing: Housing,
    pub bills: Vec<Bill>,
    pub cards: Vec<CardPlan>,
    pub savings: Option<SavingsPlan>,
    pub loans: Vec<LoanPlan>,
    /// Share of (income - fixed costs) spent on everyday purchases.
    pub spend_ratio: f64,
    /// Everyday spend per day in cents (set by [`Profile::finish`]).
    pub daily_spend: Cents,
    /// Share of the everyday budget that contract pay is sized to cover (below 1: the user wants
    /// to spend more than comes in, so the balance runs down to the floor before each payment).
    pub pay_covers: f64,
    /// Probability an everyday purchase goes to a card when the user has one.
    pub card_share: f64,
    pub stress: Option<StressPlan>,
    pub events: Vec<LifeEvent>,
    pub pending_ok: bool,
    pub mode: Mode,
    /// Edge case: on the last day, one purchase brings card `.0` to exactly `.1` cents owed.
    pub final_card_balance: Option<(usize, Cents)>,
}

pub use crate::sim::Window;

pub fn round_to(c: f64, unit: Cents) -> Cents {
    ((c / unit as f64).round() as Cents) * unit
}

pub fn between(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

pub fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

pub fn pick_name(rng: &mut ChaCha8Rng, names: &[&'static str]) -> &'static str {
    names[rng.random_range(0..names.len())]
}

pub fn pick_merchant(rng: &mut ChaCha8Rng, list: &'static [Merchant]) -> &'static Merchant {
    merchants::pick_weighted(list, rng.random::<u32>())
}

/// Days of the month (1-28) on which a monthly charge falls at least three times in the 90 days
/// ending on `end`, so that "3 charges in the last 90 days" holds for it.
pub fn three_in_ninety_days(end: chrono::NaiveDate) -> Vec<u32> {
    use chrono::Datelike;
    let from = end - chrono::Duration::days(89);
    (1..=28)
        .filter(|&d| {
            let mut n = 0;
            let mut m = chrono::NaiveDate::from_ymd_opt(from.year(), from.month(), 1).unwrap();
            while m <= end {
                let x = m.with_day(d).unwrap();
                if x >= from && x <= end {
                    n += 1;
                }
                m = m.checked_add_months(chrono::Months::new(1)).unwrap();
            }
            n >= 3
        })
        .collect()
}

impl Profile {
    /// Monthly take-home pay in cents.
    pub fn monthly_net(&self) -> f64 {
        self.annual_income as f64 * TAKE_HOME / 12.0
    }

    /// Fixed monthly outflows from checking or cards: housing, bills, loans, savings transfers.
    pub fn fixed_monthly(&self) -> f64 {
        let housing = match &self.housing {
            Housing::Rent { amount, .. } => *amount as f64,
            Housing::None => 0.0,
        };
        let bills: f64 = self.bills.iter().map(|b| (b.lo + b.hi) as f64 / 2.0).sum();
        let loans: f64 = self.loans.iter().map(|l| l.payment as f64).sum();
        let savings = self
            .savings
            .as_ref()
            .map(|s| 2.0 * s.per_transfer as f64)
            .unwrap_or(0.0);
        housing + bills + loans + savings
    }

    /// Sets the everyday spending rate from income, fixed costs and the spend ratio.
    pub fn finish(&mut self) {
        // Non-stressed salaried users keep a cushion of half their fixed monthly costs, so rent
        // and bills never meet an empty account.
        if self.stress.is_none() && self.pay.schedule != PaySchedule::Contract {
            let cushion = (self.fixed_monthly() * 0.5) as Cents + 200_00;
            self.floor = self.floor.max(cushion);
        }
        // A card paid in full carries at least one monthly bill of $50 or more, so its statement
        // (and so its full payment) always exceeds the $25 minimum: no reading of
        // "minimum-payment-only" can mistake a full payer for a minimum payer.
        for c in 0..self.cards.len() {
            if self.cards[c].pay != PayBehavior::Full {
                continue;
            }
            let covered = self
                .bills
                .iter()
                .any(|b| b.card == Some(c) && b.lo >= 50_00);
            if !covered {
                if let Some(b) = self
                    .bills
                    .iter_mut()
                    .find(|b| b.card.is_none() && b.lo >= 50_00)
                {
                    b.card = Some(c);
                }
            }
        }
        // A second full-pay card no bill is left for is not opened: its statements could be a
        // few dollars, paid in full yet no more than the minimum.
        for c in (1..self.cards.len()).rev() {
            let full = self.cards[c].pay == PayBehavior::Full;
            if full
                && !self
                    .bills
                    .iter()
                    .any(|b| b.card == Some(c) && b.lo >= 50_00)
            {
                self.cards.remove(c);
                for b in self.bills.iter_mut() {
                    b.card = match b.card {
                        Some(x) if x == c => Some(0),
                        Some(x) if x > c => Some(x - 1),
                        other => other,
                    };
                }
            }
        }
        let free = (self.monthly_net() - self.fixed_monthly()).max(250_00.0);
        self.daily_spend = (free * self.spend_ratio / DAYS_PER_MONTH).round() as Cents;
    }

    /// Everyday spending plus fixed costs except savings, per day: what contract pay must cover.
    pub fn daily_need(&self) -> f64 {
        let savings = self
            .savings
            .as_ref()
            .map(|s| 2.0 * s.per_transfer as f64)
            .unwrap_or(0.0);
        (self.fixed_monthly() - savings) / DAYS_PER_MONTH
            + self.daily_spend as f64 * self.pay_covers
    }

    pub fn has_persona(&self, p: crate::model::Persona) -> bool {
        self.personas.contains(p)
    }
}

/// Builds the profile for a slot. Demographics were drawn before (independently of the archetype).
pub fn build(slot: &Slot, demo: &Demographics, w: &Window, rng: &mut ChaCha8Rng) -> Profile {
    if let Some(edge) = slot.edge_case {
        return edge_cases::build(edge, demo, w, rng);
    }
    match slot.archetype {
        Archetype::HighUtilizer => high_utilizer::build(demo, w, rng),
        Archetype::Overspender => overspender::build(demo, w, rng),
        Archetype::VariableIncome => variable_income::build(demo, w, rng),
        Archetype::SubscriptionHeavy => subscription_heavy::build(demo, w, rng),
        Archetype::SavingsBuilder => savings_builder::build(demo, w, rng),
        Archetype::CashFlowStressed => cash_flow_stressed::build(demo, w, rng),
        Archetype::MultiPersona => multi_persona::build(slot.variant, demo, w, rng),
        Archetype::Stable | Archetype::EdgeCases => stable::build(demo, w, rng),
    }
}
