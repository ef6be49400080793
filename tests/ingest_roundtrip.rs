//! Validation and loading, end to end on generated data: every format of a generated dataset
//! validates clean, and loading its CSV export into a fresh database gives the same tables as
//! the database generation writes.

use spendsense_gen::config::Format;
use spendsense_gen::{generate, load, validate, Config};
use std::path::{Path, PathBuf};

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ssg-ingest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn dump(db: &Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(&format!("SELECT * FROM {table} ORDER BY rowid"))
        .unwrap();
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(&format!("{:?}|", r.get_ref(i)?));
        }
        Ok(s)
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn generated_data_validates_and_round_trips() {
    let dir = out_dir("rt");
    let c = Config::from_value(&serde_json::json!({"n_users": 60, "seed": 11})).unwrap();
    let ds = generate(&c, Some(2), &mut |_, _| Ok(())).unwrap();
    spendsense_gen::sink::write_all(
        &ds,
        &dir,
        &[Format::Sqlite, Format::Csv, Format::Json],
        false,
        &mut |_, _| Ok(()),
    )
    .unwrap();
    for p in ["spendsense.db", "csv", "users.json"] {
        let r = validate(&dir.join(p)).unwrap();
        assert!(r.ok(), "{p}:\n{}", r.summary(10));
        assert!(r.window.is_some());
        assert_eq!(r.rows["users"], 60, "{p}");
    }
    for (from, name) in [("csv", "from_csv.db"), ("users.json", "from_json.db")] {
        let db = dir.join(name);
        let loaded = load(&dir.join(from), &db, &mut |_, _| Ok(())).unwrap();
        assert!(loaded.created);
        assert_eq!(loaded.rows["users"], 60);
        for t in [
            "users",
            "accounts",
            "transactions",
            "liabilities",
            "user_labels",
            "metadata",
        ] {
            assert_eq!(
                dump(&db, t),
                dump(&dir.join("spendsense.db"), t),
                "{from}: table {t}"
            );
        }
        // Loading the same rows again: every id is already there, and nothing changes.
        let before = std::fs::read(&db).unwrap();
        let e = load(&dir.join(from), &db, &mut |_, _| Ok(())).unwrap_err();
        assert!(
            matches!(e, spendsense_gen::Error::InvalidData { .. }),
            "{e}"
        );
        assert!(e.to_string().contains("already in users"), "{e}");
        assert_eq!(std::fs::read(&db).unwrap(), before, "{from}: db changed");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
