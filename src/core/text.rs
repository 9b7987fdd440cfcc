//! String helpers that avoid `core::fmt`: message building, truncation by characters.

use alloc::string::String;

/// Concatenates parts: the `format!` of this crate, without pulling in `core::fmt`.
pub fn cat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// The first `max` characters of `s` (never splits a UTF-8 sequence).
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => s.get(..i).unwrap_or(s),
        None => s,
    }
}

/// True when `s` is exactly `len` lowercase hex digits.
pub fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses a non-negative decimal integer that fits in u64 (no sign, no spaces).
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 19 {
        return None;
    }
    let mut n: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(cat(&["a", "bc", ""]), "abc");
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
        assert!(is_hex("0a9f", 4));
        assert!(!is_hex("0A9F", 4));
        assert!(!is_hex("0a9", 4));
        assert_eq!(parse_u64("1795390440504"), Some(1795390440504));
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("99999999999999999999"), None);
    }
}
