//! Limits and defaults that both languages apply. The JS report builders read them from
//! `src/browser/constants.js`, generated from this file and `browser/kinds.rs` by
//! `scripts/gen-shared.mjs` (`npm test` fails when that file is stale). Plain literals only:
//! the generator reads `pub const NAME: type = literal;` lines.

/// `properties` (config, custom events, evaluateApi's answer): at most this many entries,
pub const PROPERTIES_MAX: usize = 20;
/// keys cut to this many characters,
pub const PROPERTY_KEY_MAX: usize = 50;
/// string values cut to this many characters (numbers kept, anything else dropped).
pub const PROPERTY_VALUE_MAX: usize = 2000;
/// A page load slower than this (ms) is `slow`, unless the config says otherwise.
pub const SLOW_LOAD_MS: f64 = 3000.0;
/// A resource or API call slower than this (ms) is `slow`, unless the config says otherwise.
pub const SLOW_RESOURCE_MS: f64 = 1000.0;
