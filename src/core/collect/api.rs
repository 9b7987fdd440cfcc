//! API calls (fetch / XHR) and static resources as ARMS `resource` events.

use super::timing::Timing;
use super::Fields;
use crate::core::text::cat;
use alloc::string::String;
use alloc::vec::Vec;

pub struct ApiCall<'a> {
    /// `fetch` or `xmlhttprequest`.
    pub kind: &'a str,
    pub method: &'a str,
    pub url: &'a str,
    pub name: &'a str,
    /// 0 when no response arrived.
    pub status: f64,
    pub status_text: &'a str,
    /// The network error (fetch rejection message, XHR error/abort/timeout).
    pub error: Option<&'a str>,
    pub duration: f64,
    pub timing: Option<Timing>,
    pub trace_id: Option<&'a str>,
    pub slow_threshold: f64,
    /// evaluateApi's verdict, when it gave one.
    pub success: Option<f64>,
    pub snapshots: Option<String>,
    pub properties: Vec<(String, crate::core::json::Value)>,
}

/// 2xx and 3xx succeed; anything else, and no response at all, fails.
pub fn success(status: f64) -> bool {
    (200.0..400.0).contains(&status)
}

impl ApiCall<'_> {
    pub fn fields(&self) -> String {
        let mut f = Fields::new();
        f.str("url", self.url).str("name", self.name).str("type", self.kind).str("method", self.method);
        let ok = self.error.is_none() && success(self.status);
        f.num("success", self.success.unwrap_or(if ok { 1.0 } else { 0.0 }));
        if self.status > 0.0 {
            f.num("status_code", self.status);
        }
        match self.error {
            // As ARMS words it, so existing dashboards keep matching.
            Some(e) if self.status == 0.0 => f.str("message", &cat(&[if e.starts_with("TypeError") { "" } else { "Error: " }, e])),
            _ => f.str("message", self.status_text),
        };
        if let Some(t) = self.trace_id {
            f.str("trace_id", t);
        }
        f.pos("duration", Some(self.duration));
        if let Some(t) = &self.timing {
            t.write(&mut f);
        }
        if self.duration > self.slow_threshold {
            f.num("slow", 1.0);
        }
        if let Some(s) = &self.snapshots {
            f.str("snapshots", s);
        }
        if !self.properties.is_empty() {
            f.value("properties", &crate::core::json::Value::Obj(self.properties.clone()));
        }
        f.take()
    }
}

/// ARMS's resource `type` from the entry's initiator and URL.
pub fn resource_type(initiator: &str, path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match initiator {
        "css" => return "css",
        "script" => return "js",
        "img" | "image" | "imageset" | "input" | "icon" => return "image",
        "video" | "audio" | "track" => return "media",
        "iframe" | "frame" | "navigation" => return "document",
        _ => {}
    }
    match ext {
        "css" => "css",
        "js" | "mjs" => "js",
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "svg" | "ico" | "avif" | "bmp" => "image",
        "woff" | "woff2" | "ttf" | "otf" | "eot" => "font",
        "mp4" | "webm" | "mp3" | "ogg" | "wav" | "m4a" => "media",
        "html" | "htm" => "document",
        _ => "other",
    }
}

pub struct StaticResource<'a> {
    pub url: &'a str,
    pub name: &'a str,
    pub initiator: &'a str,
    pub timing: Timing,
    pub slow_threshold: f64,
}

impl StaticResource<'_> {
    pub fn fields(&self) -> String {
        let mut f = Fields::new();
        let path = crate::core::url::pathname(self.url);
        f.str("url", self.url).str("name", self.name).str("type", resource_type(self.initiator, path)).str("method", "GET");
        let status = self.timing.status;
        if status > 0.0 {
            f.num("status_code", status);
        }
        // 1 ok, 0 failed, -1 unknown (no status visible, e.g. cross-origin).
        f.num("success", if status == 0.0 { -1.0 } else if success(status) { 1.0 } else { 0.0 });
        f.pos("duration", Some(self.timing.duration));
        self.timing.write(&mut f);
        if self.timing.duration > self.slow_threshold {
            f.num("slow", 1.0);
        }
        f.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: String) -> String {
        crate::core::collect::obj(&v)
    }

    #[test]
    fn ok_failed_and_network_error_calls() {
        let base = || ApiCall {
            kind: "fetch",
            method: "GET",
            url: "http://h/api/ok?q=1",
            name: "/api/ok",
            status: 200.0,
            status_text: "OK",
            error: None,
            duration: 6.2,
            timing: None,
            trace_id: None,
            slow_threshold: 1000.0,
            success: None,
            snapshots: None,
            properties: Vec::new(),
        };
        assert_eq!(
            json(base().fields()),
            r#"{"url":"http://h/api/ok?q=1","name":"/api/ok","type":"fetch","method":"GET","success":1,"status_code":200,"message":"OK","duration":6.2}"#
        );
        let fail = ApiCall { status: 500.0, status_text: "Internal Server Error", method: "POST", ..base() };
        let f = json(fail.fields());
        assert!(f.contains(r#""success":0,"status_code":500,"message":"Internal Server Error""#), "{f}");
        let down = ApiCall { status: 0.0, status_text: "", error: Some("TypeError: Failed to fetch"), ..base() };
        let f = json(down.fields());
        assert!(f.contains(r#""success":0,"message":"TypeError: Failed to fetch""#) && !f.contains("status_code"), "{f}");
        let xhr = ApiCall { kind: "xmlhttprequest", status: 0.0, status_text: "", error: Some("error"), ..base() };
        assert!(json(xhr.fields()).contains(r#""message":"Error: error""#));
        let slow = ApiCall { duration: 1500.0, ..base() };
        assert!(json(slow.fields()).ends_with(r#""duration":1500,"slow":1}"#));
        let redirect = ApiCall { status: 304.0, ..base() };
        assert!(json(redirect.fields()).contains(r#""success":1"#));
        // evaluateApi said a 200 with an error payload is a failure, and added context.
        let judged = ApiCall {
            success: Some(0.0),
            snapshots: Some(String::from("{\"code\":\"E42\"}")),
            properties: alloc::vec![(String::from("biz"), crate::core::json::Value::str("cart"))],
            ..base()
        };
        let j = json(judged.fields());
        assert!(j.contains(r#""success":0"#) && j.ends_with(r#""snapshots":"{\"code\":\"E42\"}","properties":{"biz":"cart"}}"#), "{j}");
    }

    #[test]
    fn resource_types_and_status() {
        assert_eq!(resource_type("link", "/static/style.css"), "css");
        assert_eq!(resource_type("script", "/x"), "js");
        assert_eq!(resource_type("img", "/a"), "image");
        assert_eq!(resource_type("css", "/font.woff2"), "css");
        assert_eq!(resource_type("other", "/font.woff2"), "font");
        assert_eq!(resource_type("link", "/x"), "other");
        let r = StaticResource {
            url: "http://h/static/missing.png",
            name: "/static/missing.png",
            initiator: "img",
            timing: Timing { duration: 3.0, status: 404.0, ..Timing::default() },
            slow_threshold: 1000.0,
        };
        assert_eq!(
            json(r.fields()),
            r#"{"url":"http://h/static/missing.png","name":"/static/missing.png","type":"image","method":"GET","status_code":404,"success":0,"duration":3}"#
        );
        let unknown = StaticResource { timing: Timing { duration: 3.0, ..Timing::default() }, ..r };
        assert!(json(unknown.fields()).contains(r#""success":-1"#));
    }
}
