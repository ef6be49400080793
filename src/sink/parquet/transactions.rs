//! `parquet/transactions.parquet`, encoded straight from the records, one rayon task per column
//! ([`super::chunk`] says why). The file's schema, footer and Arrow schema are the ones
//! [`super::TableWriter`] writes for the table; the values read back equal the Arrow path's
//! ([`super::transactions_batch`]; a test compares them).

use super::chunk::{self, Chunk, Dict, Stats, Values, PAGE_ROWS};
use super::{properties, schema, TRANSACTION_ROW_GROUP_ROWS};
use crate::error::{Error, Result};
use crate::model::{Transaction, UserData, TRANSACTION_ID_PREFIX};
use crate::sink::manifest::{FileHash, HashingWriter};
use crate::sink::out_file::OutFile;
use crate::tables::Table;
use parquet::arrow::ArrowWriter;
use parquet::errors::ParquetError;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnDescPtr;
use rayon::prelude::*;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A text value of a row that is a static string (looked up by address), or null.
type StaticText = fn(&Transaction) -> Option<&'static str>;

/// How a column's value comes from a transaction.
#[derive(Clone, Copy)]
enum Kind {
    Id,
    Account,
    User,
    Date,
    AuthorizedDate,
    Amount,
    /// A static string (or null).
    Static(StaticText),
    /// A value derived from a static string by a function (cached per string).
    Derived(StaticText, fn(&'static str) -> &'static str),
    Name,
    Pending,
}

fn kind(column: &str) -> Option<Kind> {
    Some(match column {
        "transaction_id" => Kind::Id,
        "account_id" => Kind::Account,
        "user_id" => Kind::User,
        "date" => Kind::Date,
        "authorized_date" => Kind::AuthorizedDate,
        "amount" => Kind::Amount,
        "iso_currency_code" => Kind::Static(|_| Some("USD")),
        "unofficial_currency_code" => Kind::Static(|_| None),
        "name" => Kind::Name,
        "merchant_name" => Kind::Static(|x| x.merchant_name),
        "merchant_entity_id" => {
            Kind::Derived(|x| x.merchant_name, crate::sim::merchants::entity_id)
        }
        "payment_channel" => Kind::Static(|x| Some(x.payment_channel.as_str())),
        "pfc_primary" => {
            Kind::Derived(|x| Some(x.pfc_detailed), crate::sim::merchants::pfc_primary)
        }
        "pfc_detailed" => Kind::Static(|x| Some(x.pfc_detailed)),
        "pfc_confidence_level" => Kind::Static(|x| Some(x.pfc_confidence_level())),
        "pending" => Kind::Pending,
        "pending_transaction_id" => Kind::Static(|x| x.pending_transaction_id()),
        _ => return None,
    })
}

/// One column's open chunk.
struct Col {
    kind: Kind,
    descr: ColumnDescPtr,
    rows: usize,
    /// Per row, for a nullable column: false for null.
    defined: Vec<bool>,
    values: Values,
    /// Min/max so far, for the plain columns that keep statistics.
    id_range: Option<(Vec<u8>, Vec<u8>)>,
    amount_range: Option<(f64, f64)>,
    pending_range: Option<(bool, bool)>,
    /// The user whose ids are cached below (user index), with the dictionary indices of its
    /// user id and account ids in this chunk.
    cached: Option<u64>,
    user_index: u32,
    account_index: Vec<u32>,
    tails: Option<crate::ids::Tails>,
    nullable: bool,
}

impl Col {
    fn new(kind: Kind, descr: ColumnDescPtr) -> Col {
        let values = match kind {
            Kind::Id => Values::Delta(Vec::new(), Vec::new()),
            Kind::Amount => Values::Plain(Vec::new(), Vec::new()),
            Kind::Pending => Values::Bool(Vec::new()),
            Kind::Date | Kind::AuthorizedDate => Values::Dict(Dict::int32(), Vec::new()),
            _ => Values::Dict(Dict::text(), Vec::new()),
        };
        Col {
            kind,
            rows: 0,
            defined: Vec::new(),
            values,
            id_range: None,
            amount_range: None,
            pending_range: None,
            cached: None,
            user_index: 0,
            account_index: Vec::new(),
            tails: None,
            nullable: descr.max_def_level() > 0,
            descr,
        }
    }

    /// The start of a page of `PLAIN` values, if the next row begins one.
    fn plain(&mut self) -> &mut Vec<u8> {
        let (Values::Plain(buf, starts) | Values::Delta(buf, starts)) = &mut self.values else {
            unreachable!("a plain column")
        };
        if self.rows % PAGE_ROWS == 0 {
            starts.push(buf.len());
        }
        buf
    }

