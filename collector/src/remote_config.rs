//! Remote config per `pid`, served to the SDK (ARMS URL shape `/config/<region>/<pid after @>`)
//! from JSON files in a directory: `<pid>.json`, or `<prefix>@<suffix>.json` found by its suffix.

use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct RemoteConfigs {
    dir: PathBuf,
}

pub const MAX_CONFIG_BYTES: usize = 64 * 1024;

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

    /// Looks up `<key>.json`, then any `<prefix>@<key>.json` (the ARMS URL carries only the suffix).
    pub fn get(&self, key: &str) -> Result<Option<Value>, String> {
        if !Self::valid_pid(key) {
            return Err(format!("invalid pid `{key}`"));
        }
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
                        .map_err(|e| format!("config file {} is not valid JSON: {e}", path.display()))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
            }
        }
        Ok(None)
    }

    /// Writes atomically (temp file + rename) so a reader never sees half a file.
    pub fn put(&self, pid: &str, config: &Value) -> Result<(), String> {
        if !Self::valid_pid(pid) {
            return Err(format!("invalid pid `{pid}`"));
        }
        if !config.is_object() {
            return Err("config must be a JSON object".into());
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("cannot create {}: {e}", self.dir.display()))?;
        let path = self.dir.join(format!("{pid}.json"));
        let tmp = self.dir.join(format!(".{pid}.json.tmp"));
        let text = serde_json::to_string_pretty(config).map_err(|e| e.to_string())?;
        std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))
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
}
