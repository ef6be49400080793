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
    #[cfg(target_os = "linux")]
    fn behind(&mut self) {
        use std::os::fd::AsRawFd;
        let fd = self.file.as_raw_fd();
        let off = |v: u64| v as libc::off64_t;
        // SAFETY: `fd` is this open file's descriptor for the duration of the calls, and
        // neither call touches memory of this process.
        unsafe {
            libc::sync_file_range(
                fd,
                off(self.started),
                off(self.written - self.started),
                libc::SYNC_FILE_RANGE_WRITE,
            );
            if self.started > self.dropped {
                let (from, len) = (off(self.dropped), off(self.started - self.dropped));
                libc::sync_file_range(
                    fd,
                    from,
                    len,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                );
                libc::posix_fadvise(fd, from, len, libc::POSIX_FADV_DONTNEED);
                self.dropped = self.started;
            }
        }
        self.started = self.written;
    }

    #[cfg(not(target_os = "linux"))]
    fn behind(&mut self) {
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

/// For a file written anywhere rather than front to back (a database): waits for the writeback
/// the last call started, drops the file's pages that are on disk from the page cache, and starts
/// the writeback of the rest. Called between batches of writes, it keeps about one batch of the
/// file cached. Advice, as in [`OutFile`]; Linux only.
pub fn shed(file: &File) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        // SAFETY: as in `OutFile::behind`. Offset 0 and length 0 mean the whole file.
        unsafe {
            libc::sync_file_range(fd, 0, 0, libc::SYNC_FILE_RANGE_WAIT_BEFORE);
            libc::posix_fadvise(fd, 0, 0, libc::POSIX_FADV_DONTNEED);
            libc::sync_file_range(fd, 0, 0, libc::SYNC_FILE_RANGE_WRITE);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// Drops `len` bytes from `from` of a file being read front to back (and not written) from the
/// page cache: [`OutFile`]'s reason, for reading a file back to hash it. Linux only.
pub fn forget(file: &File, from: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: as in `OutFile::behind`.
        unsafe {
            libc::posix_fadvise(
                file.as_raw_fd(),
                from as libc::off64_t,
                len as libc::off64_t,
                libc::POSIX_FADV_DONTNEED,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, from, len);
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
