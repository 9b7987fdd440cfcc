//! Page load timing (`view`/`perf`) and web vitals (`view`/`webvitals`).

use super::Fields;
use alloc::string::String;

/// ARMS drops timing values ≤ 0 or ≥ 1 h (bogus clocks, prerendered or restored pages).
fn plausible(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite() && *v > 0.0 && *v < 3_600_000.0)
}

pub struct PageTiming {
    pub dom_interactive: Option<f64>,
    pub dom_content_loaded: Option<f64>,
    pub dom_complete: Option<f64>,
    pub load_event: Option<f64>,
    pub first_paint: Option<f64>,
    pub first_contentful_paint: Option<f64>,
}

impl PageTiming {
    pub fn fields(&self, url: &str, referrer: &str, slow_threshold: f64) -> String {
        let mut f = Fields::new();
        f.str("type", "perf").str("url", url).str("referrer", referrer);
        f.pos("first_paint", plausible(self.first_paint))
            .pos("first_contentful_paint", plausible(self.first_contentful_paint))
            .pos("dom_interactive", plausible(self.dom_interactive))
            .pos("dom_content_loaded", plausible(self.dom_content_loaded))
            .pos("dom_complete", plausible(self.dom_complete))
            .pos("load_event", plausible(self.load_event));
        if plausible(self.load_event).is_some_and(|l| l > slow_threshold) {
            f.num("slow", 1.0);
        }
        f.take()
    }
}

pub struct Vitals {
    pub lcp: Option<f64>,
    pub fid: Option<f64>,
    pub fid_time: Option<f64>,
    pub cls: Option<f64>,
    pub inp: Option<f64>,
    pub ttfb: Option<f64>,
    pub fcp: Option<f64>,
}

impl Vitals {
    /// `None` when nothing was measured (nothing to send).
    pub fn fields(&self, url: &str, referrer: &str) -> Option<String> {
        let mut f = Fields::new();
        f.str("type", "webvitals").str("url", url).str("referrer", referrer);
        let before = f.0.len();
        f.pos("largest_contentful_paint", plausible(self.lcp))
            .pos("first_input_delay", self.fid.filter(|v| *v >= 0.0 && *v < 3_600_000.0))
            .pos("first_input_time", plausible(self.fid_time))
            .pos("cumulative_layout_shift", self.cls.filter(|v| v.is_finite() && *v >= 0.0))
            .pos("interaction_to_next_paint", plausible(self.inp))
            .pos("time_to_first_byte", plausible(self.ttfb))
            .pos("first_contentful_paint", plausible(self.fcp));
        (f.0.len() > before).then(|| f.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_fields_drop_implausible_values_and_mark_slow_loads() {
        let t = PageTiming {
            dom_interactive: Some(241.899),
            dom_content_loaded: Some(242.5),
            dom_complete: Some(289.899),
            load_event: Some(290.0),
            first_paint: Some(0.0),
            first_contentful_paint: Some(5_000_000.0),
        };
        assert_eq!(
            crate::core::collect::obj(&t.fields("http://h/", "", 3000.0)),
            r#"{"type":"perf","url":"http://h/","referrer":"","dom_interactive":241.899,"dom_content_loaded":242.5,"dom_complete":289.899,"load_event":290}"#
        );
        let slow = PageTiming { load_event: Some(4200.0), ..t };
        assert!(crate::core::collect::obj(&slow.fields("u", "", 3000.0)).ends_with(r#""load_event":4200,"slow":1}"#));
    }

    #[test]
    fn vitals_fields_and_nothing_to_send() {
        let v = Vitals { lcp: Some(252.0), fid: Some(4.0), fid_time: Some(4993.399), cls: Some(0.0), inp: None, ttfb: Some(27.5), fcp: Some(252.0) };
        let j = crate::core::collect::obj(&v.fields("u", "").unwrap());
        assert_eq!(
            j,
            r#"{"type":"webvitals","url":"u","referrer":"","largest_contentful_paint":252,"first_input_delay":4,"first_input_time":4993.399,"cumulative_layout_shift":0,"time_to_first_byte":27.5,"first_contentful_paint":252}"#
        );
        let none = Vitals { lcp: None, fid: None, fid_time: None, cls: None, inp: None, ttfb: None, fcp: None };
        assert!(none.fields("u", "").is_none());
    }
}
