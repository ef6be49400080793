//! SQLite: the five tables with primary keys, declared foreign keys, and indexes on transactions
//! (user_id, date) and (account_id). Loaded in one transaction with prepared statements into
//! tables whose indexes already exist; every foreign key of each chunk's rows must be satisfied
//! ([`ChunkKeys`]) before the next chunk, and the file is renamed into place only when all are.
//! The detector's `persona_assignments` table (declared in `detect::features`) is written in the
//! same transaction, chunk by chunk; [`add_feature_table`] adds it to an existing database
//! instead.

use super::manifest::FileHash;
use super::out_file;
use super::{Check, Run, Staged, Writer};
use crate::detect::features::{self, FeatureTable};
use crate::detect::Detection;
use crate::error::{Error, Result};
use crate::generate::Dataset;
use crate::model::{UserData, TRANSACTION_ID_PREFIX};
use crate::tables::{for_each_row_with, Column, ForeignKey, Table, Value};
use rusqlite::types::ToSqlOutput;
use rusqlite::{params_from_iter, Connection, OpenFlags, ToSql, TransactionBehavior};
use std::path::Path;

impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::Value as V;
        Ok(match self {
            Value::Null => ToSqlOutput::Owned(V::Null),
            Value::Text(s) => ToSqlOutput::Borrowed(rusqlite::types::ValueRef::Text(s.as_bytes())),
            Value::Int(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::Money(c) => ToSqlOutput::Owned(V::Real(*c as f64 / 100.0)),
            Value::Float(f) => ToSqlOutput::Owned(V::Real(*f)),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(*b as i64)),
            Value::Date(d) => ToSqlOutput::Owned(V::Text(crate::model::iso_date(*d))),
        })
    }
}

/// A transaction id on the stack: [`TRANSACTION_ID_PREFIX`] and its tail.
struct TransactionId([u8; TRANSACTION_ID_PREFIX.len() + 22]);

impl TransactionId {
    fn new(tail: crate::ids::IdTail) -> TransactionId {
        let mut b = [0; TRANSACTION_ID_PREFIX.len() + 22];
        let (prefix, rest) = b.split_at_mut(TRANSACTION_ID_PREFIX.len());
        prefix.copy_from_slice(TRANSACTION_ID_PREFIX.as_bytes());
        rest.copy_from_slice(tail.as_bytes());
        TransactionId(b)
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ids are ASCII")
    }
}

/// Rows bound to one `INSERT` statement of the load: SQLite runs one statement of many rows
/// faster than as many statements of one row (`benchmarks/README.md`). Must stay under SQLite's
/// limit of 32,766 parameters with the widest table.
const ROWS_PER_INSERT: usize = 64;

/// Binds `row` to the parameters of `stmt` after the first `offset` (one value per column;
/// `first`, if given, in place of the first). Dates are bound from a buffer on the stack:
/// [`Value::to_sql`] would allocate a string for each.
fn bind_row(
    stmt: &mut rusqlite::Statement<'_>,
    offset: usize,
    row: &[Value<'_>],
    first: Option<&str>,
) -> rusqlite::Result<()> {
    for (i, v) in row.iter().enumerate() {
        let at = offset + i + 1;
        match v {
            _ if i == 0 && first.is_some() => stmt.raw_bind_parameter(at, first)?,
            Value::Date(d) => {
                let b = crate::model::iso_date_bytes(*d);
                let s = std::str::from_utf8(&b).expect("ISO dates are ASCII");
                stmt.raw_bind_parameter(at, s)?
            }
            v => stmt.raw_bind_parameter(at, v)?,
        }
    }
    Ok(())
}

/// The rows of one table waiting for their `INSERT`: up to [`ROWS_PER_INSERT`], each its values
/// and, for transactions, its id.
struct Batch<'a> {
    table: Table,
    values: Vec<Value<'a>>,
    ids: Vec<TransactionId>,
    /// The `INSERT` of a full batch, and of one row.
    full_sql: String,
    one_sql: String,
}

