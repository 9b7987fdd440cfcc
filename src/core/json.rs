//! A small JSON value, parser and writer.
//!
//! The SDK ships in every user's page, so it cannot afford `serde_json` (tens of KB of wasm) nor
//! `core::fmt` (pulled in by `format!` and float `Display`). This module is all the JSON the SDK
//! needs: objects keep their key order (the ARMS wire order), numbers are written with at most
//! three decimals (as ARMS truncates them), and nothing here can panic on any input.

use alloc::string::String;
use alloc::vec::Vec;

/// A JSON value. Objects are ordered key/value lists: small, and the order is the wire order.
#[derive(Clone, PartialEq)]
#[cfg_attr(test, derive(Debug))]
pub enum Value {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

/// Nesting deeper than this is rejected: a hostile remote config must not blow the stack.
const MAX_DEPTH: u32 = 64;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(String::from(s))
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_path(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self;
        for key in path {
            v = v.get(key)?;
        }
        Some(v)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Num(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_obj(&self) -> Option<&[(String, Value)]> {
        match self {
            Value::Obj(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_arr(&self) -> Option<&[Value]> {
        match self {
            Value::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// JavaScript truthiness, for options ARMS tests with `if (x)`.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Arr(_) | Value::Obj(_) => true,
        }
    }

    /// Sets `key` in an object, replacing an existing value in place (keeps its position).
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Obj(fields) = self {
            match fields.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => fields.push((String::from(key), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<Value> {
        if let Value::Obj(fields) = self {
            let i = fields.iter().position(|(k, _)| k == key)?;
            return Some(fields.remove(i).1);
        }
        None
    }

    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_value(self, &mut out);
        out
    }
}

/// Parses a JSON text. `None` for anything that is not exactly one JSON value.
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser { t: text, i: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.i == text.len()).then_some(v)
}

struct Parser<'a> {
    t: &'a str,
    i: usize,
}

impl Parser<'_> {
    /// The byte at the cursor, 0 past the end: a 0 byte is invalid wherever it is looked at
    /// (outside strings it starts no value, inside one it is a raw control character).
    fn peek(&self) -> u8 {
        self.t.as_bytes().get(self.i).copied().unwrap_or(0)
    }

    fn ws(&mut self) {
        while let b' ' | b'\n' | b'\r' | b'\t' = self.peek() {
            self.i += 1;
        }
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        let hit = self.t.as_bytes().get(self.i..self.i + lit.len()) == Some(lit);
        if hit {
            self.i += lit.len();
        }
        hit
    }

    /// Skips whitespace, then consumes `b` if it is next.
    fn tok(&mut self, b: u8) -> bool {
        self.ws();
        let hit = self.peek() == b;
        if hit {
            self.i += 1;
        }
        hit
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        let c = self.peek();
        match c {
            b'{' | b'[' => {
                self.i += 1;
                let obj = c == b'{';
                // '}' and ']' are two code points after '{' and '['.
                let close = c + 2;
                let mut items = Vec::new();
                let mut fields = Vec::new();
                if !self.tok(close) {
                    loop {
                        if obj {
                            self.ws();
                            let k = self.string()?;
                            if !self.tok(b':') {
                                return None;
                            }
                            fields.push((k, self.value(depth + 1)?));
                        } else {
                            items.push(self.value(depth + 1)?);
                        }
                        if self.tok(close) {
                            break;
                        }
                        if !self.tok(b',') {
                            return None;
                        }
                    }
                }
                Some(if obj { Value::Obj(fields) } else { Value::Arr(items) })
            }
            b'"' => self.string().map(Value::Str),
            // A 't', 'f' or 'n' that starts no literal falls to `number`, which rejects it.
            b't' if self.eat(b"true") => Some(Value::Bool(true)),
            b'f' if self.eat(b"false") => Some(Value::Bool(false)),
            b'n' if self.eat(b"null") => Some(Value::Null),
            _ => self.number().map(Value::Num),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            n = n * 16 + char::from(self.peek()).to_digit(16)?;
            self.i += 1;
        }
        Some(n)
    }

    fn string(&mut self) -> Option<String> {
        if self.peek() != b'"' {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            let b = self.peek();
            if b != b'"' && b != b'\\' && b >= 0x20 {
                self.i += 1;
                continue;
            }
            // The run before an ASCII byte is whole UTF-8 (the input is a &str): copy it at once.
            out.push_str(self.t.get(start..self.i)?);
            self.i += 1;
            if b == b'"' {
                return Some(out);
            }
            if b != b'\\' {
                return None; // raw control character, or the end of the input
            }
            let c = self.peek();
            self.i += 1;
            let ch = match c {
                b'"' | b'\\' | b'/' => char::from(c),
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let hi = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&hi) && self.eat(b"\\u") {
                        let lo = self.hex4()?;
                        0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
                    } else {
                        hi
                    };
                    char::from_u32(code).unwrap_or('\u{FFFD}')
                }
                _ => return None,
            };
            out.push(ch);
            start = self.i;
        }
    }

    /// Hand-rolled to keep `core::num::dec2flt` out of the wasm; exact for integers up to 2^53
    /// and within an ulp or two for decimals, which is all config and timing values need.
    /// As lenient as it always was: "01", ".5" and "1." are read as numbers.
    fn number(&mut self) -> Option<f64> {
        let neg = self.eat(b"-");
        let mut mant = 0f64;
        let mut digits = 0;
        let mut exp: i32 = 0;
        let mut dot = false;
        loop {
            match self.peek() {
                d @ b'0'..=b'9' => {
                    mant = mant * 10.0 + f64::from(d - b'0');
                    digits += 1;
                    if dot {
                        exp -= 1;
                    }
                }
                b'.' if !dot => dot = true,
                _ => break,
            }
            self.i += 1;
        }
        if digits == 0 {
            return None;
        }
        if self.peek() | 0x20 == b'e' {
            self.i += 1;
            let eneg = self.eat(b"-");
            if !eneg {
                self.eat(b"+");
            }
            // Capped rather than saturating: any exponent past 1e8 gives infinity or zero anyway.
            let mut e: i32 = 0;
            let start = self.i;
            while let d @ b'0'..=b'9' = self.peek() {
                e = (e * 10 + i32::from(d - b'0')).min(100_000_000);
                self.i += 1;
            }
            if self.i == start {
                return None;
            }
            exp += if eneg { -e } else { e };
        }
        let v = scale10(mant, exp);
        Some(if neg { -v } else { v })
    }
}

fn scale10(mut v: f64, exp: i32) -> f64 {
    // Dividing by an exact power of ten is more precise than multiplying by its inverse.
    // Stops once the value is 0 or infinite: a hostile "1e99999999" costs a few steps, not millions.
    let mut e = exp;
    while e > 0 && v.is_finite() && v != 0.0 {
        let step = e.min(22);
        v *= pow10(step);
        e -= step;
    }
    while e < 0 && v != 0.0 {
        let step = (-e).min(22);
        v /= pow10(step);
        e += step;
    }
    v
}

fn pow10(n: i32) -> f64 {
    let mut p = 1f64;
    for _ in 0..n {
        p *= 10.0;
    }
    p
}

pub fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Num(n) => write_num(*n, out),
        Value::Str(s) => write_str(s, out),
        Value::Arr(items) => {
            let mut sep = '[';
            for item in items {
                out.push(sep);
                sep = ',';
                write_value(item, out);
            }
            if sep == '[' {
                out.push('[');
            }
            out.push(']');
        }
        Value::Obj(fields) => {
            let mut sep = '{';
            for (k, val) in fields {
                out.push(sep);
                sep = ',';
                write_str(k, out);
                out.push(':');
                write_value(val, out);
            }
            if sep == '{' {
                out.push('{');
            }
            out.push('}');
        }
    }
}

