//! Password hashing with Argon2id (the `argon2` crate of RustCrypto, its default parameters:
//! 19 MiB, 2 passes), PHC strings in storage, and the passwords the collector generates.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// Shorter passwords are refused: the login rate limit slows online guessing, length the rest.
pub const MIN_LEN: usize = 12;
/// Argon2 hashes whatever it is given; a cap keeps one login request cheap.
pub const MAX_LEN: usize = 1024;

pub fn check_strength(pw: &str) -> Result<(), String> {
    if pw.chars().count() < MIN_LEN {
        return Err(format!("a password needs at least {MIN_LEN} characters"));
    }
    if pw.len() > MAX_LEN {
        return Err(format!("a password has at most {MAX_LEN} bytes"));
    }
    Ok(())
}

pub fn hash(pw: &str) -> Result<String, String> {
    let salt_bytes = super::secret::random_bytes(16)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| format!("salt: {e}"))?;
    Argon2::default().hash_password(pw.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| format!("hashing: {e}"))
}

pub fn verify(pw: &str, phc: &str) -> bool {
    if pw.len() > MAX_LEN {
        return false;
    }
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default().verify_password(pw.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a throw-away hash, so that an unknown user name costs as long as a wrong
/// password (the answer's timing does not tell which names exist).
pub fn waste_time(pw: &str) {
    static DUMMY: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get_or_init(|| hash("not a real password, only spends time").ok()) {
        let _ = verify(pw, h);
    }
}

/// 18 random bytes as 24 URL-safe characters (144 bits).
pub fn generate() -> Result<String, String> {
    super::secret::random_string(18)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash("correct horse battery").unwrap();
        let b = hash("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery", &a));
        assert!(!verify("correct horse batterx", &a));
        assert!(!verify("x", "not a phc string"));
        assert!(check_strength("short").is_err());
        assert!(check_strength(&generate().unwrap()).is_ok());
    }
}