impl<'a> Batch<'a> {
    fn new(table: Table) -> Batch<'a> {
        Batch {
            table,
            values: Vec::with_capacity(ROWS_PER_INSERT * table.columns().len()),
            ids: Vec::new(),
            full_sql: insert_rows_sql(table.name(), table.columns(), ROWS_PER_INSERT),
            one_sql: insert_sql(table.name(), table.columns()),
        }
    }

    /// Adds a row, and inserts the batch once it is full.
    fn push(
        &mut self,
        conn: &Connection,
        row: &[Value<'a>],
        id: Option<TransactionId>,
    ) -> rusqlite::Result<()> {
        self.values.extend_from_slice(row);
        self.ids.extend(id);
        if self.values.len() == ROWS_PER_INSERT * self.table.columns().len() {
            self.flush(conn)?;
        }
        Ok(())
    }

    /// Inserts the rows waiting: a full batch with one statement, fewer one by one.
    fn flush(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let cols = self.table.columns();
        let rows = self.values.len() / cols.len();
        let (sql, per) = if rows == ROWS_PER_INSERT {
            (&self.full_sql, rows)
        } else {
            (&self.one_sql, 1)
        };
        let mut stmt = conn.prepare_cached(sql)?;
        for (k, group) in self.values.chunks(per * cols.len()).enumerate() {
            for (r, row) in group.chunks_exact(cols.len()).enumerate() {
                let id = self.ids.get(k * per + r).map(|x| x.as_str());
                bind_row(&mut stmt, r * cols.len(), row, id)?;
            }
            stmt.raw_execute()?;
        }
        self.values.clear();
        self.ids.clear();
        Ok(())
    }
}

/// `CREATE TABLE` statement for a table.
pub fn create_sql(table: Table) -> String {
    create_table_sql(
        table.name(),
        table.columns(),
        &[table.primary_key()],
        table.foreign_keys(),
    )
}

/// `CREATE TABLE` statement from a declaration: columns (`NOT NULL` unless nullable), the primary
/// key (on its column when it is one column, else as a table constraint) and foreign keys.
pub fn create_table_sql(
    name: &str,
    columns: &[Column],
    primary_key: &[&str],
    foreign_keys: &[ForeignKey],
) -> String {
    let mut parts: Vec<String> = columns
        .iter()
        .map(|c| {
            let mut s = format!("{} {}", c.name, c.ty.sql());
            if !c.nullable {
                s.push_str(" NOT NULL");
            }
            if primary_key == [c.name] {
                s.push_str(" PRIMARY KEY");
            }
            s
        })
        .collect();
    if primary_key.len() > 1 {
        parts.push(format!("PRIMARY KEY ({})", primary_key.join(", ")));
    }
    for fk in foreign_keys {
        parts.push(format!(
            "FOREIGN KEY ({}) REFERENCES {}({})",
            fk.column, fk.table, fk.references
        ));
    }
    format!("CREATE TABLE {} (\n  {}\n)", name, parts.join(",\n  "))
}

pub(crate) fn insert_sql(name: &str, columns: &[Column]) -> String {
    insert_rows_sql(name, columns, 1)
}

/// An `INSERT` of `rows` rows.
fn insert_rows_sql(name: &str, columns: &[Column], rows: usize) -> String {
    let row = format!("({})", vec!["?"; columns.len()].join(", "));
    format!(
        "INSERT INTO {} ({}) VALUES {}",
        name,
        columns
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(", "),
        vec![row; rows].join(", ")
    )
}

pub fn index_sql(table: Table) -> Vec<String> {
    table
        .indexes()
        .iter()
        .map(|cols| {
            format!(
                "CREATE INDEX idx_{}_{} ON {}({})",
                table.name(),
                cols.join("_"),
                table.name(),
                cols.join(", ")
            )
        })
        .collect()
}

/// The `metadata` table's rows: generator, version, seed, start and end dates, users (of the
/// whole run), consent ratio, and `shard` (`k/n`) for one shard of a run.
pub fn metadata(run: Run) -> Vec<(&'static str, String)> {
    let c = run.config;
    let mut rows = vec![
        ("generator", "spendsense-gen".to_string()),
        ("version", crate::VERSION.to_string()),
        ("seed", c.seed.to_string()),
        ("start_date", crate::model::iso_date(c.start_date())),
        ("end_date", crate::model::iso_date(c.end_date)),
        ("n_users", c.n_users.to_string()),
        ("consent_ratio", c.consent_ratio.to_string()),
    ];
    if let Some(shard) = run.shard {
        rows.push(("shard", shard.label()));
    }
    rows
}

