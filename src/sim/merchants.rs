//! The merchant catalog: statement descriptors, merchant names, PFC v1 categories, payment
//! channels and typical amounts. Categories are checked against `pfc_taxonomy.csv` in the tests.

use crate::ids::name_id;
use crate::model::{Cents, PaymentChannel};
use std::sync::OnceLock;

use PaymentChannel::{InStore, Online};

#[derive(Debug)]
pub struct Merchant {
    /// The raw descriptor Plaid puts in `name`.
    pub name: &'static str,
    pub merchant_name: &'static str,
    /// PFC v1 detailed category.
    pub pfc: &'static str,
    pub channel: PaymentChannel,
    /// Typical amount range in cents (equal for fixed-price subscriptions).
    pub lo: Cents,
    pub hi: Cents,
    /// Relative frequency among purchases of its list.
    pub weight: u32,
}

const fn m(
    name: &'static str,
    merchant_name: &'static str,
    pfc: &'static str,
    channel: PaymentChannel,
    lo: Cents,
    hi: Cents,
    weight: u32,
) -> Merchant {
    Merchant {
        name,
        merchant_name,
        pfc,
        channel,
        lo,
        hi,
        weight,
    }
}

/// Everyday purchases.
pub static DISCRETIONARY: &[Merchant] = &[
    m(
        "WHOLEFDS MKT #10234",
        "Whole Foods Market",
        "FOOD_AND_DRINK_GROCERIES",
        InStore,
        2500,
        16000,
        9,
    ),
    m(
        "TRADER JOE S #552",
        "Trader Joe's",
        "FOOD_AND_DRINK_GROCERIES",
        InStore,
        2000,
        11000,
        9,
    ),
    m(
        "KROGER #0412",
        "Kroger",
        "FOOD_AND_DRINK_GROCERIES",
        InStore,
        1800,
        14000,
        9,
    ),
    m(
        "SAFEWAY #1877",
        "Safeway",
        "FOOD_AND_DRINK_GROCERIES",
        InStore,
        1500,
        12000,
        7,
    ),
    m(
        "ALDI 72031",
        "Aldi",
        "FOOD_AND_DRINK_GROCERIES",
        InStore,
        1500,
        9000,
        6,
    ),
    m(
        "INSTACART",
        "Instacart",
        "FOOD_AND_DRINK_GROCERIES",
        Online,
        3500,
        15000,
        3,
    ),
    m(
        "STARBUCKS STORE 08812",
        "Starbucks",
        "FOOD_AND_DRINK_COFFEE",
        InStore,
        350,
        1400,
        10,
    ),
    m(
        "DUNKIN #341122",
        "Dunkin'",
        "FOOD_AND_DRINK_COFFEE",
        InStore,
        300,
        1100,
        6,
    ),
    m(
        "SQ *BLUE BOTTLE COFFEE",
        "Blue Bottle Coffee",
        "FOOD_AND_DRINK_COFFEE",
        InStore,
        450,
        1300,
        3,
    ),
    m(
        "MCDONALD'S F1234",
        "McDonald's",
        "FOOD_AND_DRINK_FAST_FOOD",
        InStore,
        500,
        1800,
        7,
    ),
    m(
        "CHIPOTLE 2231",
        "Chipotle Mexican Grill",
        "FOOD_AND_DRINK_FAST_FOOD",
        InStore,
        900,
        2600,
        6,
    ),
    m(
        "TACO BELL #031455",
        "Taco Bell",
        "FOOD_AND_DRINK_FAST_FOOD",
        InStore,
        600,
        2000,
        4,
    ),
    m(
        "DOORDASH*DASHPASS ORDER",
        "DoorDash",
        "FOOD_AND_DRINK_RESTAURANT",
        Online,
        1800,
        6500,
        6,
    ),
    m(
        "UBER EATS",
        "Uber Eats",
        "FOOD_AND_DRINK_RESTAURANT",
        Online,
        1600,
        6000,
        5,
    ),
    m(
        "OLIVE GARDEN 0123",
        "Olive Garden",
        "FOOD_AND_DRINK_RESTAURANT",
        InStore,
        2800,
        9500,
        3,
    ),
    m(
        "TST* THE LOCAL KITCHEN",
        "The Local Kitchen",
        "FOOD_AND_DRINK_RESTAURANT",
        InStore,
        2200,
        11000,
        4,
    ),
    m(
        "CHEESECAKE FACTORY #88",
        "The Cheesecake Factory",
        "FOOD_AND_DRINK_RESTAURANT",
        InStore,
        3500,
        12000,
        2,
    ),
    m(
        "TOTAL WINE & MORE",
        "Total Wine & More",
        "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR",
        InStore,
        1500,
        8000,
        2,
    ),
    m(
        "AMAZON MKTPL*2K4TX1",
        "Amazon",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        Online,
        900,
        12000,
        10,
    ),
    m(
        "TARGET 00012345",
        "Target",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        InStore,
        1200,
        15000,
        7,
    ),
    m(
        "WAL-MART #5523",
        "Walmart",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        InStore,
        1000,
        14000,
        7,
    ),
    m(
        "COSTCO WHSE #0491",
        "Costco",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        InStore,
        4000,
        25000,
        3,
    ),
    m(
        "DOLLAR TREE 4411",
        "Dollar Tree",
        "GENERAL_MERCHANDISE_DISCOUNT_STORES",
        InStore,
        300,
        3000,
        3,
    ),
    m(
        "TJ MAXX #0831",
        "TJ Maxx",
        "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
        InStore,
        1500,
        9000,
        3,
    ),
    m(
        "OLD NAVY US 3345",
        "Old Navy",
        "GENERAL_MERCHANDISE_CLOTHING_AND_ACCESSORIES",
        InStore,
        1500,
        8000,
        2,
    ),
    m(
        "MACYS .COM",
        "Macy's",
        "GENERAL_MERCHANDISE_DEPARTMENT_STORES",
        Online,
        2500,
        15000,
        2,
    ),
    m(
        "CVS/PHARMACY #08823",
        "CVS Pharmacy",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        InStore,
        500,
        6000,
        4,
    ),
    m(
        "WALGREENS #12093",
        "Walgreens",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        InStore,
        500,
        5000,
        3,
    ),
    m(
        "7-ELEVEN 33211",
        "7-Eleven",
        "GENERAL_MERCHANDISE_CONVENIENCE_STORES",
        InStore,
        300,
        2500,
        4,
    ),
    m(
        "PETSMART # 0472",
        "PetSmart",
        "GENERAL_MERCHANDISE_PET_SUPPLIES",
        InStore,
        1500,
        9000,
        2,
    ),
    m(
        "BARNES & NOBLE #2671",
        "Barnes & Noble",
        "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
        InStore,
        1000,
        5000,
        1,
    ),
    m(
        "SHELL OIL 57442311",
        "Shell",
        "TRANSPORTATION_GAS",
        InStore,
        2500,
        7500,
        6,
    ),
    m(
        "CHEVRON 0209841",
        "Chevron",
        "TRANSPORTATION_GAS",
        InStore,
        2500,
        7500,
        5,
    ),
    m(
        "EXXONMOBIL 4471",
        "ExxonMobil",
        "TRANSPORTATION_GAS",
        InStore,
        2500,
        7000,
        4,
    ),
    m(
        "UBER *TRIP",
        "Uber",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        Online,
        900,
        4500,
        5,
    ),
    m(
        "LYFT *RIDE THU 8PM",
        "Lyft",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        Online,
        900,
        4000,
        3,
    ),
    m(
        "METRO TRANSIT FARE",
        "Metro Transit",
        "TRANSPORTATION_PUBLIC_TRANSIT",
        InStore,
        250,
        2800,
        2,
    ),
    m(
        "SP+ PARKING 2231",
        "SP+ Parking",
        "TRANSPORTATION_PARKING",
        InStore,
        400,
        2500,
        2,
    ),
    m(
        "AMC 0421 ONLINE",
        "AMC Theatres",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1400,
        4500,
        2,
    ),
    m(
        "STEAMGAMES.COM 4259522",
        "Steam",
        "ENTERTAINMENT_VIDEO_GAMES",
        Online,
        500,
        6000,
        2,
    ),
    m(
        "TICKETMASTER",
        "Ticketmaster",
        "ENTERTAINMENT_SPORTING_EVENTS_AMUSEMENT_PARKS_AND_MUSEUMS",
        Online,
        4000,
        20000,
        1,
    ),
    m(
        "GREAT CLIPS #8841",
        "Great Clips",
        "PERSONAL_CARE_HAIR_AND_BEAUTY",
        InStore,
        2000,
        4500,
        2,
    ),
    m(
        "ULTA BEAUTY #0412",
        "Ulta Beauty",
        "PERSONAL_CARE_HAIR_AND_BEAUTY",
        InStore,
        1500,
        9000,
        2,
    ),
    m(
        "HOME DEPOT #6623",
        "The Home Depot",
        "HOME_IMPROVEMENT_HARDWARE",
        InStore,
        1500,
        20000,
        3,
    ),
    m(
        "LOWE'S #1142",
        "Lowe's",
        "HOME_IMPROVEMENT_HARDWARE",
        InStore,
        1500,
        18000,
        2,
    ),
    m(
        "USPS PO 0471230",
        "USPS",
        "GENERAL_SERVICES_POSTAGE_AND_SHIPPING",
        InStore,
        300,
        2500,
        1,
    ),
    m(
        "JIFFY LUBE #1823",
        "Jiffy Lube",
        "GENERAL_SERVICES_AUTOMOTIVE",
        InStore,
        5000,
        15000,
        1,
    ),
    m(
        "AIRBNB * HMQ2X",
        "Airbnb",
        "TRAVEL_LODGING",
        Online,
        12000,
        60000,
        1,
    ),
    m(
        "DELTA AIR 0062",
        "Delta Air Lines",
        "TRAVEL_FLIGHTS",
        Online,
        15000,
        65000,
        1,
    ),
    m(
        "RED CROSS DONATION",
        "American Red Cross",
        "GOVERNMENT_AND_NON_PROFIT_DONATIONS",
        Online,
        1000,
        10000,
        1,
    ),
];

