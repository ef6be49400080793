//! Plaid-shaped records and the enums they use. Field names and enum spellings follow Plaid's API
//! (`../shared/reference/plaid`); money is exact integer cents (`Cents`) until a sink writes dollars.

use chrono::NaiveDate;
use std::borrow::Cow;

/// Exact money in cents. Plaid's sign: a transaction amount > 0 is money out of the account.
pub type Cents = i64;

/// Formats cents as dollars with exactly two decimals (`-1234` -> `"-12.34"`).
pub fn format_dollars(c: Cents) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let a = c.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// `YYYY-MM-DD` without chrono's general formatter (this is on every sink's hot path).
pub fn iso_date(d: NaiveDate) -> String {
    let b = iso_date_bytes(d);
    // Only ASCII digits and dashes were written.
    String::from_utf8(b.to_vec()).unwrap()
}

/// [`iso_date`] as ASCII bytes, without allocating.
pub fn iso_date_bytes(d: NaiveDate) -> [u8; 10] {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    let mut b = [0u8; 10];
    let digits = |v: u32, out: &mut [u8]| {
        let mut v = v;
        for slot in out.iter_mut().rev() {
            *slot = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    digits(y as u32, &mut b[0..4]);
    b[4] = b'-';
    digits(m, &mut b[5..7]);
    b[7] = b'-';
    digits(day, &mut b[8..10]);
    b
}

/// Cents as a float of dollars (two decimals, the nearest f64).
pub fn dollars(c: Cents) -> f64 {
    c as f64 / 100.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountType {
    Depository,
    Credit,
    Loan,
}

impl AccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Depository => "depository",
            AccountType::Credit => "credit",
            AccountType::Loan => "loan",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountSubtype {
    Checking,
    Savings,
    MoneyMarket,
    Hsa,
    CreditCard,
    Student,
    Mortgage,
}

impl AccountSubtype {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountSubtype::Checking => "checking",
            AccountSubtype::Savings => "savings",
            AccountSubtype::MoneyMarket => "money market",
            AccountSubtype::Hsa => "hsa",
            AccountSubtype::CreditCard => "credit card",
            AccountSubtype::Student => "student",
            AccountSubtype::Mortgage => "mortgage",
        }
    }
    pub fn account_type(self) -> AccountType {
        match self {
            AccountSubtype::Checking
            | AccountSubtype::Savings
            | AccountSubtype::MoneyMarket
            | AccountSubtype::Hsa => AccountType::Depository,
            AccountSubtype::CreditCard => AccountType::Credit,
            AccountSubtype::Student | AccountSubtype::Mortgage => AccountType::Loan,
        }
    }
    /// Savings-like depository accounts (the signal spec's "savings, money market, cash management, HSA").
    pub fn is_savings_like(self) -> bool {
        matches!(
            self,
            AccountSubtype::Savings | AccountSubtype::MoneyMarket | AccountSubtype::Hsa
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PaymentChannel {
    Online,
    InStore,
    Other,
}

impl PaymentChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentChannel::Online => "online",
            PaymentChannel::InStore => "in store",
            PaymentChannel::Other => "other",
        }
    }
}

/// The five SpendSense personas, in the order used everywhere (labels, reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Persona {
    HighUtilization,
    VariableIncome,
    SubscriptionHeavy,
    SavingsBuilder,
    CashFlowStressed,
}

impl Persona {
    pub const ALL: [Persona; 5] = [
        Persona::HighUtilization,
        Persona::VariableIncome,
        Persona::SubscriptionHeavy,
        Persona::SavingsBuilder,
        Persona::CashFlowStressed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Persona::HighUtilization => "high_utilization",
            Persona::VariableIncome => "variable_income",
            Persona::SubscriptionHeavy => "subscription_heavy",
            Persona::SavingsBuilder => "savings_builder",
            Persona::CashFlowStressed => "cash_flow_stressed",
        }
    }
    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A small set of personas (bit set), iterated in `Persona::ALL` order so output never depends on
/// insertion order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PersonaSet(u8);

