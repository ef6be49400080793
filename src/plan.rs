//! The population plan: which archetype (and edge case, and variant) each user index gets and who
//! lacks consent. Built from the configuration and one plan stream, so any user's slot is known
//! without generating the others (the basis for sharding).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::ids::plan_rng;
use crate::model::{Archetype, EdgeCase};
use rand::seq::SliceRandom;
use rand::RngExt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub archetype: Archetype,
    pub edge_case: Option<EdgeCase>,
    /// The k-th user of its archetype (before shuffling): spreads variants (e.g. multi-persona
    /// combinations) evenly instead of leaving them to chance.
    pub variant: u32,
    pub consent: bool,
}

/// Builds the plan: slots in archetype order, shuffled by the plan stream; then consent is withheld
/// from exactly `config.n_no_consent()` users: every consent-false edge case plus users drawn from
/// the non-edge population.
pub fn build(config: &Config) -> Result<Vec<Slot>> {
    let mut slots = Vec::with_capacity(config.n_users as usize);
    for (archetype, n) in &config.counts {
        for k in 0..*n {
            let edge_case = (*archetype == Archetype::EdgeCases)
                .then(|| EdgeCase::ALL[(k % EdgeCase::ALL.len() as u64) as usize]);
            slots.push(Slot {
                archetype: *archetype,
                edge_case,
                variant: k as u32,
                consent: edge_case != Some(EdgeCase::ConsentFalseHighUtilization),
            });
        }
    }
    let mut rng = plan_rng(config.seed);
    slots.shuffle(&mut rng);

    let want = config.n_no_consent() as usize;
    let forced = slots.iter().filter(|s| !s.consent).count();
    if forced > want {
        return Err(Error::invalid(
            "consent_ratio",
            format!(
                "the mix has {forced} consent_false_high_utilization edge user(s) but consent_ratio {} leaves only {want} without consent",
                config.consent_ratio
            ),
            format!("at most {:.6}", 1.0 - forced as f64 / config.n_users as f64),
        ));
    }
    let mut candidates: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].edge_case.is_none())
        .collect();
    let extra = want - forced;
    if extra > candidates.len() {
        return Err(Error::invalid(
            "consent_ratio",
            format!(
                "{want} users must lack consent but only {} non-edge users can",
                candidates.len() + forced
            ),
            "a higher consent_ratio or fewer edge cases",
        ));
    }
    // Partial Fisher-Yates: the first `extra` candidates after it are a uniform sample.
    for i in 0..extra {
        let j = rng.random_range(i..candidates.len());
        candidates.swap(i, j);
        slots[candidates[i]].consent = false;
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn consent_is_exact_and_edge_cases_all_present() {
        let c = Config::default();
        let p = build(&c).unwrap();
        assert_eq!(p.len(), 100);
        assert_eq!(p.iter().filter(|s| !s.consent).count(), 10);
        for e in EdgeCase::ALL {
            assert!(p.iter().any(|s| s.edge_case == Some(e)), "{e:?}");
        }
        let cf = p
            .iter()
            .find(|s| s.edge_case == Some(EdgeCase::ConsentFalseHighUtilization))
            .unwrap();
        assert!(!cf.consent);
    }

    #[test]
    fn plan_depends_on_seed_only_through_the_plan_stream() {
        let a = build(&Config::default()).unwrap();
        assert_eq!(a, build(&Config::default()).unwrap());
        let b = build(&Config::from_value(&json!({"seed": 43})).unwrap()).unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn impossible_consent_is_a_clear_error() {
        let c = Config::from_value(&json!({"consent_ratio": 1.0})).unwrap();
        let e = build(&c).unwrap_err().to_string();
        assert!(e.starts_with("invalid consent_ratio"), "{e}");
    }
}