/// Fixed-price monthly subscriptions (`lo == hi`).
pub static SUBSCRIPTIONS: &[Merchant] = &[
    m(
        "NETFLIX.COM",
        "Netflix",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1549,
        1549,
        10,
    ),
    m(
        "SPOTIFY USA",
        "Spotify",
        "ENTERTAINMENT_MUSIC_AND_AUDIO",
        Online,
        1199,
        1199,
        10,
    ),
    m(
        "HULU 877-8244858",
        "Hulu",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1799,
        1799,
        6,
    ),
    m(
        "DISNEY PLUS",
        "Disney+",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1399,
        1399,
        6,
    ),
    m(
        "MAX.COM",
        "Max",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1699,
        1699,
        5,
    ),
    m(
        "APPLE.COM/BILL",
        "Apple",
        // iCloud storage: the taxonomy puts cloud storage under other general services.
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        Online,
        299,
        299,
        6,
    ),
    m(
        "GOOGLE *YOUTUBE PREMIUM",
        "YouTube Premium",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        1399,
        1399,
        4,
    ),
    m(
        "AMAZON PRIME*MEMBERSHIP",
        "Amazon Prime",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        Online,
        1499,
        1499,
        6,
    ),
    m(
        "PLANET FITNESS",
        "Planet Fitness",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        InStore,
        2499,
        2499,
        5,
    ),
    m(
        "EQUINOX MEMBERSHIP",
        "Equinox",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        InStore,
        4000,
        4000,
        2,
    ),
    m(
        "PELOTON* MEMBERSHIP",
        "Peloton",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        Online,
        4400,
        4400,
        3,
    ),
    m(
        "NYTIMES DIGITAL",
        "The New York Times",
        "GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS",
        Online,
        1700,
        1700,
        3,
    ),
    m(
        "AUDIBLE*MEMBERSHIP",
        "Audible",
        "ENTERTAINMENT_MUSIC_AND_AUDIO",
        Online,
        1495,
        1495,
        3,
    ),
    m(
        "XBOX GAME PASS",
        "Xbox",
        "ENTERTAINMENT_VIDEO_GAMES",
        Online,
        1699,
        1699,
        3,
    ),
    m(
        "DROPBOX*PLUS",
        "Dropbox",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        Online,
        1199,
        1199,
        2,
    ),
    m(
        "HELLOFRESH MEAL KIT",
        "HelloFresh",
        "FOOD_AND_DRINK_GROCERIES",
        Online,
        6999,
        6999,
        2,
    ),
    m(
        "ADOBE *CREATIVE CLOUD",
        "Adobe",
        "GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
        Online,
        2299,
        2299,
        2,
    ),
    m(
        "PARAMOUNT+",
        "Paramount+",
        "ENTERTAINMENT_TV_AND_MOVIES",
        Online,
        799,
        799,
        3,
    ),
];

