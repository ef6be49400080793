//! Reading rows from the places data comes from (a SQLite database, a folder of CSV files, a
//! `users.json` document) without trusting them: every row arrives as text cells in the schema's
//! column order with its location (line, rowid or JSON path), and what cannot be read at all
//! (a missing file or column, a line that is not CSV, JSON that does not parse) arrives as a
//! [`Finding`] instead of an error. Only the schema's table and column names are ever put into
//! SQL, so a hostile file cannot inject any.

use super::report::{Finding, Loc, Rule};
use crate::error::{Error, Result};
use crate::tables::Table;
use chrono::NaiveDate;
use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What kind of source a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Csv,
    Json,
    /// A folder of `<table>.parquet` files.
    Parquet,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sqlite => "sqlite",
            Kind::Csv => "csv",
            Kind::Json => "json",
            Kind::Parquet => "parquet",
        }
    }

    /// Decides from the path (a folder is a CSV folder, or a Parquet folder when it has
    /// `users.parquet` and no `users.csv`; a data folder as `generate` writes it is an error
    /// that names the source to give) and the file's first bytes.
    pub fn detect(path: &Path) -> Result<Kind> {
        Kind::detect_for(path, "path", true)
    }

    /// [`Kind::detect`] for a reader that names its path `parameter` and takes a SQLite
    /// database only when `sqlite` (`load` reads into one, so it takes the others).
    pub fn detect_for(path: &Path, parameter: &str, sqlite: bool) -> Result<Kind> {
        let allowed = if sqlite {
            "a SQLite database, a folder of CSV or Parquet files or a users.json file"
        } else {
            "a folder of CSV or Parquet files or a users.json file"
        };
        if path.is_dir() {
            if let Some(kind) = table_folder(path) {
                return Ok(kind);
            }
            // The folder `generate` writes holds its sources, not tables, and a folder of
            // shards holds such folders: name one source to give.
            if let Some(hint) = source_hint(path, true, sqlite) {
                return Err(Error::invalid(
                    parameter,
                    format!("{} is not one source; {hint}", path.display()),
                    allowed,
                ));
            }
            if !sqlite && source_in(path, true, true).is_some() {
                return Err(Error::invalid(
                    parameter,
                    format!(
                        "{} holds only a SQLite database (spendsense.db), which is already loaded",
                        path.display()
                    ),
                    allowed,
                ));
            }
            return Ok(Kind::Csv);
        }
        if !path.is_file() {
            return Err(Error::invalid(
                parameter,
                format!("{} does not exist", path.display()),
                allowed,
            ));
        }
        let mut head = [0u8; 16];
        let n = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| {
                Error::invalid(
                    "path",
                    format!("{}: {e}", path.display()),
                    "a readable file",
                )
            })?;
            f.read(&mut head).unwrap_or(0)
        };
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if head[..n].starts_with(b"SQLite format 3\0") {
            return Ok(Kind::Sqlite);
        }
        if ext == "csv" {
            return Err(Error::invalid(
                "path",
                format!(
                    "{} is one CSV file; give the folder that holds users.csv, accounts.csv, ...",
                    path.display()
                ),
                "a SQLite database, a folder of CSV or Parquet files or a users.json file",
            ));
        }
        if ext == "json" {
            return Ok(Kind::Json);
        }
        if ext == "parquet" || head[..n].starts_with(b"PAR1") {
            return Err(Error::invalid(
                "path",
                format!(
                    "{} is one Parquet file; give the folder that holds users.parquet, \
                     accounts.parquet, ...",
                    path.display()
                ),
                "a SQLite database, a folder of CSV or Parquet files or a users.json file",
            ));
        }
        if matches!(ext.as_str(), "db" | "sqlite" | "sqlite3") {
            return Ok(Kind::Sqlite);
        }
        let first = head[..n].iter().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'{') | Some(b'[')) {
            return Ok(Kind::Json);
        }
        Err(Error::invalid(
            "path",
            format!(
                "{} is not a SQLite database, a CSV or Parquet folder or a JSON file",
                path.display()
            ),
            "a SQLite database, a folder of CSV or Parquet files or a users.json file",
        ))
    }
}

