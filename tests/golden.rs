//! Golden output: the SHA-256 of every table, as CSV, for one fixed configuration, checked in
//! here (the tpchgen-rs way). An accidental change of the generated data fails this test; an
//! intended one (tuning an archetype, a new column) updates the values below in the same commit,
//! with the reason in its message.
//!
//! The same test proves the determinism the hashes rely on: 1 thread and 2 threads give the same
//! bytes, and the shards of the run, concatenated in order, give the whole run's tables.

use spendsense_gen::generate::{generate_shard, Shard};
use spendsense_gen::sink::csv;
use spendsense_gen::tables::Table;
use spendsense_gen::Config;
use std::path::{Path, PathBuf};

/// 150 users (every archetype and edge case), four months over a year end.
const CONFIG: &str = r#"{"n_users": 150, "seed": 20260101, "months": 4, "end_date": "2025-01-31"}"#;

/// (table, SHA-256 of `csv/<table>.csv`).
const GOLDEN: [(&str, &str); 5] = [
    (
        "users",
        "6ecbc7adac10f453d62ff7b9c6181051cb1b3957a88c22fe78f8e8a9ea69250b",
    ),
    (
        "accounts",
        "441ebaa92f90708f74087cc61fc61c8f2ea180301181afc41e97fbf536498298",
    ),
    (
        "transactions",
        "1260a3a16e5f8301ad21a0992d01b43c55b7fc8df02715e5a727008998af7ff3",
    ),
    (
        "liabilities",
        "a2ddcfb80e6bada7dcbf11fe2a08733e9d9f9ba8ba218a47861a87c82d4dfe0f",
    ),
    (
        "user_labels",
        "bd4a962ce047c8f2d0dbf82a9049b7713121682b4a8cc010b6dad8ed18622b08",
    ),
];

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ssg-golden-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn write_csv(threads: usize, shard: Option<Shard>, name: &str) -> PathBuf {
    let config = Config::from_json(CONFIG).unwrap();
    let ds = generate_shard(&config, Some(threads), shard, &mut |_, _| Ok(())).unwrap();
    let dir = out_dir(name);
    csv::write(&ds, &dir, false, &mut |_, _| Ok(())).unwrap();
    dir
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

fn read(dir: &Path, table: Table) -> Vec<u8> {
    std::fs::read(dir.join(format!("{}.csv", table.name()))).unwrap()
}

#[test]
fn tables_match_their_golden_hashes() {
    let dir = write_csv(2, None, "whole");
    let got: Vec<(&str, String)> = Table::ALL
        .iter()
        .map(|t| (t.name(), sha256(&read(&dir, *t))))
        .collect();
    let want: Vec<(&str, String)> = GOLDEN.iter().map(|(t, h)| (*t, h.to_string())).collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        got, want,
        "generated data changed; if intended, update GOLDEN with the reason in the commit"
    );
}

#[test]
fn threads_and_shards_give_the_same_bytes() {
    let whole = write_csv(2, None, "two-threads");
    let one = write_csv(1, None, "one-thread");
    for t in Table::ALL {
        assert_eq!(
            read(&whole, t),
            read(&one, t),
            "{} differs by thread count",
            t.name()
        );
    }
    // 150 users in 4 shards: 37, 38, 37, 38 users.
    let count = 4;
    let parts: Vec<PathBuf> = (0..count)
        .map(|k| {
            write_csv(
                1 + (k as usize % 2),
                Some(Shard::new(k, count, 150).unwrap()),
                &format!("shard-{k}"),
            )
        })
        .collect();
    for t in Table::ALL {
        let mut joined: Vec<u8> = Vec::new();
        for (k, dir) in parts.iter().enumerate() {
            let bytes = read(dir, t);
            let body = if k == 0 {
                &bytes[..]
            } else {
                // Every shard's file starts with the same header line.
                let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
                &bytes[nl + 1..]
            };
            joined.extend_from_slice(body);
        }
        assert_eq!(
            joined,
            read(&whole, t),
            "{}: shards joined differ from the run",
            t.name()
        );
    }
    for d in parts.iter().chain([&whole, &one]) {
        let _ = std::fs::remove_dir_all(d);
    }
}
