//! An output file that does not fill the page cache. A million users write 11.5 GB of Parquet;
//! written the usual way, every byte stays in the page cache until memory runs short, so the
//! kernel hands out a fresh page for each 4 KiB written. On the 2-vCPU VM of
//! `benchmarks/README.md` a fresh page costs about 4-5 s of system time per GB (the hypervisor
//! backs it on first touch), against about 0.35 s per GB when pages are reused: 4 GiB written
//! with `write` alone took 26-28 s, and 1.4 s when each range was written back and dropped as
//! below. A file written front to back therefore starts the writeback of each
//! [`WINDOW`] it fills and, once the window before it is on disk, drops that one from the page
//! cache, so about two windows of it stay cached and their pages are reused. Linux only (elsewhere
//! a plain file); a file shorter than two windows is never touched.

use std::fs::File;
use std::io::{self, Write};

/// Bytes between two writeback calls.
pub const WINDOW: u64 = 32 << 20;

pub struct OutFile {
    file: File,
    /// Bytes written.
    written: u64,
    /// Writeback has been started for `..started`.
    started: u64,
    /// `..dropped` is on disk and out of the page cache.
    dropped: u64,
}

impl OutFile {
    pub fn new(file: File) -> OutFile {
        OutFile {
            file,
            written: 0,
            started: 0,
            dropped: 0,
        }
    }

    /// Starts the writeback of what was written since the last call; waits for the window
    /// before it to reach the disk and drops it from the page cache. Both calls are advice: a
    /// file system without them (tmpfs) just keeps the pages, and a failed write still fails
    /// where it always did (a later `write`, or never, as without this).
    fn behind(&mut self) {
        sync_range(&self.file, self.started, self.written - self.started, WRITE);
        if self.started > self.dropped {
            let (from, len) = (self.dropped, self.started - self.dropped);
            sync_range(&self.file, from, len, WAIT_BEFORE | WRITE | WAIT_AFTER);
            forget(&self.file, from, len);
            self.dropped = self.started;
        }
        self.started = self.written;
    }
}

impl Write for OutFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WINDOW {
            self.behind();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(target_os = "linux")]
use libc::{
    SYNC_FILE_RANGE_WAIT_AFTER as WAIT_AFTER, SYNC_FILE_RANGE_WAIT_BEFORE as WAIT_BEFORE,
    SYNC_FILE_RANGE_WRITE as WRITE,
};
/// `sync_file_range`'s flags, which mean nothing elsewhere.
#[cfg(not(target_os = "linux"))]
const WAIT_BEFORE: u32 = 0;
#[cfg(not(target_os = "linux"))]
const WRITE: u32 = 0;
#[cfg(not(target_os = "linux"))]
const WAIT_AFTER: u32 = 0;

/// For a file written anywhere rather than front to back (a database): waits for the writeback
/// the last call started, drops the file's pages that are on disk from the page cache, and starts
/// the writeback of the rest. Called between batches of writes, it keeps about one batch of the
/// file cached. Advice, as in [`OutFile`]; Linux only. Offset 0 and length 0 mean the whole file.
pub fn shed(file: &File) {
    sync_range(file, 0, 0, WAIT_BEFORE);
    forget(file, 0, 0);
    sync_range(file, 0, 0, WRITE);
}

/// Drops `len` bytes from `from` of a file from the page cache, where they are on disk (those
/// still to be written stay): [`OutFile`]'s reason, also for reading a file back to hash it.
/// Linux only.
pub fn forget(file: &File, from: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (from, len) = (from as libc::off64_t, len as libc::off64_t);
        // SAFETY: the descriptor is `file`'s, open for the duration of the call, which touches
        // no memory of this process.
        unsafe { libc::posix_fadvise(file.as_raw_fd(), from, len, libc::POSIX_FADV_DONTNEED) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, from, len);
}

/// `sync_file_range` on `len` bytes from `from` with `flags` (`WAIT_BEFORE`, `WRITE`,
/// `WAIT_AFTER`). Linux only.
fn sync_range(file: &File, from: u64, len: u64, flags: u32) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let (from, len) = (from as libc::off64_t, len as libc::off64_t);
        // SAFETY: as in `forget`.
        unsafe { libc::sync_file_range(file.as_raw_fd(), from, len, flags) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, from, len, flags);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_byte_in_order_and_keeps_two_windows_behind() {
        let dir = std::env::temp_dir().join(format!("ssg-outfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        let mut f = OutFile::new(File::create(&path).unwrap());
        // Uneven writes of a pattern, 3.5 windows in all.
        let total = WINDOW as usize * 7 / 2;
        let pattern: Vec<u8> = (0..1_000_003u32).map(|i| (i * 31 % 251) as u8).collect();
        let mut expected = Vec::with_capacity(total);
        while expected.len() < total {
            let n = pattern.len().min(total - expected.len());
            f.write_all(&pattern[..n]).unwrap();
            expected.extend_from_slice(&pattern[..n]);
        }
        f.flush().unwrap();
        assert_eq!(f.written, total as u64);
        // Windows were handed on after the first, second and third filled.
        assert!(
            f.started >= 3 * WINDOW && f.started < 4 * WINDOW,
            "{}",
            f.started
        );
        if cfg!(target_os = "linux") {
            assert!(
                f.dropped >= 2 * WINDOW && f.dropped < f.started,
                "{}",
                f.dropped
            );
        }
        drop(f);
        assert!(std::fs::read(&path).unwrap() == expected);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
