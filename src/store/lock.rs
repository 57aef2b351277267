//! A lock file beside the store that queues orgmap processes.
//!
//! redb refuses a conflicting opener at once (`DatabaseAlreadyOpen`); retrying in a loop starves
//! on a small machine. A blocking `flock` on a separate file lets the kernel queue waiters instead:
//! readers share it, a writer holds it alone.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Access;

/// Held for as long as the store is open; released on drop.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    TimedOut(Duration),
    Io(std::io::Error),
}

/// Takes the lock at `path`, shared for readers and exclusive for writers, waiting at most
/// `timeout` for other processes to let go.
pub fn acquire(path: &Path, access: Access, timeout: Duration) -> Result<StoreLock, LockError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(LockError::Io)?;
    let attempt = match access {
        Access::Read => file.try_lock_shared(),
        Access::Write => file.try_lock(),
    };
    match attempt {
        Ok(()) => return Ok(StoreLock { _file: file }),
        Err(TryLockError::Error(err)) => return Err(LockError::Io(err)),
        Err(TryLockError::WouldBlock) => {}
    }
    // flock cannot time out by itself: block in a helper thread and stop waiting for it when the
    // time is up. If the lock arrives after that, the send fails and the file is dropped, which
    // releases the lock again.
    let started = Instant::now();
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::spawn(move || {
        let locked = match access {
            Access::Read => file.lock_shared(),
            Access::Write => file.lock(),
        };
        let _ = sender.send(locked.map(|()| file));
    });
    match receiver.recv_timeout(timeout) {
        Ok(Ok(file)) => Ok(StoreLock { _file: file }),
        Ok(Err(err)) => Err(LockError::Io(err)),
        Err(_) => Err(LockError::TimedOut(started.elapsed())),
    }
}
