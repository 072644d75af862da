//! An error answer (status, Retry-After, body), whatever it holds, becomes a status
//! error: never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_le_bytes([data[0], data[1]]) % 500;
    let rest = &data[2..];
    let split = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
    let retry_after = String::from_utf8_lossy(&rest[..split]);
    let body = rest.get(split + 1..).unwrap_or_default();
    open_connectors::fuzzing::status_error(status, &retry_after, body);
});
