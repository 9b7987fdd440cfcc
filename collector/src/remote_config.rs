//! Remote config per `pid`, served to the SDK (ARMS URL shape `/config/<region>/<pid after @>`)
//! from JSON files in a directory: `<pid>.json`, or `<prefix>@<suffix>.json` found by its suffix.

use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct RemoteConfigs {
    dir: PathBuf,
}

pub const MAX_CONFIG_BYTES: usize = crate::config_check::MAX_CONFIG_BYTES;
/// Earlier versions kept per pid (the oldest goes first).
pub const MAX_VERSIONS: usize = 50;

/// Why a remote-config operation failed; `http.rs` maps each to its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    InvalidPid(String),
    /// The config's problems, each naming its field.
    Invalid(Vec<String>),
    NoSuchVersion(u64),
    Io(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::InvalidPid(p) => write!(f, "invalid pid `{p}`"),
            ConfigError::Invalid(errors) => {
                write!(f, "{}", errors.first().map(String::as_str).unwrap_or("invalid config"))
            }
            ConfigError::NoSuchVersion(v) => write!(f, "no version {v}"),
            ConfigError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One kept version of a pid's config.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Version {
    pub version: u64,
    /// When it stopped being the current config (ms since epoch).
    pub replaced_ms: i64,
    pub bytes: u64,
}

fn io(what: &str, path: &std::path::Path, e: std::io::Error) -> ConfigError {
    ConfigError::Io(format!("cannot {what} {}: {e}", path.display()))
}

impl RemoteConfigs {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        RemoteConfigs { dir: dir.into() }
    }

    /// File names come from the URL: allow only a plain name, never a path.
    pub fn valid_pid(pid: &str) -> bool {
        !pid.is_empty()
            && pid.len() <= 200
            && !pid.starts_with('.')
            && pid.chars().all(|c| c.is_ascii_alphanumeric() || "@._-".contains(c))
    }

    fn checked(pid: &str) -> Result<(), ConfigError> {
        if Self::valid_pid(pid) {
            Ok(())
        } else {
            Err(ConfigError::InvalidPid(pid.chars().take(200).collect()))
        }
    }

    /// Looks up `<key>.json`, then any `<prefix>@<key>.json` (the ARMS URL carries only the suffix).
    pub fn get(&self, key: &str) -> Result<Option<Value>, ConfigError> {
        Self::checked(key)?;
        let mut candidates = vec![self.dir.join(format!("{key}.json"))];
        if let Some(suffix) = key.split_once('@').map(|(_, s)| s) {
            candidates.push(self.dir.join(format!("{suffix}.json")));
        }
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            let tail = format!("@{key}.json");
            let mut matches: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(&tail)))
                .collect();
            matches.sort();
            candidates.extend(matches);
        }
        for path in candidates {
            match std::fs::read_to_string(&path) {
                Ok(text) => {
                    return serde_json::from_str(&text)
                        .map(Some)
                        .map_err(|e| ConfigError::Io(format!("config file {} is not valid JSON: {e}", path.display())))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("read", &path, e)),
            }
        }
        Ok(None)
    }

    fn history(&self, pid: &str) -> PathBuf {
        self.dir.join(".history").join(pid)
    }

    /// Earlier versions of `pid`, newest first.
    pub fn versions(&self, pid: &str) -> Result<Vec<Version>, ConfigError> {
        Self::checked(pid)?;
        let dir = self.history(pid);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io("read", &dir, e)),
        };
        let mut out: Vec<Version> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let version = e.file_name().to_str()?.strip_suffix(".json")?.parse().ok()?;
                let meta = e.metadata().ok()?;
                let replaced_ms = meta
                    .modified()
                    .ok()?
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as i64)
                    .unwrap_or(0);
                Some(Version { version, replaced_ms, bytes: meta.len() })
            })
            .collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.version));
        Ok(out)
    }

    /// Validates (`config_check`) and writes atomically (temp file + rename) so a reader never
    /// sees half a file; the config it replaces is kept as a version.
    pub fn put(&self, pid: &str, config: &Value) -> Result<(), ConfigError> {
        Self::checked(pid)?;
        crate::config_check::check(config).map_err(ConfigError::Invalid)?;
        std::fs::create_dir_all(&self.dir).map_err(|e| io("create", &self.dir, e))?;
        let path = self.dir.join(format!("{pid}.json"));
        if path.is_file() {
            let hist = self.history(pid);
            std::fs::create_dir_all(&hist).map_err(|e| io("create", &hist, e))?;
            let versions = self.versions(pid)?;
            let next = versions.first().map_or(1, |v| v.version + 1);
            let kept = hist.join(format!("{next}.json"));
            std::fs::copy(&path, &kept).map_err(|e| io("keep", &kept, e))?;
            for old in versions.iter().skip(MAX_VERSIONS - 1) {
                let _ = std::fs::remove_file(hist.join(format!("{}.json", old.version)));
            }
        }
        let tmp = self.dir.join(format!(".{pid}.json.tmp"));
        let text = serde_json::to_string_pretty(config).map_err(|e| ConfigError::Io(e.to_string()))?;
        std::fs::write(&tmp, text).map_err(|e| io("write", &tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| io("write", &path, e))
    }

    /// Makes an earlier version current again (checked as a new write; the current one is kept).
    pub fn restore(&self, pid: &str, version: u64) -> Result<Value, ConfigError> {
        Self::checked(pid)?;
        let path = self.history(pid).join(format!("{version}.json"));
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ConfigError::NoSuchVersion(version)),
            Err(e) => return Err(io("read", &path, e)),
        };
        let config: Value = serde_json::from_str(&text).map_err(|e| ConfigError::Io(e.to_string()))?;
        self.put(pid, &config)?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffix_lookup_and_path_safety() {
        let dir = tempfile::tempdir().unwrap();
        let rc = RemoteConfigs::new(dir.path());
        rc.put("abc@def456", &serde_json::json!({"reportConfig": {"flushTime": 1000}})).unwrap();
        assert!(rc.get("def456").unwrap().is_some());
        assert!(rc.get("abc@def456").unwrap().is_some());
        assert!(rc.get("zzz").unwrap().is_none());
        assert!(rc.get("../etc/passwd").is_err());
        assert!(rc.put("x", &serde_json::json!([1])).is_err());
    }

    #[test]
    fn versions_are_kept_and_restored() {
        let dir = tempfile::tempdir().unwrap();
        let rc = RemoteConfigs::new(dir.path());
        for t in [1000, 2000, 3000] {
            rc.put("p", &serde_json::json!({"reportConfig": {"flushTime": t}})).unwrap();
        }
        let v: Vec<u64> = rc.versions("p").unwrap().iter().map(|v| v.version).collect();
        assert_eq!(v, [2, 1]);
        assert_eq!(rc.restore("p", 1).unwrap()["reportConfig"]["flushTime"], 1000);
        assert_eq!(rc.get("p").unwrap().unwrap()["reportConfig"]["flushTime"], 1000);
        assert_eq!(rc.versions("p").unwrap().len(), 3, "the replaced one is kept too");
        assert_eq!(rc.restore("p", 9), Err(ConfigError::NoSuchVersion(9)));
        assert!(matches!(rc.put("p", &serde_json::json!({"bogus": 1})), Err(ConfigError::Invalid(_))));
    }
}