/// The kind of a folder of table files: CSV when it has `users.csv`, else Parquet when it has
/// `users.parquet`.
pub fn table_folder(dir: &Path) -> Option<Kind> {
    if dir.join("users.csv").is_file() {
        Some(Kind::Csv)
    } else if dir.join("users.parquet").is_file() {
        Some(Kind::Parquet)
    } else {
        None
    }
}

/// The first source inside a data folder as `generate` writes it: (when `sqlite`)
/// `spendsense.db`, `csv/`, `parquet/`, then (when `json`) `users.json`.
pub fn source_in(dir: &Path, json: bool, sqlite: bool) -> Option<PathBuf> {
    let db = dir.join("spendsense.db");
    if sqlite && db.is_file() {
        return Some(db);
    }
    for sub in ["csv", "parquet"] {
        let folder = dir.join(sub);
        if table_folder(&folder).is_some() {
            return Some(folder);
        }
    }
    let doc = dir.join("users.json");
    (json && doc.is_file()).then_some(doc)
}

/// What to give instead of `dir`, a folder that is not a table folder: the source inside it when
/// it is a data folder as `generate` writes it ("did you mean data/spendsense.db?"), or, when
/// its subfolders are data or table folders (the shards that `--shard` runs and
/// `spendsense_gen.dask.write_parquet` write), the first one's source. `None` when neither.
pub fn source_hint(dir: &Path, json: bool, sqlite: bool) -> Option<String> {
    if let Some(source) = source_in(dir, json, sqlite) {
        return Some(format!("did you mean {}?", source.display()));
    }
    let mut inner: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| {
            let path = e.ok()?.path();
            if !path.is_dir() {
                return None;
            }
            let source = match table_folder(&path) {
                Some(_) => path.clone(),
                None => source_in(&path, json, sqlite)?,
            };
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, source))
        })
        .collect();
    inner.sort();
    let (_, first) = inner.first()?;
    let mut names: Vec<&str> = inner.iter().take(3).map(|(n, _)| n.as_str()).collect();
    if inner.len() > 3 {
        names.push("...");
    }
    Some(format!(
        "it holds {} data folder{} ({}): give one at a time, e.g. {}",
        inner.len(),
        if inner.len() == 1 { "" } else { "s" },
        names.join(", "),
        first.display()
    ))
}

/// What the source says about the data beyond its rows (SQLite `metadata`, the JSON header,
/// or a `manifest.json` beside the files).
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub start: Option<NaiveDate>,
    pub end: Option<NaiveDate>,
    pub consent_ratio: Option<f64>,
    pub n_users: Option<u64>,
    pub seed: Option<u64>,
    pub version: Option<String>,
    /// `k/n` when the data is one shard of a run.
    pub shard: Option<String>,
    /// Where these came from (`metadata table`, `users.json header`, `manifest.json`).
    pub from: Option<String>,
}

/// What a source hands over while it is read.
pub trait Visit {
    /// The table's rows follow (its file or table exists).
    fn table(&mut self, table: Table);
    /// One row: cells in the table's schema order, `None` for null (or empty in CSV).
    /// Bit `k` of `bad` is set when column `k` held a value of the wrong kind that the source
    /// already reported (its cell is `None`, and is not to be reported again as missing).
    fn row(&mut self, table: Table, loc: Loc, cells: &[Option<&str>], bad: u32) -> Result<()>;
    /// Something that could not be read as rows.
    fn finding(&mut self, f: Finding);
}

/// Reads every table of the source at `path` into `v`; returns what it says about the data.
pub fn scan(kind: Kind, path: &Path, v: &mut dyn Visit) -> Result<Meta> {
    match kind {
        Kind::Csv => scan_csv(path, v),
        Kind::Sqlite => scan_sqlite(path, v),
        Kind::Json => scan_json(path, v),
        Kind::Parquet => scan_parquet(path, v),
    }
}

fn required_table(t: Table) -> bool {
    matches!(t, Table::Users | Table::Accounts | Table::Transactions)
}

fn unreadable(table: Option<Table>, loc: Loc, message: String) -> Finding {
    Finding::new(Rule::Readable, table, loc, None, None, message)
}