/// Monthly utility bills (amount varies within the range).
pub static UTILITIES: &[Merchant] = &[
    m(
        "PG&E WEB ONLINE",
        "PG&E",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        Online,
        6000,
        19000,
        3,
    ),
    m(
        "CON ED OF NY",
        "Con Edison",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        Online,
        6000,
        18000,
        3,
    ),
    m(
        "DUKE ENERGY PAYMENT",
        "Duke Energy",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        Online,
        5500,
        17000,
        3,
    ),
    m(
        "COMCAST XFINITY",
        "Xfinity",
        "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
        Online,
        6500,
        11000,
        3,
    ),
    m(
        "VERIZON WRLS P2007",
        "Verizon",
        "RENT_AND_UTILITIES_TELEPHONE",
        Online,
        6500,
        14000,
        3,
    ),
    m(
        "T-MOBILE AUTOPAY",
        "T-Mobile",
        "RENT_AND_UTILITIES_TELEPHONE",
        Online,
        5000,
        12000,
        3,
    ),
];

/// Property managers that rent is paid to.
pub static LANDLORDS: &[Merchant] = &[
    m(
        "GREYSTAR RENT PMT",
        "Greystar",
        "RENT_AND_UTILITIES_RENT",
        Online,
        0,
        0,
        3,
    ),
    m(
        "EQUITY RESIDENTIAL RENT",
        "Equity Residential",
        "RENT_AND_UTILITIES_RENT",
        Online,
        0,
        0,
        2,
    ),
    m(
        "AVALONBAY RENT",
        "AvalonBay Communities",
        "RENT_AND_UTILITIES_RENT",
        Online,
        0,
        0,
        2,
    ),
    m(
        "ZELLE TO PARKVIEW PROPERTY MGMT",
        "Parkview Property Management",
        "RENT_AND_UTILITIES_RENT",
        Online,
        0,
        0,
        2,
    ),
];

