//! Snapshots of the cache on disk.

use std::fs;
use std::io;
use std::path::Path;

pub fn load(path: &Path) -> io::Result<String> {
    fs::read_to_string(path)
}
