//! Token buckets keyed by client address, pid or anything else: `rate` tokens a second up to
//! `burst`; a request that finds the bucket empty is told how long to wait (`Retry-After`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bounds the memory many distinct keys (a spoofed-address flood) can take.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
    pub burst: f64,
}

impl Rate {
    /// `N/s`, `N/m` or `N/h`, optionally `,burst=B` (default burst: one second's worth, at least 1).
    pub fn parse(s: &str) -> Result<Rate, String> {
        let bad = || format!("a rate looks like 20/s, 600/m or 100/s,burst=400, got `{s}`");
        let (rate, burst) = match s.split_once(',') {
            Some((r, b)) => (r.trim(), Some(b.trim().strip_prefix("burst=").ok_or_else(bad)?)),
            None => (s.trim(), None),
        };
        let (n, unit) = rate.split_once('/').ok_or_else(bad)?;
        let n: f64 = n.trim().parse().map_err(|_| bad())?;
        let secs = match unit.trim() {
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(bad()),
        };
        let per_second = n / secs;
        let burst = match burst {
            Some(b) => b.parse::<f64>().map_err(|_| bad())?,
            None => per_second.max(1.0),
        };
        if !(per_second.is_finite() && per_second > 0.0 && burst.is_finite() && burst >= 1.0) {
            return Err(bad());
        }
        Ok(Rate { per_second, burst })
    }
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    pub fn new(rate: Rate) -> Self {
        Limiter { rate, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key`, or says how long until one is there.
    pub fn take(&self, key: &str) -> Result<(), Duration> {
        self.take_at(key, Instant::now())
    }

    pub fn take_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut map) = self.buckets.lock() else { return Ok(()) };
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            // Full buckets carry no information: forget them first.
            let r = self.rate;
            map.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * r.per_second < r.burst);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let b = map.entry(key.to_string()).or_insert(Bucket { tokens: self.rate.burst, at: now });
        let refill = now.saturating_duration_since(b.at).as_secs_f64() * self.rate.per_second;
        b.tokens = (b.tokens + refill).min(self.rate.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - b.tokens) / self.rate.per_second))
        }
    }
}

/// `Retry-After` in whole seconds, rounded up, at least 1.
pub fn retry_after_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0).max(u64::from(d.as_secs() == 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_allow_a_burst_then_the_rate() {
        let l = Limiter::new(Rate::parse("2/s,burst=3").unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take_at("a", t0).is_ok());
        }
        let wait = l.take_at("a", t0).unwrap_err();
        assert!((wait.as_secs_f64() - 0.5).abs() < 1e-6, "{wait:?}");
        assert_eq!(retry_after_secs(wait), 1);
        assert!(l.take_at("b", t0).is_ok(), "keys are independent");
        assert!(l.take_at("a", t0 + Duration::from_millis(500)).is_ok());
        assert!(l.take_at("a", t0 + Duration::from_millis(500)).is_err());
    }

    #[test]
    fn rates_parse() {
        assert_eq!(Rate::parse("600/m").unwrap(), Rate { per_second: 10.0, burst: 10.0 });
        assert_eq!(Rate::parse("1/h").unwrap().burst, 1.0);
        for bad in ["", "5", "5/d", "-1/s", "0/s", "1/s,burst=0", "1/s,b=2"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(retry_after_secs(Duration::from_millis(2100)), 3);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
    }
}
