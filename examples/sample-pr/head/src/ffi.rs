//! Checksums from the system zlib.

use std::os::raw::{c_uint, c_ulong};

extern "C" {
    fn crc32(crc: c_ulong, buf: *const u8, len: c_uint) -> c_ulong;
}

pub fn checksum(data: &[u8]) -> u64 {
    // SAFETY: `data` is a valid slice for `data.len()` bytes and zlib only reads it.
    unsafe { crc32(0, data.as_ptr(), data.len() as c_uint) as u64 }
}