/// The page size of a database this program creates: 16 KiB instead of SQLite's 4 KiB. Bulk
/// loads split and write fewer pages and the file is about 2 % smaller; at 100,000 users the
/// write took 127 s instead of 145 s (`benchmarks/README.md`). Must run before the first table
/// is created.
pub(crate) const NEW_FILE_PAGE_SIZE: &str = "PRAGMA page_size = 16384";

fn db_err(path: &Path) -> impl Fn(rusqlite::Error) -> Error + '_ {
    move |e| Error::output(path, e)
}

/// The database being written: created under its temporary name with the five tables, their
/// indexes, the `metadata` table and the detector's `persona_assignments` table, in one
/// transaction that stays open while chunks of users arrive. Each chunk's foreign keys are checked
/// once it is in ([`ChunkKeys`]); [`Writer::finish`] commits.
///
/// The indexes are made before the load, not built after it: rows arrive in `(user_id, date)`
/// order with ascending ids, so each index entry is appended near the end of its B-tree, while a
/// build after the load reads the whole table back once per index (at 100,000 users, 63 s of a
/// 140 s run; `benchmarks/README.md`). For the same reason the foreign keys are checked on each
/// chunk's new rows while they are still in SQLite's page cache, not on the finished tables.
pub struct SqliteWriter {
    staged: Staged,
    shown: std::path::PathBuf,
    conn: Connection,
    /// The database file, for [`out_file::shed`] after each chunk: a large run's database would
    /// otherwise stay in the page cache whole (15 GB for 100,000 users).
    file: std::fs::File,
    keys: ChunkKeys,
    detect: bool,
    /// Whether [`Writer::finish`] hashes the file for the manifest.
    hash: bool,
}

impl SqliteWriter {
    /// Without `detect`, the database has no `persona_assignments` table.
    pub fn open(run: Run, path: &Path, overwrite: bool, detect: bool) -> Result<SqliteWriter> {
        let staged = Staged::new(path, overwrite)?;
        let err = db_err(path);
        let conn = Connection::open(staged.path()).map_err(&err)?;
        conn.execute_batch(NEW_FILE_PAGE_SIZE).map_err(&err)?;
        conn.execute_batch(
            // A 128 MiB page cache: the primary-key indexes of large runs stay in memory while
            // rows are appended (SQLite's default is 2 MiB).
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF; \
             PRAGMA cache_size = -131072; BEGIN",
        )
        .map_err(&err)?;
        for table in Table::ALL {
            conn.execute_batch(&create_sql(table)).map_err(&err)?;
            for sql in index_sql(table) {
                conn.execute_batch(&sql).map_err(&err)?;
            }
        }
        // What the data is: the detector takes its windows' end from here.
        conn.execute_batch(
            "CREATE TABLE metadata (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
        )
        .map_err(&err)?;
        for (k, v) in metadata(run) {
            conn.execute("INSERT INTO metadata (key, value) VALUES (?1, ?2)", [k, &v])
                .map_err(&err)?;
        }
        if detect {
            let t = FeatureTable::PersonaAssignments;
            conn.execute_batch(&create_table_sql(
                t.name(),
                t.columns(),
                t.primary_key(),
                t.foreign_keys(),
            ))
            .map_err(&err)?;
        }
        let keys = ChunkKeys::new(&conn).map_err(&err)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(staged.path())
            .map_err(|e| Error::output(path, e))?;
        Ok(SqliteWriter {
            staged,
            shown: path.to_path_buf(),
            conn,
            file,
            keys,
            detect,
            hash: false,
        })
    }

    /// Hashes the finished file for the manifest ([`Staged::record`]) while the foreign keys are
    /// checked, instead of the manifest reading it back afterwards.
    pub fn hashed(mut self) -> SqliteWriter {
        self.hash = true;
        self
    }
}

