//! Files orgmap writes for people (exports, plans): whole or not at all.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Writes a file whole or not at all: into a temporary file (mode 0600: an export or a plan is
/// for its owner only) in the same directory, renamed over `path` only once everything is written
/// and synced. A full disk leaves `path` as it was. `doing` names the work in errors ("write the
/// export to").
pub fn write_atomically<T>(path: &Path, doing: &str, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    if path.is_dir() {
        return Err(Error::file(doing, path, std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temp =
        tempfile::Builder::new().prefix(".orgmap-").tempfile_in(dir).map_err(|err| Error::file(doing, path, err))?;
    let mut out = std::io::BufWriter::new(temp);
    let value = write(&mut out).map_err(|err| err.at_file(doing, path))?;
    let temp = out.into_inner().map_err(|err| Error::file(doing, path, err.into_error()))?;
    temp.as_file().sync_all().map_err(|err| Error::file(doing, path, err))?;
    temp.persist(path).map_err(|err| Error::file(doing, path, err.error))?;
    Ok(value)
}