impl Merchant {
    /// Whether a payment to this merchant from checking is an ACH debit (a utility's autopay, a
    /// rent portal's payment), which settles on business days only: due on a weekend or a
    /// federal holiday, it posts on the next business day. A Zelle payment settles at once,
    /// any day, and so do card charges.
    pub fn settles_on_business_days(&self) -> bool {
        self.pfc.starts_with("RENT_AND_UTILITIES_") && !self.name.starts_with("ZELLE ")
    }
}

/// One-off large purchases (life event).
pub static LARGE_PURCHASES: &[Merchant] = &[
    m(
        "BEST BUY 00004512",
        "Best Buy",
        "GENERAL_MERCHANDISE_ELECTRONICS",
        InStore,
        40000,
        250000,
        3,
    ),
    m(
        "APPLE STORE R102",
        "Apple",
        "GENERAL_MERCHANDISE_ELECTRONICS",
        InStore,
        50000,
        250000,
        2,
    ),
    m(
        "IKEA 0211",
        "IKEA",
        "HOME_IMPROVEMENT_FURNITURE",
        InStore,
        30000,
        200000,
        2,
    ),
    m(
        "WAYFAIR*4K2L1",
        "Wayfair",
        "HOME_IMPROVEMENT_FURNITURE",
        Online,
        30000,
        180000,
        2,
    ),
    m(
        "UNITED AIRLINES 0162",
        "United Airlines",
        "TRAVEL_FLIGHTS",
        Online,
        40000,
        160000,
        1,
    ),
];