    fn dict(&mut self) -> (&mut Dict, &mut Vec<u32>) {
        let Values::Dict(dict, indices) = &mut self.values else {
            unreachable!("a dictionary column")
        };
        (dict, indices)
    }

    fn push_id(&mut self, u: &UserData, i: usize, _: &Transaction) {
        if self.cached != Some(u.index) {
            self.tails = Some(u.transaction_id_tails());
            self.cached = Some(u.index);
        }
        let tail = self.tails.expect("set for this user").tail(i as u64);
        let buf = self.plain();
        let len = TRANSACTION_ID_PREFIX.len() + tail.as_bytes().len();
        buf.extend_from_slice(&(len as u32).to_le_bytes());
        let at = buf.len();
        buf.extend_from_slice(TRANSACTION_ID_PREFIX.as_bytes());
        buf.extend_from_slice(tail.as_bytes());
        let Values::Delta(buf, _) = &self.values else {
            unreachable!("the id column")
        };
        let id = &buf[at..];
        match &mut self.id_range {
            None => self.id_range = Some((id.to_vec(), id.to_vec())),
            Some((lo, hi)) => {
                if id < lo.as_slice() {
                    lo.clear();
                    lo.extend_from_slice(id);
                }
                if id > hi.as_slice() {
                    hi.clear();
                    hi.extend_from_slice(id);
                }
            }
        }
    }

    fn push_amount(&mut self, _: &UserData, _: usize, x: &Transaction) {
        let v = x.amount as f64 / 100.0;
        self.plain().extend_from_slice(&v.to_le_bytes());
        self.amount_range = Some(match self.amount_range {
            None => (v, v),
            Some((lo, hi)) => (lo.min(v), hi.max(v)),
        });
    }

    fn push_pending(&mut self, _: &UserData, _: usize, x: &Transaction) {
        let Values::Bool(bits) = &mut self.values else {
            unreachable!("a boolean column")
        };
        bits.push(x.pending);
        self.pending_range = Some(match self.pending_range {
            None => (x.pending, x.pending),
            Some((lo, hi)) => (lo & x.pending, hi | x.pending),
        });
    }

    fn push_user(&mut self, u: &UserData, _: usize, x: &Transaction) {
        if self.cached != Some(u.index) {
            let (kind, accounts) = (self.kind, &mut self.account_index);
            let Values::Dict(dict, _) = &mut self.values else {
                unreachable!("a dictionary column")
            };
            self.user_index = dict_user(kind, dict, u, accounts);
            self.cached = Some(u.index);
        }
        let i = match self.kind {
            Kind::User => self.user_index,
            _ => self.account_index[x.account as usize],
        };
        self.dict().1.push(i);
    }

    fn push_date(&mut self, _: &UserData, _: usize, x: &Transaction) {
        let d = match self.kind {
            Kind::Date => x.date,
            _ => x.authorized_date,
        };
        let day = super::date32(d);
        let (dict, indices) = self.dict();
        indices.push(dict.index_keyed((day as usize, 0), || day.to_le_bytes().to_vec()));
    }

