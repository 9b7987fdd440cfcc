//! A bounded on-disk spool: write groups that could not reach ClickHouse are kept here, fsynced,
//! before the collector acknowledges them, and forwarded later (also after a restart).
//!
//! One file per group, `<n>.spool`, written as `<n>.tmp`, fsynced, then renamed (a crash leaves
//! either a whole file or a `.tmp` that is ignored). A file holds the two INSERT bodies exactly
//! as they would have been sent: `<events bytes>\n<events JSONEachRow><sessions JSONEachRow>`.
//! Forwarding may send a file twice (crash between INSERT and delete): the events table is
//! de-duplicated on (session id, event key) and session rows are aggregated, so that is harmless.
//! The directory is locked: one collector process per spool.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    used: AtomicU64,
    next: Mutex<u64>,
    _lock: File,
}

/// What one spooled group holds.
pub struct Entry {
    pub path: PathBuf,
    pub events: Vec<u8>,
    pub sessions: Vec<u8>,
}

impl Spool {
    pub fn open(dir: &Path, max_bytes: u64) -> Result<Spool, String> {
        fs::create_dir_all(dir).map_err(|e| format!("spool {}: {e}", dir.display()))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))
            .map_err(|e| format!("spool {}: {e}", dir.display()))?;
        lock.try_lock().map_err(|_| {
            format!(
                "spool {} is used by another collector process (give each process its own spool=DIR)",
                dir.display()
            )
        })?;
        let mut used = 0;
        let mut next = 0;
        for e in fs::read_dir(dir).map_err(|e| format!("spool {}: {e}", dir.display()))?.flatten() {
            let p = e.path();
            match p.extension().and_then(|x| x.to_str()) {
                Some("spool") => {
                    used += e.metadata().map(|m| m.len()).unwrap_or(0);
                    if let Some(n) = p.file_stem().and_then(|s| s.to_str()).and_then(|s| s.parse::<u64>().ok()) {
                        next = next.max(n + 1);
                    }
                }
                Some("tmp") => {
                    let _ = fs::remove_file(&p);
                }
                _ => {}
            }
        }
        Ok(Spool { dir: dir.to_path_buf(), max_bytes, used: AtomicU64::new(used), next: Mutex::new(next), _lock: lock })
    }

    pub fn used_bytes(&self) -> u64 {
        self.used.load(Ordering::SeqCst)
    }

    /// Stores one group durably; refuses (so the caller answers 503) when the spool is full.
    pub fn push(&self, events: &[u8], sessions: &[u8]) -> Result<(), String> {
        let header = format!("{}\n", events.len());
        let size = (header.len() + events.len() + sessions.len()) as u64;
        let mut next = self.next.lock().map_err(|_| "spool lock poisoned".to_string())?;
        if self.used.load(Ordering::SeqCst) + size > self.max_bytes {
            return Err(format!(
                "ClickHouse is unreachable and the local spool is full ({} of {} bytes)",
                self.used.load(Ordering::SeqCst),
                self.max_bytes
            ));
        }
        let n = *next;
        *next += 1;
        let tmp = self.dir.join(format!("{n:020}.tmp"));
        let done = self.dir.join(format!("{n:020}.spool"));
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&tmp)?;
            f.write_all(header.as_bytes())?;
            f.write_all(events)?;
            f.write_all(sessions)?;
            f.sync_all()?;
            fs::rename(&tmp, &done)?;
            File::open(&self.dir)?.sync_all()
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            format!("spool {}: {e}", self.dir.display())
        })?;
        self.used.fetch_add(size, Ordering::SeqCst);
        Ok(())
    }

    /// The oldest spooled group, if any.
    pub fn oldest(&self) -> Result<Option<Entry>, String> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.dir)
            .map_err(|e| format!("spool {}: {e}", self.dir.display()))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("spool"))
            .collect();
        names.sort();
        let Some(path) = names.into_iter().next() else { return Ok(None) };
        let raw = fs::read(&path).map_err(|e| format!("spool {}: {e}", path.display()))?;
        let nl = raw.iter().position(|b| *b == b'\n').unwrap_or(raw.len());
        let len: usize = std::str::from_utf8(raw.get(..nl).unwrap_or_default())
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("spool {}: damaged header", path.display()))?;
        let body = raw.get(nl + 1..).unwrap_or_default();
        let (events, sessions) = match (body.get(..len), body.get(len..)) {
            (Some(e), Some(s)) => (e.to_vec(), s.to_vec()),
            _ => return Err(format!("spool {}: shorter than its header says", path.display())),
        };
        Ok(Some(Entry { path, events, sessions }))
    }

    /// Forgets a group once ClickHouse has it.
    pub fn remove(&self, entry: &Entry) -> Result<(), String> {
        let size = fs::metadata(&entry.path).map(|m| m.len()).unwrap_or(0);
        fs::remove_file(&entry.path).map_err(|e| format!("spool {}: {e}", entry.path.display()))?;
        self.used.fetch_sub(size.min(self.used_bytes()), Ordering::SeqCst);
        Ok(())
    }

    /// A damaged file is moved aside (kept for the operator), never forwarded again.
    pub fn quarantine(&self, path: &Path) {
        let size = fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if fs::rename(path, path.with_extension("damaged")).is_ok() {
            self.used.fetch_sub(size.min(self.used_bytes()), Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_survives_reopen_and_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Spool::open(dir.path(), 100).unwrap();
            assert!(Spool::open(dir.path(), 100).is_err(), "a second process must not share the spool");
            s.push(b"{\"a\":1}\n", b"{\"s\":1}\n").unwrap();
            let err = s.push(&[b'x'; 90], b"").unwrap_err();
            assert!(err.contains("spool is full"), "{err}");
        }
        let s = Spool::open(dir.path(), 100).unwrap();
        assert!(s.used_bytes() > 0);
        let e = s.oldest().unwrap().unwrap();
        assert_eq!(e.events, b"{\"a\":1}\n");
        assert_eq!(e.sessions, b"{\"s\":1}\n");
        s.remove(&e).unwrap();
        assert!(s.oldest().unwrap().is_none());
        assert_eq!(s.used_bytes(), 0);
    }
}
