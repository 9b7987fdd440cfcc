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

/// Ops for the loader besides the modes (0 off, 1 buffer, 2 record).
const FORCED: u32 = 3;
/// Opted out: stop and drop what is buffered or waiting.
const DROP: u32 = 8;

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
    let is_chosen = chosen(sid, agent.cfg.replay_sample_rate);
    let mode = decide(
        session.is_some_and(|s| s.sampled),
        agent.opted_out(),
        is_chosen,
        agent.cfg.replay_buffer,
        r.forced,
        r.stopped,
    );
    let op = match mode {
        Mode::Off if agent.opted_out() => DROP,
        Mode::Record if !is_chosen => FORCED,
        m => m as u32,
    };
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
