//! Random secrets (passwords, API tokens, console session ids, CSRF tokens) and the digests under
//! which tokens and session ids are kept, so a leaked database or memory dump holds no usable one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `n` bytes from the operating system's CSPRNG.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(b)
}

/// A URL- and cookie-safe random string carrying `bytes` bytes of entropy.
pub fn random_string(bytes: usize) -> Result<String, String> {
    Ok(URL_SAFE_NO_PAD.encode(random_bytes(bytes)?))
}

/// API tokens start with `rum_` so that secret scanners and people recognise them.
pub fn new_api_token() -> Result<String, String> {
    Ok(format!("rum_{}", random_string(32)?))
}

/// Tokens and session ids carry 256 random bits: a plain SHA-256 is enough to store them (a slow
/// password hash protects guessable secrets, and would cost every API call tens of milliseconds).
pub fn digest(secret: &str) -> String {
    let d = Sha256::digest(secret.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Equality whose time does not depend on where the inputs differ (CSRF token checks).
pub fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_url_safe() {
        let (a, b) = (new_api_token().unwrap(), new_api_token().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with("rum_") && a.len() == 4 + 43, "{a}");
        assert!(a[4..].bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(digest("x").len(), 64);
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }
}