impl Writer for SqliteWriter {
    fn write(&mut self, users: &[UserData], det: Option<&Detection>) -> Result<()> {
        let err = db_err(&self.shown);
        for table in Table::ALL {
            let mut batch = Batch::new(table);
            let mut failed: Option<Error> = None;
            for u in users {
                // Transaction ids are bound from the user's id tails, not made as strings per
                // row (`for_each_row_with` leaves them null).
                let mut tails =
                    (table == Table::Transactions).then(|| (u.transaction_id_tails(), 0u64));
                for_each_row_with(table, u, tails.is_none(), &mut |row| {
                    if failed.is_none() {
                        let id = tails.as_mut().map(|(t, i)| {
                            *i += 1;
                            TransactionId::new(t.tail(*i - 1))
                        });
                        if let Err(e) = batch.push(&self.conn, row, id) {
                            failed = Some(err(e));
                        }
                    }
                });
                if let Some(e) = failed.take() {
                    return Err(e);
                }
            }
            batch.flush(&self.conn).map_err(&err)?;
        }
        if let Some(det) = det.filter(|_| self.detect) {
            let t = FeatureTable::PersonaAssignments;
            let mut stmt = self
                .conn
                .prepare_cached(&insert_sql(t.name(), t.columns()))
                .map_err(&err)?;
            let mut failed = None;
            features::for_each_row(t, det, &mut |row| {
                if failed.is_none() {
                    if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                        failed = Some(err(e));
                    }
                }
            });
            if let Some(e) = failed {
                return Err(e);
            }
        }
        if let Some(d) = self.keys.check(&self.conn).map_err(&err)?.first() {
            return Err(Error::output(&self.shown, d.to_string()));
        }
        out_file::shed(&self.file);
        Ok(())
    }

    fn finish(self: Box<Self>) -> Result<Staged> {
        let this = *self;
        let err = db_err(&this.shown);
        // (A key of several columns, which `ChunkKeys` leaves to the end; the tables have none.)
        if let Some(d) = this.keys.check_composite(&this.conn).map_err(&err)?.first() {
            return Err(Error::output(&this.shown, d.to_string()));
        }
        this.conn.execute_batch("COMMIT").map_err(&err)?;
        this.conn.close().map_err(|(_, e)| err(e))?;
        out_file::shed(&this.file);
        let mut staged = this.staged;
        // The file is final once committed (no journal): when a manifest will hash it, hash it
        // now, instead of the manifest reading it back later. (The manifest hashes the file again
        // if its size changed after all.)
        if this.hash {
            let tmp = staged.path();
            let bytes = std::fs::metadata(tmp)
                .map_err(|e| Error::output(tmp, e))?
                .len();
            let h = FileHash {
                path: staged.target().to_path_buf(),
                sha256: super::manifest::sha256_file(tmp)?,
                bytes,
            };
            staged.record(h);
        }
        Ok(staged)
    }

    fn needs_detection(&self) -> bool {
        self.detect
    }
}

/// A foreign key of the database with values that no parent row has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dangling {
    pub table: String,
    /// The child columns, comma-separated.
    pub columns: String,
    pub parent: String,
    /// Distinct values (or, for a key of several columns, rows) with no parent.
    pub missing: i64,
}

impl Dangling {
    fn of(table: String, cols: &[(String, String)], parent: String, missing: i64) -> Dangling {
        Dangling {
            columns: cols
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(","),
            table,
            parent,
            missing,
        }
    }
}

impl std::fmt::Display for Dangling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "foreign key {}.{}: {} value(s) with no row in {}",
            self.table, self.columns, self.missing, self.parent
        )
    }
}

/// Checks every foreign key declared in the database (read from `pragma_foreign_key_list`, so
/// none is missed): what `PRAGMA foreign_key_check` guarantees, but by **distinct** child values.
/// Each distinct value is looked up in the parent once, and the child side is read from an
/// index led by the key column where there is one (both of `transactions`' keys), instead of one
/// parent lookup per row: at 10,000 users, 0.3 s instead of 0.85 s for `transactions`
/// (`benchmarks/README.md`). Nulls reference nothing, as in SQLite. A key of several columns is
/// checked with `pragma_foreign_key_check` on its table.
pub fn dangling_references(conn: &Connection) -> rusqlite::Result<Vec<Dangling>> {
    let mut out = Vec::new();
    for ((table, id), (parent, cols)) in declared_keys(conn)? {
        let missing: i64 = match cols.as_slice() {
            [(from, to)] => conn.query_row(
                &format!(
                "SELECT count(*) FROM (SELECT DISTINCT {f} AS v FROM {t} WHERE {f} IS NOT NULL) \
                 AS d WHERE NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.{to} = d.v)",
                f = q(from),
                t = q(&table),
                p = q(&parent),
                to = q(to),
                ),
                [],
                |r| r.get(0),
            )?,
            _ => composite_missing(conn, &table, id)?,
        };
        if missing > 0 {
            out.push(Dangling::of(table, &cols, parent, missing));
        }
    }
    Ok(out)
}

