//! Dates, and the masking of secrets in server text: never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    open_connectors::fuzzing::timestamp(&text);
    let mut parts = text.splitn(3, '\u{1}');
    let auth = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    open_connectors::fuzzing::mask(auth, body.as_bytes(), rest);
});