    fn push_text(
        &mut self,
        x: &Transaction,
        get: StaticText,
        derive: fn(&'static str) -> &'static str,
    ) {
        let v = get(x);
        let nullable = self.nullable;
        let (dict, indices) = self.dict();
        if let Some(s) = v {
            let key = (s.as_ptr() as usize, s.len());
            indices.push(dict.index_keyed(key, || derive(s).as_bytes().to_vec()));
        }
        if nullable {
            self.defined.push(v.is_some());
        }
    }

    fn push_name(&mut self, _: &UserData, _: usize, x: &Transaction) {
        let (dict, indices) = self.dict();
        indices.push(match &x.name {
            std::borrow::Cow::Borrowed(s) => dict.index_static(s),
            std::borrow::Cow::Owned(s) => dict.index(s.as_bytes()),
        });
    }

    /// Runs `push` on every transaction of `users`, cutting a chunk into `done` whenever the
    /// row group fills.
    fn each(
        &mut self,
        users: &[UserData],
        limit: usize,
        done: &mut Vec<Chunk>,
        mut push: impl FnMut(&mut Col, &UserData, usize, &Transaction),
    ) -> std::result::Result<(), ParquetError> {
        for u in users {
            for (i, x) in u.transactions.iter().enumerate() {
                push(self, u, i, x);
                self.rows += 1;
                if self.rows == limit {
                    done.push(self.cut()?);
                }
            }
        }
        Ok(())
    }

    /// Encodes the open chunk and starts the next one.
    fn cut(&mut self) -> std::result::Result<Chunk, ParquetError> {
        let stats = match (self.kind, &self.values) {
            (Kind::Id, _) => Stats::Bytes(self.id_range.take()),
            (Kind::Amount, _) => Stats::Double(self.amount_range.take().map(|(lo, hi)| {
                // Parquet's rule for zeros: a minimum of 0 is written -0.0, a maximum +0.0.
                let lo = if lo == 0.0 { -0.0 } else { lo };
                let hi = if hi == 0.0 { 0.0 } else { hi };
                (lo, hi)
            })),
            (Kind::Pending, _) => Stats::Bool(self.pending_range.take()),
            (Kind::User | Kind::Account, Values::Dict(d, _)) => Stats::Bytes(d.min_max_bytes()),
            (Kind::Date | Kind::AuthorizedDate, Values::Dict(d, _)) => {
                Stats::Int32(d.min_max_i32())
            }
            _ => Stats::None,
        };
        let out = chunk::finish(&self.descr, self.rows, &self.defined, &self.values, stats)?;
        self.rows = 0;
        self.defined.clear();
        self.cached = None;
        match &mut self.values {
            Values::Dict(d, indices) => {
                d.clear();
                indices.clear();
            }
            Values::Plain(buf, starts) | Values::Delta(buf, starts) => {
                buf.clear();
                starts.clear();
            }
            Values::Bool(bits) => bits.clear(),
        }
        Ok(out)
    }

    /// Appends every transaction of `users`; returns the chunks of the row groups that filled
    /// (`group_rows` rows were in the open group before, `limit` rows make a group).
    fn encode(
        &mut self,
        users: &[UserData],
        group_rows: usize,
        limit: usize,
    ) -> std::result::Result<Vec<Chunk>, ParquetError> {
        debug_assert_eq!(self.rows, group_rows);
        let mut done = Vec::new();
        // One loop per kind of column, each with its value's code inlined.
        match self.kind {
            Kind::Id => self.each(users, limit, &mut done, Col::push_id)?,
            Kind::Account | Kind::User => self.each(users, limit, &mut done, Col::push_user)?,
            Kind::Date | Kind::AuthorizedDate => {
                self.each(users, limit, &mut done, Col::push_date)?
            }
            Kind::Amount => self.each(users, limit, &mut done, Col::push_amount)?,
            Kind::Pending => self.each(users, limit, &mut done, Col::push_pending)?,
            Kind::Name => self.each(users, limit, &mut done, Col::push_name)?,
            Kind::Static(get) => self.each(users, limit, &mut done, |c, _, _, x| {
                c.push_text(x, get, |s| s)
            })?,
            Kind::Derived(get, derive) => self.each(users, limit, &mut done, |c, _, _, x| {
                c.push_text(x, get, derive)
            })?,
        }
        Ok(done)
    }
}

/// Puts user `u`'s id (or its account ids) into `dict`: the user id's index, and the account
/// ids' indices in `accounts`.
fn dict_user(kind: Kind, dict: &mut Dict, u: &UserData, accounts: &mut Vec<u32>) -> u32 {
    match kind {
        Kind::User => dict.index(u.user.user_id.as_bytes()),
        _ => {
            accounts.clear();
            accounts.extend(
                u.accounts
                    .iter()
                    .map(|a| dict.index(a.account_id.as_bytes())),
            );
            0
        }
    }
}

/// `transactions.parquet` being written. The columns are encoded in the caller's rayon pool; the
/// encoded row groups go to a thread of the file's own ([`Appender`]), so copying them into the
/// file, hashing them and the write calls overlap the encoding of the next chunk.
pub struct TransactionsFile {
    shown: PathBuf,
    appender: Appender,
    cols: Vec<Col>,
    group_rows: usize,
    group_limit: usize,
}

/// Appends the encoded row groups to the file and, at the end, writes the footer and gives back
/// the file's hash. With more than one worker in the pool a thread of its own does it, so the
/// copying, hashing and write calls overlap the encoding of the next chunk; with one worker
/// (`--threads 1`) it runs inline, so that a one-thread run really is one thread of work.
struct Appender {
    shown: PathBuf,
    /// The file, until the first row groups decide where it is written from.
    file: Option<SerializedFileWriter<HashingWriter<OutFile>>>,
    to: Option<std::sync::mpsc::SyncSender<Vec<Vec<Chunk>>>>,
    thread: Option<std::thread::JoinHandle<Result<FileHash>>>,
}

/// Appends the row groups whose chunks `chunks` holds (per column, in order).
fn append_groups(
    file: &mut SerializedFileWriter<HashingWriter<OutFile>>,
    chunks: Vec<Vec<Chunk>>,
    shown: &Path,
) -> Result<()> {
    let err = |e: ParquetError| Error::output(shown, e);
    let groups = chunks.first().map_or(0, Vec::len);
    let mut columns: Vec<_> = chunks.into_iter().map(Vec::into_iter).collect();
    for _ in 0..groups {
        let mut group = file.next_row_group().map_err(err)?;
        for col in &mut columns {
            let c = col.next().expect("every column fills the same row groups");
            group.append_column(&c.bytes, c.close).map_err(err)?;
        }
        group.close().map_err(err)?;
    }
    Ok(())
}

/// Writes the footer and closes the file; its hash under its final name.
fn close_file(
    file: SerializedFileWriter<HashingWriter<OutFile>>,
    shown: &Path,
) -> Result<FileHash> {
    let mut w = file.into_inner().map_err(|e| Error::output(shown, e))?;
    w.flush().map_err(|e| Error::output(shown, e))?;
    Ok(w.finish(shown).1)
}

impl Appender {
    fn new(file: SerializedFileWriter<HashingWriter<OutFile>>, shown: PathBuf) -> Appender {
        Appender {
            shown,
            file: Some(file),
            to: None,
            thread: None,
        }
    }