/// Maps the columns a source has to the schema: positions of the schema's columns in the
/// source, with findings for missing required columns, unknown and repeated columns. `None`
/// when the table cannot be read (a required column is missing).
fn map_columns(
    table: Table,
    have: &[String],
    loc: Loc,
    v: &mut dyn Visit,
) -> Option<Vec<Option<usize>>> {
    let cols = table.columns();
    let mut ok = true;
    for (i, h) in have.iter().enumerate() {
        if !cols.iter().any(|c| c.name == h) {
            v.finding(Finding::new(
                Rule::Columns,
                Some(table),
                loc,
                Some(h.clone()),
                None,
                format!(
                    "unknown column '{h}' (columns: {})",
                    cols.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
                ),
            ));
        } else if have[..i].contains(h) {
            v.finding(Finding::new(
                Rule::Columns,
                Some(table),
                loc,
                Some(h.clone()),
                None,
                format!("column '{h}' appears twice"),
            ));
            ok = false;
        }
    }
    let pos: Vec<Option<usize>> = cols
        .iter()
        .map(|c| have.iter().position(|h| h == c.name))
        .collect();
    for (c, p) in cols.iter().zip(&pos) {
        if p.is_none() && !c.nullable {
            v.finding(Finding::new(
                Rule::Columns,
                Some(table),
                loc,
                Some(c.name.to_string()),
                None,
                format!("required column '{}' is missing", c.name),
            ));
            ok = false;
        }
    }
    ok.then_some(pos)
}

// -- folders of table files (CSV, Parquet) --------------------------------------------------------

/// `dir/<table>.<ext>`, if it is there; a missing file of a required table is a finding.
fn table_file(dir: &Path, table: Table, ext: &str, v: &mut dyn Visit) -> Option<PathBuf> {
    let path = dir.join(format!("{}.{ext}", table.name()));
    if path.is_file() {
        return Some(path);
    }
    if required_table(table) {
        v.finding(unreadable(
            Some(table),
            Loc::File,
            format!("{} is missing", path.display()),
        ));
    }
    None
}

/// What a folder of table files is: from `manifest.json` in it or beside it (generation writes
/// one next to `csv/` and `parquet/`).
fn folder_meta(dir: &Path) -> Meta {
    let mut candidates = vec![dir.join("manifest.json")];
    if let Some(parent) = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_path_buf))
    {
        candidates.push(parent.join("manifest.json"));
    }
    manifest_meta(&candidates)
}

// -- CSV -----------------------------------------------------------------------------------------

fn scan_csv(dir: &Path, v: &mut dyn Visit) -> Result<Meta> {
    for table in Table::ALL {
        let Some(path) = table_file(dir, table, "csv", v) else {
            continue;
        };
        let file = std::fs::File::open(&path).map_err(|e| {
            Error::invalid("path", format!("{}: {e}", path.display()), "readable files")
        })?;
        read_csv(table, file, v)?;
    }
    Ok(folder_meta(dir))
}