/// The foreign keys declared in the database: (table, key id) -> (parent, [(child column,
/// parent column)]), in declaration order.
type Keys = std::collections::BTreeMap<(String, i64), (String, Vec<(String, String)>)>;

fn declared_keys(conn: &Connection) -> rusqlite::Result<Keys> {
    let mut keys = Keys::new();
    let mut stmt = conn.prepare(
        "SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\" FROM sqlite_schema AS m, \
         pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table' ORDER BY m.name, f.id, f.seq",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let entry = keys
            .entry((r.get(0)?, r.get(1)?))
            .or_insert_with(|| (String::new(), Vec::new()));
        entry.0 = r.get(2)?;
        entry.1.push((r.get(3)?, r.get(4)?));
    }
    Ok(keys)
}

/// Rows of `table` whose key `id` (of several columns) has no parent row.
fn composite_missing(conn: &Connection, table: &str, id: i64) -> rusqlite::Result<i64> {
    conn.query_row(
        "SELECT count(*) FROM pragma_foreign_key_check(?1) WHERE fkid = ?2",
        rusqlite::params![table, id],
        |r| r.get(0),
    )
}

/// An SQL identifier, quoted.
fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The foreign keys of a database being loaded, checked on the rows added since the last check:
/// what [`dangling_references`] finds on the finished tables, found chunk by chunk. The union of
/// the checks is the whole check as long as rows are only added (a row's `rowid` is then above
/// every earlier one) and each chunk's parents are in before its check.
///
/// Each table with keys is read once per check, from its first unchecked `rowid` (`NOT INDEXED`,
/// so SQLite reads those rows and not a whole index led by a key), and the distinct values of all
/// its one-column keys are looked up in their parents. Keys of several columns are left to
/// [`ChunkKeys::check_composite`], on the whole table.
pub struct ChunkKeys {
    tables: Vec<ChildTable>,
    /// The keys of several columns.
    composite: Keys,
}

struct ChildTable {
    name: String,
    /// (child column, parent table, parent column) of each one-column key.
    keys: Vec<(String, String, String)>,
    /// One row: the number of distinct dangling values of each key among rows above `?1`, then
    /// the largest `rowid` (`?1` for none).
    sql: String,
    /// The largest `rowid` checked.
    checked: i64,
}

impl ChunkKeys {
    /// The keys declared in `conn`, none of their rows checked yet.
    pub fn new(conn: &Connection) -> rusqlite::Result<ChunkKeys> {
        let mut by_table: std::collections::BTreeMap<String, Vec<(String, String, String)>> =
            Default::default();
        let mut composite = Keys::new();
        for ((table, id), (parent, cols)) in declared_keys(conn)? {
            match <[_; 1]>::try_from(cols) {
                Ok([(from, to)]) => by_table.entry(table).or_default().push((from, parent, to)),
                Err(cols) => {
                    composite.insert((table, id), (parent, cols));
                }
            }
        }
        let tables = by_table
            .into_iter()
            .map(|(name, keys)| {
                let distinct: Vec<String> = keys
                    .iter()
                    .enumerate()
                    .map(|(i, (from, _, _))| format!("{} AS v{i}", q(from)))
                    .collect();
                let counts: Vec<String> = keys
                    .iter()
                    .enumerate()
                    .map(|(i, (_, parent, to))| {
                        format!(
                            "(SELECT count(DISTINCT v{i}) FROM d WHERE v{i} IS NOT NULL AND \
                             NOT EXISTS (SELECT 1 FROM {p} WHERE {p}.{to} = d.v{i}))",
                            p = q(parent),
                            to = q(to)
                        )
                    })
                    .collect();
                let sql = format!(
                    "WITH d AS MATERIALIZED (SELECT DISTINCT {} FROM {t} NOT INDEXED \
                     WHERE rowid > ?1) SELECT {}, coalesce((SELECT max(rowid) FROM {t}), ?1)",
                    distinct.join(", "),
                    counts.join(", "),
                    t = q(&name),
                );
                ChildTable {
                    name,
                    keys,
                    sql,
                    checked: 0,
                }
            })
            .collect();
        Ok(ChunkKeys { tables, composite })
    }

