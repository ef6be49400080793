//! `manifest.json`: what produced the outputs (seed, effective configuration, generator version,
//! the pinned crate versions that decide seeded output) and a SHA-256 of every output file.

use super::{Run, Tally};
use crate::config::Format;
use crate::error::{Error, Result};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Versions pinned with `=` in Cargo.toml (a unit test keeps these in step with it).
pub const PINNED: [(&str, &str); 3] = [
    ("rand", "0.10.4"),
    ("rand_chacha", "0.10.0"),
    ("fake", "5.1.0"),
];

#[derive(Debug, Clone)]
pub struct Manifest {
    pub value: Value,
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file's SHA-256 and size, computed while it was written.
#[derive(Debug, Clone)]
pub struct FileHash {
    /// Where the file ends up (its final path, not the temporary one).
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// Passes writes through to `W` and hashes them, so the manifest need not read a file back
/// (for a million users, 13 GB of Parquet). Only for files written front to back, never seeked.
pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    /// The writer and the hash of everything written through it, recorded for `path`.
    pub fn finish(self, path: &Path) -> (W, FileHash) {
        let hash = FileHash {
            path: path.to_path_buf(),
            sha256: hex(&self.hasher.finalize()),
            bytes: self.bytes,
        };
        (self.inner, hash)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::output(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let (mut read, mut forgotten) = (0u64, 0u64);
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::output(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        read += n as u64;
        if read - forgotten >= super::out_file::WINDOW {
            super::out_file::forget(&f, forgotten, read - forgotten);
            forgotten = read;
        }
    }
    Ok(hex(&h.finalize()))
}

/// `path` if it is a file, else every file under it (recursively), sorted by path.
fn files_under(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    if !path.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| Error::output(path, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        files_under(&e, out)?;
    }
    Ok(())
}

impl Manifest {
    /// The manifest records the data recipe (the configuration without its output section, so the
    /// same data written to two folders has the same manifest), the formats written, and the
    /// size and hash of every file of `outputs` (files, or folders whose files are listed).
    /// Files in `known` (hashed while they were written) are not read again.
    pub fn build(
        run: Run,
        tally: &Tally,
        formats: &[Format],
        out_dir: &Path,
        outputs: &[PathBuf],
        known: &[FileHash],
    ) -> Result<Manifest> {
        let mut paths = Vec::new();
        for path in outputs {
            files_under(path, &mut paths)?;
        }
        let known: std::collections::HashMap<&Path, &FileHash> =
            known.iter().map(|k| (k.path.as_path(), k)).collect();
        // Hash the files in parallel (they are independent), on at most one thread per core;
        // the map is sorted by name.
        let hash = |p: &PathBuf| -> Result<(String, Value)> {
            let rel = p
                .strip_prefix(out_dir)
                .unwrap_or(p)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes = std::fs::metadata(p).map_err(|e| Error::output(p, e))?.len();
            if let Some(k) = known.get(p.as_path()).filter(|k| k.bytes == bytes) {
                return Ok((rel, json!({"sha256": k.sha256, "bytes": bytes})));
            }
            Ok((rel, json!({"sha256": sha256_file(p)?, "bytes": bytes})))
        };
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let chunk = paths.len().div_ceil(threads).max(1);
        let hashed: Vec<Result<(String, Value)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(hash).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("hashing does not panic"))
                .collect()
        });
        let mut files = Map::new();
        for h in hashed {
            let (k, v) = h?;
            files.insert(k, v);
        }
        let mut counts = Map::new();
        for (t, n) in crate::tables::Table::ALL.iter().zip(tally.rows) {
            counts.insert(t.name().into(), json!(n));
        }
        let mut recipe = run.config.to_value();
        recipe.as_object_mut().unwrap().remove("output");
        let range = run.user_range();
        let value = json!({
            "generator": "spendsense-gen",
            "version": crate::VERSION,
            "seed": run.config.seed,
            "shard": run.shard.map(|s| s.label()),
            "user_range": [range.start, range.end],
            "config": recipe,
            "formats": formats.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "start_date": run.config.start_date().format("%Y-%m-%d").to_string(),
            "end_date": run.config.end_date.format("%Y-%m-%d").to_string(),
            "crates": PINNED.iter().map(|(k, v)| (k.to_string(), json!(v))).collect::<Map<_, _>>(),
            "row_counts": counts,
            "files": files,
        });
        Ok(Manifest { value })
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let staged = super::Staged::new(path, true)?;
        let text = serde_json::to_string_pretty(&self.value).unwrap() + "\n";
        std::fs::write(staged.path(), text).map_err(|e| Error::output(path, e))?;
        staged.commit()
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, Format};

    /// The hashes taken while writing (CSV, users.json, Parquet, features) are those of the files.
    #[test]
    fn hashes_taken_while_writing_match_the_files() {
        let config = Config::from_value(&serde_json::json!({"n_users": 40, "seed": 3})).unwrap();
        let dir = std::env::temp_dir().join(format!("ssg-manifest-{}", std::process::id()));
        let formats = [Format::Csv, Format::Json, Format::Parquet, Format::Sqlite];
        let w = crate::sink::write_stream(
            &config,
            None,
            Some(2),
            &dir,
            &formats,
            true,
            true,
            &mut |_, _| Ok(()),
        )
        .unwrap();
        let files = w.manifest.value["files"].as_object().unwrap();
        assert!(files.len() > 15);
        for (name, entry) in files {
            let path = dir.join(name);
            assert_eq!(
                entry["sha256"],
                super::sha256_file(&path).unwrap(),
                "{name}"
            );
            assert_eq!(
                entry["bytes"],
                std::fs::metadata(&path).unwrap().len(),
                "{name}"
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// `sha256_file` is the digest of the file's bytes: empty, shorter than its buffer, and
    /// several buffers with a part left over; a missing file is an error that names it.
    #[test]
    fn sha256_file_is_the_digest_of_the_bytes() {
        use sha2::Digest;
        let dir = std::env::temp_dir().join(format!("spendsense-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for len in [0usize, 1, 4 << 20, (9 << 20) + 3] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4099) as u8).collect();
            let path = dir.join(format!("f{len}"));
            std::fs::write(&path, &bytes).unwrap();
            let want = super::hex(&sha2::Sha256::digest(&bytes));
            assert_eq!(super::sha256_file(&path).unwrap(), want, "{len} bytes");
        }
        let missing = super::sha256_file(&dir.join("missing")).unwrap_err();
        assert!(missing.to_string().contains("missing"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What passes through a HashingWriter is hashed once, whatever the write sizes.
    #[test]
    fn hashing_writer_hashes_what_it_writes() {
        use std::io::Write;
        let mut w = super::HashingWriter::new(Vec::new());
        for part in [&b"spend"[..], b"", b"sense", &[7u8; 10_000]] {
            w.write_all(part).unwrap();
        }
        let (bytes, hash) = w.finish(std::path::Path::new("x"));
        use super::Digest;
        assert_eq!(hash.sha256, super::hex(&super::Sha256::digest(&bytes)));
        assert_eq!(hash.bytes, 10_010);
    }
    #[test]
    fn pinned_versions_match_cargo_toml() {
        let toml = include_str!("../../Cargo.toml");
        for (name, version) in super::PINNED {
            let needle = format!("{name} = {{ version = \"={version}\"");
            let plain = format!("{name} = \"={version}\"");
            assert!(
                toml.contains(&needle) || toml.contains(&plain),
                "{name} ={version} not pinned"
            );
        }
    }
}