/// Reads one table's CSV text (any reader: a file or a chunk of bytes).
pub fn read_csv(table: Table, input: impl std::io::Read, v: &mut dyn Visit) -> Result<()> {
    use std::io::BufRead;
    let mut input = std::io::BufReader::with_capacity(1 << 16, input);
    // With CRLF line ends the csv crate reports each record after the first one line early (it
    // counts the record's line before the "\n" that ends the line before); add it back. A file's
    // line ends are told by its header line's.
    let crlf = input.fill_buf().is_ok_and(|buf| {
        buf.iter()
            .position(|&b| b == b'\n')
            .is_some_and(|i| i > 0 && buf[i - 1] == b'\r')
    });
    let data_line = |line: u64| line + u64::from(crlf);
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(input);
    let mut rec = csv::ByteRecord::new();
    let header = match rdr.read_byte_record(&mut rec) {
        Ok(true) => rec.clone(),
        Ok(false) => {
            v.finding(unreadable(
                Some(table),
                Loc::Line(1),
                "the file is empty: expected a header line".into(),
            ));
            return Ok(());
        }
        Err(e) => {
            v.finding(unreadable(
                Some(table),
                Loc::Line(1),
                format!("not CSV: {e}"),
            ));
            return Ok(());
        }
    };
    let mut have = Vec::with_capacity(header.len());
    for h in header.iter() {
        match std::str::from_utf8(h) {
            Ok(s) => have.push(s.trim_start_matches('\u{feff}').to_string()),
            Err(_) => {
                v.finding(unreadable(
                    Some(table),
                    Loc::Line(1),
                    "the header is not UTF-8 text: not a CSV file".into(),
                ));
                return Ok(());
            }
        }
    }
    v.table(table);
    let Some(pos) = map_columns(table, &have, Loc::Line(1), v) else {
        return Ok(());
    };
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| data_line(p.line())).unwrap_or(0);
                v.finding(unreadable(
                    Some(table),
                    Loc::Line(line),
                    format!("not CSV: {e}"),
                ));
                return Ok(());
            }
        }
        let line = rec.position().map(|p| data_line(p.line())).unwrap_or(0);
        if rec.len() != have.len() {
            v.finding(unreadable(
                Some(table),
                Loc::Line(line),
                format!(
                    "{} fields where the header has {} (a truncated or shifted line?)",
                    rec.len(),
                    have.len()
                ),
            ));
            continue;
        }
        let mut utf8 = true;
        let mut cells: Vec<Option<&str>> = Vec::with_capacity(pos.len());
        for p in &pos {
            let cell = match p {
                None => None,
                Some(i) => match std::str::from_utf8(&rec[*i]) {
                    Ok("") => None,
                    Ok(s) => Some(s),
                    Err(_) => {
                        utf8 = false;
                        None
                    }
                },
            };
            cells.push(cell);
        }
        if !utf8 {
            v.finding(unreadable(
                Some(table),
                Loc::Line(line),
                "the line is not UTF-8 text".into(),
            ));
            continue;
        }
        v.row(table, Loc::Line(line), &cells, 0)?;
    }
    Ok(())
}

/// The window and consent ratio from the first `manifest.json` found (generation writes one
/// beside its outputs).
fn manifest_meta(candidates: &[PathBuf]) -> Meta {
    for p in candidates {
        let Ok(text) = std::fs::read_to_string(p) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if v.get("generator").and_then(Value::as_str) != Some("spendsense-gen") {
            continue;
        }
        return Meta {
            start: date_of(v.get("start_date")),
            end: date_of(v.get("end_date")),
            consent_ratio: v.pointer("/config/consent_ratio").and_then(Value::as_f64),
            n_users: v.pointer("/config/n_users").and_then(Value::as_u64),
            seed: v.get("seed").and_then(Value::as_u64),
            version: v.get("version").and_then(Value::as_str).map(str::to_string),
            shard: v.get("shard").and_then(Value::as_str).map(str::to_string),
            from: Some(p.display().to_string()),
        };
    }
    Meta::default()
}

fn date_of(v: Option<&Value>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v?.as_str()?, "%Y-%m-%d").ok()
}

// -- SQLite --------------------------------------------------------------------------------------

fn scan_sqlite(path: &Path, v: &mut dyn Visit) -> Result<Meta> {
    let conn = match rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(c) => c,
        Err(e) => {
            v.finding(unreadable(None, Loc::File, format!("cannot open: {e}")));
            return Ok(Meta::default());
        }
    };
    let tables: Vec<String> = match conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        }) {
        Ok(t) => t,
        Err(e) => {
            v.finding(unreadable(
                None,
                Loc::File,
                format!("not a SQLite database: {e}"),
            ));
            return Ok(Meta::default());
        }
    };
    for table in Table::ALL {
        if !tables.iter().any(|t| t == table.name()) {
            if required_table(table) {
                v.finding(unreadable(
                    Some(table),
                    Loc::File,
                    format!("the database has no table '{}'", table.name()),
                ));
            }
            continue;
        }
        if let Err(e) = read_sqlite_table(&conn, table, v) {
            match e {
                SqlRead::Db(e) => v.finding(unreadable(
                    Some(table),
                    Loc::File,
                    format!("cannot read: {e}"),
                )),
                SqlRead::Stop(e) => return Err(e),
            }
        }
    }
    let mut meta = Meta::default();
    if tables.iter().any(|t| t == "metadata") {
        let get = |k: &str| -> Option<String> {
            conn.query_row("SELECT value FROM metadata WHERE key = ?1", [k], |r| {
                r.get(0)
            })
            .ok()
        };
        let d = |k: &str| get(k).and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
        meta = Meta {
            start: d("start_date"),
            end: d("end_date"),
            consent_ratio: get("consent_ratio").and_then(|s| s.parse().ok()),
            n_users: get("n_users").and_then(|s| s.parse().ok()),
            seed: get("seed").and_then(|s| s.parse().ok()),
            version: get("version"),
            shard: get("shard"),
            from: Some("metadata table".into()),
        };
    }
    if meta.from.is_none() {
        if let Some(dir) = path.parent() {
            meta = manifest_meta(&[dir.join("manifest.json")]);
        }
    }
    Ok(meta)
}

