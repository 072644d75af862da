//! A 2xx body, whatever it holds, decodes or fails with a typed error: never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    open_connectors::fuzzing::decode_instance(body);
});
