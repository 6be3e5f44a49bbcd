//! `--name value` options, without a dependency.

use std::collections::HashMap;
use std::str::FromStr;

pub struct Args(HashMap<String, String>);

impl Args {
    pub fn parse(argv: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut map = HashMap::new();
        let mut argv = argv.peekable();
        while let Some(a) = argv.next() {
            let name = a
                .strip_prefix("--")
                .ok_or_else(|| format!("expected --option, got {a}"))?;
            let value = match argv.peek() {
                Some(v) if !v.starts_with("--") => argv.next().unwrap_or_default(),
                _ => "true".to_string(),
            };
            map.insert(name.to_string(), value);
        }
        Ok(Self(map))
    }

    pub fn str(&self, name: &str) -> Result<String, String> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| format!("--{name} is required"))
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    pub fn num<T: FromStr>(&self, name: &str, default: Option<T>) -> Result<T, String> {
        match self.0.get(name) {
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name}: not a number: {v}")),
            None => default.ok_or_else(|| format!("--{name} is required")),
        }
    }
}