enum SqlRead {
    Db(rusqlite::Error),
    Stop(Error),
}

impl From<rusqlite::Error> for SqlRead {
    fn from(e: rusqlite::Error) -> Self {
        SqlRead::Db(e)
    }
}

fn read_sqlite_table(
    conn: &rusqlite::Connection,
    table: Table,
    v: &mut dyn Visit,
) -> std::result::Result<(), SqlRead> {
    // Column names come from the database but only schema names go back into SQL.
    let have: Vec<String> = conn
        .prepare(&format!("PRAGMA table_info({})", table.name()))?
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<_>>()?;
    v.table(table);
    let Some(pos) = map_columns(table, &have, Loc::File, v) else {
        return Ok(());
    };
    let cols = table.columns();
    let present: Vec<&str> = cols
        .iter()
        .zip(&pos)
        .filter(|(_, p)| p.is_some())
        .map(|(c, _)| c.name)
        .collect();
    let sql = format!(
        "SELECT rowid, {} FROM {} ORDER BY rowid",
        present.join(", "),
        table.name()
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut bufs: Vec<Option<String>> = vec![None; cols.len()];
    while let Some(r) = rows.next()? {
        let rowid: i64 = r.get(0).unwrap_or(0);
        let mut k = 1;
        for (i, p) in pos.iter().enumerate() {
            bufs[i] = None;
            if p.is_none() {
                continue;
            }
            use rusqlite::types::ValueRef as V;
            bufs[i] = match r.get_ref(k)? {
                V::Null => None,
                V::Integer(x) => Some(x.to_string()),
                V::Real(x) => Some(x.to_string()),
                V::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                V::Blob(b) => Some(format!("<{} bytes of binary data>", b.len())),
            };
            k += 1;
        }
        let cells: Vec<Option<&str>> = bufs.iter().map(|b| b.as_deref()).collect();
        v.row(table, Loc::Row(rowid), &cells, 0)
            .map_err(SqlRead::Stop)?;
    }
    Ok(())
}

// -- Parquet -------------------------------------------------------------------------------------

/// A folder of `<table>.parquet` files (`--format parquet`); a row's location is its number in
/// its file, from 1 (`Loc::Row`).
fn scan_parquet(dir: &Path, v: &mut dyn Visit) -> Result<Meta> {
    for table in Table::ALL {
        let Some(path) = table_file(dir, table, "parquet", v) else {
            continue;
        };
        let file = match super::parquet::ParquetTable::open(&path) {
            Ok(f) => f,
            Err(m) => {
                v.finding(unreadable(Some(table), Loc::File, m));
                continue;
            }
        };
        v.table(table);
        let Some(pos) = map_columns(table, &file.columns, Loc::File, v) else {
            continue;
        };
        let read = file.for_each_row(&pos, |row, cells| {
            v.row(table, Loc::Row(row as i64), cells, 0)
        })?;
        if let Err(e) = read {
            v.finding(unreadable(Some(table), Loc::Row(e.row as i64), e.message));
        }
    }
    Ok(folder_meta(dir))
}

// -- JSON ----------------------------------------------------------------------------------------

fn scan_json(path: &Path, v: &mut dyn Visit) -> Result<Meta> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::invalid(
            "path",
            format!("{}: {e}", path.display()),
            "a readable file",
        )
    })?;
    let mut meta = read_json(std::io::BufReader::with_capacity(1 << 20, file), v)?;
    if meta.from.is_none() {
        if let Some(dir) = path.parent() {
            meta = manifest_meta(&[dir.join("manifest.json")]);
        }
    }
    Ok(meta)
}