    /// Checks the one-column keys of the rows added since the last check.
    pub fn check(&mut self, conn: &Connection) -> rusqlite::Result<Vec<Dangling>> {
        let mut out = Vec::new();
        for t in &mut self.tables {
            let mut stmt = conn.prepare_cached(&t.sql)?;
            let n = t.keys.len();
            let (counts, last) = stmt.query_row([t.checked], |r| {
                let counts: Vec<i64> = (0..n).map(|i| r.get(i)).collect::<rusqlite::Result<_>>()?;
                Ok((counts, r.get(n)?))
            })?;
            for ((from, parent, to), missing) in t.keys.iter().zip(counts) {
                if missing > 0 {
                    let cols = [(from.clone(), to.clone())];
                    out.push(Dangling::of(t.name.clone(), &cols, parent.clone(), missing));
                }
            }
            t.checked = last;
        }
        Ok(out)
    }

    /// Checks the keys of several columns on their whole tables (`pragma_foreign_key_check`).
    pub fn check_composite(&self, conn: &Connection) -> rusqlite::Result<Vec<Dangling>> {
        let mut out = Vec::new();
        for ((table, id), (parent, cols)) in &self.composite {
            let missing = composite_missing(conn, table, *id)?;
            if missing > 0 {
                out.push(Dangling::of(table.clone(), cols, parent.clone(), missing));
            }
        }
        Ok(out)
    }
}

/// Writes the database of `ds` (the five tables, `metadata`, and the detector's
/// `persona_assignments`) to a temporary file beside `path`, then renames it into place.
pub fn write(ds: &Dataset, path: &Path, overwrite: bool, check: Check) -> Result<()> {
    super::write_format(ds, crate::config::Format::Sqlite, path, overwrite, check)
}

/// Creates the detector's `table` (see [`FeatureTable`]) and inserts its rows.
fn insert_feature_table(
    conn: &Connection,
    det: &Detection,
    table: FeatureTable,
    err: &dyn Fn(rusqlite::Error) -> Error,
) -> Result<()> {
    conn.execute_batch(&create_table_sql(
        table.name(),
        table.columns(),
        table.primary_key(),
        table.foreign_keys(),
    ))
    .map_err(err)?;
    let mut stmt = conn
        .prepare(&insert_sql(table.name(), table.columns()))
        .map_err(err)?;
    let mut failed = None;
    features::for_each_row(table, det, &mut |row| {
        if failed.is_none() {
            if let Err(e) = stmt.execute(params_from_iter(row.iter())) {
                failed = Some(err(e));
            }
        }
    });
    failed.map_or(Ok(()), Err)
}

fn open_existing(db: &Path, flags: OpenFlags) -> Result<Connection> {
    if !db.is_file() {
        return Err(Error::output(
            db,
            "not a file (a SQLite database was expected)",
        ));
    }
    Connection::open_with_flags(db, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| Error::output(db, e))
}

