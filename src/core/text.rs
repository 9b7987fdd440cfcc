//! String helpers that avoid `core::fmt`: message building, truncation by characters.

use alloc::string::String;

/// Concatenates parts: the `format!` of this crate, without pulling in `core::fmt`.
pub fn cat(parts: &[&str]) -> String {
    let mut len = 0;
    for p in parts {
        len += p.len();
    }
    let mut s = String::with_capacity(len);
    for p in parts {
        s.push_str(p);
    }
    s
}

// The helpers below are plain index loops: at opt-level z the iterator adapters (`bytes()`,
// `enumerate()`, `position()`, `char_indices()`) are not always inlined and cost more wasm.

/// The first `max` characters of `s` (never splits a UTF-8 sequence). Counts UTF-8 lead
/// bytes (`b & 0xC0 != 0x80`) instead of decoding chars.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    let h = s.as_bytes();
    let (mut i, mut n) = (0, 0);
    while let Some(&b) = h.get(i) {
        if b & 0xC0 != 0x80 {
            if n == max {
                return cut(s, i).0;
            }
            n += 1;
        }
        i += 1;
    }
    s
}

/// True when `s` is exactly `len` lowercase hex digits.
pub fn is_hex(s: &str, len: usize) -> bool {
    let h = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = h.get(i) {
        if !(b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return false;
        }
        i += 1;
    }
    h.len() == len
}

/// Parses a non-negative decimal integer that fits in u64 (no sign, no spaces).
pub fn parse_u64(s: &str) -> Option<u64> {
    let h = s.as_bytes();
    if h.is_empty() || h.len() > 19 {
        return None;
    }
    let (mut i, mut n) = (0, 0u64);
    while let Some(&b) = h.get(i) {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
        i += 1;
    }
    Some(n)
}

/// Byte offset of `needle` in `hay`. A plain scan: `str::find(&str)` brings the two-way
/// searcher (kilobytes of wasm) for strings that are a few hundred bytes long.
pub fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut i = 0;
    while let Some(w) = h.get(i..i + n.len()) {
        if w == n {
            return Some(i);
        }
        i += 1;
    }
    None
}

pub fn contains(hay: &str, needle: &str) -> bool {
    find(hay, needle).is_some()
}

/// Offset of the first `b` (an ASCII byte, so the offset is a char boundary).
pub fn find_byte(s: &str, b: u8) -> Option<usize> {
    let h = s.as_bytes();
    let mut i = 0;
    while let Some(&x) = h.get(i) {
        if x == b {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// `(s[..i], s[i..])` without a panic path (and the formatting code a panic drags in);
/// `(s, "")` when `i` is past the end or inside a UTF-8 sequence.
pub fn cut(s: &str, i: usize) -> (&str, &str) {
    s.split_at_checked(i).unwrap_or((s, ""))
}

/// Splits at the first `b`: `(before, from_b_on)`; `(s, "")` when absent.
pub fn cut_at(s: &str, b: u8) -> (&str, &str) {
    cut(s, find_byte(s, b).unwrap_or(usize::MAX))
}

/// Splits around the first `b`: `Some((before, after))`, `None` when absent. One byte loop
/// where `str::split` would bring core's searcher and memchr into the wasm.
pub fn split_byte(s: &str, b: u8) -> Option<(&str, &str)> {
    let i = find_byte(s, b)?;
    Some((cut(s, i).0, cut(s, i + 1).1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_byte_around_the_first_separator() {
        assert_eq!(split_byte("a-b-c", b'-'), Some(("a", "b-c")));
        assert_eq!(split_byte("-", b'-'), Some(("", "")));
        assert_eq!(split_byte("é;x", b';'), Some(("é", "x")));
        assert_eq!(split_byte("abc", b'-'), None);
        assert_eq!(split_byte("", b'-'), None);
    }

    #[test]
    fn helpers() {
        assert_eq!(cat(&["a", "bc", ""]), "abc");
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 5), "hi");
        assert_eq!(truncate_chars("", 0), "");
        assert_eq!(truncate_chars("abc", 0), "");
        assert_eq!(truncate_chars("中文字", 2), "中文");
        assert_eq!(truncate_chars("a😀b", 2), "a😀");
        assert_eq!(truncate_chars("a😀b", 1), "a");
        assert_eq!(truncate_chars("a😀", 2), "a😀");
        assert_eq!(truncate_chars("é", 1), "é");
        assert!(is_hex("0a9f", 4));
        assert!(!is_hex("0A9F", 4));
        assert!(!is_hex("0a9", 4));
        assert_eq!(parse_u64("1795390440504"), Some(1795390440504));
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
        assert_eq!(parse_u64("99999999999999999999"), None);
        assert_eq!(find("a//b//c", "//"), Some(1));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("", "x"), None);
        assert_eq!(find("", ""), Some(0));
        assert_eq!(find("ab", ""), Some(0));
        assert_eq!(find("abab", "bab"), Some(1));
        assert_eq!(find("abc", "c"), Some(2));
        assert!(!is_hex("", 4) && is_hex("", 0) && !is_hex("0a9g", 4));
        assert_eq!(parse_u64("0"), Some(0));
        assert_eq!(parse_u64("1 "), None);
        assert_eq!(parse_u64("9999999999999999999"), Some(9999999999999999999));
        assert!(contains("http://x.rum.com", "rum"));
        assert_eq!(cut_at("a?b#c", b'?'), ("a", "?b#c"));
        assert_eq!(cut_at("abc", b'#'), ("abc", ""));
        assert_eq!(cut("héllo", 2), ("héllo", ""));
        assert_eq!(cut("héllo", 3), ("hé", "llo"));
        assert_eq!(cut("ab", 2), ("ab", ""));
        assert_eq!(cut("ab", 0), ("", "ab"));
        assert_eq!(cut("ab", 9), ("ab", ""));
        assert_eq!(cut_at("é?x", b'?'), ("é", "?x"));
    }
}
