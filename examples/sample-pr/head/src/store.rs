//! Snapshots of the cache on disk.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

pub fn load(path: &Path) -> io::Result<String> {
    fs::read_to_string(path)
}

/// Writes the first snapshot; never overwrites an existing one.
pub fn save_first(path: &Path, data: &str) -> io::Result<()> {
    if !path.exists() {
        let mut f = File::create(path)?;
        f.write_all(data.as_bytes())?;
    }
    Ok(())
}