/// Whether the database at `db` has a table called `name`.
pub fn has_table(db: &Path, name: &str) -> Result<bool> {
    let conn = open_existing(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    table_exists(&conn, name).map_err(|e| Error::output(db, e))
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// Adds the detector's `table` to an existing database in one transaction: nothing changes
/// unless every row is in and the detection's users are the database's users (every `user_id`
/// found there, and as many). An existing table of that name is an error unless `overwrite`,
/// which replaces it.
pub fn add_feature_table(
    db: &Path,
    det: &Detection,
    table: FeatureTable,
    overwrite: bool,
) -> Result<()> {
    let err = db_err(db);
    let mut conn = open_existing(db, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(&err)?;
    // Keys are checked once all rows are in (below), with a message that says what is wrong.
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .map_err(&err)?;
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(&err)?;
    if table_exists(&tx, table.name()).map_err(&err)? {
        if !overwrite {
            return Err(Error::TableExists {
                path: db.to_path_buf(),
                table: table.name().to_string(),
            });
        }
        tx.execute_batch(&format!("DROP TABLE {}", table.name()))
            .map_err(&err)?;
    }
    insert_feature_table(&tx, det, table, &err)?;
    let violations: i64 = tx
        .query_row(
            &format!(
                "SELECT count(*) FROM pragma_foreign_key_check('{}')",
                table.name()
            ),
            [],
            |r| r.get(0),
        )
        .map_err(&err)?;
    let users: i64 = tx
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .map_err(&err)?;
    if violations > 0 || users != det.input.users.len() as i64 {
        return Err(Error::output(
            db,
            format!(
                "the detection is of {} users, {violations} of them not in the database's {users} \
                 users (was it run on another dataset?); the database was not changed",
                det.input.users.len()
            ),
        ));
    }
    tx.commit().map_err(&err)?;
    conn.close().map_err(|(_, e)| err(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare(
                "SELECT m.name, f.\"from\" FROM sqlite_schema AS m, \
                 pragma_foreign_key_list(m.name) AS f WHERE m.type = 'table'",
            )
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)));
        rows.unwrap().map(|r| r.unwrap()).collect()
    }

    fn pragma_check(conn: &Connection) -> i64 {
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap()
    }

    /// Every foreign key of a written database is checked: one dangling value in any of them is
    /// reported, on that key alone, where `PRAGMA foreign_key_check` also finds it.
    #[test]
    fn a_dangling_value_in_any_declared_key_is_found() {
        let c = crate::Config::from_value(&serde_json::json!({"n_users": 3, "seed": 5})).unwrap();
        let ds = crate::generate(&c, Some(1), &mut |_, _| Ok(())).unwrap();
        let dir = std::env::temp_dir().join(format!("spendsense-fk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("x.db");
        write(&ds, &db, false, &mut |_, _| Ok(())).unwrap();
        let mut conn = Connection::open(&db).unwrap();
        // (rusqlite's bundled SQLite enforces foreign keys by default.)
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        assert_eq!(dangling_references(&conn).unwrap(), vec![]);
        let keys = keys_of(&conn);
        // Five keys of the five tables and one of persona_assignments.
        assert_eq!(keys.len(), 7, "{keys:?}");
        for (table, column) in keys {
            let tx = conn.transaction().unwrap();
            tx.execute(
                &format!(
                    "UPDATE {table} SET {column} = 'nobody' \
                     WHERE rowid = (SELECT max(rowid) FROM {table})"
                ),
                [],
            )
            .unwrap();
            let found = dangling_references(&tx).unwrap();
            assert_eq!(found.len(), 1, "{table}.{column}: {found:?}");
            assert_eq!((&found[0].table, &found[0].columns), (&table, &column));
            assert_eq!(found[0].missing, 1);
            assert_eq!(pragma_check(&tx), 1, "{table}.{column}");
            tx.rollback().unwrap();
        }
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Checked chunk by chunk, the keys find what the check of the whole tables finds: each
    /// check reads only the rows added since the one before (a dangling value already reported
    /// is not reported again), counts distinct values, skips nulls, and leaves keys of several
    /// columns to `check_composite`.
    #[test]
    fn chunk_checks_cover_the_rows_added_since_the_last() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE p (k TEXT PRIMARY KEY);
             CREATE TABLE q (a TEXT, b TEXT, PRIMARY KEY (a, b));
             CREATE TABLE c (k TEXT REFERENCES p(k), j TEXT REFERENCES p(k), a TEXT, b TEXT,
                             FOREIGN KEY (a, b) REFERENCES q(a, b));
             CREATE INDEX c_k ON c(k);",
        )
        .unwrap();
        let mut keys = ChunkKeys::new(&conn).unwrap();
        let found = |keys: &mut ChunkKeys| -> Vec<(String, i64)> {
            let d = keys.check(&conn).unwrap();
            d.iter().map(|d| (d.columns.clone(), d.missing)).collect()
        };
        assert_eq!(found(&mut keys), []);
        // Chunk 1: parents first, then children that have them (and nulls).
        conn.execute_batch(
            "INSERT INTO p VALUES ('x'), ('y');
             INSERT INTO q VALUES ('1', '2');
             INSERT INTO c VALUES ('x', 'y', '1', '2'), (NULL, NULL, NULL, NULL);",
        )
        .unwrap();
        assert_eq!(found(&mut keys), []);
        // Chunk 2: 'z' twice in k, 'w' in j, a pair with no row in q.
        conn.execute_batch(
            "INSERT INTO c VALUES ('z', 'x', '1', '2'), ('z', 'w', '1', '3'), ('y', NULL, '1', '2');",
        )
        .unwrap();
        assert_eq!(found(&mut keys), [("j".into(), 1), ("k".into(), 1)]);
        assert_eq!(dangling_references(&conn).unwrap().len(), 3);
        // Chunk 3: its parent arrives with it; chunk 2's values are not read again.
        conn.execute_batch(
            "INSERT INTO p VALUES ('v'); INSERT INTO c VALUES ('v', 'v', NULL, NULL);",
        )
        .unwrap();
        assert_eq!(found(&mut keys), []);
        assert_eq!(found(&mut keys), []);
        let composite = keys.check_composite(&conn).unwrap();
        assert_eq!(composite.len(), 1);
        assert_eq!(
            (composite[0].columns.as_str(), composite[0].missing),
            ("a,b", 1)
        );
        assert_eq!(
            composite[0].to_string(),
            "foreign key c.a,b: 1 value(s) with no row in q"
        );
    }

    /// The sink's database has its indexes, and a dangling key stops the load: no file is left
    /// under the target's name.
    #[test]
    fn the_writer_checks_each_chunk() {
        let c = crate::Config::from_value(&serde_json::json!({"n_users": 3, "seed": 5})).unwrap();
        let ds = crate::generate(&c, Some(1), &mut |_, _| Ok(())).unwrap();
        let dir = std::env::temp_dir().join(format!("spendsense-chunk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("x.db");
        let mut w = SqliteWriter::open(Run::of(&ds), &db, false, false).unwrap();
        w.write(&ds.users[..1], None).unwrap();
        // An account whose user is not in the database.
        w.conn
            .execute_batch(
                "CREATE TEMP TABLE a AS SELECT * FROM accounts LIMIT 1; \
                 UPDATE a SET account_id = 'acc_nowhere', user_id = 'user_nowhere'; \
                 INSERT INTO accounts SELECT * FROM a;",
            )
            .unwrap();
        let e = w.write(&ds.users[1..], None).unwrap_err().to_string();
        assert!(
            e.contains("foreign key accounts.user_id: 1 value(s) with no row in users"),
            "{e}"
        );
        drop(w);
        assert!(!db.exists());
        let mut w = SqliteWriter::open(Run::of(&ds), &db, false, false).unwrap();
        w.write(&ds.users, None).unwrap();
        Box::new(w).finish().unwrap().commit().unwrap();
        let conn = Connection::open(&db).unwrap();
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'idx_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(|r| r.unwrap())
            .collect();
        let want: Vec<String> = Table::ALL
            .iter()
            .flat_map(|t| index_sql(*t))
            .map(|s| s.split(' ').nth(2).unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(indexes, want);
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        drop(conn);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Values are counted once however many rows hold them; nulls reference nothing; a key of
    /// two columns is checked row by row.
    #[test]
    fn distinct_values_nulls_and_composite_keys() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE p (k TEXT PRIMARY KEY);
             CREATE TABLE q (a TEXT, b TEXT, PRIMARY KEY (a, b));
             CREATE TABLE c (k TEXT REFERENCES p(k), a TEXT, b TEXT,
                             FOREIGN KEY (a, b) REFERENCES q(a, b));
             INSERT INTO p VALUES ('x');
             INSERT INTO q VALUES ('1', '2');
             INSERT INTO c VALUES ('x', '1', '2'), (NULL, NULL, NULL), (NULL, '1', NULL);",
        )
        .unwrap();
        assert_eq!(dangling_references(&conn).unwrap(), vec![]);
        conn.execute_batch(
            "INSERT INTO c VALUES ('y', '1', '2'), ('y', '1', '3'), ('z', '1', '3')",
        )
        .unwrap();
        let found = dangling_references(&conn).unwrap();
        let got: Vec<_> = found
            .iter()
            .map(|d| (d.columns.as_str(), d.parent.as_str(), d.missing))
            .collect();
        assert_eq!(got, [("a,b", "q", 2), ("k", "p", 2)]);
        assert_eq!(
            found[1].to_string(),
            "foreign key c.k: 2 value(s) with no row in p"
        );
    }
}