/// Medical bills (life event).
pub static MEDICAL: &[Merchant] = &[
    m(
        "CITY HOSPITAL BILLING",
        "City Hospital",
        "MEDICAL_PRIMARY_CARE",
        Online,
        15000,
        200000,
        3,
    ),
    m(
        "BRIGHT SMILES DENTAL",
        "Bright Smiles Dental",
        "MEDICAL_DENTAL_CARE",
        InStore,
        12000,
        90000,
        2,
    ),
    m(
        "URGENT CARE CENTER",
        "Urgent Care Center",
        "MEDICAL_PRIMARY_CARE",
        InStore,
        10000,
        45000,
        2,
    ),
    m(
        "VISIONWORKS #231",
        "Visionworks",
        "MEDICAL_EYE_CARE",
        InStore,
        9000,
        40000,
        1,
    ),
];

/// Employers paying salary by direct deposit.
pub static EMPLOYERS: &[&str] = &[
    "ACME CORP",
    "NORTHWIND TRADERS",
    "CONTOSO LTD",
    "GLOBEX INC",
    "INITECH",
    "UMBRELLA HEALTH",
    "STARK LOGISTICS",
    "WAYNE MEDICAL GROUP",
    "CITY OF SPRINGFIELD",
    "BLUE RIVER SCHOOLS",
    "HOOLI",
    "MASSIVE DYNAMIC",
];

/// Platforms paying contract / gig income.
pub static GIG_PAYERS: &[&str] = &[
    "UPWORK ESCROW INC",
    "FIVERR INTL",
    "TOPTAL LLC",
    "STRIPE TRANSFER CLIENT",
    "DELIVERY PARTNER PAY",
];

pub static PENSION_PAYERS: &[&str] = &["STATE TEACHERS PENSION", "SSA TREAS 310 SOC SEC"];

/// Card issuers: (issuer, card product). Accounts are named after the product.
pub static CARD_PRODUCTS: &[(&str, &str)] = &[
    ("Chase", "Freedom Unlimited Visa"),
    ("Citi", "Double Cash Mastercard"),
    ("Capital One", "Quicksilver Visa"),
    ("Discover", "it Cash Back"),
    ("American Express", "Blue Cash Everyday"),
    ("Wells Fargo", "Active Cash Visa"),
];

pub static STUDENT_SERVICERS: &[&str] = &["Nelnet", "MOHELA", "Aidvantage", "EdFinancial"];
pub static MORTGAGE_SERVICERS: &[&str] =
    &["Rocket Mortgage", "Wells Fargo Home Mortgage", "Mr. Cooper"];

/// PFC v1 primary categories, used to derive the primary from a detailed category.
pub const PFC_PRIMARIES: [&str; 16] = [
    "INCOME",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "LOAN_PAYMENTS",
    "BANK_FEES",
    "ENTERTAINMENT",
    "FOOD_AND_DRINK",
    "GENERAL_MERCHANDISE",
    "HOME_IMPROVEMENT",
    "MEDICAL",
    "PERSONAL_CARE",
    "GENERAL_SERVICES",
    "GOVERNMENT_AND_NON_PROFIT",
    "TRANSPORTATION",
    "TRAVEL",
    "RENT_AND_UTILITIES",
];