impl PersonaSet {
    pub const EMPTY: PersonaSet = PersonaSet(0);
    pub fn of(personas: &[Persona]) -> Self {
        let mut s = PersonaSet(0);
        for p in personas {
            s.insert(*p);
        }
        s
    }
    pub fn insert(&mut self, p: Persona) {
        self.0 |= p.bit();
    }
    pub fn contains(self, p: Persona) -> bool {
        self.0 & p.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }
    pub fn iter(self) -> impl Iterator<Item = Persona> {
        Persona::ALL.into_iter().filter(move |p| self.contains(*p))
    }
    /// Comma-separated persona ids in canonical order, e.g. `high_utilization,subscription_heavy`.
    pub fn join(self) -> String {
        self.iter()
            .map(Persona::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Edge cases: users built to sit exactly on a threshold or at a boundary of the data model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeCase {
    UtilizationExactly50,
    RecurringExactly3,
    LowBalanceExactly30Pct,
    ConsentFalseHighUtilization,
    NoTransactions,
    OnlyPending,
    NoCreditAccounts,
}

impl EdgeCase {
    pub const ALL: [EdgeCase; 7] = [
        EdgeCase::UtilizationExactly50,
        EdgeCase::RecurringExactly3,
        EdgeCase::LowBalanceExactly30Pct,
        EdgeCase::ConsentFalseHighUtilization,
        EdgeCase::NoTransactions,
        EdgeCase::OnlyPending,
        EdgeCase::NoCreditAccounts,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeCase::UtilizationExactly50 => "utilization_exactly_50",
            EdgeCase::RecurringExactly3 => "recurring_exactly_3",
            EdgeCase::LowBalanceExactly30Pct => "low_balance_exactly_30pct",
            EdgeCase::ConsentFalseHighUtilization => "consent_false_high_utilization",
            EdgeCase::NoTransactions => "no_transactions",
            EdgeCase::OnlyPending => "only_pending",
            EdgeCase::NoCreditAccounts => "no_credit_accounts",
        }
    }
    /// The personas this edge case is designed to land on (with the threshold read as `>=`).
    pub fn personas(self) -> PersonaSet {
        match self {
            EdgeCase::UtilizationExactly50 | EdgeCase::ConsentFalseHighUtilization => {
                PersonaSet::of(&[Persona::HighUtilization])
            }
            EdgeCase::RecurringExactly3 => PersonaSet::of(&[Persona::SubscriptionHeavy]),
            EdgeCase::LowBalanceExactly30Pct => PersonaSet::of(&[Persona::CashFlowStressed]),
            EdgeCase::NoCreditAccounts => PersonaSet::of(&[Persona::SavingsBuilder]),
            EdgeCase::NoTransactions | EdgeCase::OnlyPending => PersonaSet::EMPTY,
        }
    }
}

/// The archetypes a mix is made of. `EdgeCases` cycles through `EdgeCase::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Archetype {
    HighUtilizer,
    Overspender,
    VariableIncome,
    SubscriptionHeavy,
    SavingsBuilder,
    CashFlowStressed,
    MultiPersona,
    Stable,
    EdgeCases,
}

impl Archetype {
    pub const ALL: [Archetype; 9] = [
        Archetype::HighUtilizer,
        Archetype::Overspender,
        Archetype::VariableIncome,
        Archetype::SubscriptionHeavy,
        Archetype::SavingsBuilder,
        Archetype::CashFlowStressed,
        Archetype::MultiPersona,
        Archetype::Stable,
        Archetype::EdgeCases,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Archetype::HighUtilizer => "high_utilizer",
            Archetype::Overspender => "overspender",
            Archetype::VariableIncome => "variable_income",
            Archetype::SubscriptionHeavy => "subscription_heavy",
            Archetype::SavingsBuilder => "savings_builder",
            Archetype::CashFlowStressed => "cash_flow_stressed",
            Archetype::MultiPersona => "multi_persona",
            Archetype::Stable => "stable",
            Archetype::EdgeCases => "edge_cases",
        }
    }
    pub fn parse(s: &str) -> Option<Archetype> {
        Archetype::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// RFC 3339 UTC timestamp, e.g. `2024-03-05T14:22:10Z`.
    pub created_at: String,
    pub consent_status: bool,
    pub consent_updated_at: String,
    pub age: u8,
    pub age_bracket: &'static str,
    pub annual_income: Cents,
    pub income_tier: &'static str,
    pub region: &'static str,
    pub life_stage: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub account_id: String,
    pub subtype: AccountSubtype,
    pub name: String,
    pub official_name: String,
    pub mask: String,
    pub balance_available: Option<Cents>,
    pub balance_current: Cents,
    pub balance_limit: Option<Cents>,
}

impl Account {
    pub fn account_type(&self) -> AccountType {
        self.subtype.account_type()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transaction {
    /// Index into the owning user's `accounts`. (The transaction's id is not stored: it is derived
    /// from the seed, the user and the transaction's position, see [`UserData::transaction_id`].)
    pub account: u8,
    pub date: NaiveDate,
    pub authorized_date: NaiveDate,
    pub amount: Cents,
    pub name: Cow<'static, str>,
    pub merchant_name: Option<&'static str>,
    pub payment_channel: PaymentChannel,
    /// PFC v1 detailed category; the primary is derived from it (see `crate::sim::merchants::pfc_primary`).
    pub pfc_detailed: &'static str,
    pub pending: bool,
}

impl Transaction {
    /// Plaid's `merchant_entity_id`: derived from the merchant.
    pub fn merchant_entity_id(&self) -> Option<&'static str> {
        self.merchant_name.map(crate::sim::merchants::entity_id)
    }
    /// Plaid's `pending_transaction_id`: the id of the pending transaction a posted one replaced.
    /// Pending transactions here are never followed by their posted version inside the window,
    /// so it is always null.
    pub fn pending_transaction_id(&self) -> Option<&'static str> {
        None
    }
    /// Plaid's `personal_finance_category.confidence_level`: `VERY_HIGH` for a known merchant.
    pub fn pfc_confidence_level(&self) -> &'static str {
        if self.merchant_name.is_some() {
            "VERY_HIGH"
        } else {
            "HIGH"
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Apr {
    pub apr_percentage: f64,
    /// `purchase_apr`, `cash_apr`, `balance_transfer_apr` or `special`.
    pub apr_type: &'static str,
    pub balance_subject_to_apr: Option<Cents>,
    pub interest_charge_amount: Option<Cents>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreditLiability {
    pub account: u8,
    pub aprs: Vec<Apr>,
    pub is_overdue: bool,
    pub last_payment_amount: Option<Cents>,
    pub last_payment_date: Option<NaiveDate>,
    pub last_statement_balance: Cents,
    pub last_statement_issue_date: NaiveDate,
    pub minimum_payment_amount: Cents,
    pub next_payment_due_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanKind {
    Student,
    Mortgage,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoanLiability {
    pub account: u8,
    pub kind: LoanKind,
    pub interest_rate_percentage: f64,
    /// `fixed` or `variable`.
    pub interest_rate_type: &'static str,
    pub loan_name: &'static str,
    pub minimum_payment_amount: Cents,
    pub last_payment_amount: Option<Cents>,
    pub last_payment_date: Option<NaiveDate>,
    pub last_statement_issue_date: NaiveDate,
    pub last_statement_balance: Cents,
    pub next_payment_due_date: NaiveDate,
    pub is_overdue: bool,
    pub origination_date: NaiveDate,
    pub origination_principal_amount: Cents,
    pub maturity_date: NaiveDate,
    pub ytd_interest_paid: Cents,
    pub ytd_principal_paid: Cents,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Liability {
    Credit(CreditLiability),
    Loan(LoanLiability),
}

impl Liability {
    pub fn account(&self) -> u8 {
        match self {
            Liability::Credit(c) => c.account,
            Liability::Loan(l) => l.account,
        }
    }
    pub fn liability_type(&self) -> &'static str {
        match self {
            Liability::Credit(_) => "credit",
            Liability::Loan(l) => match l.kind {
                LoanKind::Student => "student",
                LoanKind::Mortgage => "mortgage",
            },
        }
    }
}

/// Ground truth: what the user was built to be.
#[derive(Debug, Clone, PartialEq)]
pub struct UserLabel {
    pub archetype: Archetype,
    pub personas: PersonaSet,
    pub edge_case: Option<EdgeCase>,
}

/// What every transaction id starts with.
pub const TRANSACTION_ID_PREFIX: &str = "txn_";

/// Everything generated for one user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserData {
    pub index: u64,
    /// The run's seed (transaction ids derive from it).
    pub seed: u64,
    pub user: User,
    pub accounts: Vec<Account>,
    /// In posting order: by date, and within a day in the order the ledger posted them.
    pub transactions: Vec<Transaction>,
    pub liabilities: Vec<Liability>,
    pub label: UserLabel,
}

impl UserData {
    /// The Plaid-style id of transaction `i` of this user.
    pub fn transaction_id(&self, i: usize) -> String {
        crate::ids::opaque_id(
            TRANSACTION_ID_PREFIX,
            self.seed,
            self.index,
            crate::ids::IdKind::Transaction,
            i as u64,
        )
    }

    /// [`UserData::transaction_id`] after its [`TRANSACTION_ID_PREFIX`], without allocating.
    pub fn transaction_id_tail(&self, i: usize) -> crate::ids::IdTail {
        self.transaction_id_tails().tail(i as u64)
    }
    /// What [`Self::transaction_id_tail`] derives the tails from, for writers that make many.
    pub fn transaction_id_tails(&self) -> crate::ids::Tails {
        crate::ids::Tails::new(self.seed, self.index, crate::ids::IdKind::Transaction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_format_exactly() {
        assert_eq!(format_dollars(0), "0.00");
        assert_eq!(format_dollars(5), "0.05");
        assert_eq!(format_dollars(-1234), "-12.34");
        assert_eq!(format_dollars(100_000_00), "100000.00");
        assert_eq!(format_dollars(-7), "-0.07");
    }

    #[test]
    fn iso_dates() {
        let d = NaiveDate::from_ymd_opt(2025, 3, 7).unwrap();
        assert_eq!(iso_date(d), "2025-03-07");
        assert_eq!(iso_date(d), d.format("%Y-%m-%d").to_string());
    }

    #[test]
    fn persona_set_is_canonical() {
        let s = PersonaSet::of(&[Persona::CashFlowStressed, Persona::HighUtilization]);
        assert_eq!(s.join(), "high_utilization,cash_flow_stressed");
        assert_eq!(s.len(), 2);
    }
}