    /// Starts the thread, if the pool this runs in has more than one worker.
    fn start(&mut self) -> Result<()> {
        if rayon::current_num_threads() < 2 {
            return Ok(());
        }
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        // One batch waits while one is written: at most two chunks' pages in memory.
        let (to, from) = std::sync::mpsc::sync_channel::<Vec<Vec<Chunk>>>(1);
        let shown = self.shown.clone();
        let thread = std::thread::Builder::new()
            .name("ssg-transactions.parquet".into())
            .spawn(move || -> Result<FileHash> {
                for chunks in from {
                    append_groups(&mut file, chunks, &shown)?;
                }
                close_file(file, &shown)
            })
            .map_err(|e| Error::output(&self.shown, e))?;
        self.to = Some(to);
        self.thread = Some(thread);
        Ok(())
    }

    /// Appends (or hands over) the row groups whose chunks `chunks` holds.
    fn send(&mut self, chunks: Vec<Vec<Chunk>>) -> Result<()> {
        if self.file.is_some() && self.thread.is_none() {
            self.start()?;
        }
        if let Some(file) = self.file.as_mut() {
            return append_groups(file, chunks, &self.shown);
        }
        if self.to.as_ref().is_some_and(|to| to.send(chunks).is_ok()) {
            return Ok(());
        }
        // The thread stopped: its error says why.
        Err(self.join().err().unwrap_or(Error::Interrupted))
    }

    /// Writes the footer (waiting for the thread, if there is one).
    fn join(&mut self) -> Result<FileHash> {
        if let Some(file) = self.file.take() {
            return close_file(file, &self.shown);
        }
        self.to = None;
        match self.thread.take().map(std::thread::JoinHandle::join) {
            Some(Ok(r)) => r,
            Some(Err(_)) | None => Err(Error::Interrupted),
        }
    }
}

impl Drop for Appender {
    /// A run that fails or is interrupted still waits for the thread (which then finishes the
    /// temporary file that the staged folder deletes).
    fn drop(&mut self) {
        if self.thread.is_some() {
            let _ = self.join();
        }
    }
}

impl TransactionsFile {
    /// Creates `file` (a temporary path; `shown` is the path named in errors).
    pub fn create(file: &Path, shown: &Path) -> Result<TransactionsFile> {
        Self::with_group_rows(file, shown, TRANSACTION_ROW_GROUP_ROWS)
    }