pub fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let h = s.as_bytes();
    let (mut i, mut start) = (0, 0);
    while let Some(&b) = h.get(i) {
        let e = match b {
            b'"' | b'\\' => b,
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            0..=0x1f => b'u',
            _ => {
                i += 1;
                continue;
            }
        };
        // `start` and `i` sit on ASCII bytes (or the ends): whole UTF-8 between them.
        out.push_str(s.get(start..i).unwrap_or(""));
        out.push('\\');
        out.push(char::from(e));
        if e == b'u' {
            out.push_str("00");
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0xf));
        }
        i += 1;
        start = i;
    }
    out.push_str(s.get(start..).unwrap_or(""));
    out.push('"');
}

pub fn hex_digit(n: u8) -> char {
    char::from(if n < 10 { b'0' + n } else { b'a' + n - 10 })
}

/// Writes an integer without `core::fmt` (recursion depth at most 20).
pub fn write_u64(n: u64, out: &mut String) {
    if n >= 10 {
        write_u64(n / 10, out);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

pub fn u64_to_string(n: u64) -> String {
    let mut s = String::new();
    write_u64(n, &mut s);
    s
}

/// Writes a number as ARMS does: decimals truncated to three places. Non-finite numbers are
/// not JSON; they become `null` rather than an invalid body.
pub fn write_num(n: f64, out: &mut String) {
    if !n.is_finite() {
        out.push_str("null");
        return;
    }
    let neg = n < 0.0;
    let a = if neg { -n } else { n };
    // `as` saturates: 1e300 is written as u64::MAX, still a valid number.
    let whole = a as u64;
    // Truncate (not round) to 3 decimals; the epsilon absorbs binary noise such as 0.1 + 0.2.
    // From 9e15 on there is no fraction to write (and whole may have saturated).
    let mut milli = 0;
    if a < 9.0e15 {
        milli = ((((a - whole as f64) * 1000.0) + 1e-6) as u32).min(999);
    }
    if neg && (whole > 0 || milli > 0) {
        out.push('-');
    }
    write_u64(whole, out);
    if milli > 0 {
        out.push('.');
        // Digits until the rest is zero: 500 -> "5", 50 -> "05", 5 -> "005".
        let mut div = 100;
        while milli > 0 && div > 0 {
            out.push(char::from(b'0' + (milli / div) as u8));
            milli %= div;
            div /= 10;
        }
    }
}

pub fn num_to_string(n: f64) -> String {
    let mut s = String::new();
    write_num(n, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_round_trip() {
        let text = r#"{"a":1,"b":[true,false,null],"c":"x\"y\\z\n","d":{"e":-2.5},"f":1e3}"#;
        let v = parse(text).unwrap();
        assert_eq!(v.get("a").unwrap().as_f64(), Some(1.0));
        assert_eq!(v.get_path(&["d", "e"]).unwrap().as_f64(), Some(-2.5));
        assert_eq!(v.get("f").unwrap().as_f64(), Some(1000.0));
        assert_eq!(v.to_json(), r#"{"a":1,"b":[true,false,null],"c":"x\"y\\z\n","d":{"e":-2.5},"f":1000}"#);
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in ["", "{", "[1,]", "{\"a\"}", "tru", "1 2", "\"\u{1}\"", "{\"a\":1,}", "-", "1e", "\"\\x\""] {
            assert!(parse(bad).is_none(), "accepted {bad:?}");
        }
    }

    #[test]
    fn edge_cases_keep_their_old_answers() {
        // Lenient numbers, as the parser always read them.
        assert_eq!(parse(".5").unwrap().as_f64(), Some(0.5));
        assert_eq!(parse("1.").unwrap().as_f64(), Some(1.0));
        assert_eq!(parse("01").unwrap().as_f64(), Some(1.0));
        assert_eq!(parse("2E+2").unwrap().as_f64(), Some(200.0));
        assert_eq!(parse(" [ ] ").unwrap().to_json(), "[]");
        assert_eq!(parse("{ }").unwrap().to_json(), "{}");
        assert_eq!(parse(r#"{ "a" : [ 1 , { } ] }"#).unwrap().to_json(), r#"{"a":[1,{}]}"#);
        for bad in [
            "1.2.3",
            ".",
            "-.",
            "1e+",
            "- 1",
            "\"abc",
            "\"a\\",
            "\"\\u12\"",
            "\"\0\"",
            "[1 2]",
            "{\"a\" 1}",
            "{1:2}",
            "nul",
            "[}",
            "{]",
            "\"\\ud800\\u12\"",
        ] {
            assert!(parse(bad).is_none(), "accepted {bad:?}");
        }
        // Escapes: all the short ones, a lone surrogate, a surrogate followed by a non-surrogate.
        let v = parse(r#""\"\\\/\b\f\n\r\t|\ud800|\u0041\u00E9""#).unwrap();
        assert_eq!(v.as_str(), Some("\"\\/\u{8}\u{c}\n\r\t|\u{FFFD}|Aé"));
        assert_eq!(parse(r#""\ud83d\u0041""#).unwrap().as_str(), Some("\u{1f441}"));
        assert_eq!(parse("\"é中😀\\n\"").unwrap().as_str(), Some("é中😀\n"));
    }

    #[test]
    fn rejects_deep_nesting_without_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).is_none());
        let ok = "[".repeat(30) + &"]".repeat(30);
        assert!(parse(&ok).is_some());
    }

    #[test]
    fn unicode_escapes_and_raw_utf8() {
        let v = parse(r#""\u00e9\ud83d\ude00 é 中""#).unwrap();
        assert_eq!(v.as_str(), Some("é😀 é 中"));
        assert_eq!(Value::str("a\u{1}b").to_json(), "\"a\\u0001b\"");
        assert_eq!(
            Value::str("\u{0}\u{1f}\u{8}\"\\\n\r\té\u{7f}/").to_json(),
            r#""\u0000\u001f\u0008\"\\\n\r\té\u{7f}/""#.replace("\\u{7f}", "\u{7f}")
        );
        assert_eq!(Value::Arr(Vec::new()).to_json(), "[]");
        assert_eq!(Value::Obj(Vec::new()).to_json(), "{}");
        assert_eq!(u64_to_string(0), "0");
        assert_eq!(u64_to_string(u64::MAX), "18446744073709551615");
    }

    #[test]
    fn huge_exponents_end_at_once() {
        assert_eq!(parse("1e99999999").and_then(|v| v.as_f64()), Some(f64::INFINITY));
        assert_eq!(parse("-1e99999999").and_then(|v| v.as_f64()), Some(f64::NEG_INFINITY));
        assert_eq!(parse("1e-99999999").and_then(|v| v.as_f64()), Some(0.0));
        assert_eq!(parse("0e99999999").and_then(|v| v.as_f64()), Some(0.0));
    }

    #[test]
    fn numbers_are_written_like_arms() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (42.0, "42"),
            (-3.0, "-3"),
            (159.60000000009313, "159.6"),
            (28.3999, "28.399"),
            (0.1 + 0.2, "0.3"),
            (1795390440504.0, "1795390440504"),
            (-0.0004, "0"),
            (-1.25, "-1.25"),
            (0.05, "0.05"),
            (2.005, "2.005"),
            (7.5, "7.5"),
            (-9.5e15, "-9500000000000000"),
            (4.0e15 + 0.5, "4000000000000000.5"),
            (f64::NAN, "null"),
            (f64::INFINITY, "null"),
            (1e300, "18446744073709551615"),
        ];
        for (n, want) in cases {
            assert_eq!(num_to_string(*n), *want, "for {n}");
        }
    }

    #[test]
    fn parsed_numbers_are_exact_enough() {
        assert_eq!(parse("0.1").unwrap().as_f64(), Some(0.1));
        assert_eq!(parse("3000").unwrap().as_f64(), Some(3000.0));
        assert_eq!(parse("1795390440504").unwrap().as_f64(), Some(1795390440504.0));
        assert_eq!(parse("-1.5E-2").unwrap().as_f64(), Some(-0.015));
        assert_eq!(parse("1e400").unwrap().as_f64(), Some(f64::INFINITY));
        assert_eq!(parse("1e99999999999999").unwrap().as_f64(), Some(f64::INFINITY));
        assert_eq!(parse("-1e-99999999999999").unwrap().as_f64(), Some(-0.0));
        assert_eq!(parse("0e99999999999999").unwrap().as_f64(), Some(0.0));
        assert_eq!(parse("1.5e-1").unwrap().as_f64(), Some(0.15));
    }

    #[test]
    fn set_replaces_in_place_and_remove() {
        let mut v = parse(r#"{"a":1,"b":2}"#).unwrap();
        v.set("a", Value::Num(3.0));
        v.set("c", Value::Null);
        assert_eq!(v.to_json(), r#"{"a":3,"b":2,"c":null}"#);
        assert!(v.remove("b").is_some());
        assert_eq!(v.to_json(), r#"{"a":3,"c":null}"#);
    }
}
