//! Long tasks (`longTask`/`fps`): a main-thread stall made of long animation frames.

use super::Fields;
use crate::core::json::{write_num, write_str};
use alloc::string::String;
use alloc::vec::Vec;

pub struct Script {
    pub url: String,
    pub function: String,
    pub invoker: String,
    pub duration: f64,
}

pub struct LongTask {
    /// `LoAF` or `longtask`.
    pub source: String,
    pub duration: f64,
    pub frames: f64,
    pub scripts: Vec<Script>,
}

/// Reported stalls are at least this long (ARMS's threshold).
pub const MIN_DURATION: f64 = 150.0;
const MAX_SCRIPTS: usize = 5;

impl LongTask {
    pub fn fields(&self) -> Option<String> {
        if !(self.duration >= MIN_DURATION) {
            return None;
        }
        let mut f = Fields::new();
        f.str("type", "fps").str("source", &self.source).num("duration", self.duration);
        // Frames per second during the stall.
        let fps = 1000.0 / (self.duration / self.frames.max(1.0));
        f.num("fps", (fps + 0.5) as u64 as f64);
        f.str("snapshots", &self.snapshots());
        Some(f.take())
    }

    /// The longest scripts, as a JSON string (ARMS keeps the whole entries; these fields say
    /// which code stalled the page in a fraction of the bytes).
    fn snapshots(&self) -> String {
        // The longest few, picked by repeated max: a sort would bring kilobytes of wasm for
        // lists that hold a handful of entries.
        let mut left: Vec<&Script> = self.scripts.iter().collect();
        let mut order: Vec<&Script> = Vec::new();
        while order.len() < MAX_SCRIPTS && !left.is_empty() {
            let mut best = 0;
            for (i, s) in left.iter().enumerate() {
                if s.duration > left.get(best).map_or(f64::MIN, |b| b.duration) {
                    best = i;
                }
            }
            order.push(left.swap_remove(best));
        }
        let mut out = String::from("[");
        for (i, s) in order.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"sourceURL\":");
            write_str(&s.url, &mut out);
            out.push_str(",\"sourceFunctionName\":");
            write_str(&s.function, &mut out);
            out.push_str(",\"invokerType\":");
            write_str(&s.invoker, &mut out);
            out.push_str(",\"duration\":");
            write_num(s.duration, &mut out);
            out.push('}');
        }
        out.push(']');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_200ms_stall_is_reported_and_short_ones_are_not() {
        let t = LongTask {
            source: String::from("LoAF"),
            duration: 201.0,
            frames: 1.0,
            scripts: alloc::vec![
                Script { url: String::from("a.js"), function: String::from("f"), invoker: String::from("classic-script"), duration: 8.2 },
                Script { url: String::from("b.js"), function: String::new(), invoker: String::from("event-listener"), duration: 190.5 },
            ],
        };
        assert_eq!(
            crate::core::collect::obj(&t.fields().unwrap()),
            r#"{"type":"fps","source":"LoAF","duration":201,"fps":5,"snapshots":"[{\"sourceURL\":\"b.js\",\"sourceFunctionName\":\"\",\"invokerType\":\"event-listener\",\"duration\":190.5},{\"sourceURL\":\"a.js\",\"sourceFunctionName\":\"f\",\"invokerType\":\"classic-script\",\"duration\":8.2}]"}"#
        );
        assert!(LongTask { duration: 120.0, ..t }.fields().is_none());
    }
}
