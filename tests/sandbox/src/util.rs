//! Small helpers: ids and tokens, dates, HTML stripping and JSON writing.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jiff::Timestamp;

/// The SplitMix64 finaliser: a bijection on `u64` that mixes its bits well.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// Request ids and instance tokens. Not cryptographic: this is a test emulator.
pub(crate) struct Ids {
    seed: u64,
    counter: AtomicU64,
}

impl Ids {
    pub(crate) fn new() -> Ids {
        static SANDBOXES: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let local = 0u8;
        let seed = mix64(
            nanos
                ^ u64::from(std::process::id()).rotate_left(32)
                ^ (&local as *const u8 as u64)
                ^ SANDBOXES
                    .fetch_add(1, Ordering::Relaxed)
                    .wrapping_mul(GOLDEN),
        );
        Ids {
            seed,
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> u64 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// 24 lowercase hex digits, unique per sandbox: the low 64 bits are a bijection
    /// of a counter.
    pub(crate) fn request_id(&self) -> String {
        let n = self.next();
        let lo = mix64(n ^ self.seed);
        let hi = mix64(n.wrapping_add(self.seed.rotate_left(17))) >> 32;
        format!("{hi:08x}{lo:016x}")
    }

    /// 32 pseudo-random lowercase hex digits: OAuth codes, verifiers, tokens and
    /// secrets (no character needs percent-encoding).
    pub(crate) fn hex32(&self) -> String {
        let n = self.next();
        let a = mix64(self.seed.rotate_left(41) ^ n.wrapping_mul(GOLDEN));
        let b = mix64(a ^ self.seed);
        format!("{a:016x}{b:016x}")
    }

    /// 32 pseudo-random bytes in standard base64 with padding (44 characters).
    pub(crate) fn token(&self) -> String {
        let n = self.next();
        let mut state = mix64(self.seed.rotate_left(29) ^ n.wrapping_mul(GOLDEN));
        let mut bytes = [0u8; 32];
        for chunk in bytes.chunks_mut(8) {
            state = state.wrapping_add(GOLDEN);
            chunk.copy_from_slice(&mix64(state).to_le_bytes());
        }
        BASE64.encode(bytes)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` (ISO 8601 in UTC, whole seconds), as the platform's
/// `createdDate`, e.g. `2018-04-11T18:25:46Z`.
pub(crate) fn iso8601_utc(time: Timestamp) -> String {
    time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn now_iso8601() -> String {
    iso8601_utc(Timestamp::now())
}

/// Removes HTML tags (`<a href="x">text</a>` becomes `text`), as the platform does
/// with instance names. A `<` that does not open a tag is kept.
pub(crate) fn strip_tags(s: &str) -> Cow<'_, str> {
    if !s.contains('<') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let opens_tag =
            after.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'));
        match after.find('>') {
            Some(j) if opens_tag => rest = &after[j + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    serde_json::to_writer(&mut *out, s).expect("writing JSON to a Vec cannot fail");
}

/// Appends any value as compact JSON.
pub(crate) fn write_json<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(&mut *out, v).expect("writing JSON to a Vec cannot fail");
}

/// Appends an unsigned integer in decimal.
pub(crate) fn write_u64(out: &mut Vec<u8>, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for (secs, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (1_523_471_146, "2018-04-11T18:25:46Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
            (1_709_164_800, "2024-02-29T00:00:00Z"),
        ] {
            assert_eq!(iso8601_utc(Timestamp::from_second(secs).unwrap()), want);
        }
        // Fractions of a second are cut, not rounded.
        let late = Timestamp::new(1_523_471_146, 999_999_999).unwrap();
        assert_eq!(iso8601_utc(late), "2018-04-11T18:25:46Z");
        let now = now_iso8601();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'), "{now}");
    }

    #[test]
    fn ids_are_unique_hex() {
        let ids = Ids::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = ids.request_id();
            assert_eq!(id.len(), 24);
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            );
            assert!(seen.insert(id));
        }
        let t = ids.token();
        assert_eq!(t.len(), 44);
        assert!(t.ends_with('='));
        assert_eq!(BASE64.decode(&t).unwrap().len(), 32);
        assert_ne!(t, ids.token());
        let h = ids.hex32();
        assert_eq!(h.len(), 32);
        assert!(
            h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_ne!(h, ids.hex32());
    }

    #[test]
    fn tags_are_stripped() {
        assert_eq!(strip_tags("<a href=\"x\">churros-xss</a>"), "churros-xss");
        assert_eq!(strip_tags("plain"), "plain");
        assert_eq!(strip_tags("a < b and <b>bold</b>"), "a < b and bold");
        assert_eq!(strip_tags("<unclosed"), "<unclosed");
    }

    #[test]
    fn integers() {
        for n in [0u64, 7, 10, 477_858, u64::MAX] {
            let mut v = Vec::new();
            write_u64(&mut v, n);
            assert_eq!(String::from_utf8(v).unwrap(), n.to_string());
        }
    }
}
