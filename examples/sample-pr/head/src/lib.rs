//! tinykv: a small key-value store kept in memory and snapshotted to disk.

pub mod cache;
pub mod ffi;
pub mod store;

/// Length of the longest key, computed over raw bytes.
pub fn longest_key(keys: &[&[u8]]) -> usize {
    let mut best = 0;
    for k in keys {
        // SAFETY: `keys` is a slice of valid slices; reading their length is always sound.
        let len = unsafe { std::ptr::addr_of!(*k).read().len() };
        best = best.max(len);
    }
    best
}

/// A key as text, without checking that it is UTF-8 (keys come from the network).
pub fn key_str(raw: &[u8]) -> &str {
    unsafe { std::str::from_utf8_unchecked(raw) }
}
