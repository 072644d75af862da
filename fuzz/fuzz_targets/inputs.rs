//! A caller's arguments and options (as JSON), whatever they hold, are accepted or
//! refused with `invalid_input`: never a panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|json: &[u8]| {
    open_connectors::fuzzing::inputs(json);
});