/// Reads a `users.json` document (the object `to_json` writes, or a bare list of users) one
/// user at a time, so a large file is never held whole.
pub fn read_json(input: impl std::io::Read, v: &mut dyn Visit) -> Result<Meta> {
    for t in Table::ALL {
        v.table(t);
    }
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut state = JsonState {
        v,
        stop: None,
        head: Map::new(),
        users: 0,
        saw_users: false,
    };
    let res = Top(&mut state).deserialize(&mut de).and_then(|_| de.end());
    if let Some(e) = state.stop.take() {
        return Err(e);
    }
    if let Err(e) = res {
        state.v.finding(unreadable(
            None,
            Loc::Line(e.line() as u64),
            format!(
                "not valid JSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        ));
    } else if !state.saw_users {
        state.v.finding(unreadable(
            None,
            Loc::File,
            "no \"users\" list: expected {\"users\": [...]} or a list of users".into(),
        ));
    }
    let head = Value::Object(std::mem::take(&mut state.head));
    let from = head
        .get("end_date")
        .is_some()
        .then(|| "users.json header".to_string());
    Ok(Meta {
        start: date_of(head.get("start_date")),
        end: date_of(head.get("end_date")),
        consent_ratio: head.get("consent_ratio").and_then(Value::as_f64),
        n_users: head.get("n_users").and_then(Value::as_u64),
        seed: head.get("seed").and_then(Value::as_u64),
        version: head
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_string),
        shard: head
            .get("shard")
            .and_then(Value::as_str)
            .map(str::to_string),
        from,
    })
}

struct JsonState<'v> {
    v: &'v mut dyn Visit,
    stop: Option<Error>,
    head: Map<String, Value>,
    users: u32,
    saw_users: bool,
}

struct Top<'a, 'v>(&'a mut JsonState<'v>);
struct Users<'a, 'v>(&'a mut JsonState<'v>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object with a \"users\" list, or a list of users")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "users" {
                self.0.saw_users = true;
                map.next_value_seed(Users(self.0))?;
            } else {
                let value: Value = map.next_value()?;
                self.0.head.insert(key, value);
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        self.0.saw_users = true;
        Users(self.0).visit_seq(seq)
    }
}

impl<'de> DeserializeSeed<'de> for Users<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Users<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of users")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while let Some(user) = seq.next_element::<Value>()? {
            let i = self.0.users;
            self.0.users += 1;
            if self.0.stop.is_none() {
                if let Err(e) = super::json_rows::user_rows(i, &user, self.0.v) {
                    self.0.stop = Some(e);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each row `read_csv` reports, for the same CSV with `\n` and `\r\n` ends.
    #[test]
    fn crlf_and_lf_files_give_the_same_line_numbers() {
        struct Lines(Vec<u64>);
        impl Visit for Lines {
            fn table(&mut self, _: Table) {}
            fn row(&mut self, _: Table, loc: Loc, _: &[Option<&str>], _: u32) -> Result<()> {
                if let Loc::Line(l) = loc {
                    self.0.push(l);
                }
                Ok(())
            }
            fn finding(&mut self, f: Finding) {
                if let Loc::Line(l) = f.loc {
                    self.0.push(l);
                }
            }
        }
        let header = Table::UserLabels
            .columns()
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(",");
        let row = "user_0000,stable,,0,false,false,false,false,false,";
        // Line 4 has a field too many (reported as a finding, with its line).
        let text = format!("{header}\n{row}\n{row}\n{row},x\n{row}\n");
        let read = |t: &str| {
            let mut v = Lines(Vec::new());
            read_csv(Table::UserLabels, t.as_bytes(), &mut v).unwrap();
            v.0
        };
        assert_eq!(read(&text), vec![2, 3, 4, 5]);
        assert_eq!(read(&text.replace('\n', "\r\n")), vec![2, 3, 4, 5]);
    }
}
