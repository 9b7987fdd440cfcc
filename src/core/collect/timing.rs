//! Resource-timing phases, as ARMS names them, from a PerformanceResourceTiming entry.

use super::Fields;

/// The entry's raw timestamps and sizes (ms relative to timeOrigin; 0 = not available).
#[derive(Default, Clone, Copy)]
pub struct Timing {
    pub start: f64,
    pub duration: f64,
    pub redirect_start: f64,
    pub redirect_end: f64,
    pub dns_start: f64,
    pub dns_end: f64,
    pub connect_start: f64,
    pub connect_end: f64,
    pub secure_start: f64,
    pub request_start: f64,
    pub response_start: f64,
    pub response_end: f64,
    pub decoded_size: f64,
    pub transfer_size: f64,
    /// HTTP status from the entry (0 when unknown, e.g. cross-origin without TAO).
    pub status: f64,
}

fn span(a: f64, b: f64) -> Option<f64> {
    (a > 0.0 && b >= a).then_some(b - a).filter(|d| *d > 0.0)
}

impl Timing {
    /// The phase durations; a phase that did not happen (or is hidden cross-origin) is left out.
    pub fn write(&self, f: &mut Fields) {
        f.pos("redirect_duration", span(self.redirect_start, self.redirect_end))
            .pos("dns_duration", span(self.dns_start, self.dns_end))
            .pos("connect_duration", span(self.connect_start, self.connect_end))
            .pos("ssl_duration", span(self.secure_start, self.connect_end))
            .pos("first_byte_duration", span(self.request_start, self.response_start))
            .pos("download_duration", span(self.response_start, self.response_end));
        if self.decoded_size > 0.0 {
            f.num("size", self.decoded_size);
        }
        if self.transfer_size > 0.0 {
            f.num("transfer_size", self.transfer_size);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_from_an_entry_and_missing_phases_left_out() {
        let t = Timing {
            start: 62.1,
            duration: 52.1,
            dns_start: 62.1,
            dns_end: 62.1,
            connect_start: 62.1,
            connect_end: 70.0,
            secure_start: 65.0,
            request_start: 99.8,
            response_start: 112.9,
            response_end: 114.2,
            decoded_size: 46.0,
            transfer_size: 346.0,
            ..Timing::default()
        };
        let mut f = Fields::new();
        t.write(&mut f);
        let json = crate::core::collect::obj(&f.take());
        assert_eq!(json, r#"{"connect_duration":7.9,"ssl_duration":5,"first_byte_duration":13.1,"download_duration":1.3,"size":46,"transfer_size":346}"#);
    }
}
