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
}
