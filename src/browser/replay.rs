//! Session replay in the core page: whether this page records (the rules are
//! `core::replay`), told to the loader (replay.js), which fetches the recorder only when a
//! session records. Everything else (recording, segments, delivery, the upload of the buffer
//! on a JS error) is in the lazy file.

use super::runtime::Runtime;
use crate::core::replay::{chosen, decide, Mode};
use wasm_bindgen::prelude::*;

// Not `catch`: replay.js catches what it calls and never throws.
#[wasm_bindgen(module = "/src/browser/replay.js")]
extern "C" {
    fn replay(op: u32, session: &str, view: &str);
}

#[derive(Default)]
pub struct Replay {
    forced: bool,
    stopped: bool,
    /// The op the loader was told last. (The loader drops repeats of the same op, session
    /// and view: comparing there costs no string copies in the wasm.)
    told: u32,
}

/// Tells the loader the mode, session and view after each hub call (session renewal, route
/// change, bfcache restore, opt-out and the API all pass there); nothing while replay is off.
pub fn sync(rt: &mut Runtime) {
    let Runtime { agent, replay: r, .. } = rt;
    let session = agent.sessions.current.as_ref();
    let sid = session.map_or("", |s| s.id.as_str());
    let op = decide(
        session.is_some_and(|s| s.sampled),
        agent.opted_out(),
        chosen(sid, agent.cfg.replay_sample_rate),
        agent.cfg.replay_buffer,
        r.forced,
        r.stopped,
    ) as u32;
    if op == 0 && r.told == 0 {
        return;
    }
    r.told = op;
    replay(op, sid, &agent.view.r.id);
}

/// `startSessionReplayRecording({ force })` (`how` 1, or 2 with force) and
/// `stopSessionReplayRecording()` (`how` 0).
pub fn api(rt: &mut Runtime, how: u32) {
    let r = &mut rt.replay;
    r.forced = how == 2 || (how != 0 && r.forced);
    r.stopped = how == 0;
}
