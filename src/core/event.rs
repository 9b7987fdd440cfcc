//! The event model and the ARMS bundle (the batch on the wire).
//!
//! An event is serialized once, when it is created: its fields become a JSON fragment, and only
//! the header (ids, `times`, and `session_id`/`view` when they differ from the bundle's) is
//! written at flush time. That keeps flushing cheap and makes the queue's byte count exact.
//!
//! Every event gets its session id and view from one place, [`Stamp`], so no collector can forget
//! them.

use super::json::{write_str, write_u64, write_value, Value};
use alloc::string::String;
use alloc::vec::Vec;

/// The view (page) an event happened on.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ViewRef {
    pub id: String,
    pub name: String,
}

/// What every event carries, taken from the session and view current when it was created.
#[derive(Clone, Debug)]
pub struct Stamp {
    pub session_id: String,
    pub view: ViewRef,
    pub timestamp: u64,
    /// The 16-hex suffix of `event_id` (`00-<session>-<suffix>`).
    pub suffix: String,
}

#[derive(Clone, Debug)]
pub struct Event {
    pub stamp: Stamp,
    pub event_type: String,
    /// `None` for events without `times` (ARMS `custom`).
    pub times: Option<u32>,
    /// Equal keys merge while pending (`times` += 1): exceptions by message+stack, clicks by target.
    pub merge_key: Option<String>,
    /// The remaining fields, already serialized: `"type":"pv","name":…` (no braces).
    pub body: String,
}

impl Event {
    pub fn new(stamp: Stamp, event_type: &str, body: String, times: bool) -> Event {
        Event { stamp, event_type: String::from(event_type), times: times.then_some(1), merge_key: None, body }
    }

    #[cfg(test)] // the page sets merge keys through `Spec`; tests build events directly
    pub fn with_merge_key(mut self, key: String) -> Event {
        self.merge_key = Some(key);
        self
    }

    /// Bytes this event adds to a bundle, near enough for queue bounds and beacon splitting.
    pub fn approx_len(&self) -> usize {
        self.body.len() + self.stamp.view.name.len() + 200
    }

    /// Writes the event as a JSON object. `session_id` and `view` are left out when equal to
    /// the bundle's, as ARMS does.
    pub fn write(&self, bundle_session: &str, bundle_view: &ViewRef, out: &mut String) {
        out.push_str("{\"timestamp\":");
        write_u64(self.stamp.timestamp, out);
        out.push_str(",\"event_id\":\"00-");
        out.push_str(&self.stamp.session_id);
        out.push('-');
        out.push_str(&self.stamp.suffix);
        out.push('"');
        if self.stamp.session_id != bundle_session {
            out.push_str(",\"session_id\":");
            write_str(&self.stamp.session_id, out);
        }
        if self.stamp.view.id != bundle_view.id {
            out.push_str(",\"view\":{\"id\":");
            write_str(&self.stamp.view.id, out);
            out.push_str(",\"name\":");
            write_str(&self.stamp.view.name, out);
            out.push('}');
        }
        if let Some(t) = self.times {
            out.push_str(",\"times\":");
            write_u64(u64::from(t), out);
        }
        out.push_str(",\"event_type\":");
        write_str(&self.event_type, out);
        if !self.body.is_empty() {
            out.push(',');
            out.push_str(&self.body);
        }
        out.push('}');
    }
}

pub fn write_fields(fields: &[(String, Value)], out: &mut String) {
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_str(k, out);
        out.push(':');
        write_value(v, out);
    }
}

/// Everything of a bundle but its events.
pub struct BundleHead<'a> {
    pub pid: &'a str,
    pub env: &'a str,
    pub version: Option<&'a str>,
    pub app: &'a [(String, Value)],
    pub uid: &'a str,
    pub user: &'a [(String, Value)],
    pub net_model: &'a str,
    pub view: &'a ViewRef,
    pub properties: &'a [(String, Value)],
    pub extra: &'a [(&'static str, Vec<(String, Value)>)],
    pub sdk_tag: &'a str,
    /// Events dropped since the last bundle because the queue was full (never silent).
    pub dropped: u32,
    /// Bundles dropped since the last bundle because the outbox was full.
    pub dropped_batches: u32,
}