/// [`PFC_PRIMARIES`] in byte order (a test checks it).
const PFC_PRIMARIES_SORTED: [&str; 16] = [
    "BANK_FEES",
    "ENTERTAINMENT",
    "FOOD_AND_DRINK",
    "GENERAL_MERCHANDISE",
    "GENERAL_SERVICES",
    "GOVERNMENT_AND_NON_PROFIT",
    "HOME_IMPROVEMENT",
    "INCOME",
    "LOAN_PAYMENTS",
    "MEDICAL",
    "PERSONAL_CARE",
    "RENT_AND_UTILITIES",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "TRANSPORTATION",
    "TRAVEL",
];

/// The PFC primary of a detailed category: the longest primary that prefixes it.
pub fn pfc_primary(detailed: &str) -> &'static str {
    let prefixes = |p: &str| {
        detailed.len() > p.len() && detailed.starts_with(p) && detailed.as_bytes()[p.len()] == b'_'
    };
    // The readers call this once per row. A primary that prefixes `detailed` sorts before it,
    // and a longer one that also did would sort between the two: so if the greatest primary
    // not after `detailed` prefixes it, it is the longest that does.
    let at = PFC_PRIMARIES_SORTED.partition_point(|p| *p <= detailed);
    if at > 0 && prefixes(PFC_PRIMARIES_SORTED[at - 1]) {
        return PFC_PRIMARIES_SORTED[at - 1];
    }
    let first = detailed.as_bytes().first().copied();
    PFC_PRIMARIES
        .iter()
        .filter(|p| {
            detailed.len() > p.len()
                && p.as_bytes().first().copied() == first
                && detailed.starts_with(*p)
                && detailed.as_bytes()[p.len()] == b'_'
        })
        .max_by_key(|p| p.len())
        .copied()
        .unwrap_or("GENERAL_MERCHANDISE")
}