    fn with_group_rows(file: &Path, shown: &Path, group_limit: usize) -> Result<TransactionsFile> {
        let err = |e: &dyn std::fmt::Display| Error::output(shown, e);
        let table = Table::Transactions;
        let cols = table.columns();
        let f = HashingWriter::new(OutFile::new(File::create(file).map_err(|e| err(&e))?));
        let props = properties(
            cols,
            super::plain_columns(table),
            &super::key_columns(table),
            group_limit,
        );
        let (file, _) = ArrowWriter::try_new(f, schema(cols), Some(props))
            .and_then(ArrowWriter::into_serialized_writer)
            .map_err(|e| err(&e))?;
        let descr = file.schema_descr();
        let cols = cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let k = kind(c.name).ok_or_else(|| err(&format!("no encoder for {}", c.name)))?;
                Ok(Col::new(k, descr.column(i)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(TransactionsFile {
            shown: shown.to_path_buf(),
            appender: Appender::new(file, shown.to_path_buf()),
            cols,
            group_rows: 0,
            group_limit,
        })
    }

    /// Appends the transactions of `users`, each column in a task of its own.
    pub fn write(&mut self, users: &[UserData]) -> Result<()> {
        let (at, limit) = (self.group_rows, self.group_limit);
        let chunks = self
            .cols
            .par_iter_mut()
            .map(|c| c.encode(users, at, limit))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::output(&self.shown, e))?;
        let rows: usize = users.iter().map(|u| u.transactions.len()).sum();
        self.group_rows = (at + rows) % limit;
        if chunks.first().is_some_and(|c| !c.is_empty()) {
            self.appender.send(chunks)?;
        }
        Ok(())
    }

    /// Writes the last row group and the footer, and closes the file; returns the file's hash
    /// (under its final name).
    pub fn finish(mut self) -> Result<FileHash> {
        if self.group_rows > 0 {
            let last = self
                .cols
                .par_iter_mut()
                .map(|c| c.cut().map(|chunk| vec![chunk]))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::output(&self.shown, e))?;
            self.appender.send(last)?;
        }
        self.appender.join()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;
    use arrow_array::RecordBatch;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    fn read(path: &Path) -> (Vec<RecordBatch>, parquet::file::metadata::ParquetMetaData) {
        let f = File::open(path).unwrap();
        let b = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
        let meta = b.metadata().as_ref().clone();
        (b.build().unwrap().map(|b| b.unwrap()).collect(), meta)
    }

    #[test]
    fn reads_back_as_the_arrow_path_with_the_arrow_writers_statistics() {
        let config = Config::from_value(&serde_json::json!({"n_users": 100, "seed": 11})).unwrap();
        let ds = crate::generate(&config, Some(2), &mut |_, _| Ok(())).unwrap();
        let dir = std::env::temp_dir().join(format!("ssg-txfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cols = Table::Transactions.columns();
        let batch = super::super::transactions_batch(&schema(cols), &ds.users).unwrap();
        assert!(batch.num_rows() > 2 * PAGE_ROWS + 5_000);
        // Small groups, and groups of several pages; uneven chunks of users, so row groups and
        // pages are cut inside a chunk and inside a user.
        for group in [5_000, 2 * PAGE_ROWS + 1_000] {
            let (ours, theirs) = (dir.join("ours.parquet"), dir.join("theirs.parquet"));
            let mut w = TransactionsFile::with_group_rows(&ours, &ours, group).unwrap();
            for part in ds.users.chunks(7) {
                w.write(part).unwrap();
            }
            w.finish().unwrap();
            let mut t = super::super::TableWriter::create(
                &theirs,
                &theirs,
                cols,
                super::super::plain_columns(Table::Transactions),
                &super::super::key_columns(Table::Transactions),
                group,
            )
            .unwrap();
            t.write_batches(std::slice::from_ref(&batch)).unwrap();
            t.finish().unwrap();

            let ((a, ma), (b, mb)) = (read(&ours), read(&theirs));
            assert_eq!(a, b, "groups of {group} rows");
            assert_eq!(ma.num_row_groups(), mb.num_row_groups());
            for (ga, gb) in ma.row_groups().iter().zip(mb.row_groups()) {
                assert_eq!(ga.num_rows(), gb.num_rows());
                for (ca, cb) in ga.columns().iter().zip(gb.columns()) {
                    let name = ca.column_descr().name();
                    assert_eq!(ca.statistics(), cb.statistics(), "statistics of {name}");
                    assert_eq!(
                        ca.dictionary_page_offset().is_some(),
                        cb.dictionary_page_offset().is_some(),
                        "dictionary of {name}"
                    );
                    assert_eq!(ca.compression(), cb.compression(), "compression of {name}");
                    assert_eq!(
                        ca.encodings().collect::<Vec<_>>(),
                        cb.encodings().collect::<Vec<_>>(),
                        "encodings of {name}"
                    );
                    assert_eq!(ca.num_values(), cb.num_values());
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