/// Writes one bundle, keys in ARMS's order: `app, user, session, net, view, events, properties, _v`.
/// (The agent streams its bundles through `bundle_open`/`bundle_close`; this whole-bundle form
/// is what the tests check the order with.)
#[cfg(test)]
pub fn write_bundle(head: &BundleHead, session_id: &str, events: &[Event], out: &mut String) {
    bundle_open(head, session_id, out);
    for (i, e) in events.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        e.write(session_id, head.view, out);
    }
    bundle_close(head, out);
}

/// A bundle up to its events: `{"app":…,"view":{…},"events":[`.
pub fn bundle_open(head: &BundleHead, session_id: &str, out: &mut String) {
    // app: id, env, version, type first; config.app fields after, replacing in place; type stays.
    let mut app: Vec<(String, Value)> = Vec::with_capacity(4 + head.app.len());
    app.push((String::from("id"), Value::str(head.pid)));
    app.push((String::from("env"), Value::str(head.env)));
    if let Some(v) = head.version {
        app.push((String::from("version"), Value::str(v)));
    }
    app.push((String::from("type"), Value::str("browser")));
    let mut app = Value::Obj(app);
    for (k, v) in head.app {
        if k != "type" {
            app.set(k, v.clone());
        }
    }
    out.push_str("{\"app\":");
    write_value(&app, out);

    out.push_str(",\"user\":{\"id\":");
    write_str(head.uid, out);
    if !head.user.is_empty() {
        out.push(',');
        write_fields(head.user, out);
    }
    out.push_str("},\"session\":{\"id\":");
    write_str(session_id, out);
    out.push_str("},\"net\":{\"model\":");
    write_str(head.net_model, out);
    out.push_str("},\"view\":{\"id\":");
    write_str(&head.view.id, out);
    out.push_str(",\"name\":");
    write_str(&head.view.name, out);
    out.push_str("},\"events\":[");
}

