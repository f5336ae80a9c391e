//! An in-memory cache shared between threads.

use std::collections::HashMap;
use std::sync::Mutex;

pub struct Cache {
    entries: Mutex<HashMap<String, String>>,
}

impl Cache {
    pub fn new() -> Self {
        Cache { entries: Mutex::new(HashMap::new()) }
    }

    pub fn get(&self, key: &str) -> Option<String> {
        self.entries.lock().unwrap().get(key).cloned()
    }

    /// The cached value, computing and inserting it on a miss.
    pub fn get_or_insert(&self, key: &str, make: impl FnOnce() -> String) -> String {
        match self.entries.lock().unwrap().get(key) {
            Some(v) => v.clone(),
            None => {
                let v = make();
                self.entries.lock().unwrap().insert(key.to_string(), v.clone());
                v
            }
        }
    }
}
