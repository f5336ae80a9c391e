//! tinykv: a small key-value store kept in memory and snapshotted to disk.

pub mod cache;
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
