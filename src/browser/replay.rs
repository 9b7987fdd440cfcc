//! Session replay in the core page: whether this page records (the rules are
//! `core::replay`), told to the loader (replay.js), which fetches the recorder only when a
//! session records. Everything else (recording, segments, delivery, the upload of the buffer
//! on a JS error) is in the lazy file.

use super::runtime::Runtime;
use crate::core::replay::{chosen, decide};
use wasm_bindgen::prelude::*;

// Not `catch`: replay.js catches what it calls and never throws.
#[wasm_bindgen(module = "/src/browser/replay.js")]
extern "C" {
    fn replay(op: u32, session: &str, view: &str);
}

/// Tells the loader the mode, session and view after each hub call (session renewal, route
/// change, bfcache restore, opt-out and the API all pass there); nothing while replay is off.
pub fn sync(rt: &mut Runtime) {
    let Runtime { agent, replay: c, .. } = rt;
    let session = agent.sessions.current.as_ref();
    let sid = session.map_or("", |s| s.id.as_str());
    let mode = decide(
        session.is_some_and(|s| s.sampled),
        agent.opted_out(),
        chosen(sid, agent.cfg.replay_sample_rate),
        agent.cfg.replay_buffer,
        c.forced,
        c.stopped,
    );
    if c.tell(mode) {
        replay(mode as u32, sid, &agent.view.r.id);
    }
}