/// [`pfc_primary`] of the program's own static category strings, remembered by address: a
/// direct-mapped cache of 64 slots, for readers that look up every transaction's primary.
/// The answer is always `pfc_primary(detailed)` (a slot only answers for the exact same string).
pub struct PrimaryCache([(usize, usize, &'static str); 64]);

impl Default for PrimaryCache {
    fn default() -> PrimaryCache {
        PrimaryCache([(0, 0, ""); 64])
    }
}

impl PrimaryCache {
    #[inline]
    pub fn get(&mut self, detailed: &'static str) -> &'static str {
        let (ptr, len) = (detailed.as_ptr() as usize, detailed.len());
        let slot = &mut self.0[(ptr >> 3 ^ ptr >> 9) & 63];
        if slot.0 != ptr || slot.1 != len {
            *slot = (ptr, len, pfc_primary(detailed));
        }
        slot.2
    }
}

/// All merchant lists, for lookups and tests.
pub fn all_lists() -> [&'static [Merchant]; 6] {
    [
        DISCRETIONARY,
        SUBSCRIPTIONS,
        UTILITIES,
        LANDLORDS,
        LARGE_PURCHASES,
        MEDICAL,
    ]
}

/// Plaid's `merchant_entity_id` for a merchant name: a stable opaque id.
pub fn entity_id(merchant_name: &'static str) -> &'static str {
    // A fast hash: this lookup runs once per row read.
    type Ids = crate::ids::FastMap<&'static str, &'static str>;
    static IDS: OnceLock<Ids> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        let mut h = Ids::default();
        for list in all_lists() {
            for m in list {
                h.entry(m.merchant_name)
                    .or_insert_with(|| &*Box::leak(name_id(m.merchant_name).into_boxed_str()));
            }
        }
        h
    });
    ids.get(merchant_name).copied().unwrap_or("")
}

/// Picks an index from a list by weight, with one uniform draw in `[0, total)`.
pub fn pick_weighted(list: &[Merchant], draw: u32) -> &Merchant {
    let total: u32 = list.iter().map(|m| m.weight).sum();
    let mut x = draw % total;
    for m in list {
        if x < m.weight {
            return m;
        }
        x -= m.weight;
    }
    &list[list.len() - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primaries_sorted_is_the_sorted_list() {
        let mut sorted = PFC_PRIMARIES;
        sorted.sort_unstable();
        assert_eq!(sorted, PFC_PRIMARIES_SORTED);
    }

    #[test]
    fn primary_is_the_longest_prefix() {
        for (detailed, primary) in [
            ("TRANSFER_IN_DEPOSIT", "TRANSFER_IN"),
            ("TRANSFER_OUT_SAVINGS", "TRANSFER_OUT"),
            ("GENERAL_SERVICES_INSURANCE", "GENERAL_SERVICES"),
            (
                "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
                "GENERAL_MERCHANDISE",
            ),
            ("TRAVEL_FLIGHTS", "TRAVEL"),
            ("TRANSPORTATION_GAS", "TRANSPORTATION"),
            ("INCOME_WAGES", "INCOME"),
            ("BANK_FEES_OVERDRAFT_FEES", "BANK_FEES"),
            ("TRAVEL", "GENERAL_MERCHANDISE"),
            ("", "GENERAL_MERCHANDISE"),
            ("ZZZ_UNKNOWN", "GENERAL_MERCHANDISE"),
        ] {
            assert_eq!(pfc_primary(detailed), primary, "{detailed}");
        }
    }

    #[test]
    fn primaries_derive() {
        assert_eq!(pfc_primary("TRANSFER_IN_SAVINGS"), "TRANSFER_IN");
        assert_eq!(
            pfc_primary("GENERAL_SERVICES_AUTOMOTIVE"),
            "GENERAL_SERVICES"
        );
        assert_eq!(
            pfc_primary("GENERAL_MERCHANDISE_ELECTRONICS"),
            "GENERAL_MERCHANDISE"
        );
        assert_eq!(pfc_primary("RENT_AND_UTILITIES_RENT"), "RENT_AND_UTILITIES");
    }

    #[test]
    fn every_category_is_in_the_plaid_taxonomy() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/reference/plaid/pfc_taxonomy.csv"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping: {path} not found");
            return;
        };
        let pairs: std::collections::HashSet<(String, String)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let mut it = l.split(',');
                (
                    it.next().unwrap().to_string(),
                    it.next().unwrap().to_string(),
                )
            })
            .collect();
        for list in all_lists() {
            for m in list {
                let pair = (pfc_primary(m.pfc).to_string(), m.pfc.to_string());
                assert!(pairs.contains(&pair), "{pair:?} not in taxonomy");
                assert!(m.lo <= m.hi);
            }
        }
        for d in crate::sim::FIXED_CATEGORIES {
            let pair = (pfc_primary(d).to_string(), d.to_string());
            assert!(pairs.contains(&pair), "{pair:?} not in taxonomy");
        }
    }

    /// The cache answers what `pfc_primary` answers, for every category the generator uses, in
    /// any order, including strings that share an address prefix or a slot.
    #[test]
    fn primary_cache_answers_as_pfc_primary() {
        let mut all: Vec<&'static str> = all_lists()
            .iter()
            .flat_map(|l| l.iter().map(|m| m.pfc))
            .chain(crate::sim::FIXED_CATEGORIES.iter().copied())
            .collect();
        // Same address, different lengths.
        let full: &'static str = "TRANSFER_IN_SAVINGS";
        all.extend([&full[..11], full, &full[..11]]);
        let mut cache = PrimaryCache::default();
        for round in 0..3 {
            for i in 0..all.len() {
                let d = all[if round == 1 { all.len() - 1 - i } else { i }];
                assert_eq!(cache.get(d), pfc_primary(d), "{d}");
            }
        }
    }

    #[test]
    fn entity_ids_are_stable() {
        let a = entity_id("Netflix");
        assert_eq!(a.len(), 20);
        assert_eq!(a, entity_id("Netflix"));
        assert_ne!(a, entity_id("Spotify"));
    }
}
