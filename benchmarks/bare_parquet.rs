//! How fast does spendsense-gen's Parquet format write, next to a bare Arrow/Parquet loop for the
//! same rows?
//!
//!     cargo run --release --example bare_parquet -- [--users N] [--seed S] [--dir DIR]
//!
//! Generates one dataset with the library, then, in this process and on the same rows:
//! - `bare`: the ceiling. The five tables are first turned into Arrow record batches (not timed);
//!   the timed part is one `ArrowWriter` per table writing those batches with the same settings
//!   (snappy, dictionaries, row groups).
//! - `ours`: `sink::write_format(.., Format::Parquet, ..)`, whole (rows read from the records,
//!   Arrow builders filled, the same writer, the folder renamed into place).
//!
//! Rates are rows of all five tables per second; the ratio is ours / bare. Nothing is asserted.

use parquet::arrow::ArrowWriter;
use spendsense_gen::config::Format;
use spendsense_gen::sink::parquet::{key_columns, properties, record_batches, ROW_GROUP_ROWS};
use spendsense_gen::tables::Table;
use spendsense_gen::{generate, Config};
use std::path::PathBuf;
use std::time::Instant;

mod args;
use args::arg;

fn main() {
    let users: u64 = arg("--users").map_or(10_000, |s| s.parse().expect("--users N"));
    let seed: u64 = arg("--seed").map_or(42, |s| s.parse().expect("--seed S"));
    let dir = arg("--dir").map_or_else(std::env::temp_dir, PathBuf::from);
    let dir = dir.join(format!("bare_parquet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("benchmark folder");
    let config = Config::from_value(&serde_json::json!({"n_users": users, "seed": seed}))
        .expect("a valid configuration");
    let ds = generate(&config, None, &mut |_, _| Ok(())).expect("generation");
    let batches: Vec<_> = Table::ALL
        .iter()
        .map(|t| (*t, record_batches(*t, &ds.users).expect("batches")))
        .collect();
    let rows: usize = batches
        .iter()
        .map(|(_, (_, b))| b.iter().map(|x| x.num_rows()).sum::<usize>())
        .sum();

    let t = Instant::now();
    for (table, (schema, bs)) in &batches {
        let f = std::fs::File::create(dir.join(format!("bare-{}.parquet", table.name()))).unwrap();
        // The same settings as the sink, except the unique-id columns: no dictionary exceptions.
        let mut w = ArrowWriter::try_new(
            f,
            schema.clone(),
            Some(properties(
                table.columns(),
                &[],
                &key_columns(*table),
                ROW_GROUP_ROWS,
            )),
        )
        .unwrap();
        for b in bs {
            w.write(b).unwrap();
        }
        w.close().unwrap();
    }
    let bare = t.elapsed().as_secs_f64();

    let t = Instant::now();
    spendsense_gen::sink::write_format(
        &ds,
        Format::Parquet,
        &dir.join("ours"),
        true,
        &mut |_, _| Ok(()),
    )
    .unwrap();
    let ours = t.elapsed().as_secs_f64();
    println!("bare_parquet: {users} users (seed {seed}), {rows} rows");
    println!("bare  {bare:8.2} s  {:>12.0} rows/s", rows as f64 / bare);
    println!(
        "ours  {ours:8.2} s  {:>12.0} rows/s   ours/bare {:.2}x",
        rows as f64 / ours,
        bare / ours
    );
    let _ = std::fs::remove_dir_all(&dir);
}
