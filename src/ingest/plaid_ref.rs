//! Plaid's enumerations, for checking data that claims to be Plaid-shaped. The account type and
//! subtype pairs and the PFC v1 taxonomy are copies of Plaid's published files (kept in
//! `reference/`, byte-identical to `../shared/reference/plaid/`, which a test checks); the short
//! enums are taken from Plaid's OpenAPI spec (a test checks them against the strict schemas).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const ACCOUNT_TYPES_JSON: &str = include_str!("reference/account_type_subtypes.json");
const PFC_CSV: &str = include_str!("reference/pfc_taxonomy.csv");

/// `Transaction.payment_channel`.
pub const PAYMENT_CHANNELS: [&str; 3] = ["online", "in store", "other"];
/// `AccountBase.holder_category` (nullable).
pub const HOLDER_CATEGORIES: [&str; 3] = ["business", "personal", "unrecognized"];
/// `APR.apr_type`.
pub const APR_TYPES: [&str; 4] = [
    "balance_transfer_apr",
    "cash_apr",
    "purchase_apr",
    "special",
];
/// `PersonalFinanceCategory.confidence_level` (nullable).
pub const CONFIDENCE_LEVELS: [&str; 5] = ["VERY_HIGH", "HIGH", "MEDIUM", "LOW", "UNKNOWN"];
/// `MortgageInterestRate.type` / `interest_rate_type`.
pub const INTEREST_RATE_TYPES: [&str; 2] = ["fixed", "variable"];

pub struct Reference {
    /// type -> subtypes
    pub pairs: HashMap<String, HashSet<String>>,
    /// detailed -> primary
    pub pfc: HashMap<String, String>,
    /// detailed categories in file order; an index into this is a compact category id.
    pub pfc_detailed: Vec<String>,
}

impl Reference {
    pub fn get() -> &'static Reference {
        static REF: OnceLock<Reference> = OnceLock::new();
        REF.get_or_init(|| {
            let v: serde_json::Value =
                serde_json::from_str(ACCOUNT_TYPES_JSON).expect("embedded JSON parses");
            let pairs = v["pairs"]
                .as_object()
                .expect("pairs")
                .iter()
                .map(|(k, subs)| {
                    let set = subs
                        .as_array()
                        .expect("subtype list")
                        .iter()
                        .map(|s| s.as_str().expect("subtype").to_string())
                        .collect();
                    (k.clone(), set)
                })
                .collect();
            let mut rdr = csv::Reader::from_reader(PFC_CSV.as_bytes());
            let mut pfc = HashMap::new();
            let mut pfc_detailed = Vec::new();
            for rec in rdr.records() {
                let rec = rec.expect("embedded CSV parses");
                pfc.insert(rec[1].to_string(), rec[0].to_string());
                pfc_detailed.push(rec[1].to_string());
            }
            Reference {
                pairs,
                pfc,
                pfc_detailed,
            }
        })
    }

    pub fn is_pair(&self, ty: &str, subtype: &str) -> bool {
        self.pairs.get(ty).is_some_and(|s| s.contains(subtype))
    }

    pub fn is_type(&self, ty: &str) -> bool {
        self.pairs.contains_key(ty)
    }

    /// The primary category of a detailed one, if the detailed category is in the taxonomy.
    pub fn primary_of(&self, detailed: &str) -> Option<&str> {
        self.pfc.get(detailed).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn shared() -> Option<PathBuf> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/plaid");
        if p.is_dir() {
            Some(p)
        } else {
            assert!(
                std::env::var_os("CI").is_none(),
                "../shared/reference/plaid is missing under CI"
            );
            None
        }
    }

    #[test]
    fn embedded_files_are_plaids() {
        let Some(dir) = shared() else { return };
        for (name, ours) in [
            ("account_type_subtypes.json", ACCOUNT_TYPES_JSON),
            ("pfc_taxonomy.csv", PFC_CSV),
        ] {
            let theirs = std::fs::read_to_string(dir.join(name)).unwrap();
            assert_eq!(
                ours, theirs,
                "src/ingest/reference/{name} differs from Plaid's"
            );
        }
    }

    fn schema_enum(dir: &std::path::Path, file: &str, pointer: &str) -> Vec<String> {
        let text = std::fs::read_to_string(dir.join("schemas").join(file)).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut out: Vec<String> = v
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{file}{pointer}"))
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        out.sort();
        out
    }

    fn sorted(xs: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = xs.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn enums_match_the_strict_schemas() {
        let Some(dir) = shared() else { return };
        let t = "/$defs/Transaction/properties";
        assert_eq!(
            schema_enum(
                &dir,
                "Transaction.strict.schema.json",
                &format!("{t}/payment_channel/enum")
            ),
            sorted(&PAYMENT_CHANNELS)
        );
        // The confidence levels are listed in the field's description, not as an enum.
        let text =
            std::fs::read_to_string(dir.join("schemas/PersonalFinanceCategory.strict.schema.json"))
                .unwrap();
        for level in CONFIDENCE_LEVELS {
            assert!(text.contains(&format!("`{level}`")), "{level}");
        }
        assert_eq!(
            schema_enum(
                &dir,
                "APR.strict.schema.json",
                "/$defs/APR/properties/apr_type/enum"
            ),
            sorted(&APR_TYPES)
        );
        assert_eq!(
            schema_enum(
                &dir,
                "AccountBase.strict.schema.json",
                "/$defs/AccountHolderCategory/enum"
            ),
            sorted(&HOLDER_CATEGORIES)
        );
    }

    #[test]
    fn taxonomy_loads() {
        let r = Reference::get();
        assert_eq!(r.pfc_detailed.len(), 104);
        assert_eq!(r.primary_of("INCOME_WAGES"), Some("INCOME"));
        assert!(r.is_pair("depository", "checking"));
        assert!(!r.is_pair("credit", "checking"));
    }
}
