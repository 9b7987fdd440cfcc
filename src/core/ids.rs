//! Identifiers: session and view ids (32 hex, as ARMS strips a UUID v4), event-id suffixes and
//! trace ids (hex), and the visitor id (`uid_` + 16 base-36 chars).

use super::json::hex_digit;
use alloc::string::String;

/// Randomness. The browser fills it from `crypto.getRandomValues`; tests use a fixed sequence.
pub trait Random {
    fn fill(&mut self, buf: &mut [u8]);

    /// Uniform in [0, 1), for sampling decisions.
    fn unit(&mut self) -> f64 {
        let mut b = [0u8; 4];
        self.fill(&mut b);
        f64::from(u32::from_le_bytes(b)) / 4_294_967_296.0
    }
}

/// `len` (at most 32) random hex digits.
pub fn hex(rng: &mut impl Random, len: usize) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    let mut s = to_hex(&b);
    s.truncate(len);
    s
}

/// Bytes as lowercase hex, two digits each.
fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        s.push(hex_digit(b >> 4));
        s.push(hex_digit(b & 0xf));
    }
    s
}

/// A UUID v4 without dashes: 32 lowercase hex chars with the version and variant bits set.
pub fn hex_id(rng: &mut impl Random) -> String {
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    to_hex(&b)
}

pub fn uid(rng: &mut impl Random) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut b = [0u8; 16];
    rng.fill(&mut b);
    let mut s = String::from("uid_");
    for x in b {
        // 252 = 7 * 36: the small bias of `% 36` on 256 values is irrelevant for an id.
        s.push(char::from(ALPHABET[usize::from(x) % 36]));
    }
    s
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Deterministic randomness: a xorshift stream, or a fixed list of `unit()` values.
    pub struct SeqRandom {
        state: u64,
        units: Vec<f64>,
    }

    impl SeqRandom {
        pub fn new(seed: u64) -> SeqRandom {
            SeqRandom { state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1, units: Vec::new() }
        }
        pub fn with_units(units: &[f64]) -> SeqRandom {
            let mut r = SeqRandom::new(99);
            r.units = units.iter().rev().copied().collect();
            r
        }
    }

    impl Random for SeqRandom {
        fn fill(&mut self, buf: &mut [u8]) {
            for b in buf {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                *b = (self.state >> 24) as u8;
            }
        }
        fn unit(&mut self) -> f64 {
            match self.units.pop() {
                Some(u) => u,
                None => {
                    let mut b = [0u8; 4];
                    self.fill(&mut b);
                    f64::from(u32::from_le_bytes(b)) / 4_294_967_296.0
                }
            }
        }
    }

    #[test]
    fn id_formats() {
        let mut r = SeqRandom::new(1);
        let id = hex_id(&mut r);
        assert!(crate::core::text::is_hex(&id, 32), "{id}");
        assert_eq!(id.as_bytes()[12], b'4');
        assert_ne!(hex_id(&mut r), id);
        assert_eq!(hex(&mut r, 16).len(), 16);
        let u = uid(&mut r);
        assert!(u.starts_with("uid_") && u.len() == 20, "{u}");
    }

    #[test]
    fn unit_is_in_range() {
        let mut r = SeqRandom::new(3);
        for _ in 0..1000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