/// The rest of a bundle after its events.
pub fn bundle_close(head: &BundleHead, out: &mut String) {
    out.push(']');
    if !head.properties.is_empty() {
        out.push_str(",\"properties\":{");
        write_fields(head.properties, out);
        out.push('}');
    }
    for (name, fields) in head.extra {
        out.push_str(",\"");
        out.push_str(name);
        out.push_str("\":{");
        write_fields(fields, out);
        out.push('}');
    }
    if head.dropped > 0 {
        out.push_str(",\"dropped\":");
        write_u64(u64::from(head.dropped), out);
    }
    if head.dropped_batches > 0 {
        out.push_str(",\"dropped_batches\":");
        write_u64(u64::from(head.dropped_batches), out);
    }
    out.push_str(",\"_v\":");
    write_str(head.sdk_tag, out);
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::json::parse;

    fn stamp(session: &str, view: &str, ts: u64) -> Stamp {
        Stamp {
            session_id: String::from(session),
            view: ViewRef { id: String::from(view), name: alloc::format!("/{view}") },
            timestamp: ts,
            suffix: String::from("0123456789abcdef"),
        }
    }

    fn f(k: &str, v: Value) -> (String, Value) {
        (String::from(k), v)
    }

    #[test]
    fn app_fields_of_the_config_replace_ours_in_place_or_follow_them() {
        let app = [
            f("env", Value::str("staging")),
            f("name", Value::str("shop")),
            f("version", Value::Num(9.0)),
            f("type", Value::str("x")),
        ];
        let view = ViewRef::default();
        let head = |version| BundleHead {
            pid: "p",
            env: "prod",
            version,
            app: &app,
            uid: "u",
            user: &[],
            net_model: "",
            view: &view,
            properties: &[],
            extra: &[],
            sdk_tag: "t",
            dropped: 0,
            dropped_batches: 0,
        };
        let app_of = |h: BundleHead| {
            let mut out = String::new();
            write_bundle(&h, "s", &[], &mut out);
            parse(&out).unwrap().get("app").unwrap().to_json()
        };
        assert_eq!(
            app_of(head(Some("1.0"))),
            r#"{"id":"p","env":"staging","version":9,"type":"browser","name":"shop"}"#
        );
        assert_eq!(app_of(head(None)), r#"{"id":"p","env":"staging","type":"browser","name":"shop","version":9}"#);
    }

    #[test]
    fn bundle_has_the_arms_shape_and_elides_equal_session_and_view() {
        let pv = Event::new(
            stamp("s1", "v1", 1795390440504),
            "view",
            String::from(r#""type":"pv","name":"/v1","loading_type":"initial_load""#),
            true,
        );
        let old_view = Event::new(stamp("s1", "v0", 1795390440505), "action", String::from(r#""type":"click""#), true);
        let custom =
            Event::new(stamp("s1", "v1", 1795390440506), "custom", String::from(r#""type":"biz","value":42"#), false);
        let app =
            [f("name", Value::str("harness-app")), f("type", Value::str("evil")), f("channel", Value::str("web"))];
        let user = [f("name", Value::str("Alice")), f("tags", Value::str("vip"))];
        let props = [f("tenant", Value::str("acme")), f("build", Value::Num(77.0))];
        let view = ViewRef { id: String::from("v1"), name: String::from("/v1") };
        let head = BundleHead {
            pid: "harness-pid@abc123",
            env: "local",
            version: Some("1.2.3"),
            app: &app,
            uid: "uid_djql8tefthpqbd2g",
            user: &user,
            net_model: "4g",
            view: &view,
            properties: &props,
            extra: &[],
            sdk_tag: "rum-wasm-0.1.0",
            dropped: 0,
            dropped_batches: 0,
        };
        let mut out = String::new();
        write_bundle(&head, "s1", &[pv, old_view, custom], &mut out);
        let b = parse(&out).expect("valid JSON");
        let keys: Vec<&str> = b.as_obj().unwrap().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["app", "user", "session", "net", "view", "events", "properties", "_v"]);
        assert_eq!(
            b.get("app").unwrap().to_json(),
            r#"{"id":"harness-pid@abc123","env":"local","version":"1.2.3","type":"browser","name":"harness-app","channel":"web"}"#
        );
        assert_eq!(b.get("user").unwrap().to_json(), r#"{"id":"uid_djql8tefthpqbd2g","name":"Alice","tags":"vip"}"#);
        let events = b.get("events").unwrap().as_arr().unwrap();
        assert_eq!(
            events[0].to_json(),
            r#"{"timestamp":1795390440504,"event_id":"00-s1-0123456789abcdef","times":1,"event_type":"view","type":"pv","name":"/v1","loading_type":"initial_load"}"#
        );
        assert_eq!(events[1].get("view").unwrap().to_json(), r#"{"id":"v0","name":"/v0"}"#);
        assert!(events[2].get("times").is_none(), "custom events have no times");
        assert!(events.iter().all(|e| e.get("session_id").is_none()));
    }

    #[test]
    fn events_of_another_session_keep_their_session_id() {
        let e = Event::new(stamp("old", "v1", 1), "exception", String::new(), true);
        let mut out = String::new();
        e.write("new", &ViewRef { id: String::from("v1"), name: String::new() }, &mut out);
        let v = parse(&out).unwrap();
        assert_eq!(v.get("session_id").unwrap().as_str(), Some("old"));
        assert_eq!(v.get("event_id").unwrap().as_str(), Some("00-old-0123456789abcdef"));
    }
}
